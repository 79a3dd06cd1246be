//! User-delegated sign-in: authorization code + PKCE S256 with a loopback redirect, and a token
//! provider that refreshes with rotating refresh tokens.
//!
//! The loopback listener lives only while one sign-in waits. The redirect URI is
//! `http://localhost:{port}` — what an admin can register in the portal under "Mobile and desktop
//! applications" and what the LMS article names — and the listener binds that port on **both**
//! loopback addresses, 127.0.0.1 and [::1]: browsers try `::1` first for `localhost`, and a port
//! left free on `::1` could be taken by any local process (MicrosoftDocs/entra-docs:
//! docs/identity-platform/reply-url.md, "Localhost exceptions"). Each connection is served in its
//! own task with a short read timeout, so an idle socket cannot hold up the real callback. It
//! answers the browser with a static page (nothing from the request is echoed into it) and hands
//! the code back only when `state` matches exactly; an answer with a wrong or missing `state` is
//! logged and ignored (a stale tab or a forged request must not end this sign-in). It does not
//! open the browser: the caller decides how (system browser, or a test that captures the URL).

use std::future::Future;
use std::time::Duration;

use base64::Engine;
use jiff::Timestamp;
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::auth::{post_token_form, AccessToken, TokenFuture, TokenProvider};
use crate::error::GraphError;
use crate::secret::Secret;

/// How long a sign-in waits for the browser before giving up.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// Why an interactive sign-in did not produce a code.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum InteractiveError {
    #[error("no answer from the browser within {0} seconds")]
    Timeout(u64),
    #[error("sign-in was cancelled")]
    Cancelled,
    /// The callback's `state` is not the one this sign-in sent (a stale tab or a forged request).
    #[error("the browser returned to Rollcall with a different sign-in attempt's answer")]
    StateMismatch,
    /// The identity platform redirected back with `error=...`.
    #[error("the identity platform refused the sign-in: {error}: {description}")]
    Refused {
        error: String,
        description: String,
        /// The AADSTS number parsed from the description, if any.
        code: Option<u32>,
    },
    #[error("could not listen for the browser on the loopback address: {0}")]
    Listener(String),
}

/// A PKCE pair: the verifier stays here, the S256 challenge goes in the authorize URL.
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes (two v4 UUIDs from the OS RNG), base64url: a 43-character verifier.
    pub fn new() -> Self {
        let mut bytes = Vec::with_capacity(32);
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        Pkce::from_verifier(verifier)
    }
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

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
}

/// One sign-in attempt's parameters.
pub struct AuthorizeRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub state: &'a str,
    pub challenge: &'a str,
    /// OpenID Connect nonce: echoed in the id token, checked on redemption.
    pub nonce: &'a str,
    pub login_hint: Option<&'a str>,
}

pub fn authorize_url(authority: &TenantAuthority, r: &AuthorizeRequest<'_>) -> String {
    let mut u = match url::Url::parse(&authority.authorize_url) {
        Ok(u) => u,
        Err(_) => return authority.authorize_url.clone(),
    };
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("client_id", r.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", r.redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &r.scopes.join(" "))
            .append_pair("state", r.state)
            .append_pair("code_challenge", r.challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("nonce", r.nonce)
            .append_pair("prompt", "select_account");
        if let Some(h) = r.login_hint {
            q.append_pair("login_hint", h);
        }
    }
    u.into()
}

/// A random `state`: single use, compared exactly.
pub fn new_state() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The loopback listener for one sign-in: the same port on 127.0.0.1 and, where the system has
/// IPv6, on [::1].
pub struct Loopback {
    listeners: Vec<TcpListener>,
    port: u16,
}

/// What the browser sees after the redirect: static text, nothing from the request.
const PAGE_DONE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rollcall</title></head><body style=\"font-family:system-ui,sans-serif;margin:4rem auto;max-width:32rem\"><h1>Signed in</h1><p>You can close this tab and return to Rollcall.</p></body></html>";
const PAGE_FAILED: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rollcall</title></head><body style=\"font-family:system-ui,sans-serif;margin:4rem auto;max-width:32rem\"><h1>Sign-in did not complete</h1><p>Return to Rollcall: it says what went wrong and what to do.</p></body></html>";
const PAGE_NOT_OURS: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Rollcall</title></head><body style=\"font-family:system-ui,sans-serif;margin:4rem auto;max-width:32rem\"><h1>Not a sign-in answer</h1><p>Return to Rollcall and start the sign-in again if it is still waiting.</p></body></html>";

/// How long one connection may take to send its request line.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

impl Loopback {
    /// Bind an ephemeral port on 127.0.0.1 and the same port on [::1]. When the IPv6 half is taken
    /// (another process got there first), try another port; when the system has no IPv6, 127.0.0.1
    /// alone is enough (then nothing can listen on `::1` either).
    pub async fn bind() -> Result<Self, InteractiveError> {
        let mut last = String::new();
        for _ in 0..8 {
            let v4 = TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| InteractiveError::Listener(e.to_string()))?;
            let port = v4
                .local_addr()
                .map_err(|e| InteractiveError::Listener(e.to_string()))?
                .port();
            match TcpListener::bind(("::1", port)).await {
                Ok(v6) => {
                    return Ok(Loopback {
                        listeners: vec![v4, v6],
                        port,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = e.to_string(),
                // No IPv6 loopback on this machine.
                Err(_) => {
                    return Ok(Loopback {
                        listeners: vec![v4],
                        port,
                    })
                }
            }
        }
        Err(InteractiveError::Listener(format!(
            "no port was free on both loopback addresses: {last}"
        )))
    }

    /// `http://localhost:{port}`: registered as `http://localhost` under "Mobile and desktop
    /// applications" (Entra ignores the port of loopback redirect URIs).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many loopback addresses listen (2 with IPv6).
    pub fn addresses(&self) -> usize {
        self.listeners.len()
    }

    /// Wait for the browser's redirect, until `timeout` or until `cancel` resolves. Requests that are
    /// not this sign-in's answer (a favicon, a probe, a wrong `state`) get a static page and waiting
    /// goes on. The listeners close when this returns, so a later callback finds nothing listening.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<Secret, InteractiveError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Secret, InteractiveError>>(4);
        let mut tasks = tokio::task::JoinSet::new();
        for listener in self.listeners {
            let (tx, expected) = (tx.clone(), expected_state.to_string());
            tasks.spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let (tx, expected) = (tx.clone(), expected.clone());
                    tokio::spawn(serve(stream, expected, tx));
                }
            });
        }
        drop(tx);
        let result = tokio::select! {
            r = rx.recv() => r.unwrap_or(Err(InteractiveError::Listener("the listener stopped".into()))),
            _ = tokio::time::sleep(timeout) => Err(InteractiveError::Timeout(timeout.as_secs())),
            _ = cancel => Err(InteractiveError::Cancelled),
        };
        tasks.abort_all();
        result
    }
}

