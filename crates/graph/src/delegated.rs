//! User-delegated sign-in: authorization code + PKCE S256 with a loopback redirect, and a token
//! provider that refreshes with rotating refresh tokens.
//!
//! The PKCE pair, the CSRF `state`, the nonce, the authorize URL, the code exchange and the refresh
//! are the `oauth2` crate's ([`crate::oauth`]); state and nonce are compared with its
//! timing-resistant comparison. Still ours: the loopback listener (`oauth2` has none) and the
//! nonce check on the id token (`oauth2` is not OpenID Connect; the `openidconnect` crate would also
//! verify the id token's signature against the tenant's keys, which a public client that only
//! reads the account name from it does not need — the access token is what Graph checks).
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

use jiff::Timestamp;
use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RefreshToken, Scope,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::auth::{AccessToken, TokenFuture, TokenProvider};
use crate::error::GraphError;
pub use crate::oauth::TenantAuthority;
use crate::oauth::{same_secret, EntraClient, Issued, Transport};
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

/// A PKCE pair (`oauth2`'s S256): the verifier stays here, the challenge goes in the authorize URL.
pub struct Pkce {
    challenge: PkceCodeChallenge,
    verifier: PkceCodeVerifier,
}

impl Pkce {
    /// 32 random bytes, base64url: a 43-character verifier (RFC 7636 4.1).
    pub fn new() -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Pkce {
            challenge,
            verifier,
        }
    }
    pub fn from_verifier(verifier: String) -> Self {
        let verifier = PkceCodeVerifier::new(verifier);
        Pkce {
            challenge: PkceCodeChallenge::from_code_verifier_sha256(&verifier),
            verifier,
        }
    }
    pub fn challenge(&self) -> &str {
        self.challenge.as_str()
    }
    pub fn verifier(&self) -> &str {
        self.verifier.secret()
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// One sign-in attempt's parameters.
pub struct AuthorizeRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub pkce: &'a Pkce,
    pub login_hint: Option<&'a str>,
}

/// The authorize URL and the two single-use values it carries, compared when the answer comes.
pub struct Authorize {
    pub url: String,
    /// CSRF `state`, 128 random bits; the callback must carry exactly this.
    pub state: String,
    /// OpenID Connect nonce, 128 random bits; the id token must carry exactly this.
    pub nonce: String,
}

