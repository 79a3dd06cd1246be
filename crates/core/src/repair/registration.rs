//! Reading the app registration as the fixes need it: its redirect URIs, account types, token
//! settings and configured permissions, Microsoft Graph's permission ids, and what is granted (app
//! role assignments, the AllPrincipals grant), riding out directory replication.

use rollcall_graph::{GraphClient, GraphError, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{during, GRAPH_APP_ID};
use crate::error::CoreError;

/// What the registration looks like now, as far as the fixes need it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Registration {
    pub id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    pub sign_in_audience: Option<String>,
    pub web: WebSettings,
    pub public_client: UriList,
    pub spa: UriList,
    pub api: ApiSettings,
    pub required_resource_access: Vec<ResourceAccessList>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebSettings {
    pub redirect_uris: Vec<String>,
    pub implicit_grant_settings: Option<Implicit>,
}
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Implicit {
    pub enable_id_token_issuance: Option<bool>,
    pub enable_access_token_issuance: Option<bool>,
}
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UriList {
    pub redirect_uris: Vec<String>,
}
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiSettings {
    pub requested_access_token_version: Option<i64>,
}
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceAccessList {
    pub resource_app_id: String,
    pub resource_access: Vec<ResourceAccess>,
}
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ResourceAccess {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Microsoft Graph's permissions by name ↔ id, read from its service principal in the tenant
/// (concepts/permissions-grant-via-msgraph.md, step 1).
#[derive(Clone, Debug, Default)]
pub struct GraphPermissions {
    pub sp_id: String,
    roles: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
}

impl GraphPermissions {
    pub(super) fn id(&self, name: &str, role: bool) -> Option<&str> {
        let list = if role { &self.roles } else { &self.scopes };
        list.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, i)| i.as_str())
    }
    pub(super) fn name(&self, id: &str, role: bool) -> Option<&str> {
        let list = if role { &self.roles } else { &self.scopes };
        list.iter()
            .find(|(_, i)| i.eq_ignore_ascii_case(id))
            .map(|(n, _)| n.as_str())
    }
}

#[derive(Clone, Debug)]
pub(super) struct State {
    pub(super) reg: Registration,
    pub(super) graph: GraphPermissions,
    /// The integration's service principal, when it exists.
    pub(super) sp_id: Option<String>,
    /// Graph app roles assigned to it: (role name, assignment id).
    pub(super) assigned: Vec<(String, String)>,
    /// Its AllPrincipals grant to Graph: (grant id, scopes).
    pub(super) grant: Option<(String, Vec<String>)>,
}

/// Read the registration, Graph's permission ids and the grants (with the administrator's
/// session: the integration's own token usually cannot read them).
/// Application permissions are granted as app role assignments, delegated ones as the
/// AllPrincipals grant: only the kind `delegated` says is read (each needs its own scope).
pub(super) async fn read_state(
    g: &GraphClient,
    client_id: &str,
    delegated: bool,
) -> Result<State, CoreError> {
    let reg: Registration = retry_replication(|| {
        g.get_json(Request::get(format!(
            "/applications(appId='{client_id}')?$select=id,appId,displayName,signInAudience,web,publicClient,spa,api,requiredResourceAccess"
        )))
    })
    .await
    .map_err(|e| during("Reading the app registration", e))?;
    let gsp: Value = g
        .get_json(Request::get(format!(
            "/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appRoles,oauth2PermissionScopes"
        )))
        .await
        .map_err(|e| during("Reading Microsoft Graph's permissions", e))?;
    let pairs = |key: &str| -> Vec<(String, String)> {
        gsp[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                Some((
                    r["value"].as_str()?.to_string(),
                    r["id"].as_str()?.to_string(),
                ))
            })
            .collect()
    };
    let graph = GraphPermissions {
        sp_id: gsp["id"].as_str().unwrap_or_default().to_string(),
        roles: pairs("appRoles"),
        scopes: pairs("oauth2PermissionScopes"),
    };
    let sp: Result<Value, GraphError> = g
        .get_json(Request::get(format!(
            "/servicePrincipals(appId='{client_id}')?$select=id"
        )))
        .await;
    let sp_id = match sp {
        Ok(v) => v["id"].as_str().map(str::to_string),
        Err(GraphError::Api { status: 404, .. }) => None,
        Err(e) => return Err(during("Reading the app's enterprise application", e)),
    };
    let (mut assigned, mut grant) = (Vec::new(), None);
    if let Some(sp) = sp_id.as_ref().filter(|_| !delegated) {
        let list: Vec<Value> = g
            .get_all(Request::get(format!(
                "/servicePrincipals/{sp}/appRoleAssignments"
            )))
            .await
            .map_err(|e| during("Reading the granted application permissions", e))?;
        for a in list
            .iter()
            .filter(|a| a["resourceId"].as_str() == Some(&graph.sp_id))
        {
            let id = a["appRoleId"].as_str().unwrap_or_default();
            if let Some(name) = graph.name(id, true) {
                assigned.push((
                    name.to_string(),
                    a["id"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    if let Some(sp) = sp_id.as_ref().filter(|_| delegated) {
        let grants: Vec<Value> = g
            .get_all(Request::get(format!(
                "/oauth2PermissionGrants?$filter=clientId eq '{sp}'"
            )))
            .await
            .map_err(|e| during("Reading the granted delegated permissions", e))?;
        grant = grants
            .iter()
            .find(|x| {
                x["consentType"] == "AllPrincipals"
                    && x["resourceId"].as_str() == Some(&graph.sp_id)
            })
            .map(|x| {
                (
                    x["id"].as_str().unwrap_or_default().to_string(),
                    x["scope"]
                        .as_str()
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                )
            });
    }
    Ok(State {
        reg,
        graph,
        sp_id,
        assigned,
        grant,
    })
}

/// A new object can answer 404 for a few seconds (directory replication): ask again, 1, 2, 4 … s,
/// for up to half a minute.
pub(super) async fn retry_replication<T, F, Fut>(mut call: F) -> Result<T, GraphError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, GraphError>>,
{
    let mut wait = std::time::Duration::from_millis(500);
    let started = std::time::Instant::now();
    loop {
        match call().await {
            Err(GraphError::Api { status, .. })
                if (status == 404 || status == 400)
                    && started.elapsed() < std::time::Duration::from_secs(30) =>
            {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(4));
            }
            other => return other,
        }
    }
}
