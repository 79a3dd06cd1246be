//! Token providers. Here: client credentials (application-level). The delegated provider
//! (auth code + PKCE, refresh) implements the same trait.
//!
//! The token endpoint is called with a plain form POST rather than the `oauth2` crate: Entra's
//! error body carries `error_codes`, `suberror` and trace ids that `oauth2`'s standard error type
//! drops, and those are what turn an AADSTS code into advice.

use std::future::Future;
use std::pin::Pin;

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::{AadError, GraphError};
use crate::secret::Secret;

/// Renew this long before `expires_in` runs out.
pub const RENEW_EARLY: SignedDuration = SignedDuration::from_secs(300);

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub value: Secret,
    pub expires_at: Timestamp,
    /// How long it was valid when issued (`expires_in`).
    pub lifetime: SignedDuration,
}

impl AccessToken {
    /// The payload claims, decoded without verification (Graph tokens are opaque to clients; this is
    /// for diagnostics such as "which roles were granted").
    pub fn claims(&self) -> Option<serde_json::Value> {
        let payload = self.value.expose().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
    /// Application permissions (`roles`) or delegated scopes (`scp`) carried by the token.
    pub fn permissions(&self) -> Vec<String> {
        let Some(c) = self.claims() else {
            return Vec::new();
        };
        if let Some(roles) = c["roles"].as_array() {
            return roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
        }
        c["scp"]
            .as_str()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }
    /// Still worth using: renew 5 minutes early, or after half its life for short-lived tokens
    /// (a 60-second token would otherwise never count as fresh).
    pub(crate) fn fresh(&self, now: Timestamp) -> bool {
        let early = if self.lifetime < RENEW_EARLY * 2 {
            self.lifetime / 2
        } else {
            RENEW_EARLY
        };
        now + early < self.expires_at
    }
}

pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, GraphError>> + Send + 'a>>;

/// Something that hands out Graph access tokens.
pub trait TokenProvider: Send + Sync {
    /// A valid token; `force` skips the cache (after a 401).
    fn token(&self, force: bool) -> TokenFuture<'_>;
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(deserialize_with = "number_or_string")]
    expires_in: i64,
}

/// v2 sends a number, v1 sent a string: accept both.
fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match &v {
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("expires_in")),
        serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expires_in")),
    }
}

/// POST a form to a token endpoint and read the token or Entra's error body.
pub async fn post_token_form(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, &str)],
) -> Result<(AccessToken, serde_json::Value), GraphError> {
    let host = url::Url::parse(token_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let resp = match http.post(token_url).form(form).send().await {
        Ok(r) => r,
        Err(e) => return Err(crate::tls::transport_error(&host, token_url, &e).await),
    };
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| GraphError::transport(host, &e))?;
    if !(200..300).contains(&status) {
        let mut err: AadError = serde_json::from_slice(&bytes).unwrap_or_else(|_| AadError {
            error: "unexpected_response".into(),
            error_description: format!(
                "the token endpoint answered HTTP {status} without an error body"
            ),
            ..Default::default()
        });
        err.status = status;
        return Err(GraphError::Token(Box::new(err)));
    }
    let raw: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| GraphError::Decode {
            context: "token response".into(),
            detail: e.to_string(),
            request_id: None,
        })?;
    let parsed: TokenResponse =
        serde_json::from_value(raw.clone()).map_err(|e| GraphError::Decode {
            context: "token response".into(),
            detail: e.to_string(),
            request_id: None,
        })?;
    let lifetime = SignedDuration::from_secs(parsed.expires_in);
    let token = AccessToken {
        value: Secret::new(parsed.access_token),
        expires_at: Timestamp::now() + lifetime,
        lifetime,
    };
    Ok((token, raw))
}

/// Application-level sign-in: `client_credentials` with `{graph}/.default`, cached in memory.
pub struct ClientCredentials {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    secret: Secret,
    scope: String,
    cache: Mutex<Option<AccessToken>>,
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
            token_url: format!(
                "{}/{}/oauth2/v2.0/token",
                authority.trim_end_matches('/'),
                tenant
            ),
            client_id: client_id.to_string(),
            secret,
            scope: format!("{}/.default", resource.trim_end_matches('/')),
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
            let form = [
                ("client_id", self.client_id.as_str()),
                ("scope", self.scope.as_str()),
                ("client_secret", self.secret.expose()),
                ("grant_type", "client_credentials"),
            ];
            let (token, _) = post_token_form(&self.http, &self.token_url, &form).await?;
            tracing::debug!(expires_at = %token.expires_at, "application token issued");
            *cache = Some(token.clone());
            Ok(token)
        })
    }
}
