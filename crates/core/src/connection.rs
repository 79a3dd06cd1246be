//! A connection to a tenant: where its identity platform and Graph live, and the app's credentials.

use std::sync::Arc;

use rollcall_graph::{ClientCredentials, Endpoints, GraphClient, Secret};

use crate::error::CoreError;

/// Everything needed to call Graph as the LMS's app registration (application-level).
#[derive(Clone, Debug)]
pub struct Connection {
    pub endpoints: Endpoints,
    /// Tenant GUID or verified domain.
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Host accounts whose calendars hold the webinars.
    pub hosts: Vec<String>,
    /// True when this is the local demo tenant (the emulator).
    pub demo: bool,
}

impl Connection {
    /// The Graph client for this connection, with the application-level token provider.
    pub fn graph(&self) -> Result<GraphClient, CoreError> {
        let http = reqwest_client()?;
        let tokens = ClientCredentials::new(
            http.clone(),
            &self.endpoints.authority,
            &self.tenant,
            &self.client_id,
            self.client_secret.clone(),
            &self.endpoints.resource(),
        );
        Ok(GraphClient::new(
            http,
            self.endpoints.clone(),
            Arc::new(tokens),
        )?)
    }
}

/// One HTTP client configuration for the whole app: rustls, no redirects (a redirect from the token
/// endpoint or Graph is never something to follow with credentials), bounded timeouts.
pub fn reqwest_client() -> Result<reqwest::Client, CoreError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(15))
        .timeout(std::time::Duration::from_secs(120))
        .user_agent(concat!("Rollcall/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CoreError::internal(format!("HTTP client: {e}")))
}
