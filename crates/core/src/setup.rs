//! The set-up checklist: each step of the Teams integration article, checked live against the
//! tenant, with the exact fix (values to paste, the admin-consent URL, a PowerShell script).
//!
//! A check never returns an error: whatever happens becomes a status with an explanation and the
//! evidence (what the identity platform or Graph answered, with its request-id). Steps that need a
//! token wait for the credentials step instead of repeating its failure. This module does not
//! render anything; the UI, the CLI and the report read the same [`Step`]s.

use jiff::{SignedDuration, Timestamp};
use rollcall_graph::models::{Application, User, TEAMS1_PLAN};
use rollcall_graph::{GraphError, Request};
use serde::{Deserialize, Serialize};

use crate::connection::Connection;
use crate::error::{CoreError, ErrorCode};
use crate::permissions::required;
use crate::profile::AuthMode;
use crate::summary::{enc, find_user, meeting_by_join_url, odata_quote};

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
    /// `accessPolicy`, `hosts`, `smoke`.
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
    s.todo = vec!["A Global Administrator opens the admin-consent URL and accepts, or clicks \"Grant admin consent\" on API permissions.".into()];
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

    let mut s = step("hosts", "Hosts ready", "Webinars are created in these users' calendars; the LMS finds them by e-mail.", "Looks each host up by e-mail, reads their calendar, checks the Teams licence and compares the e-mail with the user's mail.");
    s.todo = vec![
        "Entra admin center → Users: each host exists and has a licence with Microsoft Teams (Licenses tab).".into(),
        "The host's e-mail in the LMS must be the same as the user's e-mail (mail) in Entra.".into(),
    ];
    steps.push(s);

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

/// The PowerShell for the access policy: new policy granted globally, per host, or the app added to
/// an existing policy. Values are escaped for double-quoted PowerShell strings.
pub fn access_policy_scripts(client_id: &str, hosts: &[String]) -> Vec<CopyValue> {
    let app = ps(client_id);
    let head = format!(
        "# Teams application access policy for the LMS app {app}\n# Run as a Teams administrator (PowerShell 7 or Windows PowerShell 5.1).\nInstall-Module -Name MicrosoftTeams -Scope CurrentUser   # once per computer\nConnect-MicrosoftTeams\n"
    );
    let create = format!(
        "New-CsApplicationAccessPolicy -Identity \"{POLICY_NAME}\" -AppIds \"{app}\" -Description \"LMS Teams webinars: meetings and attendance\"\n"
    );
    let global = format!(
        "{head}{create}Grant-CsApplicationAccessPolicy -PolicyName \"{POLICY_NAME}\" -Global\n"
    );
    let mut per_host = format!("{head}{create}");
    for h in hosts {
        per_host.push_str(&format!(
            "Grant-CsApplicationAccessPolicy -PolicyName \"{POLICY_NAME}\" -Identity \"{}\"\n",
            ps(h)
        ));
    }
    let mut existing = format!(
        "{head}# A user has one policy only: add this app to the policy the hosts already have.\n"
    );
    if let Some(h) = hosts.first() {
        existing.push_str(&format!(
            "Get-CsOnlineUser -Identity \"{}\" | Select-Object UserPrincipalName, ApplicationAccessPolicy\n",
            ps(h)
        ));
    }
    existing.push_str(&format!(
        "Set-CsApplicationAccessPolicy -Identity \"<name of the existing policy>\" -AppIds @{{Add=\"{app}\"}}\n"
    ));
    vec![
        value("Everyone (Global)", global),
        value("Only the hosts", per_host),
        value("Add to an existing policy", existing),
    ]
}

