//! Shared by the integration tests: an emulator on an ephemeral port, an application connection to
//! it, and a delegated sign-in that plays the browser.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod backends;
pub mod pg;

use std::path::Path;
use std::sync::Arc;

use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::{Profile, Profiles};
use rollcall_core::tenant::secrets::SecretStore;
use rollcall_core::tenant::session::SignInAttempt;
use rollcall_emulator::{Config, Running};
use rollcall_graph::{Endpoints, Secret};

pub async fn emulator(scenarios: &[&str]) -> Running {
    rollcall_emulator::start(
        "127.0.0.1:0",
        Config {
            scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Application-level connection to the emulator's app, with these hosts.
pub fn app_conn(emu: &Running, hosts: &[String]) -> Connection {
    Connection::application(
        Endpoints {
            authority: emu.info.authority.clone(),
            graph: emu.info.graph.clone(),
        },
        &emu.info.tenant_id,
        &emu.info.client_id,
        Secret::new(emu.info.client_secret.clone()),
        hosts.to_vec(),
    )
    .unwrap()
}

/// A user sign-in (delegated) profile for the emulator's app with these hosts.
pub fn delegated_profile(emu: &Running, hosts: &[String]) -> Profile {
    Profile {
        id: format!("d-{}", uuid::Uuid::new_v4()),
        name: "Delegated".into(),
        cloud: rollcall_core::tenant::profile::Cloud::Custom,
        authority: Some(emu.info.authority.clone()),
        graph: Some(emu.info.graph.clone()),
        tenant: emu.info.tenant_id.clone(),
        client_id: emu.info.client_id.clone(),
        mode: rollcall_core::tenant::profile::AuthMode::Delegated,
        portal_domain: "lms.northwind.example".into(),
        participant_info: true,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts: hosts.to_vec(),
        secret_hint: None,
        secret_expires: None,
        signed_in_as: None,
        proxy: None,
        proxy_user: None,
        archive: None,
    }
}

/// An HTTP client that does not follow redirects (to read `Location`).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Play the browser up to the redirect: open the authorize URL for a demo user (`login_hint`) and
/// return the loopback address it sends the browser to.
pub async fn authorize(url: &str, user: &str) -> String {
    let r = http()
        .get(format!("{url}&login_hint={user}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "authorize should redirect back");
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Play the browser: authorize, then follow the redirect to the loopback.
pub async fn browser(url: &str, user: &str) -> reqwest::Response {
    http().get(authorize(url, user).await).send().await.unwrap()
}

/// Sign `profile` in as `user`: begin, play the browser (authorize with `login_hint`, follow the
/// redirect to the loopback), finish. Returns the connection and the authorization code seen.
pub async fn sign_in(
    profile: &Profile,
    dir: &Path,
    store: Arc<dyn SecretStore>,
    user: &str,
) -> (Connection, String) {
    let attempt = SignInAttempt::begin(profile).await.unwrap();
    let url = attempt.url.clone();
    let dir = dir.to_path_buf();
    let waiting = tokio::spawn(async move {
        attempt
            .finish(&Profiles::in_dir(&dir), store, std::future::pending())
            .await
    });
    let back = authorize(&url, user).await;
    let code = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    http().get(&back).send().await.unwrap();
    let (conn, _) = waiting.await.unwrap().unwrap();
    (conn, code)
}
