//! Sync history, late reports ("Credits the LMS missed") and the nightly job: thin commands over
//! the hub and `rollcall_core::schedule`.

use rollcall_core::archive::history::Run;
use rollcall_core::attendance::export::Format;
use rollcall_core::attendance::late::MissedCredit;
use rollcall_core::schedule::{self, os, Job};
use rollcall_core::support::notices::{Notice, NoticeLog};
use tauri::State;

use crate::commands::attendance::Exported;
use crate::error::IpcError;
use crate::files;
use crate::state::AppState;

/// The newest syncs of the active connection (app, command line, scheduled).
#[tauri::command]
#[specta::specta]
pub async fn sync_history(state: State<'_, AppState>, limit: u32) -> Result<Vec<Run>, IpcError> {
    Ok(state.hub.runs(limit)?)
}

/// One sync with the outcome of each meeting.
#[tauri::command]
#[specta::specta]
pub async fn sync_run(state: State<'_, AppState>, id: f64) -> Result<Option<Run>, IpcError> {
    Ok(state.hub.run(id as i64)?)
}

/// The attendees who reached the threshold in reports that came after the LMS stopped polling.
#[tauri::command]
#[specta::specta]
pub async fn late_credits(
    state: State<'_, AppState>,
    from: String,
    to: String,
    threshold: f64,
    possibly: bool,
) -> Result<Vec<MissedCredit>, IpcError> {
    Ok(state.hub.missed_credits(&from, &to, threshold, possibly)?)
}

/// Join links of webinars in the range with a late report (the calendar marks them).
#[tauri::command]
#[specta::specta]
pub async fn late_links(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> Result<Vec<String>, IpcError> {
    Ok(state.hub.late_links(&from, &to)?)
}

/// Save "Credits the LMS missed" as CSV or a workbook where the user chooses; `null` on cancel.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
#[specta::specta]
pub async fn late_export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    from: String,
    to: String,
    threshold: f64,
    possibly: bool,
    format: Format,
    time_zone: String,
) -> Result<Option<Exported>, IpcError> {
    let credits = state.hub.missed_credits(&from, &to, threshold, possibly)?;
    let suggested = format!(
        "credits-the-lms-missed-{}.{}",
        from.get(..10).unwrap_or("period"),
        if matches!(format, Format::Xlsx) {
            "xlsx"
        } else {
            "csv"
        }
    );
    let Some(path) =
        files::choose_save(&app, &state.data_dir, &suggested, files::of(format)).await?
    else {
        return Ok(None);
    };
    let rows = rollcall_core::attendance::late::export(&path, &credits, &time_zone)?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        rows: rows as u32,
        notes: Vec::new(),
    }))
}

/// The nightly job of the active connection, if one is installed from this computer.
#[tauri::command]
#[specta::specta]
pub async fn schedule_get(state: State<'_, AppState>) -> Result<Option<Job>, IpcError> {
    let key = schedule::key_for(state.hub.job_profile()?.map(|p| p.1).as_deref());
    Ok(schedule::installed(&state.data_dir)
        .into_iter()
        .find(|j| j.key() == key))
}

/// Install (or move) the active connection's nightly job at `at` (HH:MM, local time): it runs
/// the `rollcall` command installed beside the app.
#[tauri::command]
#[specta::specta]
pub async fn schedule_install(state: State<'_, AppState>, at: String) -> Result<Job, IpcError> {
    let program = os::cli_beside_this_program()?;
    Ok(os::install_job(
        &state.data_dir,
        &program,
        state.hub.job_profile()?,
        at,
        Vec::new(),
    )?)
}

/// Remove the active connection's nightly job.
#[tauri::command]
#[specta::specta]
pub async fn schedule_remove(state: State<'_, AppState>) -> Result<bool, IpcError> {
    let key = schedule::key_for(state.hub.job_profile()?.map(|p| p.1).as_deref());
    Ok(os::remove(&state.data_dir, &key)?)
}

/// The desktop notifications shown lately, newest first.
#[tauri::command]
#[specta::specta]
pub async fn notices_recent(state: State<'_, AppState>) -> Result<Vec<Notice>, IpcError> {
    Ok(NoticeLog::in_dir(&state.data_dir).recent())
}
