//! Managed state: the connections hub (profiles, active connection, sign-in in progress) and the
//! demo emulator when `--demo` started one.

use std::sync::{Arc, Mutex};

use rollcall_core::hub::Hub;
use rollcall_core::tenant::profile::{data_dir, Profiles};
use rollcall_core::tenant::secrets::KeyringSecrets;
use rollcall_core::CoreError;
use serde::Serialize;

pub struct AppState {
    pub hub: Hub,
    /// Where profiles and archives live (shown in diagnostics and the README).
    pub data_dir: std::path::PathBuf,
    /// The daily log files.
    pub log_dir: std::path::PathBuf,
    /// Held while the demo tenant starts, so two quick clicks start one emulator.
    pub demo_starting: tokio::sync::Mutex<()>,
    /// Keeps the in-process demo tenant alive for the app's lifetime.
    pub emulator: Mutex<Option<rollcall_emulator::Running>>,
    /// The LMS participant list opened last, so a session can be matched again (after a manual
    /// match, or on another session) without asking for the file again.
    pub roster: Mutex<Option<Vec<u8>>>,
    /// The attendance files chosen in the last import, so one can be imported again with the
    /// date order the user picked without the webview ever naming a path.
    pub import_batch: Mutex<Vec<std::path::PathBuf>>,
    /// Files dragged onto the window (kept in Rust; the webview learns only that they came).
    pub drops: crate::drops::Drops,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub connected: bool,
    pub demo: bool,
    pub tenant: Option<String>,
    pub profile: String,
    /// `application` or `delegated`, when connected to a saved profile.
    pub mode: Option<rollcall_core::tenant::profile::AuthMode>,
    /// No saved profile and no demo running: the UI shows the welcome screen.
    pub first_run: bool,
    pub version: String,
    /// Where profiles and archives live, and the daily logs (shown in Settings).
    pub data_dir: String,
    pub log_dir: String,
    /// Why there is no connection, when there is none.
    pub problem: Option<CoreError>,
    /// The host accounts of the active connection.
    pub hosts: Vec<String>,
    /// The connection reads Teams webinars (virtual events) too.
    pub teams_webinars: bool,
}

impl AppState {
    pub fn new() -> Result<Self, CoreError> {
        let data_dir = data_dir()?;
        let profiles = Profiles::in_dir(&data_dir);
        Ok(AppState {
            hub: Hub::new(profiles, Arc::new(KeyringSecrets::default())),
            log_dir: rollcall_core::support::logging::log_dir_in(&data_dir),
            demo_starting: tokio::sync::Mutex::new(()),
            data_dir,
            emulator: Mutex::new(None),
            roster: Mutex::new(None),
            import_batch: Mutex::new(Vec::new()),
            drops: Default::default(),
        })
    }

    pub fn status(&self) -> AppStatus {
        let version = env!("CARGO_PKG_VERSION").to_string();
        let view = self.hub.connections.list();
        let first_run = view
            .as_ref()
            .is_ok_and(|v| v.profiles.is_empty() && v.active.is_none());
        let mode = view.ok().and_then(|v| {
            let id = v.active?;
            v.profiles.into_iter().find(|p| p.id == id).map(|p| p.mode)
        });
        match self.hub.connections.connection() {
            Ok(c) => AppStatus {
                connected: true,
                demo: c.demo,
                tenant: Some(c.tenant.clone()),
                profile: c.profile.clone(),
                mode: if c.demo {
                    Some(rollcall_core::tenant::profile::AuthMode::Application)
                } else {
                    mode
                },
                first_run: false,
                version,
                data_dir: self.data_dir.display().to_string(),
                log_dir: self.log_dir.display().to_string(),
                problem: None,
                hosts: c.hosts.clone(),
                teams_webinars: c.teams_webinars,
            },
            Err(e) => AppStatus {
                connected: false,
                demo: false,
                tenant: None,
                profile: "Not connected".into(),
                mode: None,
                first_run,
                version,
                data_dir: self.data_dir.display().to_string(),
                log_dir: self.log_dir.display().to_string(),
                problem: Some(e),
                hosts: Vec::new(),
                teams_webinars: false,
            },
        }
    }

    /// The "Copy diagnostics" text.
    pub fn diagnostics(&self) -> String {
        let env = rollcall_core::support::diagnostics::Environment {
            app_version: env!("CARGO_PKG_VERSION").into(),
            runtime: format!(
                "Tauri {}, WebView {}",
                tauri::VERSION,
                tauri::webview_version().unwrap_or_else(|_| "unknown".into())
            ),
            data_dir: self.data_dir.display().to_string(),
            log_dir: self.log_dir.display().to_string(),
        };
        let view = self.hub.connections.list().ok();
        let demo =
            view.as_ref().and_then(|v| v.active.as_deref()) == Some(rollcall_core::hub::DEMO_ID);
        let profile = view.as_ref().and_then(|v| {
            let id = v.active.as_deref()?;
            v.profiles.iter().find(|p| p.id == id)
        });
        let mut extra = Vec::new();
        if let Some(s) = self.hub.sync_state().summary {
            extra.push((
                "Last sync".to_string(),
                format!(
                    "{} webinars, {} reports fetched, {} unchanged, {} records, {} requests, {} throttled waits, {} unavailable{}",
                    s.webinars, s.fetched, s.unchanged, s.records, s.requests, s.throttled_waits,
                    s.unavailable.len(), if s.cancelled { ", cancelled" } else { "" }
                ),
            ));
        }
        rollcall_core::support::diagnostics::report(&env, profile, demo, &extra)
    }
}

impl AppStatus {
    /// "Rollcall — DEMO · Demo tenant (…)" / "Rollcall — Contoso LMS (contoso.onmicrosoft.com)".
    pub fn window_title(&self) -> String {
        match (&self.tenant, self.demo) {
            (Some(t), true) => format!("Rollcall — DEMO · {} ({t})", self.profile),
            (Some(t), false) => format!("Rollcall — {} ({t})", self.profile),
            (None, _) => "Rollcall".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(tenant: Option<&str>, demo: bool, profile: &str) -> AppStatus {
        AppStatus {
            connected: tenant.is_some(),
            demo,
            tenant: tenant.map(str::to_string),
            profile: profile.into(),
            mode: None,
            first_run: tenant.is_none(),
            version: "0.1.0".into(),
            data_dir: String::new(),
            log_dir: String::new(),
            problem: None,
            hosts: Vec::new(),
            teams_webinars: false,
        }
    }

    #[test]
    fn the_window_title_names_the_tenant_and_says_demo() {
        assert_eq!(
            status(None, false, "Not connected").window_title(),
            "Rollcall"
        );
        assert_eq!(
            status(Some("contoso.onmicrosoft.com"), false, "Production portal").window_title(),
            "Rollcall — Production portal (contoso.onmicrosoft.com)"
        );
        assert_eq!(
            status(Some("e99ff867"), true, "Demo tenant").window_title(),
            "Rollcall — DEMO · Demo tenant (e99ff867)"
        );
    }
}
