//! Where the window's files go and come from: the OS save and open dialogs, opened from Rust
//! inside the commands that write or read, so the webview never names a path (a script in it
//! could otherwise replace or read any file the user can) and big files never cross the IPC as
//! JSON. A saved file keeps the extension of the format written; an opened one is read whole only
//! below its cap. The save dialog opens in the folder saved to last (Settings keeps it).
//!
//! Test builds (the `test-seams` feature, on only in the end-to-end build) answer the dialogs from
//! `ROLLCALL_TEST_SAVE_DIR` (save: that folder) and `ROLLCALL_TEST_OPEN_ANSWER` (open: the path
//! written in that file): WebDriver cannot drive the OS dialogs. Release builds have neither.

use std::path::{Path, PathBuf};

use rollcall_core::support::preferences::Preferences;
use rollcall_core::{CoreError, ErrorCode};
use tauri_plugin_dialog::DialogExt;

/// A file type the dialog offers.
pub struct Format {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

pub const CSV: &[Format] = &[Format {
    name: "CSV",
    extensions: &["csv"],
}];

pub const XLSX: &[Format] = &[Format {
    name: "Excel workbook",
    extensions: &["xlsx"],
}];

/// The dialog's file type for an export format.
pub fn of(format: rollcall_core::attendance::export::Format) -> &'static [Format] {
    match format {
        rollcall_core::attendance::export::Format::Csv => CSV,
        rollcall_core::attendance::export::Format::Xlsx => XLSX,
    }
}

/// The set-up report: Markdown, or HTML when the user picks it.
pub const REPORT: &[Format] = &[
    Format {
        name: "Markdown",
        extensions: &["md"],
    },
    Format {
        name: "HTML",
        extensions: &["html", "htm"],
    },
];

/// The attendance report to share: one self-contained HTML page.
pub const HTML: &[Format] = &[Format {
    name: "Web page",
    extensions: &["html"],
}];

/// The Teams client's attendance download (it names it `.csv`; it is tab-separated text).
pub const TEAMS_DOWNLOAD: &[Format] = &[Format {
    name: "Teams attendance download",
    extensions: &["csv", "tsv", "txt"],
}];

/// The LMS participant list.
pub const ROSTER: &[Format] = &[Format {
    name: "CSV",
    extensions: &["csv", "txt"],
}];

/// Ask for a file to read and read it: `None` when the user cancels; an error in the user's words
/// when it cannot be read or is larger than `cap` bytes (nothing is read then).
pub async fn open(
    app: &tauri::AppHandle,
    formats: &[Format],
    cap: u64,
    what: &str,
) -> Result<Option<Vec<u8>>, CoreError> {
    let Some(path) = choose_open(app, formats).await? else {
        return Ok(None);
    };
    rollcall_core::support::files::read_capped(&path, cap, what).map(Some)
}

/// The test seam's answer to an open dialog: the paths in the file `ROLLCALL_TEST_OPEN_ANSWER`
/// names, one per line (`Some(empty)`: the "user" cancelled); `None` without the seam.
#[cfg(feature = "test-seams")]
fn seam_answer() -> Option<Vec<PathBuf>> {
    let answer = std::env::var_os("ROLLCALL_TEST_OPEN_ANSWER").filter(|d| !d.is_empty())?;
    Some(
        std::fs::read_to_string(answer)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(PathBuf::from)
            .collect(),
    )
}

fn open_dialog(
    app: &tauri::AppHandle,
    formats: &[Format],
) -> tauri_plugin_dialog::FileDialogBuilder<tauri::Wry> {
    let mut dialog = app.dialog().file();
    for f in formats {
        dialog = dialog.add_filter(f.name, f.extensions);
    }
    dialog
}

/// A chosen file as a path on this computer (a dialog can answer with a URI elsewhere).
fn local(chosen: tauri_plugin_dialog::FilePath) -> Result<PathBuf, CoreError> {
    chosen.into_path().map_err(|e| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("A file chosen is not on this computer: {e}."),
            Some("Copy it to a local or network drive first.".into()),
        )
    })
}

