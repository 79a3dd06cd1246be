//! A connection to a tenant: where its identity platform and Graph live, how Rollcall signs in, and
//! one token provider kept for the connection's lifetime (so the token cache survives between calls).

use std::sync::Arc;

use jiff::civil::Date;
use rollcall_graph::delegated::{RefreshSink, RefreshingTokens, TenantAuthority};
use rollcall_graph::{
    AccessToken, ClientCredentials, Endpoints, GraphClient, GraphError, Secret, TokenProvider,
};

use crate::error::{CoreError, ErrorCode};
use crate::tenant::advice::{explain_aad, AdviceContext};
use crate::tenant::profile::{AuthMode, Profile};
use crate::tenant::secrets::{SecretKind, SecretStore};

/// A live connection. Cheap to clone: clones share the token cache.
#[derive(Clone)]
pub struct Connection {
    pub endpoints: Endpoints,
    /// Tenant GUID or verified domain.
    pub tenant: String,
    pub client_id: String,
    pub mode: AuthMode,
    /// Host accounts whose calendars hold the webinars.
    pub hosts: Vec<String>,
    /// True when this is the local demo tenant (the emulator).
    pub demo: bool,
    /// The profile's name ("Demo tenant" for the demo).
    pub profile: String,
    pub profile_id: Option<String>,
    pub participant_info: bool,
    /// Read Teams webinars (virtual events) too: the profile's switch (`--teams-webinars` on the
    /// command line); on for the demo tenant.
    pub teams_webinars: bool,
    /// The LMS's polling window after a webinar's end, in minutes (the profile's, else 60).
    pub lms_window_minutes: u32,
    /// How long after a webinar's end a sync keeps checking for its reports, in hours (else 48).
    pub recheck_hours: u32,
    /// `https://{portal}/api/v2/webinars/oauth/microsoft-callback`, when the portal domain is known.
    pub portal_redirect_uri: Option<String>,
    pub secret_hint: Option<String>,
    pub secret_expires: Option<Date>,
    /// The profile's own proxy, to name it in errors (never its password).
    pub proxy: Option<String>,
    tokens: Arc<dyn TokenProvider>,
    /// The one Graph client of this connection: every capability and every clone shares it, so the
    /// per-mailbox limit of 4 and the shared 429 backoff hold across the whole app.
    graph: Arc<GraphClient>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("profile", &self.profile)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// Saves rotated refresh tokens into the keychain before they are used.
struct KeychainSink {
    store: Arc<dyn SecretStore>,
    profile_id: String,
    /// The endpoints the rotated token stays bound to.
    binding: String,
}

impl RefreshSink for KeychainSink {
    fn save(&self, refresh: &Secret) -> Result<(), String> {
        self.store
            .set_bound(
                &self.profile_id,
                SecretKind::RefreshToken,
                &self.binding,
                refresh,
            )
            .map_err(|e| e.user_message())
    }
}

/// The demo tenant as the emulator announces it (the fields of its one JSON line). The shells start
/// the emulator; core only connects to it, so it has no dependency on the emulator crate.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoTenant {
    pub authority: String,
    pub graph: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `YYYY-MM-DD`; older emulators did not say.
    #[serde(default)]
    pub client_secret_expires: Option<String>,
    pub hosts: Vec<String>,
    pub portal_redirect_uri: String,
}

impl Connection {
    /// The demo tenant, as the LMS app: `line` is the emulator's JSON line (see [`DemoTenant`]).
    pub fn demo(line: serde_json::Value) -> Result<Self, CoreError> {
        let t: DemoTenant = serde_json::from_value(line)
            .map_err(|e| CoreError::internal(format!("the demo tenant's details: {e}")))?;
        let mut conn = Connection::application(
            Endpoints {
                authority: t.authority,
                graph: t.graph,
            },
            &t.tenant_id,
            &t.client_id,
            Secret::new(t.client_secret),
            t.hosts,
        )?;
        conn.demo = true;
        conn.teams_webinars = true;
        conn.profile = "Demo tenant".into();
        conn.portal_redirect_uri = Some(t.portal_redirect_uri);
        conn.secret_expires = t
            .client_secret_expires
            .and_then(|d| d.parse::<jiff::civil::Date>().ok());
        Ok(conn)
    }

