//! The error that crosses IPC: `{ code, message, hint?, requestId? }` with a closed code set.
pub use rollcall_core::error::{CoreError as IpcError, ErrorCode};
