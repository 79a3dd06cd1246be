//! An administrator's sign-in for changing the tenant: authorization code + PKCE in the system
//! browser through a public client that exists in every tenant, with only the scopes the change
//! at hand needs. Its tokens live in memory for this session and are never stored.
//!
//! The public client is Microsoft Graph Command Line Tools (`14d82eec-…`, the client of Microsoft
//! Graph PowerShell's `Connect-MgGraph`), chosen because it must work where nothing exists yet:
//! it is multitenant, Microsoft-published, registers `http://localhost` as a public-client
//! redirect, and accepts any Graph scope at sign-in (dynamic consent) — see ARCHITECTURE.md.
//! A tenant that blocks it names its own public client (`ROLLCALL_ADMIN_CLIENT_ID`,
//! `--admin-client-id`).

use std::sync::Arc;

use rollcall_graph::delegated::{
    self, AuthorizeRequest, Loopback, Pkce, RefreshSink, TenantAuthority,
};
use rollcall_graph::{Endpoints, GraphClient, Request, Secret};
use serde::Serialize;

use crate::error::{CoreError, ErrorCode};
use crate::tenant::advice::{explain_aad, explain_interactive, AdviceContext};
use crate::tenant::connection::Connection;

/// Microsoft Graph Command Line Tools.
pub const DEFAULT_ADMIN_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The public client an administrator signs in through: `ROLLCALL_ADMIN_CLIENT_ID`, else
/// Microsoft Graph Command Line Tools.
pub fn admin_client_id(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("ROLLCALL_ADMIN_CLIENT_ID").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_CLIENT.to_string())
}

/// Directory roles that decide what an administrator may change (entra-docs:
/// docs/identity/enterprise-apps/grant-admin-consent.md, "Prerequisites").
pub const GLOBAL_ADMINISTRATOR: &str = "Global Administrator";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "Privileged Role Administrator";
pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "Cloud Application Administrator";
pub const APPLICATION_ADMINISTRATOR: &str = "Application Administrator";

/// Who may change app registrations and grant delegated permissions.
pub const MANAGES_APPS: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
];
/// Who may grant Microsoft Graph's application permissions (app roles): a Cloud Application
/// Administrator cannot (concepts/permissions-grant-via-msgraph.md).
pub const GRANTS_GRAPH_ROLES: &[&str] = &[GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR];

/// A browser sign-in of an administrator, waiting for its answer.
pub struct AdminSignIn {
    pub url: String,
    redirect_uri: String,
    loopback: Loopback,
    state: String,
    nonce: String,
    pkce: Pkce,
    client_id: String,
    scopes: Vec<String>,
    endpoints: Endpoints,
    tenant: String,
    http: reqwest::Client,
}

/// A signed-in administrator: a Graph client on in-memory tokens, who they are and their roles.
#[derive(Clone)]
pub struct AdminSession {
    pub graph: Arc<GraphClient>,
    /// `preferred_username` (their sign-in name).
    pub user: String,
    pub roles: Vec<String>,
}

impl std::fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSession")
            .field("user", &self.user)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Rotated refresh tokens stay in memory: nothing of the administrator's is kept.
struct Forget;
impl RefreshSink for Forget {
    fn save(&self, _: &Secret) -> Result<(), String> {
        Ok(())
    }
}

/// The role summary for a person: who they are and what that lets them do.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AdminIdentity {
    pub user: String,
    pub roles: Vec<String>,
}

impl AdminSession {
    pub fn may_manage_apps(&self) -> bool {
        self.roles
            .iter()
            .any(|r| MANAGES_APPS.contains(&r.as_str()))
    }
    pub fn may_grant_graph_roles(&self) -> bool {
        self.roles
            .iter()
            .any(|r| GRANTS_GRAPH_ROLES.contains(&r.as_str()))
    }
    pub fn identity(&self) -> AdminIdentity {
        AdminIdentity {
            user: self.user.clone(),
            roles: self.roles.clone(),
        }
    }
    /// "ada@… (Global Administrator)".
    pub fn who(&self) -> String {
        if self.roles.is_empty() {
            format!("{} (no administrator role)", self.user)
        } else {
            format!("{} ({})", self.user, self.roles.join(", "))
        }
    }
}

impl AdminSignIn {
    /// Open the loopback listener and build the authorize URL for `scopes` (Graph permission
    /// names; `openid`, `offline_access` and `User.Read` are always asked for).
    pub async fn begin(
        conn: &Connection,
        client_id: &str,
        scopes: &[&str],
        login_hint: Option<&str>,
    ) -> Result<Self, CoreError> {
        Self::begin_at(
            &conn.endpoints,
            &conn.tenant,
            conn.http(),
            client_id,
            scopes,
            login_hint,
        )
        .await
    }

