//! The Attendance page: a webinar's sessions and their charts' data, the period overview, CSV and
//! workbook export, HTML reports, roster matching.

use rollcall_core::archive::read_through::OverviewQuery;
use rollcall_core::attendance::export::{CsvOptions, ExportAs, Format, Level};
use rollcall_core::attendance::pictures::{Overview, Pictures};
use rollcall_core::attendance::report::Scope;
use rollcall_core::attendance::{RosterMatch, WebinarAttendance};
use rollcall_core::hub::SyncState;
use rollcall_core::virtual_events::Ledger;
use rollcall_core::webinars::Webinar;
use tauri::State;

use crate::error::IpcError;
use crate::files;
use crate::state::AppState;

/// Every session of the webinar's online meeting, with completion against `threshold` (0–1).
#[tauri::command]
#[specta::specta]
pub async fn attendance_get(
    state: State<'_, AppState>,
    webinar: Webinar,
    threshold: f64,
) -> Result<WebinarAttendance, IpcError> {
    Ok(state
        .hub
        .reads
        .attendance(&state.hub.connections, &webinar, threshold)
        .await?)
}

/// What the local archive holds for the webinar, at once (`null` when nothing is archived).
#[tauri::command]
#[specta::specta]
pub async fn attendance_archived(
    state: State<'_, AppState>,
    webinar: Webinar,
    threshold: f64,
) -> Result<Option<WebinarAttendance>, IpcError> {
    Ok(state
        .hub
        .reads
        .archived_attendance(&state.hub.connections, &webinar, threshold)?)
}

/// One file of an import: its name, and what it came to — imported (the line and what was
/// assumed), or refused (why; and, when its dates read two ways, the two readings to choose
/// from).
#[derive(serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportedFile {
    /// Its place in the batch (for importing it again with a date order).
    pub index: u32,
    pub name: String,
    pub outcome: Option<rollcall_core::archive::read_through::ImportOutcome>,
    pub error: Option<IpcError>,
    /// (day first, month first), when the file's dates read both ways.
    pub readings: Option<(String, String)>,
}

fn import_one(
    state: &AppState,
    index: usize,
    path: &std::path::Path,
    host: &str,
    time_zone: &str,
    date_order: Option<rollcall_core::attendance::import::DateOrder>,
) -> ImportedFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = rollcall_core::support::files::read_capped(
        path,
        rollcall_core::attendance::import::MAX_DOWNLOAD_BYTES,
        "a Teams attendance file",
    );
    let result = bytes.as_ref().map_err(Clone::clone).and_then(|b| {
        state.hub.reads.import_download(
            &state.hub.connections,
            b,
            host,
            time_zone,
            date_order,
            Some(name.clone()),
        )
    });
    let readings = match (&result, &bytes) {
        (Err(e), Ok(b)) if e.code == rollcall_core::ErrorCode::AmbiguousDates => {
            rollcall_core::attendance::import::ambiguous_readings(b)
        }
        _ => None,
    };
    let (outcome, error) = match result {
        Ok(o) => (Some(o), None),
        Err(e) => (None, Some(IpcError::from(e))),
    };
    ImportedFile {
        index: index as u32,
        name,
        outcome,
        error,
        readings,
    }
}

/// Import Teams attendance files into the archive: the open dialog asks for them here (read in
/// Rust, capped), so no path or byte crosses the IPC. Each file is its own transaction; a refused
/// one does not stop the others. `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn attendance_import(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    host: String,
    time_zone: String,
) -> Result<Option<Vec<ImportedFile>>, IpcError> {
    let Some(paths) = files::choose_many(&app, files::TEAMS_DOWNLOAD).await? else {
        return Ok(None);
    };
    Ok(Some(import_batch(&state, paths, &host, &time_zone)))
}

fn import_batch(
    state: &AppState,
    paths: Vec<std::path::PathBuf>,
    host: &str,
    time_zone: &str,
) -> Vec<ImportedFile> {
    let out = paths
        .iter()
        .enumerate()
        .map(|(i, p)| import_one(state, i, p, host, time_zone, None))
        .collect();
    *state.import_batch.lock().unwrap_or_else(|e| e.into_inner()) = paths;
    out
}