    /// Application-level (client credentials) with a secret in hand.
    pub fn application(
        endpoints: Endpoints,
        tenant: &str,
        client_id: &str,
        secret: Secret,
        hosts: Vec<String>,
    ) -> Result<Self, CoreError> {
        Self::application_via(
            reqwest_client()?,
            endpoints,
            tenant,
            client_id,
            secret,
            hosts,
        )
    }

    /// [`Connection::application`] over a given HTTP client (a profile's proxy).
    pub fn application_via(
        http: reqwest::Client,
        endpoints: Endpoints,
        tenant: &str,
        client_id: &str,
        secret: Secret,
        hosts: Vec<String>,
    ) -> Result<Self, CoreError> {
        let tokens = ClientCredentials::new(
            http.clone(),
            &endpoints.authority,
            tenant,
            client_id,
            secret.clone(),
            &endpoints.resource(),
        );
        Self::application_with(
            http,
            endpoints,
            tenant,
            client_id,
            tokens,
            Some(secret.hint()),
            hosts,
        )
    }

    /// An application-mode connection over its token provider (a secret's or a certificate's).
    fn application_with(
        http: reqwest::Client,
        endpoints: Endpoints,
        tenant: &str,
        client_id: &str,
        tokens: ClientCredentials,
        secret_hint: Option<String>,
        hosts: Vec<String>,
    ) -> Result<Self, CoreError> {
        let (tokens, graph) = shared_client(&http, &endpoints, Arc::new(tokens))?;
        Ok(Connection {
            endpoints,
            tenant: tenant.trim().to_string(),
            client_id: client_id.trim().to_string(),
            mode: AuthMode::Application,
            hosts,
            demo: false,
            profile: "Command line".into(),
            profile_id: None,
            participant_info: true,
            teams_webinars: false,
            lms_window_minutes: crate::attendance::late::DEFAULT_LMS_WINDOW_MINUTES,
            recheck_hours: crate::attendance::late::DEFAULT_RECHECK_HOURS,
            portal_redirect_uri: None,
            secret_hint,
            secret_expires: None,
            proxy: None,
            graph,
            tokens,
            http,
        })
    }

