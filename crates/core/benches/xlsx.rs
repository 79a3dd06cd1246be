#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Workbook export benchmark: 1,000,000 attendee rows (1,000 sessions of 1,000 attendees, hostile
//! names included) streamed through `XlsxExport` (constant memory: Summary, Attendees, Intervals
//! and Series sheets, so about three million rows in all), against Python's openpyxl in write-only
//! mode writing the same Attendees cells (typed the same: date-times, durations, numbers, text) in
//! the same run. Prints rows/s, peak memory and the ratio.
//! Run: `cargo bench -p rollcall-core --bench xlsx` (needs `python3` with openpyxl, e.g.
//! `OPENPYXL_PYTHON=~/.cache/rollcall/openpyxl-venv/bin/python`).

use std::process::Command;
use std::time::Instant;

use rollcall_core::attendance::export::{export_to_file, CsvOptions, Level};
use rollcall_core::attendance::xlsx::XlsxExport;

mod common;
use common::{peak_rss_mb, session, SESSIONS};

fn main() {
    let dir = std::env::temp_dir().join(format!("rollcall-bench-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let one = session(0);
    let before = peak_rss_mb();

    // Rollcall: stream 1,000 sessions into the workbook; one session is in memory at a time.
    let path = dir.join("rollcall.xlsx");
    let t = Instant::now();
    let mut export = XlsxExport::new("Europe/Berlin").unwrap();
    let mut s = one.clone();
    for n in 0..SESSIONS {
        s.webinar.subject = format!("Methods seminar #{n}");
        s.sessions[0].report_id = format!("r{n}");
        export.write(&s).unwrap();
    }
    let rows = export.finish(&path).unwrap();
    let rust = t.elapsed();
    let bytes = std::fs::metadata(&path).unwrap().len();
    let after = peak_rss_mb();

    // openpyxl writing the same Attendees cells: one session's rows (from our own CSV export of
    // it, so both write the same values), typed in Python once, written 1,000 times.
    let sample = dir.join("rows.csv");
    export_to_file(
        &sample,
        std::slice::from_ref(&one),
        Level::Attendee,
        &CsvOptions::excel("Europe/Berlin"),
    )
    .unwrap();
    let script = r#"
import csv, sys, time, datetime
from openpyxl import Workbook
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
header, body = rows[0], rows[1:]
def typed(name, v):
    if v == "": return None
    if name.endswith("_utc"): return datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
    if name.endswith("_local"): return datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
    if name == "duration":
        h, m, s = (int(x) for x in v.split(":")); return datetime.timedelta(hours=h, minutes=m, seconds=s)
    if name.endswith("_percent"): return float(v) / 100
    if name.endswith("seconds") or name == "joins": return int(v)
    return v.lstrip("'") if v[:2] in ("'=", "'+", "'-", "'@") else v
body = [[typed(h, v) for h, v in zip(header, r)] for r in body]
t = time.perf_counter()
wb = Workbook(write_only=True)
ws = wb.create_sheet("Attendees")
ws.append(header)
for n in range(int(sys.argv[3])):
    subject = "Methods seminar #%d" % n
    for r in body:
        r[0] = subject
        ws.append(r)
wb.save(sys.argv[2])
print(time.perf_counter() - t)
"#;
    let python = std::env::var("OPENPYXL_PYTHON").unwrap_or_else(|_| "python3".into());
    let py = Command::new(&python)
        .args([
            "-c",
            script,
            sample.to_str().unwrap(),
            dir.join("openpyxl.xlsx").to_str().unwrap(),
            &SESSIONS.to_string(),
        ])
        .output()
        .expect("python with openpyxl for the baseline");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let openpyxl: f64 = String::from_utf8_lossy(&py.stdout).trim().parse().unwrap();

    println!(
        "XLSX export, {rows} attendee rows ({} rows over four sheets), {:.0} MB written",
        rows * 3 + SESSIONS,
        bytes as f64 / 1e6
    );
    println!("  rollcall (rust_xlsxwriter, constant memory, whole workbook): {:>7.2} s  {:>10.0} attendee rows/s", rust.as_secs_f64(), rows as f64 / rust.as_secs_f64());
    println!(
        "  openpyxl write-only, the Attendees cells only:              {:>7.2} s  {:>10.0} rows/s",
        openpyxl,
        rows as f64 / openpyxl
    );
    println!(
        "  ratio openpyxl / rollcall:                                  {:>7.1}x",
        openpyxl / rust.as_secs_f64()
    );
    match (before, after) {
        (Some(b), Some(a)) => println!("  peak resident memory: {a:.0} MB (before the export {b:.0} MB; one 1,000-row session in memory)"),
        _ => println!("  peak resident memory: n/a on this OS"),
    }
    std::fs::remove_dir_all(dir).unwrap();
}