/// Escape for a double-quoted PowerShell string: backtick, dollar and both quote styles.
fn ps(v: &str) -> String {
    v.chars()
        .flat_map(|c| match c {
            '`' | '$' | '"' | '\u{201C}' | '\u{201D}' => vec!['`', c],
            _ => vec![c],
        })
        .collect()
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
        "permissions" => with_token(conn, &mut s, check_permissions).await,
        "consent" => with_token(conn, &mut s, check_consent).await,
        "accessPolicy" => with_token(conn, &mut s, check_access_policy).await,
        "hosts" => with_token(conn, &mut s, check_hosts).await,
        "smoke" => with_token(conn, &mut s, smoke_test).await,
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
                s.evidence.push(Evidence {
                    request,
                    answer: format!("200, issuer {issuer}"),
                    request_id: None,
                });
            } else {
                let aad: rollcall_graph::AadError =
                    serde_json::from_value(body).unwrap_or_default();
                let e = crate::advice::explain_aad(&aad, &conn.advice());
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
struct AppRedirects {
    #[serde(default)]
    web: RedirectList,
    #[serde(default)]
    public_client: RedirectList,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RedirectList {
    #[serde(default)]
    redirect_uris: Vec<String>,
}

fn app_path(conn: &Connection) -> String {
    format!(
        "/applications?$filter={}&$select=id,appId,displayName,passwordCredentials,web,publicClient",
        enc(&format!("appId eq '{}'", odata_quote(&conn.client_id)))
    )
}

fn first_value(body: &serde_json::Value) -> Option<serde_json::Value> {
    body["value"].as_array().and_then(|v| v.first()).cloned()
}

async fn check_secret(conn: &Connection, s: &mut Step) {
    let today = Timestamp::now();
    let mut expiry: Option<(Timestamp, String)> = None;
    match graph_get(conn, s, &app_path(conn), None).await {
        Ok(body) => {
            let app: Option<Application> =
                first_value(&body).and_then(|v| serde_json::from_value(v).ok());
            let creds = app.map(|a| a.password_credentials).unwrap_or_default();
            let hint = conn.secret_hint.clone();
            let matched = creds.iter().find(|c| hint.is_some() && c.hint == hint);
            let chosen = matched.or_else(|| creds.iter().max_by_key(|c| c.end_date_time));
            if let Some(c) = chosen {
                if let Some(end) = c.end_date_time {
                    let which = match (matched.is_some(), &c.display_name) {
                        (true, Some(n)) => format!("The saved secret \"{n}\" ({}…)", c.hint.clone().unwrap_or_default()),
                        (true, None) => format!("The saved secret ({}…)", c.hint.clone().unwrap_or_default()),
                        (false, _) => format!("The newest of {} secrets (Rollcall does not hold the one the LMS uses)", creds.len()),
                    };
                    expiry = Some((end, which));
                }
            } else {
                s.status = Status::Failed;
                s.detail.push("The app has no client secret.".into());
                return;
            }
        }
        Err((GraphError::Api { status: 403, .. }, _)) => {
            if let Some(e) = s.evidence.last_mut() {
                e.answer
                    .push_str(" — reading the app needs Application.Read.All");
            }
        }
        Err((_, e)) => {
            s.status = Status::CannotCheck;
            s.detail.push(e.message);
            return;
        }
    }
    if expiry.is_none() {
        if let Some(d) = conn.secret_expires {
            let ts = d
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .ok();
            expiry = ts.map(|t| (t, "The secret (by the expiry date you entered)".to_string()));
        }
    }
    let Some((end, which)) = expiry else {
        s.status = Status::CannotCheck;
        s.detail.push("Rollcall cannot read the app's secrets (that needs the Application.Read.All permission) and no expiry date was entered.".into());
        s.detail.push("Enter the secret's expiry date in Settings → Connections (it is shown in Certificates & secrets).".into());
        return;
    };
    // Whole calendar days between the UTC dates, as the admin counts them on a calendar.
    let utc_date = |t: Timestamp| t.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = i64::from((utc_date(end) - utc_date(today)).get_days());
    let date = end
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .strftime("%-d %B %Y")
        .to_string();
    if end <= today {
        s.status = Status::Failed;
        s.detail.push(format!("{which} expired on {date}."));
        s.detail.push("Create a new one in Certificates & secrets → New client secret and paste its Value into the LMS and here.".into());
    } else if days < SECRET_WARN_DAYS {
        s.status = Status::Warning;
        s.detail
            .push(format!("{which} expires on {date}: {days} days left."));
        s.detail
            .push("Create the next secret now and swap it in the LMS before that day.".into());
    } else {
        s.status = Status::Passed;
        s.detail
            .push(format!("{which} expires on {date} ({days} days left)."));
    }
}

async fn check_redirect(conn: &Connection, s: &mut Step) {
    let body = match graph_get(conn, s, &app_path(conn), None).await {
        Ok(b) => b,
        Err((GraphError::Api { status: 403, .. }, _)) => {
            s.status = Status::CannotCheck;
            // Reaching this step means a user signed in through the loopback redirect.
            s.detail.push("http://localhost (Mobile and desktop applications) is registered: Rollcall's sign-in came back through it.".into());
            match &conn.portal_redirect_uri {
                Some(u) => s.detail.push(format!("The portal URI {u} cannot be read with your permissions (that needs Application.Read.All): check it under Authentication → Web, or sign in on the portal — AADSTS50011 names a missing URI.")),
                None => s.detail.push("Enter the LMS portal domain in Settings → Connections to get the portal's redirect URI.".into()),
            }
            return;
        }
        Err((_, e)) => {
            s.status = Status::CannotCheck;
            s.detail.push(e.message);
            return;
        }
    };
    let app: AppRedirects = first_value(&body)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut missing = false;
    match &conn.portal_redirect_uri {
        Some(u) if app.web.redirect_uris.iter().any(|r| r == u) => s.detail.push(format!("The portal URI {u} is registered under Web.")),
        Some(u) => {
            missing = true;
            if let Some(other) = app.public_client.redirect_uris.iter().find(|r| *r == u) {
                s.detail.push(format!("{other} is registered under Mobile and desktop applications; it must be under Web (the LMS sends a secret)."));
            } else {
                s.detail.push(format!("The portal URI {u} is not registered. Add it under Authentication → Web exactly as shown (scheme, host, path, no trailing slash)."));
            }
        }
        None => s.detail.push("Enter the LMS portal domain in Settings → Connections to check the portal's redirect URI.".into()),
    }
    let loopback = app
        .public_client
        .redirect_uris
        .iter()
        .any(|r| crate::setup::is_loopback(r));
    if loopback {
        s.detail.push("http://localhost is registered under Mobile and desktop applications (Rollcall's sign-in).".into());
    } else {
        missing = true;
        s.detail.push("http://localhost is not registered under Mobile and desktop applications: Rollcall's own sign-in will fail with AADSTS50011.".into());
    }
    s.status = if missing {
        Status::Failed
    } else if conn.portal_redirect_uri.is_none() {
        Status::Warning
    } else {
        Status::Passed
    };
}

/// `http://localhost` or `http://127.0.0.1`, any port, root path.
pub fn is_loopback(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1"))
            && u.path() == "/"
    })
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
    s.evidence.push(Evidence {
        request: "token claims".into(),
        answer: format!(
            "{}: {}",
            if conn.mode == AuthMode::Delegated {
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
    });
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
        s.detail
            .push(format!("A Global Administrator opens {url} and accepts."));
    } else if conn.mode == AuthMode::Application && granted < needed.len() {
        s.status = Status::Warning;
        s.detail.push(format!("Consent covers {granted} of the {} required permissions; after adding the missing ones, grant consent again.", needed.len()));
    } else {
        s.status = Status::Passed;
        s.detail
            .push("Consent is in place: the token carries the consented permissions.".into());
    }
}

async fn check_access_policy(conn: &Connection, s: &mut Step) {
    if conn.hosts.is_empty() {
        s.status = Status::CannotCheck;
        s.detail.push(
            "Add host accounts in Settings → Connections: the policy is checked per host.".into(),
        );
        return;
    }
    let Ok(graph) = conn.graph() else { return };
    let mut uncovered = Vec::new();
    let mut covered = 0;
    for host in &conn.hosts {
        let user = match find_user(&graph, host).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                s.detail
                    .push(format!("{host}: not found (see the Hosts step)."));
                continue;
            }
            Err(e) => {
                s.detail.push(format!("{host}: {}", e.message));
                continue;
            }
        };
        let probe = meeting_by_join_url(
            &user.id,
            "https://teams.microsoft.com/l/meetup-join/rollcall-policy-probe",
        );
        match graph_get(conn, s, &probe, Some(&user.id)).await {
            Ok(_) => covered += 1,
            Err((
                GraphError::Api {
                    status: 403,
                    message,
                    ..
                },
                _,
            )) if message
                .to_ascii_lowercase()
                .contains("application access policy") =>
            {
                uncovered.push(host.clone())
            }
            Err((_, e)) if e.code == ErrorCode::PermissionMissing => {
                s.status = Status::Waiting;
                s.detail.push(
                    "Waits for the Permissions step: the app lacks OnlineMeetings.Read.All.".into(),
                );
                return;
            }
            Err((_, e)) => s.detail.push(format!("{host}: {}", e.message)),
        }
    }
    if uncovered.is_empty() && covered > 0 {
        s.status = Status::Passed;
        s.detail.insert(
            0,
            format!(
                "All {covered} host(s) are covered by an application access policy for this app."
            ),
        );
    } else if !uncovered.is_empty() {
        s.status = Status::Failed;
        s.detail.insert(0, format!("Not covered: {}. Teams refuses meetings and attendance for them (403 \"No application access policy\").", uncovered.join(", ")));
        s.detail.push("After running the script it can take 30 minutes or more to apply: use \"re-check every 5 minutes\".".into());
        s.recheck_minutes = Some(5);
        s.scripts = access_policy_scripts(&conn.client_id, &uncovered);
    } else {
        s.status = Status::CannotCheck;
    }
}

