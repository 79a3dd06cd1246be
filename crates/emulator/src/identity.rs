//! The identity platform: discovery, JWKS, authorize (a small sign-in and consent page), token
//! (client credentials, authorization code with PKCE, refresh) and admin consent, with the AADSTS
//! errors of the reference.
//!
//! Not covered: device code, certificates (`client_assertion`), `form_post`, personal accounts.

// Checks return the ready HTTP error response as their `Err`: it is built once, on the error path.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect as HttpRedirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use sha2::Digest;

use crate::model::{AppRegistration, AuthCode, Platform, RefreshGrant};
use crate::rng::Rng;
use crate::Shared;

const GRAPH: &str = "https://graph.microsoft.com/";
/// Scopes that are OpenID Connect, not Graph permissions.
const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize_get).post(authorize_post),
        )
        .route("/{tenant}/oauth2/v2.0/token", axum::routing::post(token))
        .route(
            "/{tenant}/adminconsent",
            get(consent_get).post(consent_post),
        )
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(consent_v2_get).post(consent_post),
        )
}

/// The v2.0 admin-consent endpoint needs the permissions in `scope` (entra-docs:
/// docs/identity-platform/v2-admin-consent.md); the v1 form consents to what is configured.
async fn consent_v2_get(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("scope").is_none_or(|v| v.trim().is_empty()) {
        return error_page(
            900144,
            "The request body must contain the following parameter: 'scope'.",
            "The v2.0 admin-consent URL names the permissions to consent to, e.g. scope=https://graph.microsoft.com/.default.",
        );
    }
    admin_consent(s, tenant, q, false)
}

/// A token-endpoint error body exactly as Entra writes it.
pub fn aad_error(
    status: StatusCode,
    error: &str,
    code: u32,
    message: &str,
    suberror: Option<&str>,
) -> Response {
    let now = Timestamp::now();
    let stamp = now.strftime("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let mut body = json!({
        "error": error,
        // Entra separates the parts with CRLF (the error-response format of the v2.0 endpoints).
        "error_description": format!("AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    if let Some(s) = suberror {
        body["suberror"] = json!(s);
    }
    (status, no_store(), Json(body)).into_response()
}

fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store, no-cache"),
        (header::PRAGMA, "no-cache"),
    ]
}

fn tenant_not_found(tenant: &str, error: &str) -> Response {
    aad_error(
        StatusCode::BAD_REQUEST,
        error,
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        None,
    )
}

async fn discovery(State(s): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    let world = s.world();
    let generic = ["common", "organizations", "consumers"].contains(&tenant.as_str());
    if !generic && !world.knows_tenant(&tenant) {
        return tenant_not_found(&tenant, "invalid_tenant");
    }
    let tid = if generic {
        "{tenantid}".to_string()
    } else {
        world.tenant.id.clone()
    };
    let base = &s.base;
    let graph_host = s.graph_base();
    let body = json!({
        "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{graph_host}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{tid}/kerberos"),
        "tenant_region_scope": if generic { Value::Null } else { json!("EU") },
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    });
    (
        [(header::CACHE_CONTROL, "max-age=86400, private")],
        Json(body),
    )
        .into_response()
}

async fn jwks(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(s.keys.jwks())
}

/// Entra's redirect URI rule: exact match, except that the port of an `http://localhost` (or
/// `127.0.0.1`) URI is ignored. A registered URI without a path matches `/`.
pub fn redirect_matches(registered: &str, requested: &str) -> bool {
    let (Ok(r), Ok(q)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    let loopback =
        r.scheme() == "http" && matches!(r.host_str(), Some("localhost") | Some("127.0.0.1"));
    r.scheme() == q.scheme()
        && r.host_str() == q.host_str()
        && r.path() == q.path()
        && r.query() == q.query()
        && (loopback || r.port_or_known_default() == q.port_or_known_default())
}

fn find_redirect<'a>(app: &'a AppRegistration, uri: &str) -> Option<&'a crate::model::Redirect> {
    app.redirects.iter().find(|r| redirect_matches(&r.uri, uri))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(code: u32, title: &str, detail: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Sign in to your account</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1b1b1b}}code{{background:#f3f3f3;padding:.1rem .3rem}}</style></head>\
         <body><h1>Sorry, but we’re having trouble signing you in.</h1><p><strong>AADSTS{code}:</strong> {}</p><p>{}</p>\
         <p style=color:#666>Rollcall demo tenant (emulator)</p></body></html>",
        escape(title),
        escape(detail)
    );
    (StatusCode::BAD_REQUEST, Html(html)).into_response()
}

