//! Managed state: the connections hub (profiles, active connection, sign-in in progress) and the
//! demo emulator when `--demo` started one.

use std::sync::{Arc, Mutex};

use rollcall_core::hub::Hub;
use rollcall_core::profile::{data_dir, Profiles};
use rollcall_core::secrets::KeyringSecrets;
use rollcall_core::CoreError;
use serde::Serialize;

pub struct AppState {
    pub hub: Hub,
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
    /// Why there is no connection, when there is none.
    pub problem: Option<CoreError>,
    /// The host accounts of the active connection.
    pub hosts: Vec<String>,
}

impl AppState {
    pub fn new() -> Result<Self, CoreError> {
        let profiles = Profiles::in_dir(&data_dir()?);
        Ok(AppState {
            hub: Hub::new(profiles, Arc::new(KeyringSecrets::default())),
            emulator: Mutex::new(None),
        })
    }

    pub fn status(&self) -> AppStatus {
        let version = env!("CARGO_PKG_VERSION").to_string();
        match self.hub.connection() {
            Ok(c) => AppStatus {
                connected: true,
                demo: c.demo,
                tenant: Some(c.tenant.clone()),
                profile: c.profile.clone(),
                version,
                problem: None,
                hosts: c.hosts.clone(),
            },
            Err(e) => AppStatus {
                connected: false,
                demo: false,
                tenant: None,
                profile: "Not connected".into(),
                version,
                problem: Some(e),
                hosts: Vec::new(),
            },
        }
    }
}
