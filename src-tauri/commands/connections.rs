//! Settings → Connections: profiles, secrets (set, never read), test, browser sign-in, sign-out.

use rollcall_core::hub::ProfilesView;
use rollcall_core::tenant::profile::{FieldError, Profile};
use rollcall_core::tenant::session::{opener_from_env, ConnectionStatus};
use rollcall_graph::Secret;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// Saved profiles, which one is active, whether the demo tenant runs.
#[tauri::command]
#[specta::specta]
pub async fn profiles_list(state: State<'_, AppState>) -> Result<ProfilesView, IpcError> {
    let _span = tracing::info_span!("profiles_list").entered();
    Ok(state.hub.connections.list()?)
}

/// Field-by-field problems of a profile being edited.
#[tauri::command]
#[specta::specta]
pub async fn profile_validate(
    state: State<'_, AppState>,
    profile: Profile,
) -> Result<Vec<FieldError>, IpcError> {
    Ok(state.hub.connections.validate(&profile))
}

/// Create or update a profile; `secret` (the Value), when given, replaces the saved one.
#[tauri::command]
#[specta::specta]
pub async fn profile_save(
    state: State<'_, AppState>,
    profile: Profile,
    secret: Option<String>,
    proxy_password: Option<String>,
) -> Result<ProfilesView, IpcError> {
    let _span = tracing::info_span!("profile_save").entered();
    Ok(state.hub.connections.save_with_proxy(
        profile,
        secret.map(Secret::new),
        proxy_password.map(Secret::new),
    )?)
}

/// Delete a profile and its keychain entries.
#[tauri::command]
#[specta::specta]
pub async fn profile_delete(
    state: State<'_, AppState>,
    id: String,
) -> Result<ProfilesView, IpcError> {
    let _span = tracing::info_span!("profile_delete").entered();
    Ok(state.hub.connections.delete(&id)?)
}

/// Switch the active profile (`"demo"` for the demo tenant).
#[tauri::command]
#[specta::specta]
pub async fn profile_activate(
    state: State<'_, AppState>,
    id: String,
) -> Result<ProfilesView, IpcError> {
    let _span = tracing::info_span!("profile_activate").entered();
    Ok(state.hub.connections.activate(&id)?)
}

/// Get a fresh token for the active profile and describe it.
#[tauri::command]
#[specta::specta]
pub async fn connection_test(state: State<'_, AppState>) -> Result<ConnectionStatus, IpcError> {
    let span = tracing::info_span!("connection_test");
    let _g = span.enter();
    Ok(state.hub.connections.test().await?)
}

/// Start a browser sign-in; returns the address (shown in case no browser opens).
#[tauri::command]
#[specta::specta]
pub async fn sign_in_start(state: State<'_, AppState>, id: String) -> Result<String, IpcError> {
    let url = state.hub.begin_sign_in(&id).await?;
    if let Err(e) = opener_from_env().open(&url) {
        tracing::warn!("no browser opened: {e}");
    }
    Ok(url)
}

/// Wait (up to 5 minutes) for the sign-in started by `sign_in_start`.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_wait(state: State<'_, AppState>) -> Result<ConnectionStatus, IpcError> {
    Ok(state.hub.finish_sign_in().await?)
}

/// Stop waiting for the browser.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_cancel(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.hub.cancel_sign_in();
    Ok(())
}

/// Forget the signed-in user of a profile.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>, id: String) -> Result<ProfilesView, IpcError> {
    let _span = tracing::info_span!("sign_out").entered();
    Ok(state.hub.connections.sign_out(&id)?)
}