/// Split a scope string into Graph permission short names and OIDC scopes.
fn split_scopes(scope: &str) -> (Vec<String>, Vec<String>) {
    let mut graph = Vec::new();
    let mut oidc = Vec::new();
    for s in scope.split_whitespace() {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            oidc.push(s.to_ascii_lowercase());
        } else if let Some(short) = s.strip_prefix(GRAPH) {
            graph.push(short.to_string());
        } else {
            graph.push(s.to_string());
        }
    }
    (graph, oidc)
}

fn redirect_with(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => return error_page(50011, "The redirect URI is not a valid URL.", uri),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    HttpRedirect::to(url.as_str()).into_response()
}

async fn authorize_get(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    authorize(s, tenant, q)
}

async fn authorize_post(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    authorize(s, tenant, q)
}

fn authorize(s: Arc<Shared>, tenant: String, q: HashMap<String, String>) -> Response {
    let mut world = s.world();
    let generic = ["common", "organizations"].contains(&tenant.as_str());
    if !generic && !world.knows_tenant(&tenant) {
        return error_page(
            90002,
            &format!("Tenant '{tenant}' not found."),
            "Check the tenant ID or domain and the cloud you are signing in to.",
        );
    }
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    let Some(app) = world.app(&client_id).cloned() else {
        return error_page(
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{}'.", world.tenant.display_name),
            "This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        );
    };
    // A single-tenant app cannot be reached through /common or /organizations: AADSTS50194 with
    // Entra's own wording (as quoted on learn.microsoft.com/en-us/answers/a/982308).
    if generic && app.sign_in_audience == "AzureADMyOrg" {
        return error_page(
            50194,
            &format!("Application '{client_id}'({}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.", app.display_name),
            "Use a tenant-specific endpoint or configure the application to be multi-tenant.",
        );
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    if app.redirects.is_empty() {
        return error_page(
            500113,
            "No reply address is registered for the application.",
            "Add a redirect URI under Authentication.",
        );
    }
    if find_redirect(&app, &redirect_uri).is_none() {
        return error_page(
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'.", app.app_id),
            "Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
        );
    }
    let state = q.get("state").cloned().unwrap_or_default();
    if q.get("response_type").map(String::as_str) != Some("code") {
        return redirect_with(
            &redirect_uri,
            &[
                ("error", "unsupported_response_type"),
                (
                    "error_description",
                    "AADSTS700054: response_type 'id_token' is not enabled for the application.",
                ),
                ("state", &state),
            ],
        );
    }
    let scope = q.get("scope").cloned().unwrap_or_default();
    let (graph_scopes, oidc) = split_scopes(&scope);
    if graph_scopes.is_empty() && oidc.is_empty() {
        return redirect_with(
            &redirect_uri,
            &[
                ("error", "invalid_request"),
                (
                    "error_description",
                    "AADSTS900144: The request body must contain the following parameter: 'scope'.",
                ),
                ("state", &state),
            ],
        );
    }
    if q.get("action").map(String::as_str) == Some("cancel") {
        return redirect_with(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
                ("error_subcode", "cancel"),
                ("state", &state),
            ],
        );
    }
    // Who signs in: the login_hint completes without a click (for tests that follow redirects);
    // otherwise the page below lets the person pick a demo account.
    let hint = q.get("login_hint").cloned().unwrap_or_default();
    let Some(user) = world.user_by_mail(&hint).cloned() else {
        return sign_in_page(&world, &app, &tenant, &q, &graph_scopes);
    };
    // Consent: with admin consent every configured delegated permission is granted; otherwise the
    // user must have consented (the page records it), and admin-only scopes need an admin.
    let key = (app.app_id.clone(), user.id.clone());
    let already = world.user_consents.get(&key).cloned().unwrap_or_default();
    let wanted: BTreeSet<String> = graph_scopes.iter().cloned().collect();
    // Tenant-wide consent to everything configured lets the sign-in through (a scope beyond it
    // then simply does not reach the token); otherwise each scope needs a grant or the user's own
    // consent.
    let tenant_consented =
        app.fully_consented() && !(app.granted_scopes.is_empty() && app.granted_roles.is_empty());
    let consented = tenant_consented
        || wanted.iter().all(|w| {
            already.iter().any(|a| a.eq_ignore_ascii_case(w))
                || app.granted_scopes.iter().any(|g| g.eq_ignore_ascii_case(w))
        });
    let clicked_accept = q.get("action").map(String::as_str) == Some("consent");
    if !consented {
        // Only `prompt=none` comes back with `consent_required`; otherwise Entra shows its consent
        // screen, or — when users may not consent (or a permission needs an admin) — stops at
        // "Need admin approval" and never redirects back (entra-docs:
        // docs/identity-platform/v2-oauth2-auth-code-flow.md, `prompt`; AADSTS90094).
        let prompt_none = q.get("prompt").map(String::as_str) == Some("none");
        if prompt_none {
            return redirect_with(&redirect_uri, &[
                ("error", "consent_required"),
                ("error_description", &format!("AADSTS65001: The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.", app.app_id, app.display_name)),
                ("state", &state),
            ]);
        }
        // An administrator (a directory role that may grant consent) may consent to admin-only
        // scopes for themself (entra-docs: docs/identity/enterprise-apps/grant-admin-consent.md).
        let admin = !user.directory_roles.is_empty();
        if !admin && (!world.user_consent || wanted.iter().any(|w| needs_admin(w))) {
            return error_page(90094, "Need admin approval.", &format!("{} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.", app.display_name));
        }
        if !clicked_accept {
            return consent_page(&app, &tenant, &q, &user, &graph_scopes);
        }
        world
            .user_consents
            .entry(key)
            .or_default()
            .extend(wanted.iter().cloned());
    }
    let code = {
        let mut rng = Rng::new(Timestamp::now().as_nanosecond() as u64 ^ world.codes.len() as u64);
        format!("1.{}", rng.token(64))
    };
    world.codes.insert(
        code.clone(),
        AuthCode {
            app_id: app.app_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge: q.get("code_challenge").cloned(),
            challenge_method: q
                .get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".into()),
            scopes: graph_scopes.into_iter().chain(oidc).collect(),
            issued: Timestamp::now(),
            redeemed: false,
            nonce: q.get("nonce").cloned(),
        },
    );
    let session = uuid::Uuid::new_v4().to_string();
    redirect_with(
        &redirect_uri,
        &[
            ("code", &code),
            ("state", &state),
            ("session_state", &session),
        ],
    )
}

/// The claims Entra adds that make a real access token 1.5–3 KB (`aio`, `rh`, `xms_*`, `wids`,
/// `ipaddr`, …): the emulator's tokens are that size too, so storage and headers are exercised.
fn with_entra_padding(mut claims: Value, now: Timestamp) -> Value {
    let mut rng = Rng::new(now.as_nanosecond() as u64 ^ 0xa10);
    claims["aio"] = json!(rng.token(120));
    claims["rh"] = json!(format!("1.A{}.", rng.token(60)));
    claims["xms_ftd"] = json!(rng.token(64));
    claims["xms_idrel"] = json!("1 12");
    claims["xms_tcdt"] = json!(1_600_000_000);
    claims["xms_tdbr"] = json!("EU");
    claims["ipaddr"] = json!("127.0.0.1");
    claims["platf"] = json!("3");
    claims["tenant_region_scope"] = json!("EU");
    claims["wids"] = json!(["b79fbf4d-3ef9-4689-8143-76b194e85509"]);
    claims["xms_cc"] = json!(["CP1"]);
    claims["xms_st"] = json!({"sub": rng.token(43)});
    claims
}

/// The authorize request's parameters as hidden form fields (the account and the button are the
/// form's own).
fn hidden_fields(q: &HashMap<String, String>) -> String {
    q.iter()
        .filter(|(k, _)| k.as_str() != "action" && k.as_str() != "login_hint")
        .map(|(k, v)| {
            format!(
                "<input type=hidden name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

/// Entra's consent screen: the permissions asked for, Accept or Cancel.
fn consent_page(
    app: &AppRegistration,
    tenant: &str,
    q: &HashMap<String, String>,
    user: &crate::model::User,
    scopes: &[String],
) -> Response {
    let hidden = hidden_fields(q);
    let perms: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Permissions requested</title></head><body><main>\
<p><b>Microsoft</b> · {}</p><h1>Permissions requested</h1><p><b>{}</b> (unverified) needs permission to:</p><ul>{}</ul>\
<form method=post action=\"/{}/oauth2/v2.0/authorize\">{}<input type=hidden name=login_hint value=\"{}\">\
<button name=action value=consent>Accept</button> <button name=action value=cancel>Cancel</button></form></main></body></html>",
        escape(&user.upn),
        escape(&app.display_name),
        perms,
        escape(tenant),
        hidden,
        escape(&user.upn),
    );
    Html(html).into_response()
}

/// Delegated permissions that only an administrator can consent to.
fn needs_admin(scope: &str) -> bool {
    crate::model::needs_admin_scope(scope)
}

fn sign_in_page(
    world: &crate::model::World,
    app: &AppRegistration,
    tenant: &str,
    q: &HashMap<String, String>,
    scopes: &[String],
) -> Response {
    let hidden = hidden_fields(q);
    let accounts: String = world
        .users
        .iter()
        .filter(|u| u.is_host || u.is_admin)
        .map(|u| {
            format!(
                "<label class=acct><input type=radio name=login_hint value=\"{}\" required> <b>{}</b><br><small>{}</small></label>",
                escape(&u.upn),
                escape(&u.display_name),
                escape(&u.upn)
            )
        })
        .collect();
    let perms: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in to your account</title>\
<style>body{{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}}main{{background:#fff;max-width:26rem;margin:4rem auto;padding:2rem 2.5rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}}\
.acct{{display:block;padding:.5rem;border:1px solid #ddd;margin:.4rem 0;cursor:pointer}}button{{padding:.5rem 1.2rem;margin-right:.5rem}}\
.primary{{background:#0067b8;color:#fff;border:0}}small{{color:#555}}</style></head><body><main>\
<p><b>Microsoft</b> · demo tenant {}</p><h1>Pick an account</h1><p><b>{}</b> wants to sign you in and access:</p><ul>{}</ul>\
<form method=post action=\"/{}/oauth2/v2.0/authorize\">{}{}<p><button class=primary name=action value=consent>Accept</button>\
<button name=action value=cancel formnovalidate>Cancel</button></p></form><p><small>Rollcall emulator — no password needed.</small></p></main></body></html>",
        escape(&world.tenant.display_name),
        escape(&app.display_name),
        perms,
        escape(tenant),
        hidden,
        accounts
    );
    Html(html).into_response()
}

/// Client authentication at the token endpoint: the secret from the body or from HTTP Basic.
fn client_secret(form: &HashMap<String, String>, headers: &HeaderMap) -> Option<String> {
    if let Some(s) = form.get("client_secret") {
        return Some(s.clone());
    }
    basic_credentials(headers).map(|(_, secret)| secret)
}

/// RFC 6749 HTTP Basic client authentication: `base64(urlenc(client_id):urlenc(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.strip_prefix("Basic ")?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |v: &str| {
        url::form_urlencoded::parse(format!("s={v}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((id.to_string(), unescape(secret)?))
}

/// Check a confidential client's secret; `Err` is the response to send.
fn check_secret(
    app: &AppRegistration,
    secret: Option<&str>,
    now: Timestamp,
) -> Result<(), Response> {
    let Some(secret) = secret else {
        return Err(aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            None,
        ));
    };
    match app.secrets.iter().find(|c| c.value == secret) {
        Some(c) if c.end <= now => Err(aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            &format!("The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", app.app_id),
            None,
        )),
        Some(_) => Ok(()),
        None => Err(aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.app_id),
            None,
        )),
    }
}

async fn token(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    s.faults.count(|st| st.token_requests += 1);
    let now = Timestamp::now();
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    let generic = ["common", "organizations", "consumers"].contains(&tenant.as_str());
    let world = s.world();
    if !generic && !world.knows_tenant(&tenant) {
        return tenant_not_found(&tenant, "invalid_request");
    }
    if grant.is_empty() {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            None,
        );
    }
    let Some(client_id) = form
        .get("client_id")
        .cloned()
        .or_else(|| basic_credentials(&headers).map(|(id, _)| id))
    else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            None,
        );
    };
    let Some(app) = world.app(&client_id).cloned() else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", world.tenant.display_name),
            None,
        );
    };
    drop(world);
    let secret = client_secret(&form, &headers);
    match grant.as_str() {
        "client_credentials" => {
            if generic {
                return aad_error(StatusCode::BAD_REQUEST, "invalid_request", 50059, "No tenant-identifying information found in either the request or implied by any provided credentials.", None);
            }
            let scope = form.get("scope").cloned().unwrap_or_default();
            if !scope.ends_with("/.default") || scope.split_whitespace().count() != 1 {
                // Client credentials need `{resource}/.default` (entra-docs:
                // docs/identity-platform/v2-oauth2-client-creds-grant-flow.md; error AADSTS1002012).
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    1002012,
                    &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
                    None,
                );
            }
            // A certificate's assertion stands in for the secret (certificate-credentials.md).
            let checked = match form.get("client_assertion") {
                Some(assertion) if secret.is_none() => crate::certificates::check_assertion(
                    &app,
                    form.get("client_assertion_type").map(String::as_str),
                    assertion,
                    &[format!("{}/{tenant}/oauth2/v2.0/token", s.base)],
                    now,
                ),
                _ => check_secret(&app, secret.as_deref(), now),
            };
            if let Err(r) = checked {
                return r;
            }
            let lifetime = s.faults.config().token_lifetime_secs as i64;
            let roles = app.token_roles();
            let tid = s.world().tenant.id.clone();
            let mut claims = json!({
                "aud": "https://graph.microsoft.com",
                "iss": format!("https://sts.windows.net/{tid}/"),
                "iat": now.as_second(), "nbf": now.as_second(), "exp": now.as_second() + lifetime,
                "app_displayname": app.display_name, "appid": app.app_id, "appidacr": "1",
                "idp": format!("https://sts.windows.net/{tid}/"), "idtyp": "app",
                "oid": app.sp_id, "sub": app.sp_id, "tid": tid,
                "uti": uuid::Uuid::new_v4().simple().to_string(), "ver": "1.0",
            });
            if !roles.is_empty() {
                claims["roles"] = json!(roles);
            }
            let claims = with_entra_padding(claims, now);
            match s.keys.sign(&claims) {
                Ok(at) => (
                    StatusCode::OK,
                    no_store(),
                    Json(json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": at})),
                )
                    .into_response(),
                Err(e) => aad_error(StatusCode::INTERNAL_SERVER_ERROR, "temporarily_unavailable", 50000, &e.to_string(), None),
            }
        }
        "authorization_code" => redeem_code(
            &s,
            &app,
            &form,
            secret.as_deref(),
            headers.contains_key(header::ORIGIN),
            now,
        ),
        "refresh_token" => refresh(&s, &app, &form, secret.as_deref(), now),
        other => aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
            None,
        ),
    }
}

