//! Making a confirmed plan's changes, one request each, each logged; stopping at the first
//! refusal with what exists now; checking the touched steps again; undoing a logged change.

use reqwest::Method;
use rollcall_graph::{GraphClient, GraphError, Request};
use serde::Serialize;
use serde_json::{json, Value};

use super::admin::AdminSession;
use super::log::{ChangeLog, ChangeRecord, Undo};
use super::registration::{retry_replication, ResourceAccess, ResourceAccessList, State};
use super::{during, needed, Change, Plan, GRAPH_APP_ID, LOOPBACK_REDIRECT, NEVER_NEEDED};
use crate::error::{CoreError, ErrorCode};
use crate::setup::{self, Step, ARTICLE_AUDIENCE};
use crate::tenant::connection::Connection;
use crate::tenant::profile::AuthMode;

/// What [`apply`] did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The changes made, in order, with Graph's request-id.
    pub made: Vec<ChangeRecord>,
    /// The change that failed, and why, in the admin's words: what exists now and what to do.
    pub failed: Option<(String, CoreError)>,
    /// The affected steps, checked again.
    pub rechecked: Vec<Step>,
}

/// Make the plan's changes (the caller confirmed them), one request each, each logged; stop at
/// the first failure; then check the affected steps again with the integration's connection.
pub async fn apply(
    conn: &Connection,
    session: &AdminSession,
    plan: &Plan,
    log: &ChangeLog,
) -> Result<Applied, CoreError> {
    let Some(st) = plan.state.clone() else {
        return Err(CoreError::internal(
            "a plan without the registration it was made from",
        ));
    };
    let g = &session.graph;
    let object = &st.reg.id;
    let mut made = Vec::new();
    let mut failed = None;
    let mut sp_id = st.sp_id.clone();
    for c in &plan.changes {
        let result = apply_one(conn, g, &st, object, c, &mut sp_id).await;
        match result {
            Ok((request_id, undo)) => {
                let rec = ChangeRecord {
                    at: jiff::Timestamp::now().to_string(),
                    tenant: conn.tenant.clone(),
                    client_id: conn.client_id.clone(),
                    by: session.who(),
                    change: c.id.clone(),
                    step: c.step.clone(),
                    title: c.title.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                    request_id,
                    undo,
                    undone_at: None,
                    retire_key: None,
                };
                log.append(rec.clone())?;
                made.push(rec);
            }
            Err(e) => {
                let done = if made.is_empty() {
                    "Nothing was changed.".to_string()
                } else {
                    format!(
                        "Made before it: {}.",
                        made.iter()
                            .map(|m: &ChangeRecord| m.title.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                };
                let mut e = e;
                e.hint = Some(format!(
                    "{done} {}",
                    e.hint.clone().unwrap_or_else(|| {
                        "Fix the cause and run the fix again: it continues from what exists.".into()
                    })
                ));
                failed = Some((c.id.clone(), e));
                break;
            }
        }
    }
    let mut steps: Vec<String> = plan.changes.iter().map(|c| c.step.clone()).collect();
    steps.dedup();
    let mut rechecked: Vec<Step> = Vec::new();
    let present: Vec<String> = setup::plan(conn).steps.into_iter().map(|s| s.id).collect();
    for s in steps.iter().filter(|s| present.contains(s)) {
        // Wait for Entra only when this step's changes were all made.
        let patient = failed
            .as_ref()
            .is_none_or(|(id, _)| plan.changes.iter().all(|c| c.id != *id || c.step != *s));
        rechecked.push(recheck(conn, s, patient).await?);
    }
    // A step the integration's own token cannot read (no Application.Read.All) is read back with
    // the administrator's sign-in: when nothing is left to change there, it passes on that evidence.
    let unread: Vec<String> = rechecked
        .iter()
        .filter(|s| s.status == setup::Status::CannotCheck)
        .map(|s| s.id.clone())
        .collect();
    if !unread.is_empty() && failed.is_none() {
        if let Ok(again) = super::plan(conn, session, &unread).await {
            for s in rechecked.iter_mut().filter(|s| unread.contains(&s.id)) {
                if !again.changes.iter().any(|c| c.step == s.id) {
                    s.status = setup::Status::Passed;
                    s.detail.insert(0, format!("Read back with {}'s sign-in: the registration now matches the article. (The integration's own token cannot read it: that needs Application.Read.All.)", session.user));
                }
            }
        }
    }
    Ok(Applied {
        made,
        failed,
        rechecked,
    })
}

/// Check a step again after a change: Entra takes a moment to apply a grant to new tokens, so a
/// step that still fails is checked again for up to 30 seconds with a fresh token.
async fn recheck(conn: &Connection, id: &str, patient: bool) -> Result<Step, CoreError> {
    let started = std::time::Instant::now();
    loop {
        let _ = conn.token(true).await;
        let step = setup::check(conn, id).await?;
        if !patient
            || step.status != setup::Status::Failed
            || started.elapsed() > std::time::Duration::from_secs(30)
        {
            return Ok(step);
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

async fn send(
    g: &GraphClient,
    method: Method,
    url: String,
    body: Value,
) -> Result<Option<String>, GraphError> {
    retry_replication(|| {
        g.send(Request::new(
            method.clone(),
            url.clone(),
            Some(body.clone()),
        ))
    })
    .await
    .map(|r| r.request_id)
}

fn with_graph(st: &State, kind: &str, names: &[String], drop: &[String]) -> Value {
    let mut lists = st.reg.required_resource_access.clone();
    if !lists.iter().any(|r| r.resource_app_id == GRAPH_APP_ID) {
        lists.push(ResourceAccessList {
            resource_app_id: GRAPH_APP_ID.into(),
            resource_access: vec![],
        });
    }
    for l in lists
        .iter_mut()
        .filter(|r| r.resource_app_id == GRAPH_APP_ID)
    {
        for n in names {
            if let Some(id) = st.graph.id(n, kind == "Role") {
                let a = ResourceAccess {
                    id: id.into(),
                    kind: kind.into(),
                };
                if !l.resource_access.contains(&a) {
                    l.resource_access.push(a);
                }
            }
        }
        l.resource_access.retain(|a| {
            !drop
                .iter()
                .any(|d| st.graph.id(d, a.kind == "Role") == Some(a.id.as_str()))
        });
    }
    json!({"requiredResourceAccess": lists})
}

async fn apply_one(
    conn: &Connection,
    g: &GraphClient,
    st: &State,
    object: &str,
    c: &Change,
    sp_id: &mut Option<String>,
) -> Result<(Option<String>, Option<Undo>), CoreError> {
    let app_url = format!("/applications/{object}");
    let patch = |body: Value, undo: Value| async move {
        let rid = send(g, Method::PATCH, app_url.clone(), body)
            .await
            .map_err(|e| during("Changing the app registration", e))?;
        Ok::<_, CoreError>((
            rid,
            Some(Undo::PatchApplication {
                object_id: object.to_string(),
                body: undo.to_string(),
            }),
        ))
    };
    let delegated = conn.mode == AuthMode::Delegated;
    match c.id.as_str() {
        "redirect-web" => {
            let mut uris = st.reg.web.redirect_uris.clone();
            uris.extend(conn.portal_redirect_uri.clone());
            patch(json!({"web": {"redirectUris": uris}}), json!({"web": {"redirectUris": st.reg.web.redirect_uris}})).await
        }
        "redirect-desktop" => {
            let mut uris = st.reg.public_client.redirect_uris.clone();
            uris.push(LOOPBACK_REDIRECT.into());
            let spa: Vec<String> = st.reg.spa.redirect_uris.iter().filter(|u| *u != LOOPBACK_REDIRECT).cloned().collect();
            patch(
                json!({"publicClient": {"redirectUris": uris}, "spa": {"redirectUris": spa}}),
                json!({"publicClient": {"redirectUris": st.reg.public_client.redirect_uris}, "spa": {"redirectUris": st.reg.spa.redirect_uris}}),
            )
            .await
        }
        "audience" => patch(
            json!({"signInAudience": ARTICLE_AUDIENCE, "api": {"requestedAccessTokenVersion": 2}}),
            json!({"signInAudience": st.reg.sign_in_audience, "api": {"requestedAccessTokenVersion": st.reg.api.requested_access_token_version}}),
        )
        .await,
        "token-checkboxes" => {
            let i = st.reg.web.implicit_grant_settings.clone().unwrap_or_default();
            patch(
                json!({"web": {"implicitGrantSettings": {"enableIdTokenIssuance": true, "enableAccessTokenIssuance": true}}}),
                json!({"web": {"implicitGrantSettings": {"enableIdTokenIssuance": i.enable_id_token_issuance.unwrap_or(false), "enableAccessTokenIssuance": i.enable_access_token_issuance.unwrap_or(false)}}}),
            )
            .await
        }
        "permissions-add" | "permissions-remove" => {
            let kind = if delegated { "Scope" } else { "Role" };
            let need = needed(conn);
            let (add, drop): (Vec<String>, Vec<String>) = if c.removes {
                (vec![], NEVER_NEEDED.iter().map(|s| s.to_string()).collect())
            } else {
                (need, vec![])
            };
            let undo = json!({"requiredResourceAccess": st.reg.required_resource_access});
            patch(with_graph(st, kind, &add, &drop), undo).await
        }
        "service-principal" => {
            let r = retry_replication(|| g.send(Request::new(Method::POST, "/servicePrincipals", Some(json!({"appId": conn.client_id})))))
                .await
                .map_err(|e| during("Creating the enterprise application", e))?;
            *sp_id = r.body.as_ref().and_then(|b| b["id"].as_str()).map(str::to_string);
            Ok((r.request_id, None))
        }
        "consent-roles" => {
            let Some(sp) = sp_id.clone() else {
                return Err(CoreError::new(ErrorCode::NotFound, "The app has no enterprise application to grant permissions to.", None));
            };
            let have: Vec<&String> = st.assigned.iter().map(|a| &a.0).collect();
            let mut last = None;
            let mut first_undo = None;
            for n in needed(conn).iter().filter(|n| !have.iter().any(|h| h.eq_ignore_ascii_case(n))) {
                let Some(role) = st.graph.id(n, true) else { continue };
                let url = format!("/servicePrincipals/{}/appRoleAssignedTo", st.graph.sp_id);
                let r = retry_replication(|| g.send(Request::new(Method::POST, url.clone(), Some(json!({"principalId": sp, "resourceId": st.graph.sp_id, "appRoleId": role})))))
                    .await
                    .map_err(|e| during(&format!("Granting {n}"), e))?;
                last = r.request_id;
                if first_undo.is_none() {
                    first_undo = r.body.as_ref().and_then(|b| b["id"].as_str()).map(|id| Undo::RemoveAssignment { resource_id: st.graph.sp_id.clone(), assignment_id: id.to_string() });
                }
            }
            Ok((last, first_undo))
        }
        "consent-scopes" => {
            let Some(sp) = sp_id.clone() else {
                return Err(CoreError::new(ErrorCode::NotFound, "The app has no enterprise application to grant permissions to.", None));
            };
            let mut scopes: Vec<String> = st.grant.as_ref().map(|g| g.1.clone()).unwrap_or_default();
            for n in needed(conn) {
                if !scopes.iter().any(|s| s.eq_ignore_ascii_case(&n)) {
                    scopes.push(n);
                }
            }
            let scope = scopes.join(" ");
            match &st.grant {
                Some((id, before)) => {
                    let rid = send(g, Method::PATCH, format!("/oauth2PermissionGrants/{id}"), json!({"scope": scope}))
                        .await
                        .map_err(|e| during("Granting admin consent", e))?;
                    Ok((rid, Some(Undo::RestoreGrant { grant_id: id.clone(), scope: before.join(" ") })))
                }
                None => {
                    let r = retry_replication(|| g.send(Request::new(Method::POST, "/oauth2PermissionGrants", Some(json!({"clientId": sp, "consentType": "AllPrincipals", "resourceId": st.graph.sp_id, "scope": scope})))))
                        .await
                        .map_err(|e| during("Granting admin consent", e))?;
                    let id = r.body.as_ref().and_then(|b| b["id"].as_str()).unwrap_or_default().to_string();
                    Ok((r.request_id, Some(Undo::RestoreGrant { grant_id: id, scope: String::new() })))
                }
            }
        }
        other => Err(CoreError::internal(format!("unknown change {other}"))),
    }
    .map(|(rid, undo)| (rid, undo.filter(|_| !c.removes)))
}

/// Take back change `index` of the log (an additive one), with the administrator's session.
pub async fn undo(
    session: &AdminSession,
    log: &ChangeLog,
    index: usize,
) -> Result<ChangeRecord, CoreError> {
    let all = log.read()?;
    let Some(rec) = all.get(index).cloned() else {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("There is no change {} in the log.", index + 1),
            Some("`rollcall setup changes` lists them.".into()),
        ));
    };
    if rec.undone_at.is_some() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("Change {} was already undone.", index + 1),
            None,
        ));
    }
    let Some(u) = rec.undo.clone() else {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!(
                "Change {} (\"{}\") cannot be undone from here.",
                index + 1,
                rec.title
            ),
            Some("Make the opposite change in the Entra admin center.".into()),
        ));
    };
    let g = &session.graph;
    let r = match &u {
        Undo::PatchApplication { object_id, body } => {
            let body: Value = serde_json::from_str(body)
                .map_err(|e| CoreError::internal(format!("the logged undo: {e}")))?;
            send(g, Method::PATCH, format!("/applications/{object_id}"), body).await
        }
        Undo::RemoveAssignment {
            resource_id,
            assignment_id,
        } => g
            .send(Request::new(
                Method::DELETE,
                format!("/servicePrincipals/{resource_id}/appRoleAssignedTo/{assignment_id}"),
                None,
            ))
            .await
            .map(|r| r.request_id),
        Undo::RestoreGrant { grant_id, scope } if scope.is_empty() => g
            .send(Request::new(
                Method::DELETE,
                format!("/oauth2PermissionGrants/{grant_id}"),
                None,
            ))
            .await
            .map(|r| r.request_id),
        Undo::RestoreGrant { grant_id, scope } => {
            send(
                g,
                Method::PATCH,
                format!("/oauth2PermissionGrants/{grant_id}"),
                json!({"scope": scope}),
            )
            .await
        }
        Undo::RemoveSecret { object_id, key_id } => g
            .send(Request::new(
                Method::POST,
                format!("/applications/{object_id}/removePassword"),
                Some(json!({"keyId": key_id})),
            ))
            .await
            .map(|r| r.request_id),
    };
    r.map_err(|e| during(&format!("Undoing \"{}\"", rec.title), e))?;
    log.mark_undone(index)?;
    Ok(rec)
}
