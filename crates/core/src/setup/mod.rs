//! The set-up checklist: each step of the Teams integration article, checked live against the
//! tenant, with the exact fix (values to paste, the admin-consent URL, a PowerShell script).
//!
//! A check never returns an error: whatever happens becomes a status with an explanation and the
//! evidence (what the identity platform or Graph answered, with its request-id). Steps that need a
//! token wait for the credentials step instead of repeating its failure. This module does not
//! render anything; the UI, the CLI and the report read the same [`Step`]s.

mod credentials;
mod events;
mod hosts;
mod policy;
pub mod report;
pub mod results;
pub mod summary;

pub use credentials::is_loopback;
use credentials::{check_audience, check_redirect, check_secret};
use hosts::{check_hosts, smoke_test};
pub use policy::access_policy_scripts;
use policy::check_access_policy;
mod scope;
pub use report::{report_html, report_markdown, status_word, write_report};
use scope::check_mailbox_scope;
pub use scope::mailbox_scope_scripts;

use jiff::{SignedDuration, Timestamp};
use rollcall_graph::models::{Application, TeamsLicence, User, OFFICE_WEB_PLANS, ONEDRIVE_PLANS};
use rollcall_graph::{GraphError, Request};
use serde::{Deserialize, Serialize};

use crate::directory::{enc, find_mailbox, find_user, meeting_by_join_url, odata_quote, Mailbox};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::permissions::required;
use crate::tenant::profile::AuthMode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Passed,
    Failed,
    Warning,
    /// Not checked yet, or waiting for an earlier step.
    Waiting,
    /// Rollcall cannot see this from here; `detail` says why and how to check by hand.
    CannotCheck,
}

/// A value the admin pastes somewhere, with a copy button.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CopyValue {
    pub label: String,
    pub value: String,
}

/// What was asked and what came back.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub request: String,
    pub answer: String,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable id: `tenant`, `credentials`, `secret`, `redirect`, `permissions`, `consent`,
    /// `accessPolicy`, `hosts`, `mailboxScope`, `teamsWebinars`, `smoke`.
    pub id: String,
    pub number: u32,
    pub title: String,
    /// One sentence on why it matters.
    pub why: String,
    /// What to do, in order.
    pub todo: Vec<String>,
    pub values: Vec<CopyValue>,
    /// Generated PowerShell, when the fix is a script.
    pub scripts: Vec<CopyValue>,
    /// How Rollcall checks it.
    pub how: String,
    pub status: Status,
    /// Why this status, in the admin's words (one line per finding).
    pub detail: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// RFC 3339 UTC, when the check ran.
    pub checked_at: Option<String>,
    /// Offer "re-check every N minutes" (the access policy takes time to apply).
    pub recheck_minutes: Option<u32>,
    /// Runs only on request (it changes the tenant).
    pub on_demand: bool,
}

/// The whole checklist for one connection.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Checklist {
    pub profile: String,
    pub tenant: String,
    pub client_id: String,
    pub mode: AuthMode,
    pub participant_info: bool,
    pub demo: bool,
    pub steps: Vec<Step>,
}

impl Checklist {
    pub fn failed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == Status::Failed)
            .count()
    }
}

/// Days before expiry from which the secret step warns.
pub const SECRET_WARN_DAYS: i64 = 30;
/// The policy name the generated script creates.
pub const POLICY_NAME: &str = "LMS-Teams-Webinars";

/// The account types the LMS article prescribes ("Accounts in any organizational directory … and
/// personal Microsoft accounts"), as Graph's `signInAudience` names them (application.md).
pub const ARTICLE_AUDIENCE: &str = "AzureADandPersonalMicrosoftAccount";
/// High privileges the integration never needs: flagged when granted.
const HIGH_PRIVILEGE: [&str; 10] = [
    "Directory.ReadWrite.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "Mail.ReadWrite",
    "Mail.Send",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
];

fn step(id: &str, title: &str, why: &str, how: &str) -> Step {
    Step {
        id: id.into(),
        number: 0,
        title: title.into(),
        why: why.into(),
        todo: Vec::new(),
        values: Vec::new(),
        scripts: Vec::new(),
        how: how.into(),
        status: Status::Waiting,
        detail: vec!["Not checked yet.".into()],
        evidence: Vec::new(),
        checked_at: None,
        recheck_minutes: None,
        on_demand: false,
    }
}

