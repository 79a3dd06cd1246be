//! "Fix it for me" on the Setup page: an administrator signs in (system browser), previews the
//! changes, confirms the ones to make; renews and retires the client secret; the change log.

use rollcall_core::repair::admin::{admin_client_id, AdminIdentity};
use rollcall_core::repair::create::{create_scopes, profile_for, CreateRequest, CreatedView};
use rollcall_core::repair::desk::RenewedView;
use rollcall_core::repair::log::{ChangeLog, ChangeRecord};
use rollcall_core::repair::{self, secret, Applied, Plan};
use rollcall_core::tenant::session::opener_from_env;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

fn log(state: &AppState) -> ChangeLog {
    ChangeLog::in_dir(&state.data_dir)
}

/// Open the sign-in address in the system browser; the address either way (the page shows it).
fn opened(url: String) -> String {
    if let Err(e) = opener_from_env().open(&url) {
        tracing::warn!("no browser opened: {e}");
    }
    url
}

/// Start an administrator's sign-in for `purpose` (`fix` with `steps`, or `secret`); the address
/// the browser opens (shown in case none does).
#[tauri::command]
#[specta::specta]
pub async fn admin_sign_in_start(
    state: State<'_, AppState>,
    purpose: String,
    steps: Vec<String>,
) -> Result<String, IpcError> {
    let conn = state.hub.connection()?;
    let scopes: Vec<&str> = match purpose.as_str() {
        "secret" => secret::SECRET_SCOPES.to_vec(),
        _ => repair::scopes_for(&steps, conn.mode, false),
    };
    let url = state
        .hub
        .repair
        .begin(&conn, &admin_client_id(None), &scopes)
        .await?;
    Ok(opened(url))
}

/// Wait for the administrator's sign-in; who they are and their directory roles.
#[tauri::command]
#[specta::specta]
pub async fn admin_sign_in_wait(state: State<'_, AppState>) -> Result<AdminIdentity, IpcError> {
    Ok(state.hub.repair.finish().await?)
}

/// Stop waiting for the browser, or forget the signed-in administrator.
#[tauri::command]
#[specta::specta]
pub async fn admin_sign_out(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.hub.repair.cancel();
    state.hub.repair.sign_out();
    Ok(())
}

/// The changes that would repair `steps`, before → after, and who may make them.
#[tauri::command]
#[specta::specta]
pub async fn fix_plan(state: State<'_, AppState>, steps: Vec<String>) -> Result<Plan, IpcError> {
    let conn = state.hub.connection()?;
    Ok(state.hub.repair.plan(&conn, &steps).await?)
}

/// Make the previewed changes the administrator kept; the steps checked again.
#[tauri::command]
#[specta::specta]
pub async fn fix_apply(state: State<'_, AppState>, ids: Vec<String>) -> Result<Applied, IpcError> {
    let conn = state.hub.connection()?;
    let applied = state.hub.repair.apply(&conn, &ids, &log(&state)).await?;
    for s in &applied.rechecked {
        state.hub.setup.put(&state.hub.connections, s.clone());
    }
    Ok(applied)
}

/// Add a client secret of `months` months, prove it and keep it for this connection; its value,
/// shown once.
#[tauri::command]
#[specta::specta]
pub async fn secret_renew(
    state: State<'_, AppState>,
    months: u32,
) -> Result<RenewedView, IpcError> {
    let conn = state.hub.connection()?;
    let connections = &state.hub.connections;
    Ok(state
        .hub
        .repair
        .renew(&conn, months, &log(&state), |v, d| {
            connections.secret_renewed(v, d)
        })
        .await?)
}

/// Remove the secret the last renewal replaced.
#[tauri::command]
#[specta::specta]
pub async fn secret_retire(state: State<'_, AppState>) -> Result<ChangeRecord, IpcError> {
    let conn = state.hub.connection()?;
    Ok(state.hub.repair.retire(&conn, &log(&state)).await?)
}

/// Every change Rollcall made in a tenant, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn changes_list(state: State<'_, AppState>) -> Result<Vec<ChangeRecord>, IpcError> {
    Ok(log(&state).read()?)
}

/// Take back change `index` (0-based) with the signed-in administrator.
#[tauri::command]
#[specta::specta]
pub async fn change_undo(state: State<'_, AppState>, index: u32) -> Result<ChangeRecord, IpcError> {
    let conn = state.hub.connection()?;
    Ok(state
        .hub
        .repair
        .undo(&conn, &log(&state), index as usize)
        .await?)
}

/// Start an administrator's sign-in to create a registration in `request.tenant`.
#[tauri::command]
#[specta::specta]
pub async fn registration_sign_in_start(
    state: State<'_, AppState>,
    request: CreateRequest,
) -> Result<String, IpcError> {
    let conn = request.connection()?;
    let url = state
        .hub
        .repair
        .begin_at(&conn, &create_scopes(request.mode), &admin_client_id(None))
        .await?;
    Ok(opened(url))
}

/// Create the registration as the article prescribes, save its profile (the secret in the
/// keychain) and show the values for the LMS, the secret once.
#[tauri::command]
#[specta::specta]
pub async fn registration_create(
    state: State<'_, AppState>,
    request: CreateRequest,
) -> Result<CreatedView, IpcError> {
    let conn = request.connection()?;
    let made = state
        .hub
        .repair
        .create(&conn, &request.spec(), &log(&state))
        .await?;
    let profile = profile_for(
        &request.spec(),
        &made,
        &conn.tenant,
        &conn.endpoints,
        request.hosts.clone(),
    );
    let id = profile.id.clone();
    state
        .hub
        .connections
        .save(profile, Some(made.secret.clone()))?;
    Ok(CreatedView {
        app_id: made.app_id,
        secret: made.secret.expose().to_string(),
        secret_hint: made.secret_hint,
        secret_expires: made.secret_expires.to_string(),
        handoff: made.handoff,
        profile_id: id,
        made: made.made,
    })
}