    /// A saved application-mode profile that signs in with Rollcall's own certificate (its key
    /// in the data folder, [`crate::tenant::certificate`]) instead of the keychain's secret: what
    /// the nightly job uses, so it runs where no keychain answers (cron) and the LMS's secret can
    /// be renewed without touching it.
    pub fn from_profile_with_certificate(
        p: &Profile,
        store: Arc<dyn SecretStore>,
        cert: crate::tenant::certificate::Loaded,
    ) -> Result<Self, CoreError> {
        if p.mode != AuthMode::Application {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "\"{}\" signs in as a user; a certificate signs in as the application.",
                    p.name
                ),
                Some("Certificates are for application-mode profiles.".into()),
            ));
        }
        let http = http_client(ProxySetting::of(p, store.as_ref())?.as_ref())?;
        let endpoints = p.endpoints();
        let tokens = ClientCredentials::with_certificate(
            http.clone(),
            &endpoints.authority,
            &p.tenant,
            &p.client_id,
            cert.key_pem,
            cert.cert_der,
            &endpoints.resource(),
        );
        let mut c = Self::application_with(
            http,
            endpoints,
            &p.tenant,
            &p.client_id,
            tokens,
            None,
            p.hosts.clone(),
        )?;
        c.apply_profile(p);
        Ok(c)
    }

    /// A saved profile, with its secret or refresh token from the keychain.
    pub fn from_profile(p: &Profile, store: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        let mut c = match p.mode {
            AuthMode::Application => {
                let secret = store
                    .get_bound(&p.id, SecretKind::ClientSecret, &p.binding())?
                    .ok_or_else(|| {
                    CoreError::new(
                        ErrorCode::InvalidSecret,
                        format!("No client secret is saved for \"{}\".", p.name),
                        Some("Paste the secret's Value in Settings → Connections (or set ROLLCALL_CLIENT_SECRET for the CLI).".into()),
                    )
                })?;
                Connection::application_via(
                    http_client(ProxySetting::of(p, store.as_ref())?.as_ref())?,
                    p.endpoints(),
                    &p.tenant,
                    &p.client_id,
                    secret,
                    p.hosts.clone(),
                )?
            }
            AuthMode::Delegated => {
                let refresh = store
                    .get_bound(&p.id, SecretKind::RefreshToken, &p.binding())?
                    .ok_or_else(|| {
                        CoreError::new(
                            ErrorCode::SignInRequired,
                            format!("Nobody is signed in to \"{}\".", p.name),
                            Some(
                                "Click Sign in in Settings → Connections, or run `rollcall login`."
                                    .into(),
                            ),
                        )
                    })?;
                Connection::delegated(p, refresh, None, store)?
            }
        };
        c.apply_profile(p);
        Ok(c)
    }

    /// Take the profile's descriptive fields (name, switch, portal, secret hint and expiry).
    pub fn apply_profile(&mut self, p: &Profile) {
        self.profile = p.name.clone();
        self.profile_id = Some(p.id.clone());
        self.participant_info = p.participant_info;
        self.teams_webinars = p.teams_webinars;
        self.lms_window_minutes = p.lms_window();
        self.recheck_hours = p.recheck();
        self.portal_redirect_uri = p.portal_redirect_uri();
        self.secret_hint = p.secret_hint.clone().or(self.secret_hint.take());
        self.secret_expires = p.secret_expires;
        self.proxy = p.proxy.clone().filter(|u| !u.trim().is_empty());
    }

    /// User-delegated, from a refresh token (and the access token just issued, if any).
    pub fn delegated(
        p: &Profile,
        refresh: Secret,
        access: Option<AccessToken>,
        store: Arc<dyn SecretStore>,
    ) -> Result<Self, CoreError> {
        let http = http_client(ProxySetting::of(p, store.as_ref())?.as_ref())?;
        let endpoints = p.endpoints();
        let tokens = RefreshingTokens::new(
            http.clone(),
            &TenantAuthority::new(&endpoints.authority, &p.tenant),
            &p.client_id,
            &delegated_scopes(p),
            refresh,
            access,
            Box::new(KeychainSink {
                store,
                profile_id: p.id.clone(),
                binding: p.binding(),
            }),
        );
        let (tokens, graph) = shared_client(&http, &endpoints, Arc::new(tokens))?;
        Ok(Connection {
            endpoints,
            tenant: p.tenant.trim().to_string(),
            client_id: p.client_id.trim().to_string(),
            mode: AuthMode::Delegated,
            hosts: p.hosts.clone(),
            demo: false,
            profile: p.name.clone(),
            profile_id: Some(p.id.clone()),
            participant_info: p.participant_info,
            teams_webinars: p.teams_webinars,
            lms_window_minutes: p.lms_window(),
            recheck_hours: p.recheck(),
            portal_redirect_uri: p.portal_redirect_uri(),
            secret_hint: p.secret_hint.clone(),
            secret_expires: p.secret_expires,
            proxy: p.proxy.clone().filter(|u| !u.trim().is_empty()),
            graph,
            tokens,
            http,
        })
    }

    /// The Graph client of this connection (shared, not a new one: see the field).
    pub fn graph(&self) -> Result<Arc<GraphClient>, CoreError> {
        Ok(self.graph.clone())
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// What the advice needs to name exact values (consent URL, expiry date).
    pub fn advice(&self) -> AdviceContext {
        AdviceContext {
            authority: self.endpoints.authority.clone(),
            tenant: self.tenant.clone(),
            client_id: self.client_id.clone(),
            secret_expires: self.secret_expires,
            redirect_uri: None,
        }
    }

    /// A Graph error in the user's words, with this connection's values in the advice.
    pub fn explain(&self, e: GraphError) -> CoreError {
        if crate::tenant::advice::is_proxy_auth_required(&e) {
            return crate::tenant::advice::proxy_auth_required_by(self.proxy.as_deref());
        }
        match e {
            GraphError::Token(aad) => explain_aad(&aad, &self.advice()),
            other => other.into(),
        }
    }

    /// A token now; `force` asks the identity platform again instead of the cache.
    pub async fn token(&self, force: bool) -> Result<AccessToken, CoreError> {
        self.tokens.token(force).await.map_err(|e| self.explain(e))
    }
}