fn value(label: &str, v: impl Into<String>) -> CopyValue {
    CopyValue {
        label: label.into(),
        value: v.into(),
    }
}

/// The steps for this connection's mode and participant switch, in the article's order, unchecked.
pub fn plan(conn: &Connection) -> Checklist {
    let delegated = conn.mode == AuthMode::Delegated;
    let consent = conn.advice().consent_url();
    let mut steps = Vec::new();

    let mut s = step(
        "tenant",
        "Tenant exists",
        "Every sign-in and Graph call goes to this tenant; a wrong ID or cloud stops everything.",
        "Reads the tenant's OpenID configuration from the identity platform.",
    );
    s.todo = vec!["Copy the Directory (tenant) ID from Entra admin center → App registrations → your app → Overview.".into()];
    s.values = vec![value("Tenant ID", conn.tenant.clone())];
    steps.push(s);

    let mut s = step(
        "credentials",
        "App registration found and credentials valid",
        "The LMS signs in as this app registration; without a token nothing else works.",
        if delegated {
            "Refreshes the signed-in user's token."
        } else {
            "Asks the token endpoint for an application token (client credentials)."
        },
    );
    s.todo = vec![
        "Create the app: Entra admin center → App registrations → New registration.".into(),
        "Copy the Application (client) ID into the LMS integration settings.".into(),
        if delegated {
            "Sign in in Settings → Connections.".into()
        } else {
            "Create a client secret (Certificates & secrets → New client secret) and paste its Value into the LMS and into Rollcall.".into()
        },
    ];
    s.values = vec![
        value("Client ID", conn.client_id.clone()),
        value("Tenant ID", conn.tenant.clone()),
    ];
    steps.push(s);

    let mut s = step("secret", "Client secret not expired", "When the secret expires the integration stops working until a new one is pasted into the LMS.", "Reads the app's passwordCredentials from Graph and matches the saved secret's hint; else uses the expiry date you entered.");
    s.todo = vec![
        format!("Before it expires: Certificates & secrets → New client secret, paste its Value into the LMS (and Rollcall). Rollcall warns {SECRET_WARN_DAYS} days ahead."),
    ];
    steps.push(s);

    let mut s = step(
        "audience",
        if delegated {
            "Supported account types and token settings"
        } else {
            "Supported account types"
        },
        "The article registers the app for any organization's accounts and personal Microsoft accounts: the LMS signs people in through Microsoft's common endpoint, which turns away the accounts an app does not accept.",
        if delegated {
            "Reads the app registration's signInAudience and its Web platform's token checkboxes (web.implicitGrantSettings) from Graph."
        } else {
            "Reads the app registration's signInAudience from Graph."
        },
    );
    s.todo = vec!["App registrations → your app → Authentication → Supported account types: \"Accounts in any organizational directory and personal Microsoft accounts\", then Save.".into()];
    if delegated {
        s.todo.push("Authentication → Web → Implicit grant and hybrid flows: tick \"Access tokens\" and \"ID tokens\", then Save.".into());
    }
    s.values = vec![value("signInAudience", ARTICLE_AUDIENCE)];
    steps.push(s);

    if delegated {
        let mut s = step("redirect", "Redirect URIs registered", "The sign-in returns to these addresses only if they are registered exactly.", "Reads the app's web and publicClient redirect URIs from Graph; otherwise a sign-in attempt shows it (AADSTS50011).");
        s.todo = vec![
            "Authentication → Add a platform → Web: add the portal URI below, tick the token checkboxes, Save.".into(),
            "For Rollcall's own sign-in: Authentication → Add a platform → Mobile and desktop applications: add http://localhost.".into(),
        ];
        if let Some(u) = &conn.portal_redirect_uri {
            s.values.push(value("Portal redirect URI (Web)", u.clone()));
        }
        s.values.push(value(
            "Desktop redirect URI (Mobile and desktop)",
            "http://localhost",
        ));
        steps.push(s);
    }

    let needed = required(conn.mode, conn.participant_info);
    let kind = if delegated {
        "Delegated"
    } else {
        "Application"
    };
    let mut s = step(
        "permissions",
        "Graph permissions",
        "Each missing permission breaks one part: users, calendars, meetings or attendance.",
        "Compares the permissions in a fresh token with the list for this mode.",
    );
    s.todo = vec![
        format!(
            "API permissions → Add a permission → Microsoft Graph → {kind} permissions: {}.",
            needed.join(", ")
        ),
        "Then click \"Grant admin consent\".".into(),
    ];
    s.values = vec![value("Admin-consent URL", consent.clone())];
    steps.push(s);

    let mut s = step(
        "consent",
        "Admin consent granted",
        "Permissions only take effect after an administrator consents for the whole tenant.",
        if delegated {
            "The signed-in user's token carries the consented scopes (AADSTS65001 otherwise)."
        } else {
            "An application token carries roles only after admin consent."
        },
    );
    // Privileged Role Administrator suffices for application permissions; Cloud Application
    // Administrator cannot grant Graph's (entra-docs: docs/identity/enterprise-apps/grant-admin-consent.md).
    s.todo = vec!["A Privileged Role Administrator (or Global Administrator) opens the admin-consent URL and accepts, or clicks \"Grant admin consent\" on API permissions. A Cloud Application Administrator cannot grant Microsoft Graph application permissions.".into()];
    s.values = vec![value("Admin-consent URL", consent)];
    steps.push(s);

    if !delegated && conn.participant_info {
        let mut s = step("accessPolicy", "Teams application access policy", "Without it, Teams refuses to give the app meetings and attendance reports of the hosts.", "Asks Graph for each host's online meetings; a 403 \"No application access policy\" means the host is not covered.");
        s.todo = vec![
            "Open PowerShell as a Teams administrator and run the script below (the Global variant covers every user).".into(),
            "A user can have only one policy: if a host already has one, use the \"existing policy\" variant.".into(),
            "It can take 30 minutes or more to apply; Rollcall can re-check every 5 minutes.".into(),
        ];
        s.scripts = access_policy_scripts(&conn.client_id, &conn.hosts);
        steps.push(s);
    }

    let mut s = step("hosts", "Hosts ready", "Webinars are created in these users' calendars; the LMS finds them by e-mail.", "Looks each host up by e-mail, reads their calendar, checks the Teams and OneDrive licences and compares the e-mail with the user's mail.");
    s.todo = vec![
        "Entra admin center → Users: each host exists and has a licence with Microsoft Teams and OneDrive (SharePoint Online) (Licenses tab).".into(),
        "The host's e-mail in the LMS must be the same as the user's e-mail (mail) in Entra.".into(),
    ];
    steps.push(s);

    if !delegated {
        let mut s = step("mailboxScope", "Mailbox scope (optional, recommended)", "Calendars.ReadWrite as an application permission opens every mailbox in the tenant; Exchange can limit the app to the hosts.", "Reads one calendar item id of each host, and of one mailbox that is not a host: the hosts must answer, the other should be refused (403 \"Access to OData is disabled.\").");
        s.on_demand = true;
        s.todo = vec![
            "Run the RBAC for Applications script below as an Exchange administrator: it creates a group of the hosts and grants the app Calendars.ReadWrite only on it.".into(),
            "Add every new host to that group; a host outside it gets 403 \"Access to OData is disabled.\".".into(),
            "Changes can take up to an hour to apply.".into(),
        ];
        s.scripts = mailbox_scope_scripts(&conn.client_id, &conn.hosts);
        s.detail = vec!["Check it when you want: it reads one calendar item id of each host and of one other mailbox.".into()];
        steps.push(s);
    }

    if conn.teams_webinars {
        steps.push(events::plan(conn));
    }

    let mut s = step("smoke", "End-to-end test (optional)", "Proves the whole path works: a Teams meeting is created, found through Teams and deleted.", "Creates a 15-minute test meeting in the first host's calendar tomorrow, resolves its online meeting by join URL, then deletes it.");
    s.on_demand = true;
    s.detail = vec!["Run it when you want: it creates and deletes a test meeting.".into()];
    steps.push(s);

    for (i, s) in steps.iter_mut().enumerate() {
        s.number = i as u32 + 1;
    }
    Checklist {
        profile: conn.profile.clone(),
        tenant: conn.tenant.clone(),
        client_id: conn.client_id.clone(),
        mode: conn.mode,
        participant_info: conn.participant_info,
        demo: conn.demo,
        steps,
    }
}