/// Public clients must not authenticate; Web ones must, with a valid secret.
fn authenticate_for_redirect(
    app: &AppRegistration,
    redirect_uri: &str,
    secret: Option<&str>,
    now: Timestamp,
) -> Result<(), Response> {
    match find_redirect(app, redirect_uri).map(|r| &r.platform) {
        Some(Platform::InstalledClient) if secret.is_some() => Err(aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            None,
        )),
        Some(Platform::InstalledClient) => Ok(()),
        // A single-page application is public too; its redemption fails on the origin below.
        Some(Platform::Spa) => Ok(()),
        _ => check_secret(app, secret, now),
    }
}

fn redeem_code(
    s: &Arc<Shared>,
    app: &AppRegistration,
    form: &HashMap<String, String>,
    secret: Option<&str>,
    has_origin: bool,
    now: Timestamp,
) -> Response {
    let code = form.get("code").cloned().unwrap_or_default();
    let mut world = s.world();
    let Some(grant) = world.codes.get(&code).cloned() else {
        return aad_error(StatusCode::BAD_REQUEST, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.", None);
    };
    if grant.redeemed {
        return aad_error(StatusCode::BAD_REQUEST, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.", None);
    }
    if now.duration_since(grant.issued) > SignedDuration::from_mins(10) {
        return aad_error(StatusCode::BAD_REQUEST, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.", None);
    }
    if !grant.app_id.eq_ignore_ascii_case(&app.app_id) {
        return aad_error(StatusCode::BAD_REQUEST, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client.", None);
    }
    let redirect_uri = form.get("redirect_uri").cloned().unwrap_or_default();
    if redirect_uri != grant.redirect_uri {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one used in the authorization request.",
            None,
        );
    }
    if let Err(r) = authenticate_for_redirect(app, &redirect_uri, secret, now) {
        return r;
    }
    if let Some(challenge) = &grant.challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        let computed = if grant.challenge_method.eq_ignore_ascii_case("S256") {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.clone()
        };
        if verifier.is_empty() || &computed != challenge {
            return aad_error(StatusCode::BAD_REQUEST, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", None);
        }
    }
    if let Some(g) = world.codes.get_mut(&code) {
        g.redeemed = true;
    }
    drop(world);
    // A redirect registered as a single-page application gets tokens only for a cross-origin
    // (browser) request, which a desktop app's redemption is not (AADSTS9002327).
    if find_redirect(app, &redirect_uri).map(|r| &r.platform) == Some(&Platform::Spa) && !has_origin
    {
        return aad_error(StatusCode::BAD_REQUEST, "invalid_request", 9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.", None);
    }
    issue_delegated(
        s,
        app,
        &grant.user_id,
        &grant.scopes,
        grant.nonce.as_deref(),
        now,
    )
}

fn refresh(
    s: &Arc<Shared>,
    app: &AppRegistration,
    form: &HashMap<String, String>,
    secret: Option<&str>,
    now: Timestamp,
) -> Response {
    let rt = form.get("refresh_token").cloned().unwrap_or_default();
    let world = s.world();
    let Some(grant) = world.refresh.get(&rt).cloned() else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
            None,
        );
    };
    drop(world);
    if !grant.app_id.eq_ignore_ascii_case(&app.app_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The refresh token was issued to a different client.",
            None,
        );
    }
    if s.faults.refresh_inactive()
        || now.duration_since(grant.last_used) > SignedDuration::from_hours(24 * 90)
    {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700082,
            &format!("The refresh token has expired due to inactivity. The token was issued on {} and was inactive for 90.00:00:00.", grant.last_used.strftime("%Y-%m-%dT%H:%M:%S%.7fZ")),
            None,
        );
    }
    // A Web-platform registration must keep authenticating; a public one must not.
    let has_web_only = app.redirects.iter().all(|r| r.platform == Platform::Web);
    if has_web_only {
        if let Err(r) = check_secret(app, secret, now) {
            return r;
        }
    } else if secret.is_some() && !app.redirects.iter().any(|r| r.platform == Platform::Web) {
        return aad_error(StatusCode::UNAUTHORIZED, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.", None);
    } else if let Some(sec) = secret {
        if let Err(r) = check_secret(app, Some(sec), now) {
            return r;
        }
    }
    let requested = form.get("scope").cloned().unwrap_or_default();
    let (graph_scopes, oidc) = split_scopes(&requested);
    let scopes: Vec<String> = if graph_scopes.iter().any(|g| g.ends_with(".default"))
        || graph_scopes.is_empty()
    {
        grant.scopes.clone()
    } else {
        for g in &graph_scopes {
            if !grant.scopes.iter().any(|have| have.eq_ignore_ascii_case(g)) {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    65001,
                    &format!("The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.", app.app_id, app.display_name),
                    Some("consent_required"),
                );
            }
        }
        graph_scopes.into_iter().chain(oidc).collect()
    };
    issue_delegated(s, app, &grant.user_id, &scopes, None, now)
}