async fn check_hosts(conn: &Connection, s: &mut Step) {
    let delegated = conn.mode == AuthMode::Delegated;
    if conn.hosts.is_empty() && !delegated {
        s.status = Status::Failed;
        s.detail.push("No host accounts are set. Add the licensed users who host webinars in Settings → Connections.".into());
        return;
    }
    let Ok(graph) = conn.graph() else { return };
    let mut worst = Status::Passed;
    let raise = |w: &mut Status, to: Status| {
        let rank = |s: Status| match s {
            Status::Passed => 0,
            Status::Warning => 1,
            Status::CannotCheck | Status::Waiting => 2,
            Status::Failed => 3,
        };
        if rank(to) > rank(*w) {
            *w = to;
        }
    };
    // User-delegated: each host signs in for themselves, so the host to check is the signed-in user
    // (a user token may not read other users).
    let lookups: Vec<(String, Result<Option<User>, CoreError>)> = if delegated {
        let me = "/me?$select=id,displayName,mail,userPrincipalName,assignedPlans";
        let r = graph_get(conn, s, me, None)
            .await
            .map_err(|(_, e)| e)
            .and_then(|v| {
                serde_json::from_value::<User>(v)
                    .map(Some)
                    .map_err(|e| CoreError::internal(e.to_string()))
            });
        let label = r
            .as_ref()
            .ok()
            .and_then(|u| u.as_ref())
            .map(|u| {
                u.mail
                    .clone()
                    .unwrap_or_else(|| u.user_principal_name.clone())
            })
            .unwrap_or_else(|| "the signed-in user".into());
        vec![(label, r)]
    } else {
        let mut v = Vec::new();
        for h in &conn.hosts {
            v.push((h.clone(), find_user(&graph, h).await));
        }
        v
    };
    for (host, found) in lookups {
        let host = &host;
        let user: User = match found {
            Ok(Some(u)) => u,
            Ok(None) => {
                raise(&mut worst, Status::Failed);
                s.detail.push(format!(
                    "{host}: no user with this e-mail (mail or sign-in name) in the tenant."
                ));
                continue;
            }
            Err(e) => {
                raise(&mut worst, Status::CannotCheck);
                s.detail.push(format!("{host}: {}", e.message));
                continue;
            }
        };
        let mut notes = Vec::new();
        // E-mail: the LMS matches on the user's mail.
        let mail = user.mail.clone().unwrap_or_default();
        if !mail.eq_ignore_ascii_case(host) {
            raise(&mut worst, Status::Warning);
            if mail.is_empty() {
                notes.push(format!(
                    "has no e-mail (mail) in Entra; it was found by its sign-in name {}",
                    user.user_principal_name
                ));
            } else {
                notes.push(format!("was found by its sign-in name (UPN), but its e-mail is {mail}: use {mail} as the host's e-mail in the LMS"));
            }
        }
        // Teams licence with the Teams service plan enabled (assignedPlans: licenseDetails is not
        // available to applications).
        let plan = user.assigned_plans.as_ref().and_then(|p| {
            p.iter()
                .find(|p| p.service_plan_id.as_deref() == Some(TEAMS1_PLAN))
        });
        match plan {
            Some(p)
                if p.capability_status
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("Enabled")) =>
            {
                notes.push("Teams licensed".into())
            }
            Some(_) => {
                raise(&mut worst, Status::Failed);
                notes.push("has a licence but the Microsoft Teams service is turned off in it (Licenses → the licence → Microsoft Teams)".into());
            }
            None => {
                raise(&mut worst, Status::Failed);
                notes.push("has no licence that includes Microsoft Teams".into());
            }
        }
        // Mailbox: the calendar must be readable.
        let start = Timestamp::now();
        let cal = format!(
            "/users/{}/calendarView?startDateTime={}&endDateTime={}&$top=1&$select=id",
            user.id,
            enc(&start.to_string()),
            enc(&(start + SignedDuration::from_hours(24)).to_string())
        );
        match graph_get(conn, s, &cal, Some(&user.id)).await {
            Ok(_) => notes.push("calendar readable".into()),
            Err((GraphError::Api { status: 404, .. }, _))
            | Err((
                GraphError::Api {
                    code: _,
                    status: 400,
                    ..
                },
                _,
            )) => {
                raise(&mut worst, Status::Failed);
                notes.push("has no Exchange Online mailbox (no calendar for webinars): assign a licence with Exchange Online".into());
            }
            Err((_, e)) => {
                raise(&mut worst, Status::CannotCheck);
                notes.push(format!("calendar not readable: {}", e.message));
            }
        }
        s.detail.push(format!(
            "{host} ({}): {}.",
            user.display_name.clone().unwrap_or_default(),
            notes.join("; ")
        ));
    }
    s.status = worst;
}