/// Run one step now. `id` as in [`Step::id`].
pub async fn check(conn: &Connection, id: &str) -> Result<Step, CoreError> {
    let mut s = plan(conn)
        .steps
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("There is no set-up step \"{id}\" for this connection."),
                None,
            )
        })?;
    s.detail.clear();
    match id {
        "tenant" => check_tenant(conn, &mut s).await,
        "credentials" => check_credentials(conn, &mut s).await,
        "secret" => with_token(conn, &mut s, check_secret).await,
        "redirect" => with_token(conn, &mut s, check_redirect).await,
        "audience" => with_token(conn, &mut s, check_audience).await,
        "permissions" => with_token(conn, &mut s, check_permissions).await,
        "consent" => with_token(conn, &mut s, check_consent).await,
        "accessPolicy" => with_token(conn, &mut s, check_access_policy).await,
        "hosts" => with_token(conn, &mut s, check_hosts).await,
        "smoke" => with_token(conn, &mut s, smoke_test).await,
        "mailboxScope" => with_token(conn, &mut s, check_mailbox_scope).await,
        "teamsWebinars" => with_token(conn, &mut s, events::check).await,
        _ => {}
    }
    s.checked_at = Some(now_string());
    Ok(s)
}

/// Run every step except the on-demand ones, concurrently (one task per step; they share the
/// connection's token cache, so the token is asked for once).
pub async fn check_all(conn: &Connection) -> Checklist {
    let mut list = plan(conn);
    let mut set = tokio::task::JoinSet::new();
    for s in list.steps.iter().filter(|s| !s.on_demand) {
        let (c, id) = (conn.clone(), s.id.clone());
        set.spawn(async move { check(&c, &id).await });
    }
    while let Some(r) = set.join_next().await {
        if let Ok(Ok(step)) = r {
            if let Some(slot) = list.steps.iter_mut().find(|s| s.id == step.id) {
                *slot = step;
            }
        }
    }
    list
}

