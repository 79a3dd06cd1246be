//! Directory writes an administrator makes through Graph (Rollcall's "Fix it for me", secret
//! renewal, a registration made from nothing), with the permission *and* directory-role checks
//! Entra applies to a delegated caller, and the reads those flows need: the signed-in user's
//! directory roles (`/me/memberOf`), an app's grants and the tenant's app management policy.
//!
//! Rules, each from Microsoft's pages:
//! - A delegated write needs the scope *and* a directory role that allows it (the effective
//!   permission is the intersection; api-reference/v1.0/api/application-update.md, "Permissions").
//! - Microsoft Graph's application permissions (app role assignments whose resource is Graph) are
//!   granted only by a Global Administrator or Privileged Role Administrator; a Cloud Application
//!   or Application Administrator may grant any permission except those
//!   (entra-docs: docs/identity/enterprise-apps/grant-admin-consent.md, "Prerequisites";
//!   concepts/permissions-grant-via-msgraph.md). Refusal: 403 `Authorization_RequestDenied`,
//!   "Insufficient privileges to complete the operation."
//! - `addPassword` returns the secret text once (`secretText`), with `hint` and `keyId`; a later
//!   read shows only the hint (api-reference/v1.0/api/application-addpassword.md). Without
//!   `endDateTime` a secret lives two years. A tenant app management policy's `passwordLifetime`
//!   refuses longer ones: 400 `CredentialInvalidLifetimeAsPerAppPolicy`, "Credential lifetime
//!   exceeds the max value allowed as per assigned policy '…'." (as Graph answers it in
//!   OfficeDev/microsoft-365-agents-toolkit#10998; resources/tenantappmanagementpolicy.md).
//! - `signInAudience` `AzureADandPersonalMicrosoftAccount` requires `api.requestedAccessTokenVersion`
//!   2 (resources/apiapplication.md; microsoftgraph/microsoft-graph-docs-contrib#1122): a PATCH
//!   without it answers 400 `InvalidAccessTokenVersion`, "One or more properties contains invalid
//!   values." (azure-ad-b2c/Scripts#2).
//! - Redirect URIs: absolute, `https`, or `http` only for `localhost`/`127.0.0.1`, at most 256
//!   characters (entra-docs: docs/identity-platform/reply-url.md).
//! - A new application or service principal is not visible everywhere at once (directory
//!   replication): for a moment a read by id answers 404 and `POST /servicePrincipals` for the new
//!   appId answers 400 (resources/application.md; the client retries).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::events::{checked_body, get_ci};
use super::{graph_error, Caller, Ctx, GResp, META};
use crate::model::*;
use crate::rng::Rng;
use crate::state::Shared;
use crate::tz;

const DENIED: &str = "Insufficient privileges to complete the operation.";
/// Roles that may change app registrations and grant delegated permissions (and any permission
/// but Microsoft Graph's application permissions).
const APP_ROLES_MANAGERS: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
];
/// Roles that may grant Microsoft Graph's application permissions.
const GRAPH_ROLE_GRANTERS: &[&str] = &[GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR];

/// The directory paths this module answers; `None` leaves the request to the caller.
pub(super) fn route(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    segs: &[String],
    q: &HashMap<String, String>,
    body: &[u8],
) -> Option<GResp> {
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = method.as_str();
    let app_key = |head: &str| -> Option<AppKey> {
        if head == "applications" {
            return None;
        }
        head.strip_prefix("applications(appId='")
            .and_then(|r| r.strip_suffix("')"))
            .map(|a| AppKey::AppId(a.to_string()))
    };
    Some(match (m, seg.as_slice()) {
        ("GET", ["users", user, "memberOf", rest @ ..]) => member_of(s, ctx, user, rest),
        ("GET", ["policies", "defaultAppManagementPolicy"]) => app_policy(s, ctx),
        ("POST", ["applications"]) => create_app(s, ctx, body),
        ("PATCH", ["applications", id]) => {
            update_app(s, ctx, &AppKey::Object(id.to_string()), body)
        }
        ("POST", ["applications", id, action]) => {
            credential(s, ctx, &AppKey::Object(id.to_string()), action, body)
        }
        ("PATCH", [head]) if app_key(head).is_some() => update_app(s, ctx, &app_key(head)?, body),
        ("POST", [head, action]) if app_key(head).is_some() => {
            credential(s, ctx, &app_key(head)?, action, body)
        }
        ("POST", ["servicePrincipals"]) => create_sp(s, ctx, body),
        (_, ["servicePrincipals", sp, "appRoleAssignedTo", rest @ ..]) => {
            assigned_to(s, ctx, method, sp, rest, body)
        }
        (_, ["oauth2PermissionGrants", rest @ ..]) => grants(s, ctx, method, rest, q, body),
        _ => return None,
    })
}

