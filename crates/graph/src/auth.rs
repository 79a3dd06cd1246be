//! Token providers. Here: client credentials (application-level). The delegated provider
//! (auth code + PKCE, refresh) implements the same trait. Both request tokens through
//! [`crate::oauth`] (the `oauth2` crate with an error type that keeps every Entra field).

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use tokio::sync::Mutex;

use crate::error::GraphError;
use crate::oauth::{EntraClient, TenantAuthority, Transport};
use crate::secret::Secret;

pub use crate::token::{AccessToken, RENEW_EARLY};

pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, GraphError>> + Send + 'a>>;

/// Something that hands out Graph access tokens.
pub trait TokenProvider: Send + Sync {
    /// A valid token; `force` skips the cache (after a 401).
    fn token(&self, force: bool) -> TokenFuture<'_>;
}

/// Application-level sign-in: `client_credentials` with `{graph}/.default`, cached in memory.
pub struct ClientCredentials {
    http: reqwest::Client,
    /// `Err` when the authority is not a URL: said on the first request, like any other failure.
    client: Result<EntraClient, String>,
    scope: String,
    /// With the app's own certificate instead of a secret: each request signs a fresh assertion.
    certificate: Option<AssertionKey>,
    cache: Mutex<Option<AccessToken>>,
}

/// What a certificate's client assertion is made from ([`crate::certificate::assertion`]).
struct AssertionKey {
    key_pem: Secret,
    cert_der: Vec<u8>,
    client_id: String,
    token_url: String,
}

impl ClientCredentials {
    /// `resource` is the Graph resource identifier, `https://graph.microsoft.com` for the global cloud.
    pub fn new(
        http: reqwest::Client,
        authority: &str,
        tenant: &str,
        client_id: &str,
        secret: Secret,
        resource: &str,
    ) -> Self {
        ClientCredentials {
            http,
            client: TenantAuthority::new(authority, tenant).client(client_id, Some(&secret), None),
            scope: format!("{}/.default", resource.trim_end_matches('/')),
            certificate: None,
            cache: Mutex::new(None),
        }
    }

    /// Application tokens with the app's own certificate (a key and its certificate, DER) instead
    /// of a secret: for jobs that run where no keychain answers (cron).
    pub fn with_certificate(
        http: reqwest::Client,
        authority: &str,
        tenant: &str,
        client_id: &str,
        key_pem: Secret,
        cert_der: Vec<u8>,
        resource: &str,
    ) -> Self {
        let entra = TenantAuthority::new(authority, tenant);
        ClientCredentials {
            http,
            client: entra.client(client_id, None, None),
            scope: format!("{}/.default", resource.trim_end_matches('/')),
            certificate: Some(AssertionKey {
                key_pem,
                cert_der,
                client_id: client_id.to_string(),
                token_url: entra.token_url,
            }),
            cache: Mutex::new(None),
        }
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self, force: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if !force {
                if let Some(t) = cache.as_ref().filter(|t| t.fresh(Timestamp::now())) {
                    return Ok(t.clone());
                }
            }
            let client = self
                .client
                .as_ref()
                .map_err(|e| GraphError::Config(e.clone()))?;
            let transport = Transport::new(&self.http);
            let mut request = client
                .exchange_client_credentials()
                .add_scope(oauth2::Scope::new(self.scope.clone()));
            if let Some(k) = &self.certificate {
                let assertion = crate::certificate::assertion(
                    &k.key_pem,
                    &k.cert_der,
                    &k.client_id,
                    &k.token_url,
                    Timestamp::now(),
                )
                .map_err(GraphError::Config)?;
                request = request
                    .add_extra_param(
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    )
                    .add_extra_param("client_assertion", assertion.expose().to_string());
            }
            let result = request.request_async(&transport).await;
            let token = transport.finish(result)?.access;
            tracing::debug!(expires_at = %token.expires_at, certificate = self.certificate.is_some(), "application token issued");
            *cache = Some(token.clone());
            Ok(token)
        })
    }
}