async fn smoke_test(conn: &Connection, s: &mut Step) {
    let Some(host) = conn.hosts.first() else {
        s.status = Status::CannotCheck;
        s.detail.push("Add a host account first.".into());
        return;
    };
    let Ok(graph) = conn.graph() else { return };
    let user = match find_user(&graph, host).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            s.status = Status::Failed;
            s.detail
                .push(format!("{host} does not exist in the tenant."));
            return;
        }
        Err(e) => return fail(s, &e, "find host"),
    };
    let start = Timestamp::now() + SignedDuration::from_hours(24);
    let end = start + SignedDuration::from_mins(15);
    let body = serde_json::json!({
        "subject": "Rollcall set-up test (safe to delete)",
        "body": {"contentType": "text", "content": "Created and deleted by Rollcall's set-up check."},
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "showAs": "free",
        "isReminderOn": false,
        "transactionId": uuid::Uuid::new_v4().to_string(),
    });
    let path = format!("/users/{}/events", user.id);
    let created = match graph
        .send(Request::new(reqwest::Method::POST, path.clone(), Some(body)).mailbox(&user.id))
        .await
    {
        Ok(r) => {
            s.evidence.push(Evidence {
                request: format!("POST {path}"),
                answer: format!("{}", r.status),
                request_id: r.request_id.clone(),
            });
            r.body.unwrap_or_default()
        }
        Err(e) => {
            let ce = conn.explain(e);
            return fail(s, &ce, &format!("POST {path}"));
        }
    };
    let event_id = created["id"].as_str().unwrap_or_default().to_string();
    let join = created["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut ok = true;
    if join.is_empty() {
        ok = false;
        s.detail.push("The event was created without a Teams meeting: the host cannot create Teams meetings (licence or Teams policy).".into());
    } else {
        s.detail
            .push("Created a Teams meeting in the host's calendar.".into());
        let find = meeting_by_join_url(&user.id, &join);
        match graph_get(conn, s, &find, Some(&user.id)).await {
            Ok(b) if b["value"].as_array().is_some_and(|v| !v.is_empty()) => s
                .detail
                .push("Found its online meeting through Teams by join URL.".into()),
            Ok(_) => {
                ok = false;
                s.detail
                    .push("Teams did not return the meeting for its join URL.".into());
            }
            Err((_, e)) if conn.participant_info || conn.mode == AuthMode::Delegated => {
                ok = false;
                s.detail
                    .push(format!("Teams refused to find the meeting: {}", e.message));
            }
            Err(_) => s
                .detail
                .push("Meeting lookup skipped: participant information is off.".into()),
        }
    }
    if !event_id.is_empty() {
        let del = format!("/users/{}/events/{}", user.id, event_id);
        match graph
            .send(Request::new(reqwest::Method::DELETE, del.clone(), None).mailbox(&user.id))
            .await
        {
            Ok(r) => {
                s.evidence.push(Evidence {
                    request: format!("DELETE {del}"),
                    answer: format!("{}", r.status),
                    request_id: r.request_id,
                });
                s.detail.push("Deleted the test meeting.".into());
            }
            Err(e) => {
                ok = false;
                s.detail.push(format!("Could not delete the test meeting \"Rollcall set-up test\" — delete it by hand: {e}"));
            }
        }
    }
    s.status = if ok { Status::Passed } else { Status::Failed };
}