enum AppKey {
    Object(String),
    AppId(String),
}

/// The signed-in user's directory roles (none for an app-only caller).
fn roles_of(s: &Shared, ctx: &Ctx) -> Vec<&'static str> {
    match ctx.caller {
        Caller::User { user_id, .. } => s
            .world()
            .user(user_id)
            .map(|u| u.directory_roles.clone())
            .unwrap_or_default(),
        Caller::App { .. } => Vec::new(),
    }
}

/// The scope (or app role) and, for a signed-in user, one of `roles`: else Graph's 403.
fn allowed(s: &Shared, ctx: &Ctx, perms: &[&str], roles: &[&str]) -> Result<(), GResp> {
    if !ctx.caller.has(perms, perms) {
        return Err(graph_error(ctx, 403, "Authorization_RequestDenied", DENIED));
    }
    if let Caller::User { .. } = ctx.caller {
        if !roles_of(s, ctx).iter().any(|r| roles.contains(r)) {
            return Err(graph_error(ctx, 403, "Authorization_RequestDenied", DENIED));
        }
    }
    Ok(())
}

/// A string property of a (schema-checked) body, `""` when absent.
fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    get_ci(v, name).and_then(Value::as_str).unwrap_or_default()
}

fn not_found(ctx: &Ctx, id: &str) -> GResp {
    graph_error(
        ctx,
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn find_app<'w>(world: &'w mut World, key: &AppKey) -> Option<&'w mut AppRegistration> {
    world.apps.iter_mut().find(|a| {
        !a.first_party
            && !a.replicating()
            && match key {
                AppKey::Object(id) => a.object_id.eq_ignore_ascii_case(id),
                AppKey::AppId(id) => a.app_id.eq_ignore_ascii_case(id),
            }
    })
}

/// `GET /users/{id}/memberOf[/microsoft.graph.directoryRole]`: the user's directory roles (the
/// demo has no groups). `/me/memberOf` needs only User.Read (user-list-memberof-permissions.md).
fn member_of(s: &Arc<Shared>, ctx: &Ctx, user: &str, rest: &[&str]) -> GResp {
    let own =
        matches!(ctx.caller, Caller::User { user_id, .. } if user_id.eq_ignore_ascii_case(user));
    let may = if own {
        ctx.caller
            .has(&[], &["User.Read", "Directory.Read.All", "User.Read.All"])
    } else {
        ctx.caller.has(
            &["Directory.Read.All", "User.Read.All"],
            &["Directory.Read.All", "User.Read.All"],
        )
    };
    if !may {
        return graph_error(ctx, 403, "Authorization_RequestDenied", DENIED);
    }
    match rest {
        [] => {}
        // "ConsistencyLevel: eventual. This header and $count are required when using … OData
        // cast" (user-list-memberof.md, request headers).
        ["microsoft.graph.directoryRole"] if ctx.eventual => {}
        ["microsoft.graph.directoryRole"] => {
            return graph_error(ctx, 400, "Request_UnsupportedQuery", "The request uses an OData cast, which needs the header 'ConsistencyLevel: eventual' and $count=true.")
        }
        _ => return graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
    }
    let world = s.world();
    let Some(u) = world.user(user) else {
        return not_found(ctx, user);
    };
    let value: Vec<Value> = u
        .directory_roles
        .iter()
        .filter_map(|r| DIRECTORY_ROLES.iter().find(|(n, _)| n == r))
        .map(|(name, template)| {
            json!({
                "@odata.type": "#microsoft.graph.directoryRole",
                "id": format!("{}-{}", &world.tenant.id[..8], &template[9..]),
                "deletedDateTime": null,
                "description": format!("{name} (built-in role)"),
                "displayName": name,
                "roleTemplateId": template,
            })
        })
        .collect();
    GResp::ok(json!({"@odata.context": format!("{META}#directoryObjects"), "value": value}))
}