/// Serve one connection: read its request line (bounded in time and size), answer with a static
/// page, and pass this sign-in's outcome on. A wrong `state` is logged and ignored.
async fn serve(
    mut stream: tokio::net::TcpStream,
    expected_state: String,
    tx: tokio::sync::mpsc::Sender<Result<Secret, InteractiveError>>,
) {
    let Some(target) = read_request_target(&mut stream).await else {
        return;
    };
    let params = callback_params(&target);
    let outcome = match classify(&params, &expected_state) {
        Some(Err(InteractiveError::StateMismatch)) => {
            tracing::warn!("ignored a loopback callback whose state is not this sign-in's");
            None
        }
        other => other,
    };
    let (status, page) = match &outcome {
        None => ("404 Not Found", PAGE_NOT_OURS),
        Some(Ok(_)) => ("200 OK", PAGE_DONE),
        Some(Err(_)) => ("200 OK", PAGE_FAILED),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    if let Some(result) = outcome {
        let _ = tx.send(result).await;
    }
}

/// Read the request line's target (`/?code=...`), bounded to 16 KiB and [`READ_TIMEOUT`].
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(READ_TIMEOUT, read).await.ok()??;
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    if parts.next()? != "GET" {
        return None;
    }
    parts.next().map(str::to_string)
}

fn callback_params(target: &str) -> Vec<(String, String)> {
    url::Url::parse(&format!("http://localhost{target}"))
        .map(|u| {
            if u.path() != "/" {
                return Vec::new();
            }
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// `None`: not a sign-in answer (keep waiting). `Some(..)`: this attempt's outcome.
fn classify(
    params: &[(String, String)],
    expected_state: &str,
) -> Option<Result<Secret, InteractiveError>> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let code = get("code");
    let error = get("error");
    if code.is_none() && error.is_none() {
        return None;
    }
    if get("state") != Some(expected_state) {
        return Some(Err(InteractiveError::StateMismatch));
    }
    if let Some(error) = error {
        let description = get("error_description").unwrap_or_default().to_string();
        let code = description
            .strip_prefix("AADSTS")
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|d| d.parse().ok());
        return Some(Err(InteractiveError::Refused {
            error: error.to_string(),
            description,
            code,
        }));
    }
    code.map(|c| Ok(Secret::new(c)))
}

/// Tokens from a delegated grant. The refresh token rotates on every use.
pub struct DelegatedTokens {
    pub access: AccessToken,
    pub refresh: Option<Secret>,
    /// Raw id token claims (`name`, `preferred_username`), when `openid` was asked for.
    pub id_claims: Option<serde_json::Value>,
}

fn delegated_from(access: AccessToken, raw: &serde_json::Value) -> DelegatedTokens {
    let refresh = raw["refresh_token"].as_str().map(Secret::new);
    let id_claims = raw["id_token"].as_str().and_then(|t| {
        AccessToken {
            value: Secret::new(t),
            expires_at: Timestamp::now(),
            lifetime: jiff::SignedDuration::ZERO,
        }
        .claims()
    });
    DelegatedTokens {
        access,
        refresh,
        id_claims,
    }
}

/// What redeeming one authorization code needs: the attempt's values, kept together.
pub struct Redemption<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub code: &'a Secret,
    pub pkce: &'a Pkce,
    /// The nonce the authorize request sent; the id token must carry it.
    pub nonce: &'a str,
}