/// The token provider and the one Graph client built on it, both kept by the connection.
fn shared_client(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    tokens: Arc<dyn TokenProvider>,
) -> Result<(Arc<dyn TokenProvider>, Arc<GraphClient>), CoreError> {
    let graph = GraphClient::new(http.clone(), endpoints.clone(), tokens.clone())?;
    Ok((tokens, Arc::new(graph)))
}

/// Delegated scopes for a profile: the seed's list, the last two only with participant information.
pub fn delegated_scopes(p: &Profile) -> Vec<String> {
    let mut scopes: Vec<String> =
        crate::tenant::permissions::required(AuthMode::Delegated, p.participant_info)
            .into_iter()
            .map(|s| s.to_string())
            .collect();
    if p.teams_webinars {
        scopes.push(crate::tenant::permissions::virtual_events(AuthMode::Delegated).into());
    }
    scopes
}

/// A proxy set on the profile itself (the system's settings and `HTTPS_PROXY`/`NO_PROXY` apply
/// otherwise, through reqwest's system-proxy support on Windows and macOS and the environment).
#[derive(Clone, Debug, Default)]
pub struct ProxySetting {
    pub url: String,
    pub user: Option<String>,
    pub password: Option<Secret>,
}

impl ProxySetting {
    /// The profile's proxy, with its password from the keychain (bound to the proxy's address).
    pub fn of(p: &Profile, store: &dyn SecretStore) -> Result<Option<Self>, CoreError> {
        let Some(url) = p.proxy.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let user = p.proxy_user.clone().filter(|u| !u.trim().is_empty());
        // Only a proxy that asks for a user has a password; the keychain is not asked otherwise
        // (the nightly job may run where no keychain answers).
        let password = match user {
            Some(_) => store.get_bound(&p.id, SecretKind::ProxyPassword, &proxy_binding(url))?,
            None => None,
        };
        Ok(Some(ProxySetting {
            url: url.to_string(),
            user,
            password,
        }))
    }
}

/// The fingerprint a proxy password is stored with: the proxy's address.
pub fn proxy_binding(url: &str) -> String {
    crate::tenant::profile::fingerprint(&url.trim().to_ascii_lowercase())
}

/// One HTTP client configuration for the whole app: rustls with the certificates of the OS store
/// as well as the built-in ones (a school's TLS-inspecting proxy puts its root there, and the
/// browser trusts it: so does Rollcall), the system's proxy settings, no redirects (a redirect
/// from the token endpoint or Graph is never something to follow with credentials), bounded
/// timeouts.
pub fn reqwest_client() -> Result<reqwest::Client, CoreError> {
    http_client(None)
}

/// [`reqwest_client`] through the profile's own proxy, when it has one.
pub fn http_client(proxy: Option<&ProxySetting>) -> Result<reqwest::Client, CoreError> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(15))
        .timeout(std::time::Duration::from_secs(120))
        .user_agent(concat!("Rollcall/", env!("CARGO_PKG_VERSION")));
    if let Some(p) = proxy {
        let mut px = reqwest::Proxy::all(&p.url).map_err(|e| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("The proxy address {} is not usable: {e}", p.url),
                Some("Check the proxy in Settings → Connections.".into()),
            )
        })?;
        if let Some(user) = &p.user {
            let pass = p.password.as_ref().map(|s| s.expose()).unwrap_or_default();
            px = px.basic_auth(user, pass);
        }
        b = b.proxy(px);
    }
    b.build()
        .map_err(|e| CoreError::internal(format!("HTTP client: {e}")))
}