/// Wait (up to 30 s) for files to come over the window or be dropped on it: the news as soon as
/// it differs from `seen` (at once when `seen` is `null`).
#[tauri::command]
#[specta::specta]
pub async fn files_drop_wait(
    state: State<'_, AppState>,
    seen: Option<crate::drops::DropNews>,
) -> Result<crate::drops::DropNews, IpcError> {
    Ok(state
        .drops
        .wait(seen, std::time::Duration::from_secs(30))
        .await)
}

/// Import the files of drop number `drop` (as `attendance_import` does for chosen ones); `null`
/// when that drop is no longer the last, or was imported already.
#[tauri::command]
#[specta::specta]
pub async fn attendance_import_dropped(
    state: State<'_, AppState>,
    drop: u32,
    host: String,
    time_zone: String,
) -> Result<Option<Vec<ImportedFile>>, IpcError> {
    let Some(paths) = state.drops.take(drop) else {
        return Ok(None);
    };
    Ok(Some(import_batch(&state, paths, &host, &time_zone)))
}

/// Import one file of the last batch again, its dates read in the order the user chose
/// (`dmy`, `mdy` or `ymd`).
#[tauri::command]
#[specta::specta]
pub async fn attendance_import_again(
    state: State<'_, AppState>,
    index: u32,
    host: String,
    time_zone: String,
    date_order: String,
) -> Result<ImportedFile, IpcError> {
    let order =
        rollcall_core::attendance::import::DateOrder::parse(&date_order).ok_or_else(|| {
            rollcall_core::CoreError::new(
                rollcall_core::ErrorCode::InvalidInput,
                format!("\"{date_order}\" is not a date order (dmy, mdy or ymd)."),
                None,
            )
        })?;
    let path = state
        .import_batch
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(index as usize)
        .cloned()
        .ok_or_else(|| {
            rollcall_core::CoreError::new(
                rollcall_core::ErrorCode::InvalidInput,
                "That file is no longer in the list: choose the files again.",
                None,
            )
        })?;
    Ok(import_one(
        &state,
        index as usize,
        &path,
        &host,
        &time_zone,
        Some(order),
    ))
}

/// A file written where the user chose in the save dialog.
#[derive(serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub path: String,
    pub rows: u32,
    /// What the export could not include (unavailable reports, hosts not read).
    pub notes: Vec<String>,
}

impl Exported {
    /// A report written to `path` (it has no rows to count).
    fn report(path: &std::path::Path) -> Self {
        Exported {
            path: path.display().to_string(),
            rows: 0,
            notes: Vec::new(),
        }
    }
}

/// Write one session (or, without `session`, all of them) as CSV or a workbook: the save dialog opens here
/// (named `suggested_name`), so the window never names a path. `null` when the user cancels.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn attendance_export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    webinar_id: String,
    session: Option<u32>,
    format: Format,
    level: Level,
    options: CsvOptions,
    suggested_name: String,
) -> Result<Option<Exported>, IpcError> {
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested_name, files::of(format)).await?
    else {
        return Ok(None);
    };
    let rows = state.hub.reads.export_attendance(
        &state.hub.connections,
        &webinar_id,
        session,
        &ExportAs {
            format,
            level,
            options: &options,
        },
        &path,
    )?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        rows,
        notes: Vec::new(),
    }))
}

/// Export every session of the period's ended webinars (all hosts of the connection), to a file
/// chosen in the save dialog opened here. `null` when the user cancels.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn attendance_export_range(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    from: String,
    to: String,
    format: Format,
    level: Level,
    options: CsvOptions,
    suggested_name: String,
) -> Result<Option<Exported>, IpcError> {
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested_name, files::of(format)).await?
    else {
        return Ok(None);
    };
    let (rows, notes) = state
        .hub
        .reads
        .export_range(
            &state.hub.connections,
            &from,
            &to,
            &ExportAs {
                format,
                level,
                options: &options,
            },
            &path,
        )
        .await?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        rows,
        notes,
    }))
}

/// The charts' data of a webinar opened on the page: a picture per session, and the series.
#[tauri::command]
#[specta::specta]
pub async fn attendance_pictures(
    state: State<'_, AppState>,
    webinar_id: String,
) -> Result<Pictures, IpcError> {
    Ok(state
        .hub
        .reads
        .pictures(&state.hub.connections, &webinar_id)?)
}

