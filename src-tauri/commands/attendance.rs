//! The Attendance page: a webinar's sessions, CSV export, roster matching.

use rollcall_core::attendance::export::{CsvOptions, Level};
use rollcall_core::attendance::{RosterMatch, WebinarAttendance};
use rollcall_core::hub::SyncState;
use rollcall_core::webinars::Webinar;
use tauri::State;

use crate::error::IpcError;
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

/// Import a Teams attendance download (the file's bytes) into the archive.
#[tauri::command]
#[specta::specta]
pub async fn attendance_import(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
    host: String,
    time_zone: String,
) -> Result<String, IpcError> {
    let _span = tracing::info_span!("attendance_import").entered();
    Ok(state
        .hub
        .reads
        .import_download(&state.hub.connections, &bytes, &host, &time_zone)?)
}

/// Write one session (or, without `session`, all of them) as CSV to a path the user chose.
#[tauri::command]
#[specta::specta]
pub async fn attendance_export(
    state: State<'_, AppState>,
    webinar_id: String,
    session: Option<u32>,
    level: Level,
    options: CsvOptions,
    path: String,
) -> Result<u32, IpcError> {
    let _span = tracing::info_span!("attendance_export").entered();
    Ok(state.hub.reads.export_attendance(
        &state.hub.connections,
        &webinar_id,
        session,
        level,
        &options,
        std::path::Path::new(&path),
    )?)
}

/// Export every session of the period's ended webinars (all hosts of the connection).
#[tauri::command]
#[specta::specta]
pub async fn attendance_export_range(
    state: State<'_, AppState>,
    from: String,
    to: String,
    level: Level,
    options: CsvOptions,
    path: String,
) -> Result<(u32, Vec<String>), IpcError> {
    Ok(state
        .hub
        .reads
        .export_range(
            &state.hub.connections,
            &from,
            &to,
            level,
            &options,
            std::path::Path::new(&path),
        )
        .await?)
}

/// Match a session against the LMS participant list (the CSV file's text).
#[tauri::command]
#[specta::specta]
pub async fn roster_match(
    state: State<'_, AppState>,
    webinar_id: String,
    session: u32,
    roster_csv: String,
) -> Result<RosterMatch, IpcError> {
    Ok(state
        .hub
        .reads
        .roster_match(&state.hub.connections, &webinar_id, session, &roster_csv)?)
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

/// Test seam, not a fallback: when `ROLLCALL_TEST_SAVE_DIR` is set (end-to-end tests, which cannot
/// drive the OS save dialog), save-as answers with that folder and the suggested name.
#[tauri::command]
#[specta::specta]
pub async fn save_path_override(suggested: String) -> Result<Option<String>, IpcError> {
    Ok(std::env::var_os("ROLLCALL_TEST_SAVE_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| {
            std::path::Path::new(&d)
                .join(&suggested)
                .to_string_lossy()
                .into_owned()
        }))
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
