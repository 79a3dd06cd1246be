//! A registration made from nothing, as the LMS article prescribes for the chosen sign-in mode and
//! the "participant information" option: name, account types (any organization's and personal
//! accounts, so v2 access tokens), the LMS's web redirect URI with ID and access tokens ticked (and
//! `http://localhost` for Rollcall's own user sign-in), the article's permissions, admin consent
//! (app role assignments, or the AllPrincipals grant), and a client secret within the tenant's
//! policy, proven by a token. Each step is logged; a failure says what exists and what to do.

use reqwest::Method;
use rollcall_graph::{GraphClient, Request, Secret};
use serde_json::{json, Value};

use super::admin::{AdminSession, GRANTS_GRAPH_ROLES, MANAGES_APPS};
use super::log::{ChangeLog, ChangeRecord, Undo};
use super::registration::retry_replication;
use super::{during, GRAPH_APP_ID, LOOPBACK_REDIRECT};
use crate::error::{CoreError, ErrorCode};
use crate::setup::{CopyValue, ARTICLE_AUDIENCE};
use crate::tenant::connection::Connection;
use crate::tenant::permissions::required;
use crate::tenant::profile::AuthMode;

/// What to create.
#[derive(Clone, Debug)]
pub struct NewRegistration {
    pub name: String,
    /// The LMS portal's domain (`lms.example.edu`): its redirect URI is
    /// `https://{domain}/api/v2/webinars/oauth/microsoft-callback`.
    pub domain: String,
    pub mode: AuthMode,
    pub participant_info: bool,
    /// The secret's lifetime in months (the tenant's policy may shorten it).
    pub months: u32,
}

/// What the window asks for: the registration and where (the cloud, and for `Custom` its addresses).
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest {
    pub name: String,
    pub domain: String,
    pub mode: AuthMode,
    pub participant_info: bool,
    pub months: u32,
    pub cloud: crate::tenant::profile::Cloud,
    pub authority: Option<String>,
    pub graph: Option<String>,
    pub tenant: String,
    pub hosts: Vec<String>,
}

impl CreateRequest {
    pub fn spec(&self) -> NewRegistration {
        NewRegistration {
            name: self.name.clone(),
            domain: self.domain.clone(),
            mode: self.mode,
            participant_info: self.participant_info,
            months: self.months,
        }
    }
    pub fn connection(&self) -> Result<Connection, CoreError> {
        portal_redirect(&self.domain)?;
        tenant_connection(
            self.cloud
                .endpoints(self.authority.as_deref(), self.graph.as_deref()),
            &self.tenant,
        )
    }
}

/// A registration made in the window: the values for the LMS, the secret once, its new profile.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CreatedView {
    pub app_id: String,
    pub secret: String,
    pub secret_hint: String,
    pub secret_expires: String,
    pub handoff: Vec<CopyValue>,
    pub profile_id: String,
    pub made: Vec<ChangeRecord>,
}

/// What was created: the values for the LMS, the secret (shown once) and the log entries.
#[derive(Debug)]
pub struct Created {
    pub app_id: String,
    pub object_id: String,
    pub secret: Secret,
    pub secret_hint: String,
    pub secret_expires: jiff::civil::Date,
    pub redirect_uri: String,
    pub handoff: Vec<CopyValue>,
    pub made: Vec<ChangeRecord>,
}

/// The scopes creating needs (Graph application permissions are granted by app role assignment).
pub fn create_scopes(mode: AuthMode) -> Vec<&'static str> {
    match mode {
        AuthMode::Application => vec![
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "Policy.Read.All",
        ],
        AuthMode::Delegated => vec![
            "Application.ReadWrite.All",
            "DelegatedPermissionGrant.ReadWrite.All",
            "Policy.Read.All",
        ],
    }
}

/// A connection to a tenant whose registration does not exist yet: only its endpoints, tenant and
/// HTTP client are used (the sign-in, the reads and writes go through the administrator).
pub fn tenant_connection(
    endpoints: rollcall_graph::Endpoints,
    tenant: &str,
) -> Result<Connection, CoreError> {
    let tenant = tenant.trim();
    if tenant.is_empty() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Which tenant? Give its ID or a verified domain (contoso.onmicrosoft.com).",
            None,
        ));
    }
    Connection::application(
        endpoints,
        tenant,
        "00000000-0000-0000-0000-000000000000",
        Secret::new(String::new()),
        vec![],
    )
}

