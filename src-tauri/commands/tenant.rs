use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// Who and what the app is connected to (tenant, profile, DEMO or not).
#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> Result<crate::state::AppStatus, IpcError> {
    let _span = tracing::info_span!("app_status").entered();
    Ok(state.status())
}

/// The tenant summary through core → graph → tenant.
#[tauri::command]
#[specta::specta]
pub async fn tenant_summary(
    state: State<'_, AppState>,
) -> Result<rollcall_core::summary::TenantSummary, IpcError> {
    let conn = state.hub.connection()?;
    rollcall_core::summary::fetch(&conn).await
}
