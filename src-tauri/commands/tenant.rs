use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// Who and what the app is connected to (tenant, profile, DEMO or not). The window title follows it,
/// so the taskbar says which tenant this window acts on.
#[tauri::command]
#[specta::specta]
pub async fn app_status(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
) -> Result<crate::state::AppStatus, IpcError> {
    let _span = tracing::info_span!("app_status").entered();
    Ok(titled(&window, &state))
}

/// The status, with the window title brought in line with it.
fn titled(window: &tauri::WebviewWindow, state: &AppState) -> crate::state::AppStatus {
    let status = state.status();
    let _ = window.set_title(&status.window_title());
    status
}

/// The tenant summary through core → graph → tenant.
#[tauri::command]
#[specta::specta]
pub async fn tenant_summary(
    state: State<'_, AppState>,
) -> Result<rollcall_core::setup::summary::TenantSummary, IpcError> {
    let conn = state.hub.connections.connection()?;
    Ok(rollcall_core::setup::summary::fetch(&conn).await?)
}

/// "Explore the demo tenant": start the built-in emulator (once) and make it the active connection.
#[tauri::command]
#[specta::specta]
pub async fn demo_start(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
) -> Result<crate::state::AppStatus, IpcError> {
    crate::start_demo(&state).await?;
    Ok(titled(&window, &state))
}

/// The text behind Settings → "Copy diagnostics" (no secrets; recent errors with request-ids).
#[tauri::command]
#[specta::specta]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<String, IpcError> {
    Ok(state.diagnostics())
}

/// The first page is interactive: log the start-up time (the start-up benchmark reads this line).
#[tauri::command]
#[specta::specta]
pub async fn ui_ready(page: String) -> Result<(), IpcError> {
    let ms = crate::STARTED
        .get()
        .map(|t| t.elapsed().as_millis())
        .unwrap_or_default();
    tracing::info!(page = %page, "interactive after {ms} ms");
    Ok(())
}
