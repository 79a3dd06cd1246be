//! Errors in the user's words. Every error crossing to the UI or the CLI has a closed `code`, a
//! sentence saying what went wrong, and where possible a `hint` saying what to do; Graph's
//! request-id is kept for support. The UI branches on `code`, never on the message.

use serde::Serialize;

/// The closed set of error codes (mirrored in `ui/src/ipc/`). Add one only when a consumer needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// Tenant id or domain unknown to the identity platform.
    TenantNotFound,
    /// No app registration with this client id in the tenant.
    AppNotFound,
    /// Wrong client secret (or its Secret ID pasted instead of its Value).
    InvalidSecret,
    /// The client secret expired.
    ExpiredSecret,
    /// Admin consent or a permission is missing.
    PermissionMissing,
    /// The Teams application access policy does not cover the host.
    AccessPolicyMissing,
    /// A user, event or meeting does not exist.
    NotFound,
    /// Graph kept throttling or failing.
    Unavailable,
    /// The network could not reach the tenant.
    Network,
    /// Input the user gave is not valid.
    InvalidInput,
    /// A file's dates read two ways (day or month first) and nothing in it tells which: the user
    /// says (`--date-order`, or the app's choice between the two readings).
    AmbiguousDates,
    /// No OS keychain answered (locked, missing Secret Service); nothing was stored elsewhere.
    KeychainUnavailable,
    /// The saved sign-in is missing or no longer valid: sign in again.
    SignInRequired,
    /// The browser sign-in did not complete (refused, wrong answer, no answer).
    SignInFailed,
    /// The user cancelled.
    Cancelled,
    /// A bug or an answer nobody expected.
    Internal,
}

#[derive(Clone, Debug, Serialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct CoreError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
    pub request_id: Option<String>,
}

impl CoreError {
    pub fn new(code: ErrorCode, message: impl Into<String>, hint: Option<String>) -> Self {
        CoreError {
            code,
            message: message.into(),
            hint,
            request_id: None,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        CoreError::new(ErrorCode::Internal, message, None)
    }
    /// Message and hint on one line, for the CLI.
    pub fn user_message(&self) -> String {
        let mut s = self.message.clone();
        if let Some(h) = &self.hint {
            s.push_str(" — ");
            s.push_str(h);
        }
        if let Some(r) = &self.request_id {
            s.push_str(&format!(" (request-id {r})"));
        }
        s
    }
    /// Process exit codes for scripts (sysexits-style).
    pub fn exit_code(&self) -> u8 {
        match self.code {
            ErrorCode::InvalidInput | ErrorCode::AmbiguousDates => 64,
            ErrorCode::TenantNotFound
            | ErrorCode::AppNotFound
            | ErrorCode::InvalidSecret
            | ErrorCode::ExpiredSecret => 77,
            ErrorCode::PermissionMissing | ErrorCode::AccessPolicyMissing => 77,
            ErrorCode::NotFound => 66,
            ErrorCode::Unavailable | ErrorCode::Network => 69,
            ErrorCode::KeychainUnavailable => 78,
            ErrorCode::SignInRequired | ErrorCode::SignInFailed => 77,
            ErrorCode::Cancelled => 130,
            ErrorCode::Internal => 70,
        }
    }
}
