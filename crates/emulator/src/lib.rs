//! A local stand-in for the Microsoft identity platform (`login.microsoftonline.com`) and the
//! Microsoft Graph v1.0 endpoints Rollcall uses, serving a seeded demo tenant on 127.0.0.1.
//!
//! It is strict where Entra and Graph are strict (AADSTS codes, permissions, the Teams application
//! access policy, per-mailbox concurrency) and can inject faults (latency, 429, 5xx, truncated
//! bodies, short token lifetimes). It deliberately does not cover the beta endpoints, certificates,
//! device code, national clouds or anything the app does not call.

#![recursion_limit = "256"]

pub mod faults;
pub mod graph;
pub mod identity;
pub mod jwt;
pub mod model;
pub mod seed;
pub mod tz;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use jiff::Timestamp;
use serde::Serialize;

pub use faults::{Faults, RetryAfterForm};

/// Named situations an admin meets in a real tenant, switchable at start and at runtime.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "missing-access-policy",
        "no host is covered by a Teams application access policy",
    ),
    (
        "missing-permission",
        "OnlineMeetingArtifact.Read.All is not among the app's permissions",
    ),
    (
        "no-admin-consent",
        "nobody granted admin consent: tokens carry no roles",
    ),
    ("expired-secret", "the demo client secret expired yesterday"),
    (
        "secret-renewed",
        "the demo client secret is valid for another 18 months (by default it expires in 10 days)",
    ),
    (
        "unlicensed-host",
        "the first host lost its licence and mailbox",
    ),
    (
        "refresh-inactive",
        "refresh tokens are rejected as inactive for 90 days (AADSTS700082)",
    ),
];

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub scenarios: Vec<String>,
    pub faults: Faults,
    /// Anchor for the demo calendar; `None` = now.
    pub now: Option<Timestamp>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            scenarios: Vec::new(),
            faults: Faults::default(),
            now: None,
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum Error {
    #[error("unknown scenario '{0}'; known: {1}")]
    UnknownScenario(String, String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// The state every handler sees.
pub struct Shared {
    world: Mutex<model::World>,
    pub faults: faults::FaultState,
    pub keys: jwt::Keys,
    /// Base URL (`http://127.0.0.1:port`), known once the listener is bound.
    pub base: String,
    pub creds: seed::DemoCredentials,
}

impl Shared {
    /// Lock the world. A panic in a handler must not take the whole emulator down with a poisoned
    /// lock, so a poisoned guard is recovered.
    pub fn world(&self) -> MutexGuard<'_, model::World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.base)
    }
}

/// What `rollcall emulator` prints as its one JSON line.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub authority: String,
    pub graph: String,
    pub tenant_id: String,
    pub tenant_domain: String,
    pub client_id: String,
    pub client_secret: String,
    pub hosts: Vec<String>,
    /// The runtime admin API (scenarios, faults, stats).
    pub admin: String,
    /// The tenant administrator who can grant consent.
    pub admin_user: String,
    pub portal_redirect_uri: String,
    pub scenarios: Vec<String>,
}

pub struct Running {
    pub addr: SocketAddr,
    pub info: Info,
    pub shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stop serving and wait for the server task to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Apply a named scenario to the world.
pub fn apply_scenario(world: &mut model::World, name: &str, now: Timestamp) -> Result<(), Error> {
    let app_id = world
        .apps
        .first()
        .map(|a| a.app_id.clone())
        .unwrap_or_default();
    match name {
        "missing-access-policy" => world
            .users
            .iter_mut()
            .for_each(|u| u.policy_covered = false),
        "missing-permission" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.app_roles.remove("OnlineMeetingArtifact.Read.All");
                app.delegated.remove("OnlineMeetingArtifact.Read.All");
            }
        }
        "no-admin-consent" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.admin_consent = false;
            }
        }
        "expired-secret" => {
            if let Some(app) = world.app_mut(&app_id) {
                if let Some(s) = app.secrets.first_mut() {
                    s.end = now - jiff::SignedDuration::from_hours(24);
                }
            }
        }
        "secret-renewed" => {
            if let Some(app) = world.app_mut(&app_id) {
                if let Some(s) = app.secrets.first_mut() {
                    s.end = now + jiff::SignedDuration::from_hours(24 * 545);
                }
            }
        }
        "unlicensed-host" => {
            if let Some(u) = world.users.iter_mut().find(|u| u.is_host) {
                u.teams_plan = None;
                u.has_mailbox = false;
            }
        }
        "refresh-inactive" => {
            let old = now - jiff::SignedDuration::from_hours(24 * 91);
            world.refresh.values_mut().for_each(|g| g.last_used = old);
        }
        other => {
            let known = SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::UnknownScenario(other.to_string(), known));
        }
    }
    Ok(())
}

/// Start the emulator on `addr` (use port 0 for an ephemeral port).
pub async fn start(addr: &str, config: Config) -> Result<Running, Error> {
    let now = config.now.unwrap_or_else(Timestamp::now);
    let (mut world, creds) = seed::demo(config.seed, now);
    for s in &config.scenarios {
        apply_scenario(&mut world, s, now)?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| Error::Listen {
        addr: addr.to_string(),
        source,
    })?;
    let base = format!("http://{local}");
    let tenant = world.tenant.clone();
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        faults: faults::FaultState::new(config.faults.clone(), config.seed),
        keys: jwt::Keys::demo(),
        base: base.clone(),
        creds: creds.clone(),
    });
    if config.scenarios.iter().any(|s| s == "refresh-inactive") {
        shared.faults.set_refresh_inactive(true);
    }
    let info = Info {
        authority: base.clone(),
        graph: format!("{base}/v1.0"),
        tenant_id: tenant.id.clone(),
        tenant_domain: tenant.domains.first().cloned().unwrap_or_default(),
        client_id: creds.client_id.clone(),
        client_secret: creds.client_secret.clone(),
        hosts: creds.hosts.clone(),
        admin: format!("{base}/_emulator"),
        admin_user: creds.admin.clone(),
        portal_redirect_uri: seed::PORTAL_REDIRECT.to_string(),
        scenarios: config.scenarios.clone(),
    };
    let app = router(shared.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "emulator server stopped");
        }
    });
    Ok(Running {
        addr: local,
        info,
        shared,
        shutdown: Some(tx),
        task: Some(task),
    })
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(identity::routes())
        .merge(faults::admin_routes())
        .merge(graph::routes(shared.clone()))
        .with_state(shared)
}