/// The Rollcall profile for a registration just made: its values, the portal domain, the mode.
pub fn profile_for(
    spec: &NewRegistration,
    made: &Created,
    tenant: &str,
    endpoints: &rollcall_graph::Endpoints,
    hosts: Vec<String>,
) -> crate::tenant::profile::Profile {
    crate::tenant::profile::Profile {
        id: crate::tenant::profile::new_profile_id(),
        name: spec.name.trim().to_string(),
        cloud: crate::tenant::profile::Cloud::Custom,
        authority: Some(endpoints.authority.clone()),
        graph: Some(endpoints.graph.clone()),
        tenant: tenant.to_string(),
        client_id: made.app_id.clone(),
        mode: spec.mode,
        portal_domain: spec
            .domain
            .trim()
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_string(),
        participant_info: spec.participant_info,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts,
        secret_hint: Some(made.secret_hint.clone()),
        secret_expires: Some(made.secret_expires),
        signed_in_as: None,
        proxy: None,
        proxy_user: None,
        archive: None,
    }
}

/// The LMS's redirect URI for a portal domain (the article's exact path).
pub fn portal_redirect(domain: &str) -> Result<String, CoreError> {
    let d = domain
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/');
    let ok = !d.is_empty()
        && !d.contains('/')
        && d.contains('.')
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
    if !ok {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("\"{domain}\" is not the LMS portal's domain."),
            Some("Give the domain only, as in lms.example.edu.".into()),
        ));
    }
    Ok(format!(
        "https://{d}/api/v2/webinars/oauth/microsoft-callback"
    ))
}

async fn graph_ids(g: &GraphClient) -> Result<(String, Value), CoreError> {
    let gsp: Value = g
        .get_json(Request::get(format!(
            "/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appRoles,oauth2PermissionScopes"
        )))
        .await
        .map_err(|e| during("Reading Microsoft Graph's permissions", e))?;
    Ok((gsp["id"].as_str().unwrap_or_default().to_string(), gsp))
}

fn id_of(gsp: &Value, key: &str, name: &str) -> Option<String> {
    gsp[key]
        .as_array()?
        .iter()
        .find(|r| {
            r["value"]
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case(name))
        })
        .and_then(|r| r["id"].as_str().map(str::to_string))
}