    /// [`AdminSignIn::begin`] where no registration exists yet: the tenant and cloud only.
    pub async fn begin_at(
        endpoints: &Endpoints,
        tenant: &str,
        http: &reqwest::Client,
        client_id: &str,
        scopes: &[&str],
        login_hint: Option<&str>,
    ) -> Result<Self, CoreError> {
        let ctx = AdviceContext {
            authority: endpoints.authority.clone(),
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            secret_expires: None,
            redirect_uri: None,
        };
        let loopback = Loopback::bind()
            .await
            .map_err(|e| explain_interactive(&e, &ctx))?;
        let redirect_uri = loopback.redirect_uri();
        let resource = endpoints.resource();
        let mut all: Vec<String> = vec!["openid".into(), "offline_access".into()];
        for s in std::iter::once(&"User.Read").chain(scopes) {
            let full = format!("{}/{s}", resource.trim_end_matches('/'));
            if !all.contains(&full) {
                all.push(full);
            }
        }
        let pkce = Pkce::new();
        let authority = TenantAuthority::new(&endpoints.authority, tenant);
        let delegated::Authorize { url, state, nonce } = delegated::authorize_url(
            &authority,
            &AuthorizeRequest {
                client_id,
                redirect_uri: &redirect_uri,
                scopes: &all,
                pkce: &pkce,
                login_hint,
            },
        )?;
        Ok(AdminSignIn {
            url,
            redirect_uri,
            loopback,
            state,
            nonce,
            pkce,
            client_id: client_id.to_string(),
            scopes: all,
            endpoints: endpoints.clone(),
            tenant: tenant.to_string(),
            http: http.clone(),
        })
    }

    /// The tenant this sign-in is for.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Wait for the browser (or `cancel`), redeem the code and read the administrator's roles.
    pub async fn finish(
        self,
        timeout: std::time::Duration,
        cancel: impl std::future::Future<Output = ()>,
    ) -> Result<AdminSession, CoreError> {
        let ctx = AdviceContext {
            authority: self.endpoints.authority.clone(),
            tenant: self.tenant.clone(),
            client_id: self.client_id.clone(),
            secret_expires: None,
            redirect_uri: Some(self.redirect_uri.clone()),
        };
        let code = self
            .loopback
            .wait(&self.state, timeout, cancel)
            .await
            .map_err(|e| match &e {
                // Declined or closed in the browser: the administrator chose not to; say so plainly.
                delegated::InteractiveError::Cancelled => cancelled(),
                delegated::InteractiveError::Refused { error, .. } if error == "access_denied" => {
                    cancelled()
                }
                _ => explain_interactive(&e, &ctx),
            })?;
        let authority = TenantAuthority::new(&self.endpoints.authority, &self.tenant);
        let tokens = delegated::redeem_code(
            &self.http,
            &authority,
            &delegated::Redemption {
                client_id: &self.client_id,
                redirect_uri: &self.redirect_uri,
                scopes: &self.scopes,
                code: &code,
                pkce: &self.pkce,
                nonce: &self.nonce,
            },
        )
        .await
        .map_err(|e| match e {
            rollcall_graph::GraphError::Token(aad) => explain_aad(&aad, &ctx),
            other => other.into(),
        })?;
        let user = tokens
            .id_claims
            .as_ref()
            .and_then(|c| c["preferred_username"].as_str().map(str::to_string))
            .or_else(|| {
                tokens
                    .access
                    .claims()
                    .and_then(|c| c["upn"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| "the administrator".into());
        let refresh = tokens
            .refresh
            .clone()
            .unwrap_or_else(|| Secret::new(String::new()));
        let provider = delegated::RefreshingTokens::new(
            self.http.clone(),
            &authority,
            &self.client_id,
            &self.scopes,
            refresh,
            Some(tokens.access),
            Box::new(Forget),
        );
        let graph = Arc::new(GraphClient::new(
            self.http.clone(),
            self.endpoints.clone(),
            Arc::new(provider),
        )?);
        let roles = read_roles(&graph).await?;
        tracing::info!(roles = ?roles, "administrator signed in for a tenant change");
        Ok(AdminSession { graph, user, roles })
    }
}

fn cancelled() -> CoreError {
    CoreError::new(
        ErrorCode::Cancelled,
        "The administrator's sign-in was cancelled. Nothing was changed.",
        Some("Sign in again when you want Rollcall to make the change.".into()),
    )
}

/// The signed-in user's directory roles: `/me/memberOf` (User.Read suffices), the directory roles
/// among the groups (a cast would need `ConsistencyLevel: eventual`; user-list-memberof.md).
async fn read_roles(graph: &GraphClient) -> Result<Vec<String>, CoreError> {
    let items: Vec<serde_json::Value> = graph
        .get_all(Request::get(
            "/me/memberOf?$select=displayName,roleTemplateId",
        ))
        .await
        .map_err(|e| super::during("Reading your directory roles (/me/memberOf)", e))?;
    let mut roles: Vec<String> = items
        .iter()
        .filter(|i| i["@odata.type"] == "#microsoft.graph.directoryRole")
        .filter_map(|i| i["displayName"].as_str().map(str::to_string))
        .collect();
    roles.sort();
    Ok(roles)
}

/// Refused before anything is asked of Graph: `who` lacks every role in `needed`.
pub fn role_refusal(who: &AdminSession, what: &str, needed: &[&str]) -> CoreError {
    CoreError::new(
        ErrorCode::PermissionMissing,
        format!("{} cannot {what}.", who.who()),
        Some(format!(
            "Sign in as a {} and try again.",
            needed.join(" or ")
        )),
    )
}