/// `GET /policies/defaultAppManagementPolicy` (tenantappmanagementpolicy-get.md; Policy.Read.All).
fn app_policy(s: &Arc<Shared>, ctx: &Ctx) -> GResp {
    if !ctx.caller.has(
        &["Policy.Read.All", "Policy.Read.ApplicationConfiguration"],
        &["Policy.Read.All", "Policy.Read.ApplicationConfiguration"],
    ) {
        return graph_error(ctx, 403, "Authorization_RequestDenied", DENIED);
    }
    let max = s.world().secret_max_days;
    let passwords: Vec<Value> = max
        .map(|d| {
            json!({"restrictionType": "passwordLifetime", "state": "enabled", "maxLifetime": format!("P{d}D"),
                   "restrictForAppsCreatedAfterDateTime": "2015-01-01T00:00:00Z", "excludeActors": null})
        })
        .into_iter()
        .collect();
    GResp::ok(json!({
        "@odata.context": format!("{META}#policies/defaultAppManagementPolicy/$entity"),
        "id": "00000000-0000-0000-0000-000000000000",
        "deletedDateTime": null,
        "displayName": "Default app management tenant policy",
        "description": "Default tenant policy that enforces app management restrictions on applications and service principals. To apply policy to targeted resources, create a new policy under appManagementPolicies collection.",
        "isEnabled": max.is_some(),
        "applicationRestrictions": {"passwordCredentials": passwords, "keyCredentials": []},
        "servicePrincipalRestrictions": {"passwordCredentials": [], "keyCredentials": []},
    }))
}

/// Redirect URIs as Entra accepts them (reply-url.md).
fn redirect_ok(uri: &str) -> bool {
    if uri.len() > 256 {
        return false;
    }
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
        _ => false,
    }
}

fn uris(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect()
    })
}

