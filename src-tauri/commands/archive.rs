//! Settings → Archive: where the active connection's archive lives (this computer's file or a
//! shared PostgreSQL database), moving it there, joining one, and going back to the file.

use rollcall_core::archive::location::{self, ArchiveInfo};
use rollcall_graph::Secret;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// The active connection's archive: where, whether this user may write, what it holds. A server
/// that cannot be reached is the error, in words (DNS, refused, TLS, password).
#[tauri::command]
#[specta::specta]
pub async fn archive_info(state: State<'_, AppState>) -> Result<ArchiveInfo, IpcError> {
    let _span = tracing::info_span!("archive_info").entered();
    Ok(location::info(&state.hub.connections)?)
}

/// Use a shared database from now on; `move_here` first copies this computer's archive into it
/// (it must be empty; each table verified). The password goes to the keychain once it works.
#[tauri::command]
#[specta::specta]
pub async fn archive_use_shared(
    state: State<'_, AppState>,
    address: String,
    password: String,
    move_here: bool,
) -> Result<ArchiveInfo, IpcError> {
    let _span = tracing::info_span!("archive_use_shared", move_here).entered();
    Ok(location::use_shared(
        &state.hub.connections,
        &address,
        &Secret::new(password),
        move_here,
    )?)
}

/// Use this computer's archive file again (the shared database is left as it is).
#[tauri::command]
#[specta::specta]
pub async fn archive_use_file(state: State<'_, AppState>) -> Result<ArchiveInfo, IpcError> {
    let _span = tracing::info_span!("archive_use_file").entered();
    Ok(location::use_file(&state.hub.connections)?)
}