/// The authorize URL (`oauth2` adds client_id, response_type=code, redirect_uri, scope, state and
/// the S256 challenge). Entra's own parameters: `response_mode=query` (the loopback reads the
/// query), `nonce`, `prompt=select_account` (a school admin often has several accounts) and the
/// last account as `login_hint` (MicrosoftDocs/entra-docs: docs/identity-platform/v2-oauth2-auth-code-flow.md).
pub fn authorize_url(
    authority: &TenantAuthority,
    r: &AuthorizeRequest<'_>,
) -> Result<Authorize, GraphError> {
    let client = authority
        .client(r.client_id, None, Some(r.redirect_uri))
        .map_err(GraphError::Config)?;
    let nonce = CsrfToken::new_random().secret().clone();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(r.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(r.pkce.challenge.clone())
        .add_extra_param("response_mode", "query")
        .add_extra_param("nonce", nonce.clone())
        .add_extra_param("prompt", "select_account");
    if let Some(h) = r.login_hint {
        request = request.add_extra_param("login_hint", h);
    }
    let (url, state) = request.url();
    Ok(Authorize {
        url: url.into(),
        state: state.secret().clone(),
        nonce,
    })
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

/// Connections served at once per address; a browser opens a few.
const MAX_CONNECTIONS: usize = 16;

/// The wait after a failed accept, doubled while it keeps failing.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(20);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

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
                // At most MAX_CONNECTIONS at once, the oldest dropped for a newcomer: idle local
                // connections cannot use up the process's files or keep the browser's answer out.
                let mut open = std::collections::VecDeque::<tokio::task::JoinHandle<()>>::new();
                let mut pause = ACCEPT_BACKOFF_MIN;
                loop {
                    let stream = match listener.accept().await {
                        Ok((stream, _)) => {
                            pause = ACCEPT_BACKOFF_MIN;
                            stream
                        }
                        Err(e) => {
                            // Out of files, say: wait instead of spinning on the same error.
                            tracing::warn!(
                                "loopback listener: accept failed ({e}); waiting {pause:?}"
                            );
                            tokio::time::sleep(pause).await;
                            pause = (pause * 2).min(ACCEPT_BACKOFF_MAX);
                            continue;
                        }
                    };
                    open.retain(|h| !h.is_finished());
                    if open.len() >= MAX_CONNECTIONS {
                        if let Some(oldest) = open.pop_front() {
                            oldest.abort();
                            // Closed before the next is taken: the cap holds however busy we are.
                            let _ = oldest.await;
                        }
                    }
                    let (tx, expected) = (tx.clone(), expected.clone());
                    open.push_back(tokio::spawn(serve(stream, expected, tx)));
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
    if !get("state").is_some_and(|s| same_secret(s, expected_state)) {
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

fn delegated_from(issued: Issued) -> DelegatedTokens {
    let id_claims = issued.id_token.and_then(|t| {
        AccessToken {
            value: Secret::new(t),
            expires_at: Timestamp::now(),
            lifetime: jiff::SignedDuration::ZERO,
        }
        .claims()
    });
    DelegatedTokens {
        access: issued.access,
        refresh: issued.refresh,
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
    let client = authority
        .client(r.client_id, None, Some(r.redirect_uri))
        .map_err(GraphError::Config)?;
    let transport = Transport::new(http);
    let result = client
        .exchange_code(AuthorizationCode::new(r.code.expose().to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(r.pkce.verifier().to_string()))
        // Optional for v2 code redemption; sent so the tokens are for exactly these scopes.
        .add_extra_param("scope", r.scopes.join(" "))
        .request_async(&transport)
        .await;
    let tokens = delegated_from(transport.finish(result)?);
    // OpenID Connect Core 3.1.3.7: the id token must carry the nonce this sign-in sent.
    if !nonce_matches(tokens.id_claims.as_ref(), r.nonce) {
        return Err(GraphError::Token(Box::new(crate::AadError {
            error: "invalid_nonce".into(),
            error_description: "The id token's nonce does not match the one this sign-in sent: the answer may not be for this sign-in.".into(),
            ..Default::default()
        })));
    }
    Ok(tokens)
}

/// An id token (when one came back) carries exactly the nonce this sign-in sent.
fn nonce_matches(id_claims: Option<&serde_json::Value>, nonce: &str) -> bool {
    id_claims.is_none_or(|c| c["nonce"].as_str().is_some_and(|n| same_secret(n, nonce)))
}

/// Where a rotated refresh token is saved before the new access token is used.
pub trait RefreshSink: Send + Sync {
    fn save(&self, refresh: &Secret) -> Result<(), String>;
}

/// A token provider for a signed-in user: the access token cached until 5 minutes before expiry,
/// then refreshed; each rotated refresh token is saved through the sink first.
pub struct RefreshingTokens {
    http: reqwest::Client,
    /// `Err` when the authority is not a URL: said on the first request.
    client: Result<EntraClient, String>,
    scopes: Vec<String>,
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
            client: authority.client(client_id, None, None),
            scopes: scopes.to_vec(),
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
            let client = self
                .client
                .as_ref()
                .map_err(|e| GraphError::Config(e.clone()))?;
            let transport = Transport::new(&self.http);
            let refresh = RefreshToken::new(state.1.expose().to_string());
            let result = client
                .exchange_refresh_token(&refresh)
                .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
                .request_async(&transport)
                .await;
            let got = delegated_from(transport.finish(result)?);
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
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(Pkce::new().verifier().len(), 43);
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