/// Apply an application's writable properties from a (schema-checked) body: complex values merge
/// key by key, collections are replaced whole. `Err` is Graph's answer.
fn apply_app(ctx: &Ctx, a: &mut AppRegistration, v: &Value) -> Result<(), GResp> {
    let bad = |prop: &str| {
        graph_error(
            ctx,
            400,
            "Request_BadRequest",
            &format!("Invalid value specified for property '{prop}' of resource 'Application'."),
        )
    };
    let mut token_version = a.token_version;
    if let Some(api) = get_ci(v, "api") {
        if let Some(tv) = get_ci(api, "requestedAccessTokenVersion") {
            token_version = tv.as_i64();
        }
    }
    let audience = match get_ci(v, "signInAudience").and_then(Value::as_str) {
        Some(aud) => match [
            "AzureADMyOrg",
            "AzureADMultipleOrgs",
            "AzureADandPersonalMicrosoftAccount",
            "PersonalMicrosoftAccount",
        ]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(aud))
        {
            Some(k) => k,
            None => return Err(bad("signInAudience")),
        },
        None => a.sign_in_audience,
    };
    if audience.contains("Personal") && token_version != Some(2) {
        return Err(graph_error(
            ctx,
            400,
            "InvalidAccessTokenVersion",
            "One or more properties contains invalid values.",
        ));
    }
    let mut redirects = a.redirects.clone();
    for (prop, platform) in [
        ("web", Platform::Web),
        ("publicClient", Platform::InstalledClient),
        ("spa", Platform::Spa),
    ] {
        let Some(list) = get_ci(v, prop).and_then(|p| get_ci(p, "redirectUris")) else {
            continue;
        };
        let Some(list) = uris(list) else {
            return Err(bad("redirectUris"));
        };
        if list.iter().any(|u| !redirect_ok(u)) || list.len() > 256 {
            return Err(bad("redirectUris"));
        }
        redirects.retain(|r| r.platform != platform);
        redirects.extend(list.into_iter().map(|uri| Redirect {
            uri,
            platform: platform.clone(),
        }));
    }
    let implicit = get_ci(v, "web").and_then(|w| get_ci(w, "implicitGrantSettings"));
    if let Some(rra) = get_ci(v, "requiredResourceAccess") {
        let (mut roles, mut scopes) = (
            std::collections::BTreeSet::new(),
            std::collections::BTreeSet::new(),
        );
        for res in rra.as_array().into_iter().flatten() {
            let graph = get_ci(res, "resourceAppId").and_then(Value::as_str) == Some(GRAPH_APP_ID);
            for access in get_ci(res, "resourceAccess")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = get_ci(access, "id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let kind = get_ci(access, "type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !graph {
                    continue;
                }
                let name = if kind.eq_ignore_ascii_case("Role") {
                    APP_ROLES
                        .iter()
                        .find(|(_, i)| i.eq_ignore_ascii_case(id))
                        .map(|(n, _)| (*n, true))
                } else if kind.eq_ignore_ascii_case("Scope") {
                    DELEGATED_SCOPES
                        .iter()
                        .find(|(_, i, _)| i.eq_ignore_ascii_case(id))
                        .map(|(n, _, _)| (*n, false))
                } else {
                    return Err(bad("requiredResourceAccess"));
                };
                // An id Graph does not define is refused; the emulator knows a subset, so an
                // unknown id is refused too rather than silently dropped.
                let Some((name, role)) = name else {
                    return Err(bad("requiredResourceAccess"));
                };
                if role {
                    roles.insert(name.to_string());
                } else {
                    scopes.insert(name.to_string());
                }
            }
        }
        a.app_roles = roles;
        a.delegated = scopes;
    }
    if let Some(name) = get_ci(v, "displayName").and_then(Value::as_str) {
        if name.trim().is_empty() {
            return Err(bad("displayName"));
        }
        a.display_name = name.to_string();
    }
    a.redirects = redirects;
    a.sign_in_audience = audience;
    a.token_version = token_version;
    if let Some(i) = implicit {
        if let Some(b) = get_ci(i, "enableIdTokenIssuance").and_then(Value::as_bool) {
            a.id_token_issuance = b;
        }
        if let Some(b) = get_ci(i, "enableAccessTokenIssuance").and_then(Value::as_bool) {
            a.access_token_issuance = b;
        }
    }
    Ok(())
}

const APP_WRITE: crate::schema::Rules = crate::schema::Rules { closed_top: true };

/// `PATCH /applications/{id}` and `/applications(appId='…')` (application-update.md): 204.
fn update_app(s: &Arc<Shared>, ctx: &Ctx, key: &AppKey, body: &[u8]) -> GResp {
    if let Err(r) = allowed(s, ctx, &["Application.ReadWrite.All"], APP_ROLES_MANAGERS) {
        return r;
    }
    let v = match checked_body(ctx, body, |sc, v| {
        sc.check_write("application", v, APP_WRITE)
    }) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut world = s.world();
    let Some(a) = find_app(&mut world, key) else {
        return not_found(ctx, key_text(key));
    };
    let mut next = a.clone();
    if let Err(r) = apply_app(ctx, &mut next, &v) {
        return r;
    }
    *a = next;
    GResp::status(204, None)
}

fn key_text(key: &AppKey) -> &str {
    match key {
        AppKey::Object(s) | AppKey::AppId(s) => s,
    }
}