fn now_string() -> String {
    Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| Timestamp::now())
        .to_string()
}

/// The hosts found in the directory, by e-mail; one missing or unreadable is a line in the step's
/// detail (the Hosts step says more about it).
async fn found_hosts(conn: &Connection, s: &mut Step) -> Vec<(String, User)> {
    let Ok(graph) = conn.graph() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for host in &conn.hosts {
        match find_user(&graph, host).await {
            Ok(Some(u)) => found.push((host.clone(), u)),
            Ok(None) => s
                .detail
                .push(format!("{host}: not found (see the Hosts step).")),
            Err(e) => s.detail.push(format!("{host}: {}", e.message)),
        }
    }
    found
}

fn fail(s: &mut Step, e: &CoreError, request: &str) {
    s.status = Status::Failed;
    s.detail.push(e.message.clone());
    if let Some(h) = &e.hint {
        s.detail.push(h.clone());
    }
    s.evidence.push(Evidence {
        request: request.into(),
        answer: format!("{:?}: {}", e.code, e.message),
        request_id: e.request_id.clone(),
    });
}

async fn check_tenant(conn: &Connection, s: &mut Step) {
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        conn.endpoints.authority.trim_end_matches('/'),
        conn.tenant
    );
    let request = format!("GET {url}");
    match conn.http().get(&url).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            if status == 200 {
                let issuer = body["issuer"].as_str().unwrap_or_default().to_string();
                s.status = Status::Passed;
                s.detail
                    .push(format!("The tenant answers; its issuer is {issuer}."));
                if let Some(limit) = crate::tenant::profile::cloud_limits(&conn.endpoints) {
                    s.status = Status::Warning;
                    s.detail.push(limit.into());
                }
                s.evidence.push(Evidence {
                    request,
                    answer: format!("200, issuer {issuer}"),
                    request_id: None,
                });
            } else {
                let aad: rollcall_graph::AadError =
                    serde_json::from_value(body).unwrap_or_default();
                let e = crate::tenant::advice::explain_aad(&aad, &conn.advice());
                fail(s, &e, &request);
                if let Some(ev) = s.evidence.last_mut() {
                    ev.answer = format!(
                        "{status} {}: {}",
                        aad.error,
                        aad.error_description.lines().next().unwrap_or_default()
                    )
                }
            }
        }
        Err(e) => {
            s.status = Status::CannotCheck;
            s.detail.push(format!(
                "Could not reach {}: {e}. Check the network and the cloud setting.",
                conn.endpoints.authority
            ));
        }
    }
}

