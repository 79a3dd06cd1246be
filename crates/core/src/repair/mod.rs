//! "Fix it for me": the set-up steps Graph can repair, changed by an administrator who signs in
//! for it. A [`Plan`] reads the registration as it is and lists each [`Change`] (before → after,
//! who may make it); nothing is changed until the caller confirms and calls [`apply`], which makes
//! the changes one request at a time, records each in the [`log::ChangeLog`], stops at the first
//! refusal saying what exists now, and checks the affected steps again.
//!
//! It owns the administrator's sign-in ([`admin`]), the change log ([`log`]) and secret renewal
//! ([`secret`]). It does not check steps (that is `setup`, which it calls afterwards) and never
//! keeps the administrator's tokens.

pub mod admin;
mod apply;
pub mod create;
pub mod desk;
pub mod log;
mod registration;
pub mod secret;

pub use apply::{apply, undo, Applied};
use registration::{read_state, State};
pub use registration::{GraphPermissions, Registration};

use rollcall_graph::GraphError;
use serde::Serialize;

use crate::error::{CoreError, ErrorCode};
use crate::setup::ARTICLE_AUDIENCE;
use crate::tenant::connection::Connection;
use crate::tenant::permissions::{required, virtual_events};
use crate::tenant::profile::AuthMode;
use admin::{AdminSession, GRANTS_GRAPH_ROLES, MANAGES_APPS};

pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The desktop sign-in's redirect (a public client; any port, RFC 8252).
pub const LOOPBACK_REDIRECT: &str = "http://localhost";
/// High privileges the integration never needs (the permissions step flags them).
pub(crate) const NEVER_NEEDED: [&str; 4] = [
    "Directory.ReadWrite.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "User.ReadWrite.All",
];

/// One change: what it touches and how, shown before anything is done.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `redirect-web`, `redirect-desktop`, `audience`, `token-checkboxes`, `permissions-add`,
    /// `permissions-remove`, `service-principal`, `consent-roles`, `consent-scopes`.
    pub id: String,
    /// The set-up step it repairs (`redirect`, `audience`, `permissions`, `consent`).
    pub step: String,
    pub title: String,
    pub before: String,
    pub after: String,
    /// Directory roles that may make it.
    pub needs: Vec<String>,
    /// Removes something (not undone from the log; shown apart).
    pub removes: bool,
}

/// The plan: the registration as read, and the changes that would repair the chosen steps.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub app_object_id: String,
    pub app_name: String,
    pub changes: Vec<Change>,
    /// Steps asked for that Graph cannot repair, and why (the access policy needs PowerShell).
    pub notes: Vec<String>,
    #[serde(skip)]
    state: Option<State>,
}

/// The steps a plan can repair.
pub const REPAIRABLE: [&str; 4] = ["redirect", "audience", "permissions", "consent"];

