//! Managed state: the active connection (and the demo emulator when `--demo` started one).

use std::sync::Mutex;

use rollcall_core::connection::Connection;
use rollcall_core::{CoreError, ErrorCode};
use serde::Serialize;

pub struct AppState {
    connection: Mutex<Option<Connection>>,
    /// Keeps the in-process demo tenant alive for the app's lifetime.
    pub emulator: Mutex<Option<rollcall_emulator::Running>>,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub connected: bool,
    pub demo: bool,
    pub tenant: Option<String>,
    pub profile: String,
    pub version: String,
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            connection: Mutex::new(None),
            emulator: Mutex::new(None),
        }
    }

    pub fn set_connection(&self, c: Connection) {
        *self.connection.lock().unwrap_or_else(|e| e.into_inner()) = Some(c);
    }

    pub fn connection(&self) -> Result<Connection, CoreError> {
        self.connection
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::InvalidInput,
                    "No tenant is connected yet.",
                    Some("Start with --demo, or add a connection in Settings.".into()),
                )
            })
    }

    pub fn status(&self) -> AppStatus {
        let c = self
            .connection
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        AppStatus {
            connected: c.is_some(),
            demo: c.as_ref().is_some_and(|c| c.demo),
            tenant: c.as_ref().map(|c| c.tenant.clone()),
            profile: if c.as_ref().is_some_and(|c| c.demo) {
                "Demo tenant".into()
            } else {
                "Not connected".into()
            },
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
