//! The Setup page: the checklist, one check at a time (the UI runs them concurrently and shows
//! progress), and the report.

use rollcall_core::setup::{Checklist, Step};
use tauri::State;

use crate::error::IpcError;
use crate::files;
use crate::state::AppState;

/// The steps for the active connection, with the latest results.
#[tauri::command]
#[specta::specta]
pub async fn setup_plan(state: State<'_, AppState>) -> Result<Checklist, IpcError> {
    let _span = tracing::info_span!("setup_plan").entered();
    Ok(state.hub.setup.plan(&state.hub.connections)?)
}

/// Check one step now (`tenant`, `credentials`, …, `smoke`).
#[tauri::command]
#[specta::specta]
pub async fn setup_check(state: State<'_, AppState>, id: String) -> Result<Step, IpcError> {
    Ok(state.hub.setup.check(&state.hub.connections, &id).await?)
}

/// Write the set-up report where the user chooses in the save dialog opened here: Markdown, or
/// HTML when an `.html` name is chosen. The path written, or `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn setup_report_save(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<String>, IpcError> {
    let Some(path) = files::choose_save(
        &app,
        &state.data_dir,
        "teams-setup-report.md",
        files::REPORT,
    )
    .await?
    else {
        return Ok(None);
    };
    state.hub.setup.save_report(&state.hub.connections, &path)?;
    Ok(Some(path.display().to_string()))
}