/// Issue access, refresh (if `offline_access`) and id (if `openid`) tokens for a user.
fn issue_delegated(
    s: &Arc<Shared>,
    app: &AppRegistration,
    user_id: &str,
    requested: &[String],
    nonce: Option<&str>,
    now: Timestamp,
) -> Response {
    let mut world = s.world();
    let Some(user) = world.user(user_id).cloned() else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
            None,
        );
    };
    // Only configured (and, for admin-only ones, consented) permissions reach the token; a
    // first-party client asks for any Graph scope (dynamic consent), and an administrator's own
    // consent covers admin-only scopes for that administrator alone.
    let own = world
        .user_consents
        .get(&(app.app_id.clone(), user.id.clone()))
        .cloned()
        .unwrap_or_default();
    let granted: Vec<String> = requested
        .iter()
        .filter(|sc| !OIDC.contains(&sc.as_str()))
        .filter(|sc| {
            app.delegated.iter().any(|d| d.eq_ignore_ascii_case(sc))
                || (app.first_party && crate::model::scope_id(sc).is_some())
        })
        .filter(|sc| {
            !needs_admin(sc)
                || app
                    .granted_scopes
                    .iter()
                    .any(|g| g.eq_ignore_ascii_case(sc))
                || own.iter().any(|g| g.eq_ignore_ascii_case(sc))
        })
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let oidc: Vec<&str> = OIDC
        .iter()
        .copied()
        .filter(|o| requested.iter().any(|r| r == o))
        .collect();
    let lifetime = s.faults.config().token_lifetime_secs as i64;
    let tid = world.tenant.id.clone();
    let mut scp: Vec<String> = granted.clone();
    scp.extend(
        oidc.iter()
            .filter(|o| **o != "offline_access")
            .map(|o| o.to_string()),
    );
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now.as_second(), "nbf": now.as_second(), "exp": now.as_second() + lifetime,
        "acr": "1", "amr": ["pwd"],
        "app_displayname": app.display_name, "appid": app.app_id, "appidacr": "0",
        "family_name": user.surname, "given_name": user.given_name, "idtyp": "user",
        "name": user.display_name, "oid": user.id, "scp": scp.join(" "),
        "sub": user.id, "tid": tid, "unique_name": user.upn, "upn": user.upn,
        "uti": uuid::Uuid::new_v4().simple().to_string(), "ver": "1.0",
    });
    let claims = with_entra_padding(claims, now);
    let Ok(access) = s.keys.sign(&claims) else {
        return aad_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable",
            50000,
            "signing failed",
            None,
        );
    };
    let mut scope_out: Vec<String> = oidc
        .iter()
        .filter(|o| **o != "offline_access")
        .map(|o| o.to_string())
        .collect();
    scope_out.extend(granted.iter().map(|g| format!("{GRAPH}{g}")));
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    });
    if oidc.contains(&"offline_access") {
        // Opaque, `1.A…`, 1.1–2 KB as Entra issues them (4 KB in the large-tokens scenario).
        let mut rng = Rng::new(now.as_nanosecond() as u64 ^ 0x5eed ^ world.refresh.len() as u64);
        let len = if world.large_tokens {
            4096
        } else {
            1100 + rng.range(0, 900) as usize
        };
        let rt = format!("1.A{}", rng.token(len - 3));
        let mut kept: Vec<String> = granted.clone();
        kept.extend(oidc.iter().map(|o| o.to_string()));
        world.refresh.insert(
            rt.clone(),
            RefreshGrant {
                app_id: app.app_id.clone(),
                user_id: user.id.clone(),
                scopes: kept,
                last_used: now,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if oidc.contains(&"openid") {
        let id_claims = json!({
            "aud": app.app_id, "iss": format!("{}/{tid}/v2.0", s.base), "iat": now.as_second(), "nbf": now.as_second(),
            "exp": now.as_second() + 3600, "name": user.display_name, "oid": user.id, "preferred_username": user.upn,
            "sub": user.id, "tid": tid, "ver": "2.0",
        });
        let mut id_claims = id_claims;
        // OpenID Connect: the authorize request's nonce comes back in the id token.
        if let Some(n) = nonce {
            id_claims["nonce"] = json!(n);
        }
        if let Ok(id) = s.keys.sign(&id_claims) {
            body["id_token"] = json!(id);
        }
    }
    (StatusCode::OK, no_store(), Json(body)).into_response()
}

async fn consent_get(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    admin_consent(s, tenant, q, false)
}

async fn consent_post(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    admin_consent(s, tenant, q, true)
}

fn admin_consent(
    s: Arc<Shared>,
    tenant: String,
    q: HashMap<String, String>,
    submitted: bool,
) -> Response {
    let mut world = s.world();
    if !world.knows_tenant(&tenant) && tenant != "organizations" {
        return error_page(
            90002,
            &format!("Tenant '{tenant}' not found."),
            "Check the tenant ID.",
        );
    }
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    let Some(app) = world.app(&client_id).cloned() else {
        return error_page(
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
            "Check the client ID.",
        );
    };
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_else(|| {
        app.redirects
            .first()
            .map(|r| r.uri.clone())
            .unwrap_or_default()
    });
    if find_redirect(&app, &redirect_uri).is_none() {
        return error_page(50011, &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'.", app.app_id), "Register it under Authentication.");
    }
    let state = q.get("state").cloned().unwrap_or_default();
    let tid = world.tenant.id.clone();
    if !submitted {
        let hidden: String = q
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=hidden name=\"{}\" value=\"{}\">",
                    escape(k),
                    escape(v)
                )
            })
            .collect();
        let perms: String = app
            .app_roles
            .iter()
            .map(|r| format!("<li>{} <small>(Application)</small></li>", escape(r)))
            .collect();
        let html = format!(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Permissions requested</title><style>body{{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto}}</style></head>\
<body><h1>Permissions requested</h1><p><b>{}</b> — accept for your organization ({}) as <b>{}</b></p><ul>{}</ul>\
<form method=post>{}<button name=action value=accept>Accept</button> <button name=action value=cancel>Cancel</button></form></body></html>",
            escape(&app.display_name),
            escape(&world.tenant.display_name),
            escape(&s.creds.admin),
            perms,
            hidden
        );
        return Html(html).into_response();
    }
    if q.get("action").map(String::as_str) != Some("accept") {
        return redirect_with(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: The admin canceled the request.",
                ),
                ("state", &state),
            ],
        );
    }
    if let Some(a) = world.app_mut(&client_id) {
        a.granted_roles = a.app_roles.clone();
        a.granted_scopes = a
            .delegated
            .iter()
            .filter(|d| !OIDC.contains(&d.as_str()))
            .cloned()
            .collect();
    }
    let scope: String = app
        .app_roles
        .iter()
        .map(|r| format!("{GRAPH}{r}"))
        .collect::<Vec<_>>()
        .join(" ");
    redirect_with(
        &redirect_uri,
        &[
            ("admin_consent", "True"),
            ("tenant", &tid),
            ("scope", &scope),
            ("state", &state),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::redirect_matches;

    #[test]
    fn loopback_port_is_ignored_but_path_and_scheme_are_not() {
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:53123/"
        ));
        assert!(redirect_matches("http://localhost", "http://localhost:1"));
        assert!(!redirect_matches(
            "http://localhost",
            "http://127.0.0.1:53123/"
        ));
        assert!(!redirect_matches(
            "http://localhost/cb",
            "http://localhost:5000/CB"
        ));
        assert!(!redirect_matches(
            "https://lms.example/cb",
            "https://lms.example:8443/cb"
        ));
        assert!(redirect_matches(
            "https://lms.example/cb",
            "https://lms.example/cb"
        ));
    }
}