/// The period at a glance for the hosts (default: the connection's), weeks in `time_zone`;
/// no-shows against the participant list opened last, if any.
#[tauri::command]
#[specta::specta]
pub async fn attendance_overview(
    state: State<'_, AppState>,
    query: OverviewQuery,
) -> Result<Overview, IpcError> {
    let roster = state
        .roster
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(state
        .hub
        .reads
        .overview(&state.hub.connections, &query, roster.as_deref())
        .await?)
}

/// Save one session's or the series' report (a self-contained HTML page) where the user chooses.
/// `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn attendance_report(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    webinar_id: String,
    scope: Scope,
    time_zone: String,
    suggested_name: String,
) -> Result<Option<Exported>, IpcError> {
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested_name, files::HTML).await?
    else {
        return Ok(None);
    };
    state.hub.reads.report(
        &state.hub.connections,
        &webinar_id,
        scope,
        &time_zone,
        &path,
    )?;
    Ok(Some(Exported::report(&path)))
}

/// Save the overview shown last as a report. `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn attendance_report_range(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    suggested_name: String,
) -> Result<Option<Exported>, IpcError> {
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested_name, files::HTML).await?
    else {
        return Ok(None);
    };
    state
        .hub
        .reads
        .overview_report(&state.hub.connections, &path)?;
    Ok(Some(Exported::report(&path)))
}

/// A Teams webinar's registration ledger: per session, who registered against who came.
#[tauri::command]
#[specta::specta]
pub async fn ledger_get(
    state: State<'_, AppState>,
    webinar: Webinar,
    threshold: f64,
) -> Result<Ledger, IpcError> {
    Ok(state
        .hub
        .reads
        .ledger(&state.hub.connections, &webinar, threshold)
        .await?)
}

/// Save a ledger read on the page as CSV or a workbook where the user chooses. `null` on cancel.
#[tauri::command]
#[specta::specta]
pub async fn ledger_export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    webinar_id: String,
    format: Format,
    time_zone: String,
    suggested_name: String,
) -> Result<Option<Exported>, IpcError> {
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested_name, files::of(format)).await?
    else {
        return Ok(None);
    };
    let rows =
        state
            .hub
            .reads
            .export_ledger(&state.hub.connections, &webinar_id, &time_zone, &path)?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        rows,
        notes: Vec::new(),
    }))
}

/// Match a session against the LMS participant list: with `choose`, the open dialog asks for the
/// CSV here (read in Rust, capped, UTF-8 or UTF-16 as Excel saves it); without, the list opened
/// last is used again. `null` when the user cancels or no list was opened yet.
#[tauri::command]
#[specta::specta]
pub async fn roster_match(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    webinar_id: String,
    session: u32,
    choose: bool,
) -> Result<Option<RosterMatch>, IpcError> {
    if choose {
        let Some(bytes) = files::open(
            &app,
            files::ROSTER,
            rollcall_core::attendance::roster::MAX_ROSTER_BYTES,
            "an LMS participant list",
        )
        .await?
        else {
            return Ok(None);
        };
        *state.roster.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
    }
    let Some(bytes) = state
        .roster
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
    else {
        return Ok(None);
    };
    Ok(Some(state.hub.reads.roster_match(
        &state.hub.connections,
        &webinar_id,
        session,
        &bytes,
    )?))
}

/// Remember a manual match (attendee → roster e-mail) for later sessions.
#[tauri::command]
#[specta::specta]
pub async fn roster_remember(
    state: State<'_, AppState>,
    attendee_key: String,
    email: String,
) -> Result<(), IpcError> {
    Ok(state
        .hub
        .reads
        .remember_match(&state.hub.connections, &attendee_key, &email)?)
}

/// Start bringing the local archive up to date for the period (runs in the background).
#[tauri::command]
#[specta::specta]
pub async fn sync_start(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> Result<SyncState, IpcError> {
    let _span = tracing::info_span!("sync_start").entered();
    Ok(state.hub.start_sync(&from, &to)?)
}

/// Progress of the background sync, and its summary when done.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncState, IpcError> {
    Ok(state.hub.sync_state())
}

/// Stop the background sync; what was fetched is kept.
#[tauri::command]
#[specta::specta]
pub async fn sync_cancel(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.hub.cancel_sync();
    Ok(())
}