async fn check_credentials(conn: &Connection, s: &mut Step) {
    let request = match conn.mode {
        AuthMode::Application => format!(
            "POST {}/{}/oauth2/v2.0/token (client_credentials)",
            conn.endpoints.authority, conn.tenant
        ),
        AuthMode::Delegated => format!(
            "POST {}/{}/oauth2/v2.0/token (refresh_token)",
            conn.endpoints.authority, conn.tenant
        ),
    };
    match conn.token(true).await {
        Ok(t) => {
            let claims = t.claims().unwrap_or_default();
            let who = claims["app_displayname"]
                .as_str()
                .or(claims["preferred_username"].as_str())
                .or(claims["upn"].as_str())
                .unwrap_or("the app")
                .to_string();
            s.status = Status::Passed;
            s.detail.push(format!(
                "A token was issued for {who}, valid until {}.",
                t.expires_at
                    .round(jiff::Unit::Second)
                    .unwrap_or(t.expires_at)
            ));
            s.evidence.push(Evidence {
                request,
                answer: format!("200, token for {who}"),
                request_id: None,
            });
        }
        Err(e) => fail(s, &e, &request),
    }
}

/// Steps that need a token wait for the credentials step when there is none.
async fn with_token<'a, F, Fut>(conn: &'a Connection, s: &'a mut Step, f: F)
where
    F: FnOnce(&'a Connection, &'a mut Step) -> Fut,
    Fut: std::future::Future<Output = ()> + 'a,
{
    if let Err(e) = conn.token(false).await {
        s.status = Status::Waiting;
        s.detail
            .push(format!("Waits for step 2 (credentials): {}", e.message));
        return;
    }
    f(conn, s).await
}

/// GET a Graph path, keeping the request line and the request-id as evidence.
async fn graph_get(
    conn: &Connection,
    s: &mut Step,
    path: &str,
    mailbox: Option<&str>,
) -> Result<serde_json::Value, (GraphError, CoreError)> {
    let graph = match conn.graph() {
        Ok(g) => g,
        Err(e) => return Err((GraphError::Config(e.message.clone()), e)),
    };
    let mut req = Request::get(path.to_string());
    if let Some(m) = mailbox {
        req = req.mailbox(m);
    }
    match graph.send(req).await {
        Ok(r) => {
            s.evidence.push(Evidence {
                request: format!("GET {path}"),
                answer: format!("{}", r.status),
                request_id: r.request_id.clone(),
            });
            Ok(r.body.unwrap_or_default())
        }
        Err(e) => {
            let ce = conn.explain(clone_graph_error(&e));
            s.evidence.push(Evidence {
                request: format!("GET {path}"),
                answer: e.to_string(),
                request_id: e.request_id().map(str::to_string),
            });
            Err((e, ce))
        }
    }
}

