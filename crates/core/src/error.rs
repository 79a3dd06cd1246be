//! Errors in the user's words. Every error crossing to the UI or the CLI has a closed `code`, a
//! sentence saying what went wrong, and where possible a `hint` saying what to do; Graph's
//! request-id is kept for support. The UI branches on `code`, never on the message.

use rollcall_graph::GraphError;
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
            ErrorCode::InvalidInput => 64,
            ErrorCode::TenantNotFound
            | ErrorCode::AppNotFound
            | ErrorCode::InvalidSecret
            | ErrorCode::ExpiredSecret => 77,
            ErrorCode::PermissionMissing | ErrorCode::AccessPolicyMissing => 77,
            ErrorCode::NotFound => 66,
            ErrorCode::Unavailable | ErrorCode::Network => 69,
            ErrorCode::Internal => 70,
        }
    }
}

impl From<GraphError> for CoreError {
    fn from(e: GraphError) -> Self {
        let request_id = e.request_id().map(str::to_string);
        let mut out = match &e {
            GraphError::Token(aad) => {
                let (code, message, hint) = match aad.code() {
                    Some(7000222) => (ErrorCode::ExpiredSecret, "The client secret has expired.", "Create a new secret in Entra admin center → App registrations → your app → Certificates & secrets, then paste its Value here."),
                    Some(7000215) => (ErrorCode::InvalidSecret, "The client secret is not valid.", "Paste the secret's Value (shown once when it was created), not its Secret ID; if the Value is lost, create a new secret."),
                    Some(7000218) => (ErrorCode::InvalidSecret, "This app registration needs a client secret.", "Enter the client secret, or register the redirect URI under \"Mobile and desktop applications\"."),
                    Some(700016) => (ErrorCode::AppNotFound, "No app registration with this client ID exists in the tenant.", "Copy the Application (client) ID from the app's Overview page and check the tenant ID."),
                    Some(90002) => (ErrorCode::TenantNotFound, "The tenant was not found.", "Check the Directory (tenant) ID or domain on the app's Overview page, and the cloud."),
                    Some(65001) => (ErrorCode::PermissionMissing, "Consent has not been granted for the requested permissions.", "Open API permissions and click \"Grant admin consent\"."),
                    Some(70011) => (ErrorCode::Internal, "The token request used an invalid scope.", "This is a Rollcall bug; please report it with the trace id."),
                    _ => (ErrorCode::InvalidInput, "Sign-in was refused by the identity platform.", "See the details below."),
                };
                let mut err = CoreError::new(code, message, Some(hint.to_string()));
                if code == ErrorCode::InvalidInput || code == ErrorCode::Internal {
                    err.message = format!("{message} ({})", aad.error_description.lines().next().unwrap_or_default());
                }
                err.request_id = aad.trace_id.clone();
                return err;
            }
            GraphError::Api { status: 403, code, message, .. } if message.to_ascii_lowercase().contains("application access policy") => CoreError::new(
                ErrorCode::AccessPolicyMissing,
                format!("Teams refused: no application access policy covers this host ({code})."),
                Some("Run the PowerShell from the Setup page (New-CsApplicationAccessPolicy / Grant-CsApplicationAccessPolicy); it can take 30 minutes to apply.".into()),
            ),
            GraphError::Api { status: 403, code, message, .. } => CoreError::new(
                ErrorCode::PermissionMissing,
                format!("Microsoft Graph denied access: {message} ({code})."),
                Some("Check the app's API permissions and admin consent on the Setup page.".into()),
            ),
            GraphError::Api { status: 404, message, .. } => CoreError::new(ErrorCode::NotFound, message.clone(), None),
            GraphError::Api { status, code, message, .. } => CoreError::new(ErrorCode::Internal, format!("Microsoft Graph answered {status} {code}: {message}"), None),
            GraphError::RetriesExhausted { .. } => CoreError::new(ErrorCode::Unavailable, e.to_string(), Some("Microsoft Graph is busy; try again in a few minutes.".into())),
            GraphError::Transport { host, .. } => CoreError::new(ErrorCode::Network, format!("Could not reach {host}."), Some("Check the network connection, proxy and the cloud setting.".into())),
            GraphError::Config(m) => CoreError::new(ErrorCode::InvalidInput, m.clone(), None),
            _ => CoreError::internal(e.to_string()),
        };
        out.request_id = request_id;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_graph::AadError;

    #[test]
    fn aadsts_codes_become_advice() {
        let e: CoreError = GraphError::Token(Box::new(AadError {
            error_codes: vec![7000222],
            status: 401,
            ..Default::default()
        }))
        .into();
        assert_eq!(e.code, ErrorCode::ExpiredSecret);
        assert!(e.hint.unwrap().contains("Certificates & secrets"));
        let e: CoreError = GraphError::Api {
            status: 403,
            code: "General".into(),
            message: "No application access policy found for this app.".into(),
            request_id: Some("r".into()),
            date: None,
        }
        .into();
        assert_eq!(e.code, ErrorCode::AccessPolicyMissing);
        assert_eq!(e.request_id.as_deref(), Some("r"));
    }
}
