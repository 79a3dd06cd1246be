//! Signing in and knowing who is signed in: the delegated browser sign-in, secrets set (never read
//! back), sign-out, and the status line ("signed in as …, token valid until …").
//!
//! It does not decide how a browser opens: callers pass a [`BrowserOpener`] (the system browser in
//! the product; tests capture the URL).

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;
use rollcall_graph::delegated::{self, AuthorizeRequest, Loopback, Pkce, TenantAuthority};
use rollcall_graph::{AccessToken, Secret};
use serde::Serialize;

use crate::error::{CoreError, ErrorCode};
use crate::tenant::advice::{explain_aad, explain_interactive, AdviceContext};
use crate::tenant::connection::{delegated_scopes, Connection};
use crate::tenant::profile::{AuthMode, Profile, Profiles};
use crate::tenant::secrets::{SecretKind, SecretStore};

/// Opens the authorize URL for the user.
pub trait BrowserOpener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The system browser (`webbrowser`: `open` on macOS, `ShellExecute` on Windows, xdg on Linux).
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        webbrowser::open(url).map_err(|e| e.to_string())
    }
}

/// Test seam (the `test-seams` feature, end-to-end builds only): writes the URL to a file instead
/// of opening a browser. Chosen only when `ROLLCALL_TEST_AUTHORIZE_URL_FILE` names a file.
#[cfg(feature = "test-seams")]
pub struct CaptureUrl(pub std::path::PathBuf);

#[cfg(feature = "test-seams")]
impl BrowserOpener for CaptureUrl {
    fn open(&self, url: &str) -> Result<(), String> {
        crate::support::atomic::write(&self.0, url.as_bytes()).map_err(|e| e.message)
    }
}

/// The opener for this process: the system browser (in an end-to-end build, the test seam when
/// explicitly asked for).
pub fn opener_from_env() -> Box<dyn BrowserOpener> {
    #[cfg(feature = "test-seams")]
    if let Some(path) =
        std::env::var_os("ROLLCALL_TEST_AUTHORIZE_URL_FILE").filter(|v| !v.is_empty())
    {
        return Box::new(CaptureUrl(path.into()));
    }
    Box::new(SystemBrowser)
}

/// A browser sign-in waiting for its answer. Holds the listener, the PKCE verifier and the state.
pub struct SignInAttempt {
    pub url: String,
    pub redirect_uri: String,
    profile: Profile,
    loopback: Loopback,
    state: String,
    nonce: String,
    pkce: Pkce,
}

impl SignInAttempt {
    /// Open the loopback listener and build the authorize URL.
    pub async fn begin(profile: &Profile) -> Result<Self, CoreError> {
        if profile.mode != AuthMode::Delegated {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "This profile signs in as the application; there is no user sign-in.",
                Some("Switch the auth mode to user-delegated to sign in with an account.".into()),
            ));
        }
        let endpoints = profile.endpoints();
        let loopback = Loopback::bind()
            .await
            .map_err(|e| explain_interactive(&e, &AdviceContext::default()))?;
        let redirect_uri = loopback.redirect_uri();
        let pkce = Pkce::new();
        let scopes = delegated_scopes(profile);
        let authorize = delegated::authorize_url(
            &TenantAuthority::new(&endpoints.authority, &profile.tenant),
            &AuthorizeRequest {
                client_id: &profile.client_id,
                redirect_uri: &redirect_uri,
                scopes: &scopes,
                pkce: &pkce,
                login_hint: profile.signed_in_as.as_deref(),
            },
        )?;
        let delegated::Authorize { url, state, nonce } = authorize;
        Ok(SignInAttempt {
            url,
            redirect_uri,
            profile: profile.clone(),
            loopback,
            state,
            nonce,
            pkce,
        })
    }

    fn advice(&self) -> AdviceContext {
        AdviceContext {
            authority: self.profile.endpoints().authority,
            tenant: self.profile.tenant.clone(),
            client_id: self.profile.client_id.clone(),
            secret_expires: self.profile.secret_expires,
            redirect_uri: Some(self.redirect_uri.clone()),
        }
    }

    /// Wait for the browser (5 minutes, or until `cancel`), redeem the code, save the refresh token
    /// in the keychain and the account name in the profile.
    pub async fn finish(
        self,
        profiles: &Profiles,
        store: Arc<dyn SecretStore>,
        cancel: impl Future<Output = ()>,
    ) -> Result<(Connection, ConnectionStatus), CoreError> {
        self.finish_within(profiles, store, cancel, delegated::SIGN_IN_TIMEOUT)
            .await
    }

    /// [`SignInAttempt::finish`] with another timeout (tests use seconds, not minutes).
    pub async fn finish_within(
        self,
        profiles: &Profiles,
        store: Arc<dyn SecretStore>,
        cancel: impl Future<Output = ()>,
        timeout: std::time::Duration,
    ) -> Result<(Connection, ConnectionStatus), CoreError> {
        let advice = self.advice();
        let code = self
            .loopback
            .wait(&self.state, timeout, cancel)
            .await
            .map_err(|e| explain_interactive(&e, &advice))?;
        let endpoints = self.profile.endpoints();
        let scopes = delegated_scopes(&self.profile);
        let http = crate::tenant::connection::http_client(
            crate::tenant::connection::ProxySetting::of(&self.profile, store.as_ref())?.as_ref(),
        )?;
        let tokens = delegated::redeem_code(
            &http,
            &TenantAuthority::new(&endpoints.authority, &self.profile.tenant),
            &delegated::Redemption {
                client_id: &self.profile.client_id,
                redirect_uri: &self.redirect_uri,
                scopes: &scopes,
                code: &code,
                pkce: &self.pkce,
                nonce: &self.nonce,
            },
        )
        .await
        .map_err(|e| match e {
            rollcall_graph::GraphError::Token(aad) => explain_aad(&aad, &advice),
            other => other.into(),
        })?;
        let refresh = tokens.refresh.clone().ok_or_else(|| {
            CoreError::new(
                ErrorCode::SignInFailed,
                "The identity platform did not return a refresh token, so the sign-in would not last.",
                Some("Make sure the delegated permission offline_access is granted.".into()),
            )
        })?;
        store.set_bound(
            &self.profile.id,
            SecretKind::RefreshToken,
            &self.profile.binding(),
            &refresh,
        )?;
        let account = account_name(&tokens.access, tokens.id_claims.as_ref());
        let mut profile = self.profile.clone();
        profile.signed_in_as = account.clone();
        profiles.update(&profile.id, |p| p.signed_in_as = account.clone())?;
        let conn = Connection::from_profile(&profile, store)?;
        let status = status_from_token(&conn, &tokens.access);
        tracing::info!(profile = %profile.name, "delegated sign-in completed");
        Ok((conn, status))
    }
}