pub(crate) fn during(what: &str, e: GraphError) -> CoreError {
    let mut c = CoreError::from(e);
    c.message = format!("{what}: {}", c.message);
    c
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

/// The permissions this connection needs (the article's list for its mode, plus Teams webinars').
pub(crate) fn needed(conn: &Connection) -> Vec<String> {
    let mut n: Vec<String> = required(conn.mode, conn.participant_info)
        .into_iter()
        .map(str::to_string)
        .collect();
    if conn.teams_webinars {
        n.push(virtual_events(conn.mode).to_string());
    }
    n
}

/// The changes that would repair `steps` (all repairable ones when empty) for this connection.
pub async fn plan(
    conn: &Connection,
    session: &AdminSession,
    steps: &[String],
) -> Result<Plan, CoreError> {
    for s in steps {
        if !REPAIRABLE.contains(&s.as_str()) && s != "accessPolicy" && s != "secret" {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("Rollcall cannot repair the step \"{s}\"."),
                Some(format!("Steps it can repair: {}.", REPAIRABLE.join(", "))),
            ));
        }
    }
    let wants = |id: &str| steps.is_empty() || steps.iter().any(|s| s == id);
    let st = read_state(
        &session.graph,
        &conn.client_id,
        conn.mode == AuthMode::Delegated,
    )
    .await?;
    let delegated = conn.mode == AuthMode::Delegated;
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let manage: Vec<String> = MANAGES_APPS.iter().map(|s| s.to_string()).collect();
    let change = |id: &str, step: &str, title: String, before: String, after: String| Change {
        id: id.into(),
        step: step.into(),
        title,
        before,
        after,
        needs: manage.clone(),
        removes: false,
    };

    if wants("redirect") && delegated {
        if let Some(portal) = &conn.portal_redirect_uri {
            let web = &st.reg.web.redirect_uris;
            if !web.iter().any(|u| u == portal) {
                let mut after = web.clone();
                after.push(portal.clone());
                changes.push(change(
                    "redirect-web",
                    "redirect",
                    format!("Add the LMS's redirect URI {portal} (Web)"),
                    list(web),
                    list(&after),
                ));
            }
        }
        let public = &st.reg.public_client.redirect_uris;
        if !public.iter().any(|u| u == LOOPBACK_REDIRECT) {
            let mut after = public.clone();
            after.push(LOOPBACK_REDIRECT.into());
            let mut c = change(
                "redirect-desktop",
                "redirect",
                format!(
                    "Add {LOOPBACK_REDIRECT} as a Mobile and desktop redirect (Rollcall's sign-in)"
                ),
                list(public),
                list(&after),
            );
            if st
                .reg
                .spa
                .redirect_uris
                .iter()
                .any(|u| u == LOOPBACK_REDIRECT)
            {
                c.title.push_str(", and remove it from Single-page application, where it gives tokens only to browsers");
            }
            changes.push(c);
        }
    }
    if wants("audience") {
        let now = st.reg.sign_in_audience.clone().unwrap_or_default();
        if now != ARTICLE_AUDIENCE {
            let mut after = ARTICLE_AUDIENCE.to_string();
            if st.reg.api.requested_access_token_version != Some(2) {
                after.push_str(" (with v2 access tokens, which personal accounts require)");
            }
            changes.push(change("audience", "audience", "Set the supported account types to any organization's accounts and personal Microsoft accounts".into(), now, after));
        }
        if delegated {
            let i = st
                .reg
                .web
                .implicit_grant_settings
                .clone()
                .unwrap_or_default();
            let (id, at) = (
                i.enable_id_token_issuance.unwrap_or(false),
                i.enable_access_token_issuance.unwrap_or(false),
            );
            if !(id && at) {
                changes.push(change(
                    "token-checkboxes",
                    "audience",
                    "Tick \"ID tokens\" and \"Access tokens\" under Authentication".into(),
                    format!("ID tokens {}, access tokens {}", onoff(id), onoff(at)),
                    "ID tokens on, access tokens on".into(),
                ));
            }
        }
    }
    let kind = if delegated { "Scope" } else { "Role" };
    let configured: Vec<String> = st
        .reg
        .required_resource_access
        .iter()
        .filter(|r| r.resource_app_id == GRAPH_APP_ID)
        .flat_map(|r| r.resource_access.iter())
        .filter(|a| a.kind == kind)
        .filter_map(|a| st.graph.name(&a.id, !delegated).map(str::to_string))
        .collect();
    let need = needed(conn);
    if wants("permissions") {
        let missing: Vec<String> = need
            .iter()
            .filter(|n| !configured.iter().any(|c| c.eq_ignore_ascii_case(n)))
            .cloned()
            .collect();
        if !missing.is_empty() {
            let mut after = configured.clone();
            after.extend(missing.iter().cloned());
            changes.push(change(
                "permissions-add",
                "permissions",
                format!(
                    "Add the {} permissions {}",
                    if delegated {
                        "delegated"
                    } else {
                        "application"
                    },
                    missing.join(", ")
                ),
                list(&configured),
                list(&after),
            ));
        }
        let high: Vec<String> = configured
            .iter()
            .filter(|c| NEVER_NEEDED.iter().any(|h| h.eq_ignore_ascii_case(c)))
            .cloned()
            .collect();
        if !high.is_empty() {
            let after: Vec<String> = configured
                .iter()
                .filter(|c| !high.contains(c))
                .cloned()
                .collect();
            let mut c = change(
                "permissions-remove",
                "permissions",
                format!("Remove {}: the integration never needs it", high.join(", ")),
                list(&configured),
                list(&after),
            );
            c.removes = true;
            changes.push(c);
        }
    }
    if wants("consent") {
        if st.sp_id.is_none() {
            changes.push(change("service-principal", "consent", "Create the app's enterprise application (its service principal), which consent is recorded on".into(), "(none)".into(), "created".into()));
        }
        // Tenant-wide grants: the AllPrincipals grant's scopes, or the app role assignments.
        let granted: Vec<String> = if delegated {
            st.grant.as_ref().map(|g| g.1.clone()).unwrap_or_default()
        } else {
            st.assigned.iter().map(|a| a.0.clone()).collect()
        };
        let missing: Vec<String> = need
            .iter()
            .filter(|n| !granted.iter().any(|g| g.eq_ignore_ascii_case(n)))
            .cloned()
            .collect();
        let mut after = granted.clone();
        after.extend(missing.iter().cloned());
        if delegated {
            if !missing.is_empty() {
                changes.push(change(
                    "consent-scopes",
                    "consent",
                    format!("Grant admin consent for all users: {}", missing.join(", ")),
                    list(&granted),
                    list(&after),
                ));
            }
        } else {
            if !missing.is_empty() {
                let mut c = change(
                    "consent-roles",
                    "consent",
                    format!(
                        "Grant admin consent: the application permissions {}",
                        missing.join(", ")
                    ),
                    list(&granted),
                    list(&after),
                );
                c.needs = GRANTS_GRAPH_ROLES.iter().map(|s| s.to_string()).collect();
                changes.push(c);
            }
        }
    }
    if steps.iter().any(|s| s == "accessPolicy") {
        notes.push("The Teams application access policy has no Graph API: run the PowerShell of the Access policy step as a Teams administrator; Rollcall then re-checks it every 5 minutes for up to an hour.".into());
    }
    if steps.iter().any(|s| s == "secret") {
        notes.push("A client secret is renewed with `rollcall secret renew` (or Setup → Client secret → Renew): it shows the new value once for the LMS.".into());
    }
    Ok(Plan {
        app_object_id: st.reg.id.clone(),
        app_name: st.reg.display_name.clone().unwrap_or_default(),
        changes,
        notes,
        state: Some(st),
    })
}

