//! "Copy diagnostics": what support needs to help without a screen share — versions, OS, where the
//! files are, the active profile without its secret, and the last errors the user saw with their
//! request-ids. Errors are recorded where they cross to the UI (the desktop's IPC error type).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::error::CoreError;
use crate::tenant::profile::Profile;

/// How many recent errors the report carries.
pub const KEEP_ERRORS: usize = 20;

struct Recorded {
    at: jiff::Timestamp,
    error: CoreError,
}

static RECENT: Mutex<VecDeque<Recorded>> = Mutex::new(VecDeque::new());

/// Remember an error shown to the user (newest last, at most [`KEEP_ERRORS`]).
pub fn record(error: &CoreError) {
    let mut q = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if q.len() == KEEP_ERRORS {
        q.pop_front();
    }
    q.push_back(Recorded {
        at: jiff::Timestamp::now(),
        error: error.clone(),
    });
}

/// What the shell knows and the core does not (versions of the window layer, folders).
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub app_version: String,
    /// e.g. `Tauri 2.9.3, WebKitGTK 2.48.1`.
    pub runtime: String,
    pub data_dir: String,
    pub log_dir: String,
}

/// The plain-text report (Markdown-friendly, pasteable into a ticket). Never contains a secret:
/// the profile is printed field by field, without the secret hint, and error texts are redacted.
pub fn report(
    env: &Environment,
    profile: Option<&Profile>,
    demo: bool,
    extra: &[(String, String)],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Rollcall diagnostics — {}",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(s, "Version: {}", env.app_version);
    let _ = writeln!(s, "Runtime: {}", env.runtime);
    let _ = writeln!(
        s,
        "OS: {} {} ({})",
        std::env::consts::OS,
        os_version(),
        std::env::consts::ARCH
    );
    let _ = writeln!(s, "Data folder: {}", env.data_dir);
    let _ = writeln!(s, "Log folder: {}", env.log_dir);
    for (k, v) in extra {
        let _ = writeln!(s, "{k}: {v}");
    }
    let _ = writeln!(s);
    match (demo, profile) {
        (true, _) => {
            let _ = writeln!(s, "Profile: demo tenant (built-in emulator)");
        }
        (false, Some(p)) => {
            let _ = writeln!(s, "Profile: {}", p.name);
            let _ = writeln!(s, "  Cloud: {:?}", p.cloud);
            let _ = writeln!(s, "  Tenant: {}", p.tenant);
            let _ = writeln!(s, "  Client ID: {}", p.client_id);
            let _ = writeln!(s, "  Mode: {:?}", p.mode);
            let _ = writeln!(
                s,
                "  Participant information: {}",
                if p.participant_info { "on" } else { "off" }
            );
            let _ = writeln!(s, "  Portal domain: {}", p.portal_domain);
            let _ = writeln!(s, "  Hosts: {}", p.hosts.join(", "));
            let _ = writeln!(
                s,
                "  Client secret saved: {}",
                if p.secret_hint.is_some() { "yes" } else { "no" }
            );
            if let Some(exp) = &p.secret_expires {
                let _ = writeln!(s, "  Secret expires (entered): {exp}");
            }
            if let Some(who) = &p.signed_in_as {
                let _ = writeln!(s, "  Signed in as: {who}");
            }
        }
        (false, None) => {
            let _ = writeln!(s, "Profile: none connected");
        }
    }
    let _ = writeln!(s);
    let q = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if q.is_empty() {
        let _ = writeln!(s, "Recent errors: none");
    } else {
        let _ = writeln!(s, "Recent errors (newest last):");
        for r in q.iter() {
            let e = &r.error;
            let _ = write!(
                s,
                "- {} [{:?}] {}",
                r.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.code,
                crate::support::logging::redact(&e.message)
            );
            if let Some(id) = &e.request_id {
                let _ = write!(s, " (request-id {id})");
            }
            let _ = writeln!(s);
        }
    }
    s
}

/// The OS release as the OS names it, best effort (empty when unknown).
fn os_version() -> String {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                t.lines().find_map(|l| {
                    l.strip_prefix("PRETTY_NAME=")
                        .map(|v| v.trim_matches('"').to_string())
                })
            })
            .unwrap_or_default()
    }
    #[cfg(not(target_os = "linux"))]
    {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn report_has_errors_with_request_ids_and_no_secret() {
        let mut e = CoreError::new(
            ErrorCode::InvalidSecret,
            "The client secret is wrong (client_secret=abc8Q~leaked-value-1234567890).",
            None,
        );
        e.request_id = Some("0b6f1c9e-1111-2222-3333-444455556666".into());
        record(&e);
        let p = Profile {
            id: "p1".into(),
            name: "Contoso LMS".into(),
            cloud: crate::tenant::profile::Cloud::Global,
            authority: None,
            graph: None,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            mode: crate::tenant::profile::AuthMode::Application,
            portal_domain: "lms.contoso.example".into(),
            participant_info: true,
            teams_webinars: false,
            lms_window_minutes: None,
            recheck_hours: None,
            hosts: vec!["host@contoso.example".into()],
            secret_hint: Some("abc".into()),
            secret_expires: None,
            signed_in_as: None,
            proxy: None,
            proxy_user: None,
            archive: None,
        };
        let text = report(&Environment::default(), Some(&p), false, &[]);
        assert!(text.contains("Contoso LMS"));
        assert!(text.contains("request-id 0b6f1c9e-1111-2222-3333-444455556666"));
        assert!(text.contains("Client secret saved: yes"));
        assert!(!text.contains("leaked-value"), "{text}");
        assert!(!text.contains("abc8Q"), "{text}");
        for _ in 0..(KEEP_ERRORS + 5) {
            record(&CoreError::internal("again"));
        }
        let text = report(&Environment::default(), None, true, &[]);
        assert_eq!(text.matches("[Internal] again").count(), KEEP_ERRORS);
    }
}