/// Forget the signed-in user: the refresh token leaves the keychain.
pub fn sign_out(
    profiles: &Profiles,
    store: &dyn SecretStore,
    profile_id: &str,
) -> Result<(), CoreError> {
    store.delete(profile_id, SecretKind::RefreshToken)?;
    profiles.update(profile_id, |p| p.signed_in_as = None)
}

/// Save (or replace) a profile's client secret, bound to the profile's endpoints
/// ([`Profile::binding`]). Only its hint goes into the profile.
/// A client secret Rollcall itself just created (`repair::secret::renew`): kept like one pasted in,
/// with its expiry, which Entra told us.
pub fn keep_renewed_secret(
    profiles: &Profiles,
    store: &dyn SecretStore,
    profile: &Profile,
    value: &Secret,
    expires: jiff::civil::Date,
) -> Result<(), CoreError> {
    set_client_secret(profiles, store, profile, value)?;
    profiles.update(&profile.id, |p| p.secret_expires = Some(expires))
}

pub fn set_client_secret(
    profiles: &Profiles,
    store: &dyn SecretStore,
    profile: &Profile,
    value: &Secret,
) -> Result<(), CoreError> {
    let profile_id = profile.id.as_str();
    let v = value.expose().trim();
    if v.is_empty() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "The client secret is empty.",
            None,
        ));
    }
    if uuid::Uuid::try_parse(v).is_ok() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "That looks like the Secret ID (a GUID), not the secret's Value.",
            Some("In Certificates & secrets, copy the Value column (shown only right after creation).".into()),
        ));
    }
    let trimmed = Secret::new(v);
    store.set_bound(
        profile_id,
        SecretKind::ClientSecret,
        &profile.binding(),
        &trimmed,
    )?;
    profiles.update(profile_id, |p| p.secret_hint = Some(trimmed.hint()))
}

/// Delete a profile and everything of it in the keychain.
pub fn delete_profile(
    profiles: &Profiles,
    store: &dyn SecretStore,
    profile_id: &str,
) -> Result<(), CoreError> {
    store.delete(profile_id, SecretKind::ClientSecret)?;
    store.delete(profile_id, SecretKind::RefreshToken)?;
    profiles.remove(profile_id).map(|_| ())
}

/// What the status line and `rollcall whoami` show. No token, no secret: only facts about them.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    pub profile: String,
    pub mode: AuthMode,
    pub tenant: String,
    pub client_id: String,
    /// The user (delegated) or the app's name/id (application).
    pub signed_in_as: String,
    /// RFC 3339 UTC.
    pub token_valid_until: String,
    /// `roles` (application) or `scp` (delegated) in the token.
    pub permissions: Vec<String>,
    pub secret_hint: Option<String>,
    pub secret_expires: Option<String>,
    /// Days until the entered expiry date (negative once expired).
    pub secret_days_left: Option<i32>,
    pub demo: bool,
}

fn account_name(access: &AccessToken, id: Option<&serde_json::Value>) -> Option<String> {
    let claims = access.claims();
    let keys = ["preferred_username", "upn", "unique_name", "email"];
    let found = [id, claims.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|c| keys.iter().find_map(|k| c[*k].as_str().map(str::to_string)));
    found
}

fn status_from_token(conn: &Connection, token: &AccessToken) -> ConnectionStatus {
    let claims = token.claims().unwrap_or_default();
    let signed_in_as = match conn.mode {
        AuthMode::Delegated => {
            account_name(token, None).unwrap_or_else(|| "a signed-in user".into())
        }
        AuthMode::Application => {
            let name = claims["app_displayname"]
                .as_str()
                .unwrap_or("the application");
            format!("{name} (application {})", conn.client_id)
        }
    };
    let days_left = conn.secret_expires.map(|d| {
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        (d - today).get_days()
    });
    ConnectionStatus {
        profile: conn.profile.clone(),
        mode: conn.mode,
        tenant: conn.tenant.clone(),
        client_id: conn.client_id.clone(),
        signed_in_as,
        token_valid_until: token
            .expires_at
            .round(jiff::Unit::Second)
            .unwrap_or(token.expires_at)
            .to_string(),
        permissions: token.permissions(),
        secret_hint: conn.secret_hint.clone(),
        secret_expires: conn.secret_expires.map(|d| d.to_string()),
        secret_days_left: days_left,
        demo: conn.demo,
    }
}

/// "Test connection" / `whoami`: get a fresh token and describe it.
pub async fn status(conn: &Connection, force: bool) -> Result<ConnectionStatus, CoreError> {
    let token = conn.token(force).await?;
    Ok(status_from_token(conn, &token))
}
