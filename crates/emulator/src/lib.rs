//! A local stand-in for the Microsoft identity platform (`login.microsoftonline.com`) and the
//! Microsoft Graph v1.0 endpoints Rollcall uses, serving a seeded demo tenant on 127.0.0.1.
//!
//! It is strict where Entra and Graph are strict (AADSTS codes, permissions, the Teams application
//! access policy, per-mailbox concurrency) and can inject faults (latency, 429, 5xx, truncated
//! bodies, short token lifetimes). It deliberately does not cover the beta endpoints, certificates,
//! device code, national clouds or anything the app does not call.

#![recursion_limit = "256"]

pub mod admin;
pub mod certificates;
pub mod faults;
pub mod graph;
mod guard;
pub mod identity;
pub mod jwt;
pub mod model;
pub mod rng;
pub mod scenarios;
pub mod schema;
pub mod seed;
pub mod state;
pub mod tz;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use jiff::Timestamp;
use serde::Serialize;

pub use faults::{Faults, RetryAfterForm};
pub use scenarios::{apply_scenario, SCENARIOS};
pub use state::Shared;

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub scenarios: Vec<String>,
    pub faults: Faults,
    /// Anchor for the demo calendar; `None` = now.
    pub now: Option<Timestamp>,
    /// The address clients reach the emulator at when it sits behind a front (an HTTPS
    /// terminator, a TLS-inspecting proxy): used in discovery, token issuers, links and the JSON
    /// line. `None`: its own `http://` address.
    pub public_url: Option<String>,
    /// Check every successful Graph answer against Microsoft's description (`schema`) and answer
    /// 500 `EmulatorDeviation` instead of one that does not match, so a test that meets it fails.
    /// On in debug builds (every test), off in release builds (the demo a user runs).
    pub check_answers: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            scenarios: Vec::new(),
            faults: Faults::default(),
            now: None,
            public_url: None,
            check_answers: cfg!(debug_assertions),
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
    /// When that client secret expires (`YYYY-MM-DD`, UTC), as Entra shows it; scenarios move it.
    pub client_secret_expires: String,
    pub hosts: Vec<String>,
    /// The runtime admin API (scenarios, faults, stats).
    pub admin: String,
    /// The tenant's Global Administrator (may make every change "Fix it for me" offers).
    pub admin_user: String,
    /// A Cloud Application Administrator (may change registrations and grant delegated
    /// permissions, not Microsoft Graph's application permissions).
    pub app_admin_user: String,
    pub portal_redirect_uri: String,
    pub scenarios: Vec<String>,
    /// The address it listens on (`127.0.0.1:port`): where a front forwards to when
    /// `public_url` is set.
    pub listen: String,
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
    /// Stops serving; and fails the test that ran it when an answer did not match Graph's
    /// description (the client may have swallowed the 500 it got instead).
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let deviations = self.shared.deviations();
        if !deviations.is_empty() && !std::thread::panicking() {
            panic!(
                "the emulator answered otherwise than Graph's description says:\n{}",
                deviations.join("\n")
            );
        }
    }
}

/// Start the emulator on `addr` (use port 0 for an ephemeral port).
pub async fn start(addr: &str, config: Config) -> Result<Running, Error> {
    let now = config.now.unwrap_or_else(Timestamp::now);
    let (mut world, creds) = seed::demo(config.seed, now);
    for s in &config.scenarios {
        apply_scenario(&mut world, s, now).map_err(|u| Error::UnknownScenario(u.0, u.1))?;
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
    let base = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("http://{local}"));
    let tenant = world.tenant.clone();
    let client_secret_expires = world
        .apps
        .iter()
        .flat_map(|a| a.secrets.iter())
        .find(|c| c.value == creds.client_secret)
        .map(|c| c.end.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default();
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        faults: faults::FaultState::new(config.faults.clone(), config.seed),
        keys: jwt::Keys::demo(),
        base: base.clone(),
        creds: creds.clone(),
        check_answers: config.check_answers,
        deviations: Mutex::new(Vec::new()),
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
        client_secret_expires,
        hosts: creds.hosts.clone(),
        admin: format!("{base}/_emulator"),
        admin_user: creds.admin.clone(),
        app_admin_user: creds.app_admin.clone(),
        portal_redirect_uri: seed::PORTAL_REDIRECT.to_string(),
        scenarios: config.scenarios.clone(),
        listen: local.to_string(),
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
        .merge(admin::admin_routes())
        .merge(graph::routes(shared.clone()))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::same_origin_admin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::host_check,
        ))
        .with_state(shared)
}