/// Create the registration for `conn`'s tenant (its client id is not used) as `spec` says.
pub async fn create(
    conn: &Connection,
    session: &AdminSession,
    spec: &NewRegistration,
    log: &ChangeLog,
) -> Result<Created, CoreError> {
    let needs: &[&str] = match spec.mode {
        AuthMode::Application => GRANTS_GRAPH_ROLES,
        AuthMode::Delegated => MANAGES_APPS,
    };
    if !session.roles.iter().any(|r| needs.contains(&r.as_str())) {
        return Err(super::admin::role_refusal(
            session,
            "create the registration with admin consent for its permissions",
            needs,
        ));
    }
    let redirect = portal_redirect(&spec.domain)?;
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "The registration needs a name.",
            Some("Pass --name, as in \"LMS Teams integration\".".into()),
        ));
    }
    let g = &session.graph;
    let (graph_sp, gsp) = graph_ids(g).await?;
    let delegated = spec.mode == AuthMode::Delegated;
    let perms: Vec<&str> = required(spec.mode, spec.participant_info);
    let (key, kind) = if delegated {
        ("oauth2PermissionScopes", "Scope")
    } else {
        ("appRoles", "Role")
    };
    let access: Vec<Value> = perms
        .iter()
        .filter_map(|p| id_of(&gsp, key, p).map(|id| json!({"id": id, "type": kind})))
        .collect();
    let mut body = json!({
        "displayName": name,
        "signInAudience": ARTICLE_AUDIENCE,
        "api": {"requestedAccessTokenVersion": 2},
        "web": {"redirectUris": [redirect], "implicitGrantSettings": {"enableIdTokenIssuance": true, "enableAccessTokenIssuance": true}},
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": access}],
    });
    if delegated {
        body["publicClient"] = json!({"redirectUris": [LOOPBACK_REDIRECT]});
    }
    let mut made: Vec<ChangeRecord> = Vec::new();
    let record = |made: &mut Vec<ChangeRecord>,
                  client_id: &str,
                  change: &str,
                  step: &str,
                  title: String,
                  after: String,
                  rid: Option<String>,
                  undo: Option<Undo>|
     -> Result<(), CoreError> {
        let rec = ChangeRecord {
            at: jiff::Timestamp::now().to_string(),
            tenant: conn.tenant.clone(),
            client_id: client_id.to_string(),
            by: session.who(),
            change: change.into(),
            step: step.into(),
            title,
            before: "(none)".into(),
            after,
            request_id: rid,
            undo,
            undone_at: None,
            retire_key: None,
        };
        log.append(rec.clone())?;
        made.push(rec);
        Ok(())
    };
    let r = g
        .send(Request::new(Method::POST, "/applications", Some(body)))
        .await
        .map_err(|e| during("Creating the app registration (nothing was created)", e))?;
    let app = r.body.clone().unwrap_or_default();
    let app_id = app["appId"].as_str().unwrap_or_default().to_string();
    let object_id = app["id"].as_str().unwrap_or_default().to_string();
    record(
        &mut made,
        &app_id,
        "create-registration",
        "credentials",
        format!("Create the app registration \"{name}\""),
        format!("client id {app_id}, {ARTICLE_AUDIENCE}, {redirect}"),
        r.request_id,
        None,
    )?;

    // From here a failure names what exists and how to finish.
    let rest = async {
        let sp = retry_replication(|| g.send(Request::new(Method::POST, "/servicePrincipals", Some(json!({"appId": app_id})))))
            .await
            .map_err(|e| during("Creating its enterprise application", e))?;
        let sp_id = sp.body.as_ref().and_then(|b| b["id"].as_str()).unwrap_or_default().to_string();
        record(&mut made, &app_id, "service-principal", "consent", "Create the enterprise application".into(), format!("object {sp_id}"), sp.request_id, None)?;
        if delegated {
            let mut scopes: Vec<&str> = perms.clone();
            scopes.retain(|s| id_of(&gsp, key, s).is_some() || ["openid", "offline_access"].contains(s));
            let r = retry_replication(|| g.send(Request::new(Method::POST, "/oauth2PermissionGrants", Some(json!({"clientId": sp_id, "consentType": "AllPrincipals", "resourceId": graph_sp, "scope": scopes.join(" ")})))))
                .await
                .map_err(|e| during("Granting admin consent", e))?;
            record(&mut made, &app_id, "consent-scopes", "consent", format!("Grant admin consent for all users: {}", scopes.join(", ")), scopes.join(" "), r.request_id, None)?;
        } else {
            for p in &perms {
                let Some(role) = id_of(&gsp, "appRoles", p) else { continue };
                let url = format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo");
                let r = retry_replication(|| g.send(Request::new(Method::POST, url.clone(), Some(json!({"principalId": sp_id, "resourceId": graph_sp, "appRoleId": role})))))
                    .await
                    .map_err(|e| during(&format!("Granting {p}"), e))?;
                record(&mut made, &app_id, "consent-roles", "consent", format!("Grant admin consent: {p}"), (*p).to_string(), r.request_id, None)?;
            }
        }
        let test = Connection::application_via(conn.http().clone(), conn.endpoints.clone(), &conn.tenant, &app_id, Secret::new(String::new()), vec![])?;
        // The secret: renewal's own path (policy, proof, removal on failure), with nothing to keep.
        let renewed = super::secret::renew(&test, session, spec.months, None, log, |_, _| Ok(())).await?;
        Ok::<_, CoreError>(renewed)
    }
    .await;
    let renewed = match rest {
        Ok(r) => r,
        Err(mut e) => {
            e.hint = Some(format!(
                "The app registration \"{name}\" exists (client id {app_id}) with what was made before this step. Finish it with `rollcall setup fix --tenant {} --client-id {app_id}`, or delete it under App registrations and start again. {}",
                conn.tenant,
                e.hint.unwrap_or_default()
            ));
            return Err(e);
        }
    };
    made.extend(
        log.read()?
            .into_iter()
            .rev()
            .take(1)
            .filter(|r| r.change == "secret-renew"),
    );
    let handoff = vec![
        CopyValue {
            label: "Tenant ID".into(),
            value: conn.tenant.clone(),
        },
        CopyValue {
            label: "Client ID".into(),
            value: app_id.clone(),
        },
        CopyValue {
            label: "Client secret".into(),
            value: "(the value shown once below)".into(),
        },
        CopyValue {
            label: "Redirect URI (already registered)".into(),
            value: redirect.clone(),
        },
    ];
    Ok(Created {
        app_id,
        object_id,
        secret: renewed.value,
        secret_hint: renewed.hint,
        secret_expires: renewed.expires,
        redirect_uri: redirect,
        handoff,
        made,
    })
}
