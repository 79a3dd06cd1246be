//! The code's shape, checked by machine: no file in `crates/core/src` over 800 lines, and the
//! arrows between the attendance, calendar and Teams-webinar modules (and the graph crate's token
//! modules) point one way.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn text_of(dir: &Path) -> String {
    let mut files = Vec::new();
    if dir.is_dir() {
        rust_files(dir, &mut files);
    } else {
        files.push(dir.to_path_buf());
    }
    // Code only: a doc comment may name another module.
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn no_file_in_core_is_over_800_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > 800)
        .map(|(f, n)| format!("{} ({n} lines)", f.display()))
        .collect();
    assert!(long.is_empty(), "split: {long:?}");
}

#[test]
fn attendance_calendar_and_teams_webinars_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // virtual_events → attendance → webinars; nothing back.
    let webinars = text_of(&src.join("webinars"));
    assert!(!webinars.contains("crate::attendance") && !webinars.contains("crate::virtual_events"));
    let attendance = text_of(&src.join("attendance"));
    assert!(!attendance.contains("crate::virtual_events"));
    // The CSV writer and the workbook share typed rows, not each other.
    assert!(!text_of(&src.join("attendance/export.rs")).contains("xlsx::"));
    let graph = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph/src");
    assert!(!text_of(&graph.join("oauth.rs")).contains("crate::auth"));
    assert!(!text_of(&graph.join("token.rs")).contains("crate::oauth"));
}