/// Ask for several files to open; their paths (`None` when the user cancels).
pub async fn choose_many(
    app: &tauri::AppHandle,
    formats: &[Format],
) -> Result<Option<Vec<PathBuf>>, CoreError> {
    #[cfg(feature = "test-seams")]
    if let Some(paths) = seam_answer() {
        return Ok(Some(paths).filter(|p| !p.is_empty()));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    open_dialog(app, formats).pick_files(move |chosen| {
        let _ = tx.send(chosen);
    });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    chosen
        .into_iter()
        .map(local)
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

async fn choose_open(
    app: &tauri::AppHandle,
    formats: &[Format],
) -> Result<Option<PathBuf>, CoreError> {
    #[cfg(feature = "test-seams")]
    if let Some(paths) = seam_answer() {
        return Ok(paths.into_iter().next());
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    open_dialog(app, formats).pick_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    local(chosen).map(Some)
}

/// Ask where to save `suggested`; `None` when the user cancels.
pub async fn choose_save(
    app: &tauri::AppHandle,
    data_dir: &Path,
    suggested: &str,
    formats: &[Format],
) -> Result<Option<PathBuf>, CoreError> {
    let name = file_name(suggested, formats);
    #[cfg(feature = "test-seams")]
    if let Some(dir) = std::env::var_os("ROLLCALL_TEST_SAVE_DIR").filter(|d| !d.is_empty()) {
        return Ok(Some(PathBuf::from(dir).join(name)));
    }
    let mut dialog = app.dialog().file().set_file_name(&name);
    for f in formats {
        dialog = dialog.add_filter(f.name, f.extensions);
    }
    if let Some(folder) = Preferences::read(data_dir)
        .last_folder
        .filter(|f| Path::new(f).is_dir())
    {
        dialog = dialog.set_directory(folder);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = chosen.into_path().map_err(|e| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("The place chosen is not a file on this computer: {e}."),
            Some("Choose a folder on a local or network drive.".into()),
        )
    })?;
    Ok(Some(with_extension(path, formats)))
}

/// The suggested name as a bare file name: no folder part, no leading dot, no control or
/// reserved characters (Windows' `<>:"/\|?*`), at most 120 characters, with the format's extension.
pub fn file_name(suggested: &str, formats: &[Format]) -> String {
    let cleaned: String = suggested
        .chars()
        .map(|c| {
            if c.is_control() || "<>:\"/\\|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let base = if cleaned.is_empty() {
        "export".to_string()
    } else {
        cleaned
    };
    with_extension(PathBuf::from(base), formats)
        .to_string_lossy()
        .into_owned()
}

/// `path` when its extension is one of the formats' (any case), else `path` + the first format's.
pub fn with_extension(path: PathBuf, formats: &[Format]) -> PathBuf {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let known = formats
        .iter()
        .flat_map(|f| f.extensions.iter())
        .any(|e| Some(*e) == ext.as_deref());
    match formats.first().and_then(|f| f.extensions.first()) {
        Some(first) if !known => {
            let mut s = path.into_os_string();
            s.push(format!(".{first}"));
            PathBuf::from(s)
        }
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bare_and_keep_the_formats_extension() {
        assert_eq!(
            file_name("Methods - attendee.csv", CSV),
            "Methods - attendee.csv"
        );
        assert_eq!(file_name("../../.bashrc", CSV), "_.._.bashrc.csv");
        assert_eq!(
            file_name("C:\\Windows\\win.ini", CSV),
            "C__Windows_win.ini.csv"
        );
        assert_eq!(file_name("..", CSV), "export.csv");
        assert_eq!(file_name("report", REPORT), "report.md");
        assert_eq!(file_name("report.HTML", REPORT), "report.HTML");
        assert_eq!(
            with_extension(PathBuf::from("/home/a/out.exe"), CSV),
            PathBuf::from("/home/a/out.exe.csv")
        );
        assert_eq!(
            with_extension(PathBuf::from("/home/a/v1.2 export"), CSV),
            PathBuf::from("/home/a/v1.2 export.csv")
        );
    }
}