/// `POST /applications` (application-post-applications.md): 201 with the new registration, not yet
/// replicated.
fn create_app(s: &Arc<Shared>, ctx: &Ctx, body: &[u8]) -> GResp {
    if let Err(r) = allowed(s, ctx, &["Application.ReadWrite.All"], APP_ROLES_MANAGERS) {
        return r;
    }
    let v = match checked_body(ctx, body, |sc, v| {
        sc.check_write("application", v, APP_WRITE)
    }) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if get_ci(&v, "displayName")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        return graph_error(
            ctx,
            400,
            "Request_BadRequest",
            "A value is required for property 'displayName' of resource 'Application'.",
        );
    }
    let mut world = s.world();
    let mut rng = Rng::new(Timestamp::now().as_nanosecond() as u64 ^ world.apps.len() as u64);
    let now = Timestamp::now();
    let mut a = AppRegistration {
        app_id: rng.guid(),
        object_id: rng.guid(),
        sp_id: rng.guid(),
        display_name: String::new(),
        secrets: vec![],
        certificates: vec![],
        redirects: vec![],
        app_roles: Default::default(),
        delegated: Default::default(),
        granted_roles: Default::default(),
        granted_scopes: Default::default(),
        first_party: false,
        has_sp: false,
        token_version: None,
        replicating_until: None,
        sp_replicating_until: None,
        created: now,
        // Graph's default for a new registration (application.md: signInAudience).
        sign_in_audience: "AzureADMyOrg",
        id_token_issuance: false,
        access_token_issuance: false,
    };
    if let Err(r) = apply_app(ctx, &mut a, &v) {
        return r;
    }
    a.replicating_until = Some(Instant::now() + world.replication_delay);
    let out = super::app_json(&a);
    world.apps.push(a);
    let mut out = out;
    out["@odata.context"] = json!(format!("{META}#applications/$entity"));
    GResp::status(201, Some(out))
}