/// The report for the admin's records: Markdown. Never contains a secret (none is ever in a Step).
pub fn report_markdown(c: &Checklist, generated: &str) -> String {
    let mut out = format!(
        "# Teams integration set-up report\n\n- Profile: {}{}\n- Tenant: {}\n- App (client) ID: {}\n- Auth mode: {}\n- Participant information: {}\n- Generated: {generated}\n\n",
        c.profile,
        if c.demo { " (DEMO tenant)" } else { "" },
        c.tenant,
        c.client_id,
        match c.mode { AuthMode::Application => "application-level", AuthMode::Delegated => "user-delegated" },
        if c.participant_info { "on" } else { "off" },
    );
    for s in &c.steps {
        out.push_str(&format!(
            "## {}. {} — {}\n\n{}\n\n",
            s.number,
            s.title,
            status_word(s.status),
            s.why
        ));
        for d in &s.detail {
            out.push_str(&format!("- {d}\n"));
        }
        if !s.todo.is_empty() && s.status != Status::Passed {
            out.push_str("\n**What to do**\n\n");
            for t in &s.todo {
                out.push_str(&format!("1. {t}\n"));
            }
        }
        for v in &s.values {
            out.push_str(&format!("\n- {}: `{}`\n", v.label, v.value));
        }
        if s.status == Status::Failed {
            for sc in &s.scripts {
                out.push_str(&format!(
                    "\n{}:\n\n```powershell\n{}```\n",
                    sc.label, sc.value
                ));
            }
        }
        if !s.evidence.is_empty() {
            out.push_str("\n<details><summary>Evidence</summary>\n\n");
            for e in &s.evidence {
                out.push_str(&format!(
                    "- `{}` → {}{}\n",
                    e.request,
                    e.answer,
                    e.request_id
                        .as_deref()
                        .map(|r| format!(" (request-id {r})"))
                        .unwrap_or_default()
                ));
            }
            out.push_str("\n</details>\n");
        }
        if let Some(t) = &s.checked_at {
            out.push_str(&format!("\n_Checked {t}_\n"));
        }
        out.push('\n');
    }
    out
}