fn onoff(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

impl Plan {
    /// The changes `who` may not make, each with the roles that may.
    pub fn refused_for(&self, who: &AdminSession) -> Vec<(&Change, String)> {
        self.changes
            .iter()
            .filter(|c| !who.roles.iter().any(|r| c.needs.contains(r)))
            .map(|c| {
                (
                    c,
                    format!(
                        "{} cannot make this change: it needs a {}.",
                        who.who(),
                        c.needs.join(" or ")
                    ),
                )
            })
            .collect()
    }
}

/// The scopes an administrator's sign-in asks for to repair `steps` (to read only, with
/// `dry_run`): the registration's, and the grants' of this mode when consent is among them.
pub fn scopes_for(steps: &[String], mode: AuthMode, dry_run: bool) -> Vec<&'static str> {
    let mut s = vec![if dry_run {
        "Application.Read.All"
    } else {
        "Application.ReadWrite.All"
    }];
    if steps.is_empty() || steps.iter().any(|x| x == "consent") {
        s.push(match (mode, dry_run) {
            (AuthMode::Application, false) => "AppRoleAssignment.ReadWrite.All",
            (AuthMode::Application, true) => "Application.Read.All",
            (AuthMode::Delegated, false) => "DelegatedPermissionGrant.ReadWrite.All",
            (AuthMode::Delegated, true) => "DelegatedPermissionGrant.Read.All",
        });
    }
    s.dedup();
    s
}

/// Every scope "Fix it for me" may need, asked for once.
pub const FIX_SCOPES: [&str; 3] = [
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
];
