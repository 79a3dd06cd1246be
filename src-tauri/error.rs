//! The error that crosses IPC: `{ code, message, hint?, requestId? }` with a closed code set.
//! A thin wrapper over `CoreError`, so that every error a command returns is also logged and kept
//! for "Copy diagnostics" (the `?` in each command goes through `From`).
pub use rollcall_core::error::{CoreError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Serialize, specta::Type)]
#[serde(transparent)]
pub struct IpcError(pub CoreError);

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        tracing::warn!(code = ?e.code, request_id = e.request_id.as_deref().unwrap_or("-"), "{}", e.message);
        rollcall_core::support::diagnostics::record(&e);
        IpcError(e)
    }
}