fn clone_graph_error(e: &GraphError) -> GraphError {
    match e {
        GraphError::Api {
            status,
            code,
            message,
            request_id,
            date,
        } => GraphError::Api {
            status: *status,
            code: code.clone(),
            message: message.clone(),
            request_id: request_id.clone(),
            date: date.clone(),
        },
        GraphError::Token(a) => GraphError::Token(a.clone()),
        other => GraphError::Config(other.to_string()),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct AppRedirects {
    #[serde(default)]
    sign_in_audience: Option<String>,
    #[serde(default)]
    web: RedirectList,
    #[serde(default)]
    public_client: RedirectList,
    #[serde(default)]
    spa: RedirectList,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct RedirectList {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    implicit_grant_settings: Option<ImplicitGrant>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct ImplicitGrant {
    #[serde(default)]
    enable_access_token_issuance: Option<bool>,
    #[serde(default)]
    enable_id_token_issuance: Option<bool>,
}

fn app_path(conn: &Connection) -> String {
    format!(
        "/applications?$filter={}&$select=id,appId,displayName,passwordCredentials,web,publicClient,spa,signInAudience",
        enc(&format!("appId eq '{}'", odata_quote(&conn.client_id)))
    )
}

/// Make `w` at least as bad as `to` (passed < warning < cannot check < failed).
pub(super) fn raise(w: &mut Status, to: Status) {
    let rank = |s: Status| match s {
        Status::Passed => 0,
        Status::Warning => 1,
        Status::CannotCheck | Status::Waiting => 2,
        Status::Failed => 3,
    };
    if rank(to) > rank(*w) {
        *w = to;
    }
}

fn first_value(body: &serde_json::Value) -> Option<serde_json::Value> {
    body["value"].as_array().and_then(|v| v.first()).cloned()
}

/// The token's permissions as evidence (`roles` for an app, `scp` for a signed-in user).
fn claims_evidence(mode: AuthMode, have: &[String]) -> Evidence {
    Evidence {
        request: "token claims".into(),
        answer: format!(
            "{}: {}",
            if mode == AuthMode::Delegated {
                "scp"
            } else {
                "roles"
            },
            if have.is_empty() {
                "none".into()
            } else {
                have.join(", ")
            }
        ),
        request_id: None,
    }
}

async fn check_permissions(conn: &Connection, s: &mut Step) {
    let token = match conn.token(true).await {
        Ok(t) => t,
        Err(e) => return fail(s, &e, "token"),
    };
    let have = token.permissions();
    let kind = if conn.mode == AuthMode::Delegated {
        "Delegated"
    } else {
        "Application"
    };
    let missing: Vec<&str> = required(conn.mode, conn.participant_info)
        .into_iter()
        .filter(|r| !have.iter().any(|h| h.eq_ignore_ascii_case(r)))
        // openid and offline_access are not echoed in `scp`; the refresh token proves offline_access.
        .filter(|r| {
            !(conn.mode == AuthMode::Delegated && matches!(*r, "openid" | "offline_access"))
        })
        .collect();
    let extra: Vec<&String> = have
        .iter()
        .filter(|h| HIGH_PRIVILEGE.iter().any(|x| x.eq_ignore_ascii_case(h)))
        .collect();
    s.evidence.push(claims_evidence(conn.mode, &have));
    if !missing.is_empty() {
        s.status = Status::Failed;
        for m in &missing {
            s.detail.push(format!("Missing: {m} ({kind})."));
        }
        s.detail.push(format!("Add them under API permissions → Microsoft Graph → {kind} permissions, then grant admin consent: {}", conn.advice().consent_url()));
    } else {
        s.status = Status::Passed;
        s.detail.push(format!(
            "All {} required {kind} permissions are granted.",
            required(conn.mode, conn.participant_info).len()
        ));
    }
    if !extra.is_empty() {
        if s.status == Status::Passed {
            s.status = Status::Warning;
        }
        s.detail.push(format!("More than needed: {} — the integration does not use them; remove them to limit what a leaked secret could do.", extra.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")));
    }
}

async fn check_consent(conn: &Connection, s: &mut Step) {
    let token = match conn.token(false).await {
        Ok(t) => t,
        Err(e) => return fail(s, &e, "token"),
    };
    let have = token.permissions();
    let needed = required(conn.mode, conn.participant_info);
    let granted = needed
        .iter()
        .filter(|n| have.iter().any(|h| h.eq_ignore_ascii_case(n)))
        .count();
    let url = conn.advice().consent_url();
    if have.is_empty() {
        s.status = Status::Failed;
        s.detail
            .push("The token carries no permissions: admin consent has not been granted.".into());
        s.detail.push(format!(
            "A Privileged Role Administrator or Global Administrator opens {url} and accepts."
        ));
    } else if conn.mode == AuthMode::Application && granted < needed.len() {
        s.status = Status::Warning;
        s.detail.push(format!("Consent covers {granted} of the {} required permissions; after adding the missing ones, grant consent again.", needed.len()));
    } else {
        s.status = Status::Passed;
        s.detail
            .push("Consent is in place: the token carries the consented permissions.".into());
    }
}

#[cfg(test)]
mod tests;
