//! The `oauth2` crate, set up for the Microsoft identity platform: every token request (client
//! credentials, code + PKCE, refresh) and the authorize URL go through it.
//!
//! What is ours and why: the error type is [`AadError`] (oauth2's standard one drops `error_codes`,
//! `suberror`, `trace_id` and `correlation_id`, which turn an AADSTS code into advice); the HTTP
//! client is our `reqwest` client behind [`Transport`], so the proxy, the OS trust store and the
//! "who put this certificate in between" diagnosis ([`crate::tls`]) stay the same as for Graph, and
//! the HTTP status of a refused request is kept (a proxy's 407 has no Entra body). Client secrets
//! go in the request body (`AuthType::RequestBody`), as Entra's own documentation shows them
//! (MicrosoftDocs/entra-docs: docs/identity-platform/v2-oauth2-client-creds-grant-flow.md).
//!
//! It does not decide which scopes to ask for, keep tokens, or listen for the browser: that is
//! [`crate::auth`], [`crate::delegated`] and `rollcall-core`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};

use jiff::{SignedDuration, Timestamp};
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, RedirectUrl, RequestTokenError, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::error::{AadError, GraphError};
use crate::secret::Secret;
use crate::token::AccessToken;

impl std::fmt::Display for AadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.error_description)
    }
}

impl oauth2::ErrorResponse for AadError {}

/// The longest access-token lifetime Entra issues (one day, the upper bound of a configurable
/// lifetime: MicrosoftDocs/entra-docs: docs/identity-platform/configurable-token-lifetimes.md).
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 24 * 3600;

/// The token response fields Entra adds to RFC 6749's
/// (MicrosoftDocs/entra-docs: docs/identity-platform/v2-oauth2-auth-code-flow.md, "Successful response").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EntraFields {
    /// Present when `openid` was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// How long the token stays usable during an outage of the token service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_expires_in: Option<u64>,
}

impl oauth2::ExtraTokenFields for EntraFields {}

pub type EntraTokenResponse = StandardTokenResponse<EntraFields, BasicTokenType>;

/// A client with both the authorize and the token endpoint of one tenant.
pub type EntraClient = oauth2::Client<
    AadError,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The endpoints of one tenant on one authority.
#[derive(Clone, Debug)]
pub struct TenantAuthority {
    pub authorize_url: String,
    pub token_url: String,
}

impl TenantAuthority {
    pub fn new(authority: &str, tenant: &str) -> Self {
        let base = format!("{}/{}/oauth2/v2.0", authority.trim_end_matches('/'), tenant);
        TenantAuthority {
            authorize_url: format!("{base}/authorize"),
            token_url: format!("{base}/token"),
        }
    }

    /// An `oauth2` client for this tenant: a confidential one when `secret` is given, a public one
    /// (PKCE proves it is us) otherwise. `Err` says which URL is not one.
    pub fn client(
        &self,
        client_id: &str,
        secret: Option<&Secret>,
        redirect_uri: Option<&str>,
    ) -> Result<EntraClient, String> {
        let bad = |what: &str, e: url::ParseError| format!("the {what} is not a URL: {e}");
        let mut client = oauth2::Client::new(ClientId::new(client_id.to_string()))
            .set_auth_type(oauth2::AuthType::RequestBody)
            .set_auth_uri(
                AuthUrl::new(self.authorize_url.clone()).map_err(|e| bad("authorize URL", e))?,
            )
            .set_token_uri(TokenUrl::new(self.token_url.clone()).map_err(|e| bad("token URL", e))?);
        if let Some(s) = secret {
            client = client.set_client_secret(ClientSecret::new(s.expose().to_string()));
        }
        if let Some(r) = redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(r.to_string()).map_err(|e| bad("redirect URI", e))?,
            );
        }
        Ok(client)
    }
}

/// `oauth2`'s HTTP client: our `reqwest` client (proxy, trust store), transport failures named
/// by [`crate::tls::transport_error`], and the last answer's status kept for the error.
pub struct Transport {
    /// A handle on the caller's client (reqwest clients share one pool).
    http: reqwest::Client,
    status: AtomicU16,
}

impl Transport {
    pub fn new(http: &reqwest::Client) -> Self {
        Transport {
            http: http.clone(),
            status: AtomicU16::new(0),
        }
    }

    /// The token or Entra's error, in our types: an error body keeps every field and the HTTP
    /// status; an answer without one says which status came back.
    pub fn finish(
        &self,
        result: Result<EntraTokenResponse, RequestTokenError<GraphError, AadError>>,
    ) -> Result<Issued, GraphError> {
        let status = self.status.load(Ordering::Relaxed);
        let response = match result {
            Ok(r) => r,
            Err(RequestTokenError::ServerResponse(mut aad)) => {
                aad.status = status;
                return Err(GraphError::Token(Box::new(aad)));
            }
            Err(RequestTokenError::Request(e)) => return Err(e),
            Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) if status != 200 => {
                return Err(GraphError::Token(Box::new(AadError {
                    status,
                    error: "unexpected_response".into(),
                    error_description: format!(
                        "the token endpoint answered HTTP {status} without an error body"
                    ),
                    ..Default::default()
                })))
            }
            Err(e) => {
                let detail = match &e {
                    RequestTokenError::Parse(p, _) => p.to_string(),
                    other => other.to_string(),
                };
                return Err(GraphError::Decode {
                    context: "token response".into(),
                    detail,
                    request_id: None,
                });
            }
        };
        let seconds = response.expires_in().ok_or_else(|| GraphError::Decode {
            context: "token response".into(),
            detail: "it has no expires_in".into(),
            request_id: None,
        })?;
        // A longer `expires_in` than Entra can issue is taken as that maximum, so no answer can
        // push the expiry past the clock's range.
        let lifetime =
            SignedDuration::from_secs(seconds.as_secs().min(MAX_TOKEN_LIFETIME_SECS) as i64);
        Ok(Issued {
            access: AccessToken {
                value: Secret::new(response.access_token().secret().clone()),
                expires_at: Timestamp::now() + lifetime,
                lifetime,
            },
            refresh: response
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            id_token: response.extra_fields().id_token.clone(),
        })
    }
}

/// What one successful token request gave.
pub struct Issued {
    pub access: AccessToken,
    /// Delegated grants with `offline_access`; it rotates on every use.
    pub refresh: Option<Secret>,
    pub id_token: Option<String>,
}

impl<'c> AsyncHttpClient<'c> for Transport {
    type Error = GraphError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, GraphError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = parts.uri.to_string();
            let host = parts.uri.host().unwrap_or_default().to_string();
            let sent = self
                .http
                .request(parts.method, &url)
                .headers(parts.headers)
                .body(body)
                .send()
                .await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => return Err(crate::tls::transport_error(&host, &url, &e).await),
            };
            let status = resp.status();
            self.status.store(status.as_u16(), Ordering::Relaxed);
            let headers = resp.headers().clone();
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| GraphError::transport(host, &e))?;
            let mut out = HttpResponse::new(bytes.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

/// Two secrets compared without a timing side channel (`oauth2`'s SHA-256 comparison).
pub fn same_secret(a: &str, b: &str) -> bool {
    oauth2::CsrfToken::new(a.to_string()) == oauth2::CsrfToken::new(b.to_string())
}