/// `POST /applications/{id}/addPassword` and `removePassword` (application-addpassword.md,
/// application-removepassword.md).
fn credential(s: &Arc<Shared>, ctx: &Ctx, key: &AppKey, action: &str, body: &[u8]) -> GResp {
    let add = action.eq_ignore_ascii_case("addPassword");
    if !add && !action.eq_ignore_ascii_case("removePassword") {
        return graph_error(
            ctx,
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{action}'."),
        );
    }
    if let Err(r) = allowed(s, ctx, &["Application.ReadWrite.All"], APP_ROLES_MANAGERS) {
        return r;
    }
    let name = if add { "addPassword" } else { "removePassword" };
    let v = match checked_body(ctx, body, |sc, v| sc.check_action("application", name, v)) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut world = s.world();
    let max_days = world.secret_max_days;
    let Some(a) = find_app(&mut world, key) else {
        return not_found(ctx, key_text(key));
    };
    let now = Timestamp::now();
    if !add {
        let Some(key_id) = get_ci(&v, "keyId").and_then(Value::as_str) else {
            return graph_error(
                ctx,
                400,
                "Request_BadRequest",
                "A value is required for parameter 'keyId'.",
            );
        };
        let before = a.secrets.len();
        a.secrets.retain(|c| !c.key_id.eq_ignore_ascii_case(key_id));
        if a.secrets.len() == before {
            return graph_error(
                ctx,
                404,
                "Request_ResourceNotFound",
                &format!("No password credential found with keyId '{key_id}'."),
            );
        }
        return GResp::status(204, None);
    }
    let pc = get_ci(&v, "passwordCredential")
        .cloned()
        .unwrap_or(json!({}));
    let start = get_ci(&pc, "startDateTime")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or(now);
    let end = match get_ci(&pc, "endDateTime").and_then(Value::as_str) {
        Some(t) => match t.parse::<Timestamp>() {
            Ok(t) => t,
            Err(_) => return graph_error(ctx, 400, "Request_BadRequest", "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'."),
        },
        // "The default value is startDateTime + 2 years."
        None => start + SignedDuration::from_hours(24 * 730),
    };
    if end <= start {
        return graph_error(
            ctx,
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
        );
    }
    if let Some(days) = max_days {
        if end.duration_since(start)
            > SignedDuration::from_hours(24 * days) + SignedDuration::from_mins(5)
        {
            let msg = "Credential lifetime exceeds the max value allowed as per assigned policy '00000000-0000-0000-0000-000000000000'.";
            let mut r = graph_error(ctx, 400, "CredentialInvalidLifetimeAsPerAppPolicy", msg);
            if let Some(b) = r.body.as_mut() {
                b["error"]["details"] =
                    json!([{"code": "InvalidKeyEndDate", "message": msg, "target": "EndDate"}]);
            }
            return r;
        }
    }
    let mut rng = Rng::new(now.as_nanosecond() as u64 ^ a.secrets.len() as u64 ^ 0x5ec);
    let cred = PasswordCredential {
        key_id: rng.guid(),
        display_name: get_ci(&pc, "displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        value: format!("{}~{}", rng.token(3), rng.token(36)),
        start,
        end,
    };
    let out = json!({
        "@odata.context": format!("{META}#microsoft.graph.passwordCredential"),
        "customKeyIdentifier": null, "displayName": cred.display_name, "endDateTime": tz::offset(cred.end),
        "hint": cred.hint(), "keyId": cred.key_id, "secretText": cred.value, "startDateTime": tz::offset(cred.start),
    });
    a.secrets.push(cred);
    GResp::ok(out)
}

/// `POST /servicePrincipals` {appId} (serviceprincipal-post-serviceprincipals.md): 201.
fn create_sp(s: &Arc<Shared>, ctx: &Ctx, body: &[u8]) -> GResp {
    if let Err(r) = allowed(s, ctx, &["Application.ReadWrite.All"], APP_ROLES_MANAGERS) {
        return r;
    }
    let v = match checked_body(ctx, body, |sc, v| {
        sc.check_write("servicePrincipal", v, APP_WRITE)
    }) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let app_id = text(&v, "appId").to_string();
    let mut world = s.world();
    let delay = world.replication_delay;
    let tenant = world.tenant.id.clone();
    let Some(a) = world
        .apps
        .iter_mut()
        .find(|a| a.app_id.eq_ignore_ascii_case(&app_id) && !a.first_party && !a.replicating())
    else {
        return graph_error(ctx, 400, "Request_BadRequest", &format!("The appId '{app_id}' of the service principal does not reference a valid application object."));
    };
    if a.has_sp {
        return graph_error(
            ctx,
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
        );
    }
    a.has_sp = true;
    a.sp_replicating_until = Some(Instant::now() + delay);
    let mut out = super::sp_json(a, &tenant);
    out["@odata.context"] = json!(format!("{META}#servicePrincipals/$entity"));
    GResp::status(201, Some(out))
}

/// The id Graph shows for an app role assignment of `role` to `a` (stable, so DELETE finds it).
pub(super) fn assignment_id(a: &AppRegistration, role_id: &str) -> String {
    format!("{}{}", &a.sp_id[..8], &role_id[..8])
}

pub(super) fn assignment_json(a: &AppRegistration, role_id: &str, graph_sp: &str) -> Value {
    json!({
        "id": assignment_id(a, role_id), "deletedDateTime": null, "createdDateTime": tz::offset(a.created),
        "appRoleId": role_id, "principalDisplayName": a.display_name, "principalId": a.sp_id, "principalType": "ServicePrincipal",
        "resourceDisplayName": "Microsoft Graph", "resourceId": graph_sp,
    })
}

/// `…/servicePrincipals/{graph}/appRoleAssignedTo`: list, grant (POST) and revoke (DELETE) Graph's
/// application permissions (serviceprincipal-post-approleassignedto.md).
fn assigned_to(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    resource: &str,
    rest: &[&str],
    body: &[u8],
) -> GResp {
    let graph_sp = s.world().tenant.graph_sp_id.clone();
    if !resource.eq_ignore_ascii_case(&graph_sp) {
        // Only Microsoft Graph's assignments exist in the demo tenant.
        let exists = s
            .world()
            .apps
            .iter()
            .any(|a| a.sp_id.eq_ignore_ascii_case(resource) && a.has_sp);
        return if exists && method == Method::GET && rest.is_empty() {
            GResp::ok(
                json!({"@odata.context": format!("{META}#servicePrincipals('{resource}')/appRoleAssignedTo"), "value": []}),
            )
        } else {
            not_found(ctx, resource)
        };
    }
    let read = [
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "AppRoleAssignment.ReadWrite.All",
    ];
    match (method.as_str(), rest) {
        ("GET", []) => {
            if !ctx.caller.has(&read, &read) {
                return graph_error(ctx, 403, "Authorization_RequestDenied", DENIED);
            }
            let world = s.world();
            let value: Vec<Value> = world
                .apps
                .iter()
                .filter(|a| a.has_sp && !a.sp_replicating())
                .flat_map(|a| {
                    a.granted_roles
                        .iter()
                        .filter_map(|r| app_role_id(r))
                        .map(|rid| assignment_json(a, rid, &graph_sp))
                        .collect::<Vec<_>>()
                })
                .collect();
            GResp::ok(
                json!({"@odata.context": format!("{META}#servicePrincipals('{resource}')/appRoleAssignedTo"), "value": value}),
            )
        }
        ("POST", []) => {
            if let Err(r) = allowed(
                s,
                ctx,
                &["AppRoleAssignment.ReadWrite.All"],
                GRAPH_ROLE_GRANTERS,
            ) {
                return r;
            }
            let v = match checked_body(ctx, body, |sc, v| {
                sc.check_write("appRoleAssignment", v, APP_WRITE)
            }) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let principal = text(&v, "principalId");
            let res = text(&v, "resourceId");
            let role_id = text(&v, "appRoleId");
            if !res.eq_ignore_ascii_case(&graph_sp) {
                return graph_error(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "Permission being assigned was not found on application",
                );
            }
            let Some((role, rid)) = APP_ROLES
                .iter()
                .find(|(_, i)| i.eq_ignore_ascii_case(role_id))
            else {
                return graph_error(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "Permission being assigned was not found on application",
                );
            };
            let mut world = s.world();
            let Some(a) = world.apps.iter_mut().find(|a| {
                a.sp_id.eq_ignore_ascii_case(principal) && a.has_sp && !a.sp_replicating()
            }) else {
                return graph_error(ctx, 400, "Request_BadRequest", "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.");
            };
            if a.granted_roles.contains(*role) {
                return graph_error(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "Permission being assigned already exists on the object",
                );
            }
            a.granted_roles.insert(role.to_string());
            let mut out = assignment_json(a, rid, &graph_sp);
            out["@odata.context"] = json!(format!(
                "{META}#servicePrincipals('{graph_sp}')/appRoleAssignedTo/$entity"
            ));
            GResp::status(201, Some(out))
        }
        ("DELETE", [assignment]) => {
            if let Err(r) = allowed(
                s,
                ctx,
                &["AppRoleAssignment.ReadWrite.All"],
                GRAPH_ROLE_GRANTERS,
            ) {
                return r;
            }
            let mut world = s.world();
            for a in world.apps.iter_mut() {
                let hit = a.granted_roles.iter().find(|r| {
                    app_role_id(r).is_some_and(|rid| assignment_id(a, rid) == *assignment)
                });
                if let Some(r) = hit.cloned() {
                    a.granted_roles.remove(&r);
                    return GResp::status(204, None);
                }
            }
            not_found(ctx, assignment)
        }
        _ => graph_error(
            ctx,
            405,
            "Request_BadRequest",
            "The requested method is not allowed here.",
        ),
    }
}

fn grant_id(a: &AppRegistration) -> String {
    format!("{}-allprincipals", a.sp_id)
}

fn grant_json(a: &AppRegistration, graph_sp: &str) -> Value {
    let scope: Vec<&str> = a.granted_scopes.iter().map(String::as_str).collect();
    json!({"id": grant_id(a), "clientId": a.sp_id, "consentType": "AllPrincipals", "principalId": null,
           "resourceId": graph_sp, "scope": scope.join(" ")})
}

/// Scope names from an oauth2PermissionGrant's space-separated `scope`; `Err` names an unknown one.
fn scope_names(scope: &str) -> Result<Vec<String>, String> {
    scope
        .split_whitespace()
        .map(|sc| {
            DELEGATED_SCOPES
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(sc))
                .map(|(n, _, _)| n.to_string())
                .ok_or_else(|| sc.to_string())
        })
        .collect()
}