/// The same report as a standalone HTML page (escaped, no scripts, no external resources).
pub fn report_html(c: &Checklist, generated: &str) -> String {
    let e = html_escape;
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Teams integration set-up report</title><style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.45}}.passed{{color:#1f7a3d}}.failed{{color:#b42318}}.warning{{color:#9a6200}}.waiting,.cannotCheck{{color:#5b6675}}pre{{background:#f3f4f6;padding:.75rem;overflow:auto}}code{{font-family:ui-monospace,monospace}}</style></head><body><h1>Teams integration set-up report</h1><ul><li>Profile: {}{}</li><li>Tenant: {}</li><li>App (client) ID: {}</li><li>Auth mode: {}</li><li>Participant information: {}</li><li>Generated: {}</li></ul>",
        e(&c.profile),
        if c.demo { " (DEMO tenant)" } else { "" },
        e(&c.tenant),
        e(&c.client_id),
        match c.mode { AuthMode::Application => "application-level", AuthMode::Delegated => "user-delegated" },
        if c.participant_info { "on" } else { "off" },
        e(generated),
    );
    for s in &c.steps {
        let cls = serde_json::to_value(s.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "<h2>{}. {} — <span class=\"{cls}\">{}</span></h2><p>{}</p><ul>",
            s.number,
            e(&s.title),
            status_word(s.status),
            e(&s.why)
        ));
        for d in &s.detail {
            out.push_str(&format!("<li>{}</li>", e(d)));
        }
        out.push_str("</ul>");
        if !s.todo.is_empty() && s.status != Status::Passed {
            out.push_str("<p><strong>What to do</strong></p><ol>");
            for t in &s.todo {
                out.push_str(&format!("<li>{}</li>", e(t)));
            }
            out.push_str("</ol>");
        }
        for v in &s.values {
            out.push_str(&format!(
                "<p>{}: <code>{}</code></p>",
                e(&v.label),
                e(&v.value)
            ));
        }
        if s.status == Status::Failed {
            for sc in &s.scripts {
                out.push_str(&format!(
                    "<p>{}:</p><pre><code>{}</code></pre>",
                    e(&sc.label),
                    e(&sc.value)
                ));
            }
        }
        if !s.evidence.is_empty() {
            out.push_str("<details><summary>Evidence</summary><ul>");
            for ev in &s.evidence {
                out.push_str(&format!(
                    "<li><code>{}</code> → {}{}</li>",
                    e(&ev.request),
                    e(&ev.answer),
                    ev.request_id
                        .as_deref()
                        .map(|r| format!(" (request-id {})", e(r)))
                        .unwrap_or_default()
                ));
            }
            out.push_str("</ul></details>");
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// Write the report atomically: HTML when the file name ends in `.html`/`.htm`, else Markdown.
pub fn write_report(list: &Checklist, path: &std::path::Path) -> Result<(), CoreError> {
    let generated = now_string();
    let html = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let text = if html {
        report_html(list, &generated)
    } else {
        report_markdown(list, &generated)
    };
    crate::atomic::write(path, text.as_bytes())
}

pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Warning => "warning",
        Status::Waiting => "waiting",
        Status::CannotCheck => "cannot check",
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_has_the_exact_app_id_and_cmdlets() {
        let app = "be10091b-c10c-42c0-9e3a-d8cf4f12b075";
        let s = access_policy_scripts(
            app,
            &[
                "megan@contoso.example".into(),
                "o\"brien$x@contoso.example".into(),
            ],
        );
        assert_eq!(s.len(), 3);
        let global = &s[0].value;
        assert!(global.contains("Connect-MicrosoftTeams\n"));
        assert!(global.contains(&format!("New-CsApplicationAccessPolicy -Identity \"LMS-Teams-Webinars\" -AppIds \"{app}\" -Description")));
        assert!(global.contains(
            "Grant-CsApplicationAccessPolicy -PolicyName \"LMS-Teams-Webinars\" -Global\n"
        ));
        let per_host = &s[1].value;
        assert!(per_host.contains("Grant-CsApplicationAccessPolicy -PolicyName \"LMS-Teams-Webinars\" -Identity \"megan@contoso.example\"\n"));
        assert!(
            per_host.contains("-Identity \"o`\"brien`$x@contoso.example\""),
            "quotes and $ are escaped"
        );
        assert!(!per_host.contains("-Global"));
        let existing = &s[2].value;
        assert!(existing.contains(&format!("Set-CsApplicationAccessPolicy -Identity \"<name of the existing policy>\" -AppIds @{{Add=\"{app}\"}}\n")));
        assert!(!existing.contains("New-CsApplicationAccessPolicy"));
    }

    #[test]
    fn loopback_uris() {
        assert!(is_loopback("http://localhost"));
        assert!(is_loopback("http://localhost:5000/"));
        assert!(is_loopback("http://127.0.0.1"));
        assert!(!is_loopback("https://localhost"));
        assert!(!is_loopback("http://localhost/callback"));
    }
}