/// Redeem an authorization code (public client: no secret; the verifier proves it is us).
pub async fn redeem_code(
    http: &reqwest::Client,
    authority: &TenantAuthority,
    r: &Redemption<'_>,
) -> Result<DelegatedTokens, GraphError> {
    let nonce = r.nonce;
    let scope = r.scopes.join(" ");
    let form = [
        ("client_id", r.client_id),
        ("grant_type", "authorization_code"),
        ("code", r.code.expose()),
        ("redirect_uri", r.redirect_uri),
        ("code_verifier", r.pkce.verifier.expose()),
        ("scope", scope.as_str()),
    ];
    let (access, raw) = post_token_form(http, &authority.token_url, &form).await?;
    let tokens = delegated_from(access, &raw);
    // OpenID Connect Core 3.1.3.7: the id token must carry the nonce this sign-in sent.
    if !nonce_matches(tokens.id_claims.as_ref(), nonce) {
        {
            return Err(GraphError::Token(Box::new(crate::AadError {
                error: "invalid_nonce".into(),
                error_description: "The id token's nonce does not match the one this sign-in sent: the answer may not be for this sign-in.".into(),
                ..Default::default()
            })));
        }
    }
    Ok(tokens)
}

/// An id token (when one came back) carries exactly the nonce this sign-in sent.
fn nonce_matches(id_claims: Option<&serde_json::Value>, nonce: &str) -> bool {
    id_claims.is_none_or(|c| c["nonce"].as_str() == Some(nonce))
}

/// Where a rotated refresh token is saved before the new access token is used.
pub trait RefreshSink: Send + Sync {
    fn save(&self, refresh: &Secret) -> Result<(), String>;
}

/// A token provider for a signed-in user: the access token cached until 5 minutes before expiry,
/// then refreshed; each rotated refresh token is saved through the sink first.
pub struct RefreshingTokens {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    scopes: String,
    sink: Box<dyn RefreshSink>,
    state: Mutex<(Option<AccessToken>, Secret)>,
}

impl RefreshingTokens {
    pub fn new(
        http: reqwest::Client,
        authority: &TenantAuthority,
        client_id: &str,
        scopes: &[String],
        refresh: Secret,
        access: Option<AccessToken>,
        sink: Box<dyn RefreshSink>,
    ) -> Self {
        RefreshingTokens {
            http,
            token_url: authority.token_url.clone(),
            client_id: client_id.to_string(),
            scopes: scopes.join(" "),
            sink,
            state: Mutex::new((access, refresh)),
        }
    }
}

impl TokenProvider for RefreshingTokens {
    fn token(&self, force: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if !force {
                if let Some(t) = state.0.as_ref().filter(|t| t.fresh(Timestamp::now())) {
                    return Ok(t.clone());
                }
            }
            let form = [
                ("client_id", self.client_id.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", state.1.expose()),
                ("scope", self.scopes.as_str()),
            ];
            let (access, raw) = post_token_form(&self.http, &self.token_url, &form).await?;
            let got = delegated_from(access, &raw);
            if let Some(r) = got.refresh {
                self.sink.save(&r).map_err(GraphError::Config)?;
                state.1 = r;
            }
            tracing::debug!(expires_at = %got.access.expires_at, "delegated token refreshed");
            state.0 = Some(got.access.clone());
            Ok(got.access)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_id_tokens_nonce_must_be_ours() {
        let id = |n: serde_json::Value| serde_json::json!({"sub": "x", "nonce": n});
        assert!(nonce_matches(Some(&id("abc".into())), "abc"));
        assert!(!nonce_matches(Some(&id("other".into())), "abc"));
        assert!(
            !nonce_matches(Some(&serde_json::json!({"sub": "x"})), "abc"),
            "a missing nonce is refused"
        );
        assert!(nonce_matches(None, "abc"), "no id token, nothing to check");
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(Pkce::new().verifier.expose().len(), 43);
    }

    #[test]
    fn callbacks_are_classified() {
        assert!(classify(&p(&[]), "s").is_none());
        assert!(classify(&p(&[("favicon", "1")]), "s").is_none());
        assert!(matches!(
            classify(&p(&[("code", "c"), ("state", "s")]), "s"),
            Some(Ok(c)) if c.expose() == "c"
        ));
        assert_eq!(
            classify(&p(&[("code", "c"), ("state", "S")]), "s").map(|r| r.err()),
            Some(Some(InteractiveError::StateMismatch))
        );
        assert_eq!(
            classify(&p(&[("code", "c")]), "s").map(|r| r.err()),
            Some(Some(InteractiveError::StateMismatch))
        );
        let refused = classify(
            &p(&[
                ("error", "access_denied"),
                ("error_description", "AADSTS65004: User declined to consent"),
                ("state", "s"),
            ]),
            "s",
        );
        assert!(matches!(
            refused,
            Some(Err(InteractiveError::Refused {
                code: Some(65004),
                ..
            }))
        ));
        assert!(callback_params("/favicon.ico?code=x&state=s").is_empty());
    }
}