/// `/oauth2PermissionGrants` (oauth2permissiongrant-post.md, -update.md, -delete.md,
/// oauth2permissiongrant-list.md with `$filter=clientId eq '…'`): the tenant-wide (AllPrincipals)
/// grants of delegated permissions to Microsoft Graph.
fn grants(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    rest: &[&str],
    q: &HashMap<String, String>,
    body: &[u8],
) -> GResp {
    let graph_sp = s.world().tenant.graph_sp_id.clone();
    let write = ["DelegatedPermissionGrant.ReadWrite.All"];
    let by_id = |world: &World, id: &str| {
        world
            .apps
            .iter()
            .position(|a| grant_id(a) == id && !a.granted_scopes.is_empty())
    };
    match (method.as_str(), rest) {
        ("GET", []) => {
            let read = [
                "Directory.Read.All",
                "DelegatedPermissionGrant.Read.All",
                "DelegatedPermissionGrant.ReadWrite.All",
                "Directory.ReadWrite.All",
            ];
            // A signed-in reader needs a role that may read grants too (any administrator here).
            if matches!(ctx.caller, Caller::User { .. }) && roles_of(s, ctx).is_empty() {
                return graph_error(ctx, 403, "Authorization_RequestDenied", DENIED);
            }
            if !ctx.caller.has(&read, &read) {
                return graph_error(ctx, 403, "Authorization_RequestDenied", DENIED);
            }
            let client = match q.get("$filter") {
                None => None,
                Some(f) => match super::parse_eq_filter(f) {
                    Some(c) if c.len() == 1 && c[0].0.eq_ignore_ascii_case("clientId") => Some(c[0].1.clone()),
                    _ => return graph_error(ctx, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'clientId' of resource 'OAuth2PermissionGrant'."),
                },
            };
            let world = s.world();
            let value: Vec<Value> = world
                .apps
                .iter()
                .filter(|a| a.has_sp && !a.granted_scopes.is_empty())
                .filter(|a| {
                    client
                        .as_deref()
                        .is_none_or(|c| a.sp_id.eq_ignore_ascii_case(c))
                })
                .map(|a| grant_json(a, &graph_sp))
                .collect();
            GResp::ok(
                json!({"@odata.context": format!("{META}#oauth2PermissionGrants"), "value": value}),
            )
        }
        ("POST", []) => {
            if let Err(r) = allowed(s, ctx, &write, APP_ROLES_MANAGERS) {
                return r;
            }
            let v = match checked_body(ctx, body, |sc, v| {
                sc.check_write("oAuth2PermissionGrant", v, APP_WRITE)
            }) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let client = text(&v, "clientId");
            let resource = text(&v, "resourceId");
            let consent = text(&v, "consentType");
            if consent != "AllPrincipals" || !resource.eq_ignore_ascii_case(&graph_sp) {
                return graph_error(ctx, 400, "Request_BadRequest", "Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.");
            }
            let names = match scope_names(text(&v, "scope")) {
                Ok(n) => n,
                Err(unknown) => return graph_error(ctx, 400, "Request_BadRequest", &format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{unknown}'.")),
            };
            let mut world = s.world();
            let Some(a) = world
                .apps
                .iter_mut()
                .find(|a| a.sp_id.eq_ignore_ascii_case(client) && a.has_sp && !a.sp_replicating())
            else {
                return graph_error(ctx, 400, "Request_BadRequest", "Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.");
            };
            if !a.granted_scopes.is_empty() {
                return graph_error(
                    ctx,
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    "Permission entry already exists.",
                );
            }
            a.granted_scopes = names.into_iter().collect();
            let mut out = grant_json(a, &graph_sp);
            out["@odata.context"] = json!(format!("{META}#oauth2PermissionGrants/$entity"));
            GResp::status(201, Some(out))
        }
        ("PATCH", [id]) | ("DELETE", [id]) => {
            if let Err(r) = allowed(s, ctx, &write, APP_ROLES_MANAGERS) {
                return r;
            }
            let v = if method == Method::PATCH {
                match checked_body(ctx, body, |sc, v| {
                    sc.check_write("oAuth2PermissionGrant", v, APP_WRITE)
                }) {
                    Ok(v) => Some(v),
                    Err(r) => return r,
                }
            } else {
                None
            };
            let mut world = s.world();
            let Some(i) = by_id(&world, id) else {
                return not_found(ctx, id);
            };
            let a = &mut world.apps[i];
            match v {
                None => a.granted_scopes.clear(),
                Some(v) => {
                    match scope_names(text(&v, "scope")) {
                        Ok(n) => a.granted_scopes = n.into_iter().collect(),
                        Err(unknown) => return graph_error(ctx, 400, "Request_BadRequest", &format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{unknown}'.")),
                    }
                }
            }
            GResp::status(204, None)
        }
        _ => graph_error(
            ctx,
            405,
            "Request_BadRequest",
            "The requested method is not allowed here.",
        ),
    }
}
