//! The Graph v1.0 subset: users, licences, events and calendarView, online meetings, attendance
//! reports and records, applications and service principals, and `$batch`.
//!
//! Every request goes through one dispatcher (`dispatch`), so `$batch` inner requests get exactly
//! the same permission checks and shapes as direct ones, and each meets the service's limits
//! (`serve_one`) on its own. Not covered: beta, change notifications, delta queries,
//! `$search`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::faults::{FaultState, Injected};
use crate::model::*;
use crate::rng::Rng;
use crate::tz;
use crate::Shared;

mod directory;
mod events;
mod virtual_events;

const META: &str = "https://graph.microsoft.com/v1.0/$metadata";
const JSON_CT: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
/// Page size of `attendanceRecords` (undocumented; the client must follow nextLinks whatever it is).
const RECORDS_PAGE: usize = 100;

pub fn routes(_shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new().route("/v1.0/{*rest}", any(handle))
}

/// One Graph answer, before it is turned into HTTP (or into a `$batch` entry).
pub struct GResp {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl GResp {
    fn ok(body: Value) -> Self {
        GResp {
            status: 200,
            body: Some(body),
            headers: Vec::new(),
        }
    }
    fn status(status: u16, body: Option<Value>) -> Self {
        GResp {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

/// Who is calling, from the verified access token.
#[derive(Clone, Debug)]
pub enum Caller {
    App {
        app_id: String,
        roles: Vec<String>,
    },
    User {
        app_id: String,
        user_id: String,
        scopes: Vec<String>,
    },
}

impl Caller {
    fn has(&self, app_any: &[&str], delegated_any: &[&str]) -> bool {
        match self {
            Caller::App { roles, .. } => roles
                .iter()
                .any(|r| app_any.iter().any(|a| a.eq_ignore_ascii_case(r))),
            Caller::User { scopes, .. } => scopes
                .iter()
                .any(|r| delegated_any.iter().any(|a| a.eq_ignore_ascii_case(r))),
        }
    }
    fn app_id(&self) -> &str {
        match self {
            Caller::App { app_id, .. } | Caller::User { app_id, .. } => app_id,
        }
    }
}

pub struct Ctx<'a> {
    caller: &'a Caller,
    request_id: String,
    client_request_id: String,
    prefer_tz: String,
    base: String,
    /// `ConsistencyLevel: eventual`: directory advanced queries allowed (aad-advanced-queries.md).
    eventual: bool,
}

fn graph_error(ctx: &Ctx, status: u16, code: &str, message: &str) -> GResp {
    let date = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string();
    GResp::status(
        status,
        Some(
            json!({"error": {"code": code, "message": message, "innerError": {
                "date": date, "request-id": ctx.request_id, "client-request-id": ctx.client_request_id
            }}}),
        ),
    )
}

/// A per-app rate limit met: `429 TooManyRequests` with the seconds until the window frees up.
fn over_rate_limit(ctx: &Ctx, wait_secs: u64) -> GResp {
    let mut r = graph_error(
        ctx,
        429,
        "TooManyRequests",
        "Too many requests. Please retry after some time.",
    );
    r.headers
        .push(("Retry-After".into(), wait_secs.to_string()));
    r
}

/// Outlook errors often come without `innerError`.
fn outlook_error(status: u16, code: &str, message: &str) -> GResp {
    GResp::status(
        status,
        Some(json!({"error": {"code": code, "message": message}})),
    )
}

fn denied_directory(ctx: &Ctx) -> GResp {
    graph_error(
        ctx,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

fn denied_calendar(ctx: &Ctx) -> GResp {
    graph_error(
        ctx,
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.faults.count(|st| st.graph_requests += 1);
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let path = uri.path().trim_start_matches("/v1.0/").to_string();
    let query = uri.query().unwrap_or("").to_string();
    let route = route_family(&path);
    s.faults
        .count(|st| *st.by_route.entry(route.to_string()).or_insert(0) += 1);

    let mut resp = 'outer: {
        // 1. The bearer token.
        let caller = match authenticate(&s, &headers) {
            Ok(c) => c,
            Err(msg) => {
                let ctx = Ctx {
                    caller: &Caller::App {
                        app_id: String::new(),
                        roles: vec![],
                    },
                    request_id: request_id.clone(),
                    client_request_id: client_request_id.clone(),
                    prefer_tz: "UTC".into(),
                    base: s.graph_base(),
                    eventual: false,
                };
                let mut r = graph_error(&ctx, 401, "InvalidAuthenticationToken", &msg);
                r.headers.push((
                    "WWW-Authenticate".into(),
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"".into(),
                ));
                break 'outer r;
            }
        };
        // 2. The network round trip, half on the way in (the other half on the way out).
        let rtt = s.faults.config().latency_ms;
        if rtt > 0 {
            tokio::time::sleep(Duration::from_millis(rtt / 2)).await;
        }
        let ctx = Ctx {
            caller: &caller,
            request_id: request_id.clone(),
            client_request_id: client_request_id.clone(),
            prefer_tz: prefer_tz(&headers),
            base: s.graph_base(),
            eventual: headers
                .get("ConsistencyLevel")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("eventual")),
        };
        // A batch is only an envelope: each sub-request meets the limits on its own
        // (concepts/json-batching.md, "Batch size limitations"; concepts/throttling.md).
        if path == "$batch" && method == Method::POST {
            break 'outer batch(&s, &ctx, &body).await;
        }
        match serve_one(&s, &ctx, &method, &path, &query, &body).await {
            Ok(r) | Err(r) => r,
        }
    };
    let rtt = s.faults.config().latency_ms;
    if rtt > 0 {
        tokio::time::sleep(Duration::from_millis(rtt - rtt / 2)).await;
    }
    resp.headers.push(("request-id".into(), request_id));
    resp.headers
        .push(("client-request-id".into(), client_request_id));
    let truncate = resp.status < 300 && resp.body.is_some() && s.faults.truncate();
    into_http(resp, truncate)
}

/// One request (direct or a `$batch` sub-request) through the service's own limits: Outlook's
/// per-mailbox concurrency (held for the service time), injected throttling and server errors,
/// then the handler. `Err` carries a throttling or server error answer.
async fn serve_one(
    s: &Arc<Shared>,
    ctx: &Ctx<'_>,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Result<GResp, GResp> {
    // Online meetings and attendance reports: 5,000 requests per 10 seconds per app
    // (includes/throttling-skype-calling.md, which lists onlineMeeting and meetingAttendanceReport).
    if path.to_ascii_lowercase().contains("onlinemeetings") {
        if let Some(wait) = s.faults.teams_request() {
            return Err(over_rate_limit(ctx, wait));
        }
    }
    let mailbox = mailbox_of(s, ctx.caller, path);
    let _slot = match &mailbox {
        Some(m) => match FaultState::enter_mailbox(s, m) {
            Some(slot) => Some(slot),
            None => {
                let mut r = outlook_error(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                );
                r.headers.push(("Retry-After".into(), "1".into()));
                return Err(r);
            }
        },
        None => None,
    };
    let service = s.faults.config().service_ms;
    if service > 0 {
        tokio::time::sleep(Duration::from_millis(service)).await;
    }
    match s.faults.inject() {
        Some(Injected::Throttle { retry_after }) => {
            let mut r = GResp::status(
                429,
                Some(json!({"error": {"code": "TooManyRequests", "innerError": {
                "code": "429", "date": Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(), "message": "Please retry after",
                "request-id": ctx.request_id, "status": "429"}, "message": "Please retry again later."}})),
            );
            r.headers.push(("Retry-After".into(), retry_after));
            Err(r)
        }
        Some(Injected::ServerError { status }) => {
            let code = if status == 503 {
                "ServiceNotAvailable"
            } else {
                "GatewayTimeout"
            };
            Err(graph_error(
                ctx,
                status,
                code,
                "The service is temporarily unavailable. Please retry later.",
            ))
        }
        None => Ok(dispatch(s, ctx, method, path, query, body)),
    }
}

fn into_http(resp: GResp, truncate: bool) -> Response {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = match resp.body {
        Some(b) => {
            let mut text = b.to_string();
            if truncate {
                let mut cut = text.len() / 2;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            let mut r = (status, text).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static(JSON_CT));
            r
        }
        None => status.into_response(),
    };
    for (k, v) in resp.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k.as_str()),
            HeaderValue::from_str(&v),
        ) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

fn route_family(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    if p.contains("attendancerecords") {
        "attendanceRecords"
    } else if p.contains("attendancereports") {
        "attendanceReports"
    } else if p.contains("onlinemeetings") {
        "onlineMeetings"
    } else if p.contains("calendarview") {
        "calendarView"
    } else if p.contains("events") {
        "events"
    } else if p.starts_with("solutions/virtualevents") {
        "virtualEvents"
    } else if p.starts_with("$batch") {
        "batch"
    } else if p.contains("licensedetails") {
        "licenseDetails"
    } else if p.starts_with("users") || p.starts_with("me") {
        "users"
    } else if p.starts_with("applications") {
        "applications"
    } else if p.starts_with("serviceprincipals") {
        "servicePrincipals"
    } else {
        "other"
    }
}

fn authenticate(s: &Shared, headers: &HeaderMap) -> Result<Caller, String> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err("Access token is empty.".into());
    };
    let Some(token) = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
    else {
        return Err("Access token is empty.".into());
    };
    let claims = s.keys.verify(token.trim()).map_err(|e| e.to_string())?;
    let app_id = claims["appid"].as_str().unwrap_or_default().to_string();
    if claims["idtyp"] == "user" || claims.get("scp").is_some() {
        Ok(Caller::User {
            app_id,
            user_id: claims["oid"].as_str().unwrap_or_default().to_string(),
            scopes: claims["scp"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        })
    } else {
        let roles = claims["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Caller::App { app_id, roles })
    }
}

/// The mailbox an Outlook or Teams request is about, for the concurrency limit.
fn mailbox_of(s: &Shared, caller: &Caller, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').collect();
    let lower = path.to_ascii_lowercase();
    // Outlook's limits are Outlook's: online meetings and their attendance reports are Teams
    // resources with limits of their own ("Skype calling" in concepts/throttling-limits.md;
    // `teams_limit`).
    if lower.contains("onlinemeetings")
        || !(lower.contains("events") || lower.contains("calendarview"))
    {
        return None;
    }
    match (segs.first().copied(), caller) {
        (Some("me"), Caller::User { user_id, .. }) => Some(user_id.clone()),
        (Some("users"), _) => {
            let key = decode_segment(segs.get(1).copied().unwrap_or_default());
            Some(s.world().user(&key).map(|u| u.id.clone()).unwrap_or(key))
        }
        _ => None,
    }
}

fn prefer_tz(headers: &HeaderMap) -> String {
    for v in headers.get_all("prefer") {
        let Ok(text) = v.to_str() else { continue };
        for part in text.split(',') {
            let part = part.trim();
            if let Some(rest) = part.strip_prefix("outlook.timezone=") {
                let zone = rest.trim_matches('"').to_string();
                if tz::zone(&zone).is_some() {
                    return zone;
                }
            }
        }
    }
    "UTC".into()
}

fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn parse_query(q: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect()
}

/// `$filter=prop eq 'value' [or prop eq 'value']`; `None` when the clause is not of that form.
fn parse_eq_filter(filter: &str) -> Option<Vec<(String, String)>> {
    let f = parse_user_filter(filter)?;
    (!f.all || f.any.len() == 1).then_some(()).and_then(|()| {
        f.any
            .into_iter()
            .map(|c| (c.op == FilterOp::Eq).then_some((c.prop, c.value)))
            .collect()
    })
}

/// User properties `$filter` takes (user.md: `eq`, `startsWith` by default on these).
const USER_FILTERABLE: &[&str] = &[
    "mail",
    "userprincipalname",
    "id",
    "displayname",
    "givenname",
    "surname",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FilterOp {
    Eq,
    StartsWith,
    EndsWith,
}

struct Clause {
    prop: String,
    op: FilterOp,
    value: String,
}

/// Clauses joined by `or` (any may match) or by `and` (all must).
struct UserFilter {
    any: Vec<Clause>,
    all: bool,
}

impl UserFilter {
    fn matches(&self, u: &User) -> bool {
        let one = |c: &Clause| {
            let got = match c.prop.to_ascii_lowercase().as_str() {
                "mail" => u.mail.clone().unwrap_or_default(),
                "userprincipalname" => u.upn.clone(),
                "id" => u.id.clone(),
                "givenname" => u.given_name.clone(),
                "surname" => u.surname.clone(),
                _ => u.display_name.clone(),
            }
            .to_lowercase();
            let want = c.value.to_lowercase();
            if u.mail.is_none() && c.prop.eq_ignore_ascii_case("mail") {
                return false;
            }
            match c.op {
                FilterOp::Eq => got == want,
                FilterOp::StartsWith => got.starts_with(&want),
                FilterOp::EndsWith => got.ends_with(&want),
            }
        };
        if self.all {
            self.any.iter().all(one)
        } else {
            self.any.iter().any(one)
        }
    }
}

/// `prop eq 'v'`, `startswith(prop,'v')`, `endswith(prop,'v')`, joined by `or` or by `and`.
fn parse_user_filter(filter: &str) -> Option<UserFilter> {
    let mut any = Vec::new();
    let mut joins = Vec::new();
    let mut rest = filter.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let (clause, after) = if let Some(call) = ["startswith(", "endswith("]
            .iter()
            .find(|f| lower.starts_with(**f))
        {
            let inner = &rest[call.len()..];
            let (prop, tail) = inner.split_once(',')?;
            let (value, tail) = quoted(tail.trim_start())?;
            let tail = tail.trim_start().strip_prefix(')')?;
            let op = if *call == "startswith(" {
                FilterOp::StartsWith
            } else {
                FilterOp::EndsWith
            };
            (
                Clause {
                    prop: prop.trim().to_string(),
                    op,
                    value,
                },
                tail,
            )
        } else {
            let (prop, tail) = rest.split_once(" eq ")?;
            let (value, tail) = quoted(tail.trim_start())?;
            (
                Clause {
                    prop: prop.trim().to_string(),
                    op: FilterOp::Eq,
                    value,
                },
                tail,
            )
        };
        any.push(clause);
        rest = after.trim();
        if rest.is_empty() {
            break;
        }
        let (join, tail) = rest.split_once(' ')?;
        joins.push(join.to_ascii_lowercase());
        rest = tail.trim_start();
    }
    let all = joins.first().is_some_and(|j| j == "and");
    if joins.iter().any(|j| j != if all { "and" } else { "or" }) {
        return None;
    }
    Some(UserFilter { any, all })
}

/// A single-quoted OData string literal (`''` is a quote) and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|x| x.1) == Some('\'') {
                out.push('\'');
                chars.next();
                continue;
            }
            return Some((out, &body[i + 1..]));
        }
        out.push(c);
    }
    None
}

/// The query options a next page keeps (Graph's nextLink carries the request's `$select`,
/// `$filter`, `$orderby`, `$count`: paging.md "the URL … contains all the query parameters").
fn carried(q: &HashMap<String, String>) -> String {
    ["$select", "$filter", "$orderby", "$count"]
        .iter()
        .filter_map(|k| {
            q.get(*k)
                .map(|v| format!("&{}={}", k.replace('$', "%24"), encode(v)))
        })
        .collect()
}

fn select(value: Value, select: Option<&String>) -> Value {
    let (Some(sel), Value::Object(map)) = (select, &value) else {
        return value;
    };
    let wanted: Vec<String> = sel
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let mut out = Map::new();
    for (k, v) in map {
        if k == "id" || k.starts_with('@') || wanted.contains(&k.to_ascii_lowercase()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// One request to its handler; with `check_answers`, a successful answer is first held to
/// Microsoft's description of the path's type (`schema::check_answer`), and one that deviates is
/// replaced by a 500 naming the deviation (and kept in `Shared::deviations`).
pub fn dispatch(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> GResp {
    let resp = route(s, ctx, method, path, query, body);
    if !s.check_answers || !(200..300).contains(&resp.status) {
        return resp;
    }
    let Some(answer) = &resp.body else {
        return resp;
    };
    match check_answer(method, path, answer) {
        Ok(()) => resp,
        Err(why) => {
            let what = format!("{method} /v1.0/{path}: {why}");
            tracing::error!(deviation = %what, "emulator answer deviates from Graph's description");
            s.deviations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(what.clone());
            graph_error(ctx, 500, "EmulatorDeviation", &what)
        }
    }
}

/// An answer held to the description of the type its path resolves to (a POST to a collection
/// answers the entity it created).
pub fn check_answer(method: &Method, path: &str, answer: &Value) -> Result<(), String> {
    let segs = segments(path);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let schema = crate::schema::schema();
    match schema.answer_of(&segs)? {
        Some(mut of) => {
            if *method == Method::POST {
                of.collection = false;
            }
            schema.check_answer(&of, answer)
        }
        None => Ok(()),
    }
}

/// A request path's segments, percent-decoded (the dispatcher's and the answer check's).
fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|x| !x.is_empty())
        .map(decode_segment)
        .collect()
}

fn route(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> GResp {
    let q = parse_query(query);
    let mut segs = segments(path);
    let via_me = segs.first().map(String::as_str) == Some("me");
    if via_me {
        match ctx.caller {
            Caller::User { user_id, .. } => {
                segs[0] = user_id.clone();
                segs.insert(0, "users".into());
            }
            Caller::App { .. } => {
                return graph_error(
                    ctx,
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            }
        }
    }
    if let Some(r) = directory::route(s, ctx, method, &segs, &q, body) {
        return r;
    }
    let seg = |i: usize| segs.get(i).map(String::as_str);
    let head = seg(0).unwrap_or_default();
    if let Some(app_id) = head
        .strip_prefix("applications(appId='")
        .filter(|_| *method == Method::GET)
        .and_then(|r| r.strip_suffix("')"))
    {
        return applications(s, ctx, Some(app_id), None, &q);
    }
    if let Some(app_id) = head
        .strip_prefix("servicePrincipals(appId='")
        .filter(|_| *method == Method::GET)
        .and_then(|r| r.strip_suffix("')"))
    {
        return service_principals(s, ctx, &[], Some(app_id), &q);
    }
    match (method.as_str(), head) {
        ("GET", "users") if segs.len() == 1 => list_users(s, ctx, &q),
        (_, "users") if segs.len() >= 2 => user_routes(s, ctx, method, &segs, via_me, &q, body),
        ("GET", "applications") => applications(s, ctx, None, seg(1), &q),
        ("GET", "organization") if segs.len() <= 2 => organization(s, ctx, seg(1), &q),
        (_, "solutions") if seg(1) == Some("virtualEvents") && seg(2) == Some("webinars") => {
            virtual_events::route(s, ctx, method, &segs[3..], &q, body)
        }
        ("GET", "servicePrincipals") => service_principals(s, ctx, &segs[1..], None, &q),
        _ => graph_error(
            ctx,
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{head}'."),
        ),
    }
}

fn user_json(u: &User, with_plans: bool) -> Value {
    let mut v = json!({
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "surname": u.surname,
        "userPrincipalName": u.upn,
        "id": u.id,
    });
    if with_plans {
        v["assignedPlans"] = json!(assigned_plans(u));
        v["assignedLicenses"] = json!(if u.has_mailbox || u.teams_plan.is_some() {
            vec![
                json!({"disabledPlans": if u.teams_plan == Some("Disabled") { vec![TEAMS1_PLAN] } else { vec![] }, "skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}),
            ]
        } else {
            vec![]
        });
        v["accountEnabled"] = json!(true);
        v["userType"] = json!("Member");
    }
    v
}

fn assigned_plans(u: &User) -> Vec<Value> {
    let mut plans = Vec::new();
    if !u.teams_entries.is_empty() {
        for (plan, status) in &u.teams_entries {
            plans.push(json!({"assignedDateTime": "2024-01-15T09:12:44Z", "capabilityStatus": status, "service": "TeamspaceAPI", "servicePlanId": plan}));
        }
    } else if let Some(status) = u.teams_plan {
        plans.push(json!({"assignedDateTime": "2024-01-15T09:12:44Z", "capabilityStatus": if status == "Success" { "Enabled" } else { "Deleted" }, "service": "TeamspaceAPI", "servicePlanId": TEAMS1_PLAN}));
    }
    if u.has_mailbox {
        plans.push(json!({"assignedDateTime": "2024-01-15T09:12:44Z", "capabilityStatus": "Enabled", "service": "exchange", "servicePlanId": EXCHANGE_PLAN}));
    }
    // Office 365 A1 for faculty carries Office for the web (SHAREPOINTWAC_EDU) and SharePoint
    // Plan 1 for Education, both reported as the service "SharePoint" (licensing-service-plan-reference.md).
    if u.has_mailbox || u.onedrive {
        plans.push(json!({"assignedDateTime": "2024-01-15T09:12:44Z", "capabilityStatus": "Enabled", "service": "SharePoint", "servicePlanId": "e03c7e47-402c-463c-ab25-949079bedb21"}));
    }
    if u.onedrive {
        plans.push(json!({"assignedDateTime": "2024-01-15T09:12:44Z", "capabilityStatus": "Enabled", "service": "SharePoint", "servicePlanId": "0a4983bb-d3e5-4a09-95d8-b2d0127b3df5"}));
    }
    plans
}

fn can_read_users(ctx: &Ctx, target: &str) -> bool {
    match ctx.caller {
        Caller::User { user_id, .. } if user_id.eq_ignore_ascii_case(target) => ctx.caller.has(
            &[],
            &[
                "User.Read",
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
            ],
        ),
        _ => ctx.caller.has(
            &[
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            &[
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
            ],
        ),
    }
}

fn list_users(s: &Arc<Shared>, ctx: &Ctx, q: &HashMap<String, String>) -> GResp {
    if !can_read_users(ctx, "") {
        return denied_directory(ctx);
    }
    let top = match q.get("$top").map(|t| t.parse::<i64>()) {
        None => 100,
        Some(Ok(n)) if (1..=999).contains(&n) => n as usize,
        Some(_) => {
            let t = q.get("$top").cloned().unwrap_or_default();
            return graph_error(
                ctx,
                400,
                "Request_BadRequest",
                &format!(
                    "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                ),
            );
        }
    };
    let world = s.world();
    let mut users: Vec<&User> = world.users.iter().collect();
    // Advanced queries (endsWith, $count, $orderby beside $filter, $orderby on other properties)
    // need `ConsistencyLevel: eventual` and `$count=true`; without them Graph refuses with these
    // answers (aad-advanced-queries.md; Microsoft365DSC#3518 for the endsWith message; the
    // Microsoft 365 Developer Blog, 2020-05-19, for sorting).
    let counted = q
        .get("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let advanced = ctx.eventual && counted;
    if counted && !ctx.eventual {
        return graph_error(
            ctx,
            400,
            "Request_BadRequest",
            "$count is not currently supported.",
        );
    }
    if let Some(filter) = q.get("$filter") {
        let Some(clauses) = parse_user_filter(filter) else {
            return graph_error(ctx, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'mail' of resource 'User'.");
        };
        for c in &clauses.any {
            if !USER_FILTERABLE.contains(&c.prop.to_ascii_lowercase().as_str())
                || (c.op != FilterOp::Eq && c.prop.eq_ignore_ascii_case("id"))
            {
                return graph_error(ctx, 400, "Request_UnsupportedQuery", &format!("Unsupported or invalid query filter clause specified for property '{}' of resource 'User'.", c.prop));
            }
            if c.op == FilterOp::EndsWith && !advanced {
                return graph_error(ctx, 400, "Request_UnsupportedQuery", "Operator 'endsWith' is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information");
            }
        }
        users.retain(|u| clauses.matches(u));
    }
    if let Some(order) = q.get("$orderby") {
        let (prop, desc) = match order.trim().rsplit_once(' ') {
            Some((p, dir)) if dir.eq_ignore_ascii_case("desc") => (p.trim(), true),
            Some((p, dir)) if dir.eq_ignore_ascii_case("asc") => (p.trim(), false),
            _ => (order.trim(), false),
        };
        let by_default = ["displayName", "userPrincipalName"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(prop));
        if !advanced && (q.contains_key("$filter") || !by_default) {
            return graph_error(
                ctx,
                400,
                "Request_UnsupportedQuery",
                "Sorting not supported for current query.",
            );
        }
        let key = |u: &User| -> String {
            match prop.to_ascii_lowercase().as_str() {
                "displayname" => u.display_name.to_lowercase(),
                "userprincipalname" => u.upn.to_lowercase(),
                "mail" => u.mail.clone().unwrap_or_default().to_lowercase(),
                "givenname" => u.given_name.to_lowercase(),
                "surname" => u.surname.to_lowercase(),
                _ => u.id.clone(),
            }
        };
        if ![
            "displayname",
            "userprincipalname",
            "mail",
            "givenname",
            "surname",
            "id",
        ]
        .contains(&prop.to_ascii_lowercase().as_str())
        {
            return graph_error(
                ctx,
                400,
                "Request_UnsupportedQuery",
                &format!("Order by '{prop}' is not supported."),
            );
        }
        users.sort_by_key(|u| key(u));
        if desc {
            users.reverse();
        }
    }
    let skip: usize = q
        .get("$skiptoken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let wants_plans = q
        .get("$select")
        .is_some_and(|s| s.to_ascii_lowercase().contains("assigned"));
    let page: Vec<Value> = users
        .iter()
        .skip(skip)
        .take(top)
        .map(|u| select(user_json(u, wants_plans), q.get("$select")))
        .collect();
    let mut body = collection(format!("{META}#users"), page);
    if counted {
        body["@odata.count"] = json!(users.len());
    }
    if skip + top < users.len() {
        let link = format!(
            "{}/users?$top={top}&$skiptoken={}{}",
            ctx.base,
            skip + top,
            carried(q)
        );
        body["@odata.nextLink"] = json!(link);
    }
    GResp::ok(body)
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn user_routes(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    segs: &[String],
    via_me: bool,
    q: &HashMap<String, String>,
    body: &[u8],
) -> GResp {
    let key = segs[1].clone();
    let user = s.world().user(&key).cloned();
    let Some(user) = user else {
        if segs.len() > 2
            && ["events", "calendarView", "calendar", "onlineMeetings"].contains(&segs[2].as_str())
        {
            return graph_error(
                ctx,
                404,
                "ErrorInvalidUser",
                &format!("The requested user '{key}' is invalid."),
            );
        }
        return graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."));
    };
    let rest: Vec<&str> = segs[2..].iter().map(String::as_str).collect();
    let rest: Vec<&str> = if rest.first() == Some(&"calendar") {
        rest[1..].to_vec()
    } else {
        rest
    };
    match (method.as_str(), rest.as_slice()) {
        ("GET", []) => {
            if !can_read_users(ctx, &user.id) {
                return denied_directory(ctx);
            }
            let wants_plans = q
                .get("$select")
                .is_some_and(|s| s.to_ascii_lowercase().contains("assigned"));
            let mut v = select(user_json(&user, wants_plans), q.get("$select"));
            v["@odata.context"] = json!(format!("{META}#users/$entity"));
            GResp::ok(v)
        }
        ("GET", ["licenseDetails"]) => license_details(ctx, &user),
        (_, ["events", ..]) | ("GET", ["calendarView"]) => {
            if !user.has_mailbox {
                return outlook_error(
                    404,
                    "MailboxNotEnabledForRESTAPI",
                    "REST API is not yet supported for this mailbox.",
                );
            }
            if let Caller::User { user_id, .. } = ctx.caller {
                if !user_id.eq_ignore_ascii_case(&user.id) {
                    return denied_calendar(ctx);
                }
            }
            // Exchange Online's scoping of app-only mailbox access refuses mailboxes outside the
            // scope with this body (concepts/auth-limit-mailbox-access.md).
            if matches!(ctx.caller, Caller::App { .. }) && user.mailbox_out_of_scope {
                return outlook_error(403, "ErrorAccessDenied", "Access to OData is disabled.");
            }
            events::route(s, ctx, method, &user, &rest, q, body)
        }
        ("GET", ["onlineMeetings", ..]) => {
            // Delegated callers reach online meetings and their reports only through /me
            // (api-reference/v1.0/api/onlinemeeting-get.md and meetingattendancereport-list.md give
            // `/me/onlineMeetings` for delegated, `/users/{userId}` for application permissions);
            // Graph answers the other form with this error (reported: Microsoft Q&A 1410496).
            if let Caller::User { user_id, .. } = ctx.caller {
                if !via_me {
                    return graph_error(
                        ctx,
                        403,
                        "General",
                        &format!("Organizer ID in token ({user_id}) does not match organizer ID in request url ({}). With delegated permission only /me endpoint is supported.", user.id),
                    );
                }
            }
            meetings(s, ctx, &user, &rest[1..], via_me, q)
        }
        _ => graph_error(
            ctx,
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                rest.first().unwrap_or(&"")
            ),
        ),
    }
}

fn license_details(ctx: &Ctx, user: &User) -> GResp {
    let allowed = match ctx.caller {
        // Current docs: application permissions are not supported for licenseDetails.
        Caller::App { .. } => false,
        Caller::User { user_id, .. } if user_id.eq_ignore_ascii_case(&user.id) => true,
        Caller::User { .. } => ctx.caller.has(
            &[],
            &[
                "LicenseAssignment.Read.All",
                "User.Read.All",
                "Directory.Read.All",
            ],
        ),
    };
    if !allowed {
        return denied_directory(ctx);
    }
    let mut value = Vec::new();
    if user.has_mailbox || user.teams_plan.is_some() {
        let mut plans = vec![
            json!({"servicePlanId": EXCHANGE_PLAN, "servicePlanName": "EXCHANGE_S_ENTERPRISE", "provisioningStatus": if user.has_mailbox { "Success" } else { "Disabled" }, "appliesTo": "User"}),
        ];
        if let Some(status) = user.teams_plan {
            plans.push(json!({"servicePlanId": TEAMS1_PLAN, "servicePlanName": "TEAMS1", "provisioningStatus": status, "appliesTo": "User"}));
        }
        value.push(json!({"id": format!("lic-{}", &user.id[..8]), "skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965", "skuPartNumber": "SPE_E3", "servicePlans": plans}));
    }
    GResp::ok(
        json!({"@odata.context": format!("{META}#users('{}')/licenseDetails", user.id), "value": value}),
    )
}

fn meeting_json(m: &OnlineMeeting, world: &World) -> Value {
    let organizer = world.user(&m.organizer_id);
    json!({
        "id": m.id,
        "creationDateTime": tz::offset(m.created),
        "startDateTime": tz::offset(m.start),
        "endDateTime": tz::offset(m.end),
        "joinWebUrl": m.join_url,
        "subject": m.subject,
        "isEntryExitAnnounced": true,
        "allowedPresenters": "everyone",
        "allowMeetingChat": "enabled",
        "allowTeamworkReactions": true,
        "videoTeleconferenceId": null,
        "participants": {
            "organizer": {"upn": organizer.map(|u| u.upn.clone()), "role": "presenter", "identity": {"user": {
                "id": m.organizer_id, "displayName": null, "tenantId": world.tenant.id, "identityProvider": "AAD"}}},
            "attendees": [], "producers": [], "contributors": []
        },
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
        "joinMeetingIdSettings": {"isPasscodeRequired": m.passcode.is_some(), "joinMeetingId": m.join_meeting_id, "passcode": m.passcode},
        "chatInfo": {"threadId": m.thread_id, "messageId": "0", "replyChainMessageId": null},
    })
}

/// Teams endpoints: permission, then (app-only) the application access policy, then organizer-only.
fn meeting_gate(ctx: &Ctx, world: &World, user: &User, artifact: bool) -> Option<GResp> {
    let ok = if artifact {
        ctx.caller.has(
            &["OnlineMeetingArtifact.Read.All"],
            &["OnlineMeetingArtifact.Read.All"],
        )
    } else {
        ctx.caller.has(
            &["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"],
            &["OnlineMeetings.Read", "OnlineMeetings.ReadWrite"],
        )
    };
    if !ok {
        return Some(graph_error(ctx, 403, "Forbidden", "Application does not have permission to perform this operation. Required permissions are missing from the token."));
    }
    match ctx.caller {
        Caller::App { app_id, .. } => {
            let covered = user.policy_covered && world.app(app_id).is_some();
            if !covered {
                let documented = format!(
                    "App {app_id} is not authorized to get online meetings on behalf of user {}.",
                    user.id
                );
                return Some(match world.policy_error {
                    PolicyError::General => graph_error(
                        ctx,
                        403,
                        "General",
                        "No application access policy found for this app.",
                    ),
                    PolicyError::Documented => graph_error(ctx, 403, "Unauthorized", &documented),
                    PolicyError::Documented401 => {
                        graph_error(ctx, 401, "Unauthorized", &documented)
                    }
                });
            }
        }
        Caller::User { user_id, .. } => {
            if !user_id.eq_ignore_ascii_case(&user.id) {
                return Some(graph_error(
                    ctx,
                    403,
                    "Forbidden",
                    "3003: User does not have access to lookup meeting",
                ));
            }
        }
    }
    None
}

fn meetings(
    s: &Arc<Shared>,
    ctx: &Ctx,
    user: &User,
    rest: &[&str],
    via_me: bool,
    q: &HashMap<String, String>,
) -> GResp {
    let world = s.world();
    let artifact = rest.len() >= 2;
    let prefix = if via_me {
        "/me".to_string()
    } else {
        format!("/users/{}", user.id)
    };
    if let Some(denied) = meeting_gate(ctx, &world, user, artifact) {
        return denied;
    }
    let context_base = format!("{META}#users('{}')/onlineMeetings", user.id);
    if rest.is_empty() {
        let Some(filter) = q.get("$filter") else {
            return graph_error(
                ctx,
                400,
                "BadRequest",
                "This API requires a $filter on JoinWebUrl or joinMeetingIdSettings/joinMeetingId.",
            );
        };
        let Some(clauses) = parse_eq_filter(filter).filter(|c| c.len() == 1) else {
            return graph_error(ctx, 400, "BadRequest", "The query specified in the URI is not valid. Could not find a property named 'JoinWebUrl' on type 'Default.<>f__AnonymousType...'.");
        };
        let (prop, value) = &clauses[0];
        let found: Vec<Value> = world
            .meetings
            .iter()
            .filter(|m| match prop.to_ascii_lowercase().as_str() {
                "joinweburl" => m.join_url == *value,
                "joinmeetingidsettings/joinmeetingid" => m.join_meeting_id == *value,
                _ => false,
            })
            .map(|m| m.organised_by(&user.id).then(|| meeting_json(m, &world)))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        if !["joinweburl", "joinmeetingidsettings/joinmeetingid"]
            .contains(&prop.to_ascii_lowercase().as_str())
        {
            return graph_error(ctx, 400, "BadRequest", &format!("Could not find a property named '{prop}' on type 'microsoft.graph.onlineMeeting'."));
        }
        let organizer_mismatch = world.meetings.iter().any(|m| {
            (m.join_url == *value || m.join_meeting_id == *value) && !m.organised_by(&user.id)
        });
        if organizer_mismatch {
            return graph_error(
                ctx,
                404,
                "NotFound",
                "Organizer Id mismatch: the meeting was not organized by this user.",
            );
        }
        if found.is_empty() {
            // What Graph answers for a join URL it does not know is undocumented; after the access
            // policy is in place users report this 400 (jondoesflow/Teams-Transcript-Summariser-Open-AI#2)
            // and 404s for bad ids (microsoftgraph/microsoft-graph-docs#10770). Never an empty 200,
            // so a client cannot take "nothing found" for "the policy let me through and it exists".
            return graph_error(ctx, 400, "BadRequest", "1026: An error has occurred.");
        }
        return GResp::ok(collection(context_base, found));
    }
    let Some(meeting) = world.meetings.iter().find(|m| m.id == rest[0]) else {
        return graph_error(ctx, 404, "NotFound", "The meeting was not found.");
    };
    if !meeting.organised_by(&user.id) {
        return graph_error(
            ctx,
            403,
            "Forbidden",
            "Only the organizer or a co-organizer can read the artifacts of this meeting.",
        );
    }
    let now = Timestamp::now();
    // A report exists only once its session has ended and is kept for one year
    // (resources/meetingattendancereport.md); the list holds the newest 50.
    let year_ago = now - jiff::SignedDuration::from_hours(24 * 365);
    // Teams produces a report some time after the session ends (`late-reports` makes it late).
    let delay = jiff::SignedDuration::from_mins(world.report_delay_minutes as i64);
    let mut reports: Vec<&Report> = meeting
        .reports
        .iter()
        .filter(|r| r.end + delay <= now && r.end > year_ago)
        .collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r.end));
    let mctx = format!("{context_base}('{}')", meeting.id);
    match rest[1..] {
        [] => GResp::ok({
            let mut v = meeting_json(meeting, &world);
            v["@odata.context"] = json!(format!("{context_base}/$entity"));
            v
        }),
        ["attendanceReports"] => {
            let value: Vec<Value> = reports
                .iter()
                .take(50)
                .map(|r| report_json(r, false))
                .collect();
            GResp::ok(collection(format!("{mctx}/attendanceReports"), value))
        }
        ["attendanceReports", rid, ..] => {
            let Some(report) = reports.iter().find(|r| r.id == rid) else {
                return graph_error(ctx, 404, "NotFound", "The attendance report was not found.");
            };
            let records_link = format!(
                "{}{prefix}/onlineMeetings/{}/attendanceReports/{}/attendanceRecords",
                ctx.base,
                encode(&meeting.id),
                report.id
            );
            let rctx = format!(
                "{mctx}/attendanceReports('{}')/attendanceRecords",
                report.id
            );
            if rest.len() == 3 {
                let mut v = report_json(report, false);
                v.as_object_mut().map(|o| o.remove("attendanceRecords"));
                let expand = q
                    .get("$expand")
                    .is_some_and(|e| e.eq_ignore_ascii_case("attendanceRecords"));
                if expand {
                    v["@odata.context"] = json!(format!(
                        "{mctx}/attendanceReports(attendanceRecords())/$entity"
                    ));
                    v["attendanceRecords@odata.context"] = json!(rctx);
                    v["attendanceRecords"] = Value::Array(
                        report
                            .records
                            .iter()
                            .take(RECORDS_PAGE)
                            .map(record_json)
                            .collect(),
                    );
                    if report.records.len() > RECORDS_PAGE {
                        v["attendanceRecords@odata.nextLink"] = json!(format!(
                            "{records_link}?$skiptoken={}",
                            skiptoken(RECORDS_PAGE)
                        ));
                    }
                } else {
                    v["@odata.context"] = json!(format!("{mctx}/attendanceReports/$entity"));
                }
                GResp::ok(v)
            } else if rest.get(3) == Some(&"attendanceRecords") {
                let skip = q
                    .get("$skiptoken")
                    .and_then(|t| parse_skiptoken(t))
                    .unwrap_or(0);
                let top = q
                    .get("$top")
                    .and_then(|t| t.parse::<usize>().ok())
                    .unwrap_or(RECORDS_PAGE)
                    .clamp(1, 999);
                let total = report.records.len();
                let chunk: Vec<Record> = report
                    .records
                    .iter()
                    .skip(skip)
                    .take(top)
                    .cloned()
                    .collect();
                // Pages are the heaviest answers: build them outside the world's lock, so
                // concurrent steps and requests are not served one at a time.
                drop(reports);
                drop(world);
                let page: Vec<Value> = chunk.iter().map(record_json).collect();
                let mut v = collection(rctx, page);
                if skip + top < total {
                    v["@odata.nextLink"] = json!(format!(
                        "{records_link}?$top={top}&$skiptoken={}",
                        skiptoken(skip + top)
                    ));
                }
                GResp::ok(v)
            } else {
                graph_error(ctx, 400, "BadRequest", "Unsupported segment.")
            }
        }
        _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
    }
}

fn skiptoken(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset={offset}"))
}

fn parse_skiptoken(t: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("offset=")?
        .parse()
        .ok()
}

fn report_json(r: &Report, _expand: bool) -> Value {
    json!({
        "id": r.id,
        "totalParticipantCount": r.records.len(),
        "meetingStartDateTime": tz::offset(r.start),
        "meetingEndDateTime": tz::offset(r.end),
        "attendanceRecords": [],
    })
}

fn record_json(r: &Record) -> Value {
    let intervals = r
        .intervals
        .iter()
        .map(|i| {
            json!({
                "joinDateTime": i.join.map(tz::offset),
                "leaveDateTime": i.leave.map(tz::offset),
                "durationInSeconds": interval_seconds(i),
            })
        })
        .collect();
    let mut v = json!({
        "id": r.id,
        "emailAddress": r.email,
        "totalAttendanceInSeconds": r.total_seconds(),
        "role": r.role,
        // As the documented records show it: `tenantId` null even for members of the tenant
        // (api-reference/v1.0/api/attendancerecord-list.md, meetingattendancereport-get.md), the
        // identity typed (resources/attendancerecord.md). Clients must not rely on it.
        "identity": {"@odata.type": "#microsoft.graph.communicationsUserIdentity", "id": r.id, "displayName": r.display_name, "tenantId": null},
        "registrationId": r.registration_id,
    });
    v["attendanceIntervals"] = Value::Array(intervals);
    v
}

/// A collection answer. Built by moving `value` in: `json!` would copy every element through
/// the serializer (`to_value`), which on record pages was a tenth of the emulator's CPU.
fn collection(context: impl Into<String>, value: Vec<Value>) -> Value {
    Value::Object(Map::from_iter([
        ("@odata.context".to_string(), Value::String(context.into())),
        ("value".to_string(), Value::Array(value)),
    ]))
}

/// `GET /organization` (a collection of one) and `GET /organization/{id}`: the tenant, with its
/// verified domains (microsoft-graph-docs-contrib: api-reference/v1.0/api/organization-list.md,
/// organization-get.md). Application: Organization.Read.All or Directory.Read.All (or their
/// ReadWrite); delegated: User.Read and up, which reads only `id`, `displayName` and
/// `verifiedDomains` ("All other properties will return with null values").
fn organization(
    s: &Arc<Shared>,
    ctx: &Ctx,
    id: Option<&str>,
    q: &HashMap<String, String>,
) -> GResp {
    let full = [
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ];
    if !ctx.caller.has(
        &full,
        &[
            "User.Read",
            "Organization.Read.All",
            "Directory.Read.All",
            "Organization.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
    ) {
        return denied_directory(ctx);
    }
    let basic_only = !ctx.caller.has(&full, &full);
    let world = s.world();
    let t = &world.tenant;
    if id.is_some_and(|i| !i.eq_ignore_ascii_case(&t.id)) {
        return graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", id.unwrap_or_default()));
    }
    // The initial *.onmicrosoft.com domain first; the school's own domain is the default one.
    let domains: Vec<Value> = t
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| json!({
            "capabilities": if i == 0 { "Email, OfficeCommunicationsOnline" } else { "Email" },
            "isDefault": i == 1 || t.domains.len() == 1, "isInitial": i == 0, "name": d, "type": "Managed",
        }))
        .collect();
    let hidden = |v: Value| if basic_only { Value::Null } else { v };
    let org = json!({
        "id": t.id, "deletedDateTime": null, "displayName": t.display_name, "verifiedDomains": domains,
        "tenantType": hidden(json!("AAD")), "countryLetterCode": hidden(json!("NL")),
        "preferredLanguage": hidden(json!("en")), "city": null, "country": null, "postalCode": null,
        "state": null, "street": null, "onPremisesSyncEnabled": null, "onPremisesLastSyncDateTime": null,
        "createdDateTime": hidden(json!(tz::offset(world.apps.first().map(|a| a.created).unwrap_or(jiff::Timestamp::UNIX_EPOCH)))),
        "businessPhones": [], "marketingNotificationEmails": [], "technicalNotificationMails": [],
        "securityComplianceNotificationMails": [], "securityComplianceNotificationPhones": [],
        "assignedPlans": [], "provisionedPlans": [],
    });
    let org = select(org, q.get("$select"));
    match id {
        Some(_) => GResp::ok(org),
        None => GResp::ok(collection(format!("{META}#organization"), vec![org])),
    }
}

fn can_read_apps(ctx: &Ctx) -> bool {
    ctx.caller.has(
        &[
            "Application.Read.All",
            "Application.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
        &[
            "Application.Read.All",
            "Application.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
    )
}

fn app_json(a: &AppRegistration) -> Value {
    json!({
        "id": a.object_id,
        "appId": a.app_id,
        "displayName": a.display_name,
        "createdDateTime": tz::offset(a.created),
        "signInAudience": a.sign_in_audience,
        "passwordCredentials": a.secrets.iter().map(|c| json!({
            "customKeyIdentifier": null, "displayName": c.display_name, "endDateTime": tz::offset(c.end),
            "hint": c.hint(), "keyId": c.key_id, "secretText": null, "startDateTime": tz::offset(c.start),
        })).collect::<Vec<_>>(),
        "keyCredentials": a.certificates.iter().map(|c| json!({
            "customKeyIdentifier": base64::engine::general_purpose::STANDARD.encode(crate::certificates::sha1_thumbprint(&c.der)),
            "displayName": c.display_name, "endDateTime": tz::offset(c.end), "key": null, "keyId": c.key_id,
            "startDateTime": tz::offset(c.start), "type": "AsymmetricX509Cert", "usage": "Verify",
        })).collect::<Vec<_>>(),
        "web": {
            "homePageUrl": null, "logoutUrl": null,
            "redirectUris": a.redirects.iter().filter(|r| r.platform == Platform::Web).map(|r| r.uri.clone()).collect::<Vec<_>>(),
            "implicitGrantSettings": {"enableAccessTokenIssuance": a.access_token_issuance, "enableIdTokenIssuance": a.id_token_issuance},
        },
        "publicClient": {"redirectUris": a.redirects.iter().filter(|r| r.platform == Platform::InstalledClient).map(|r| r.uri.clone()).collect::<Vec<_>>()},
        "spa": {"redirectUris": a.redirects.iter().filter(|r| r.platform == Platform::Spa).map(|r| r.uri.clone()).collect::<Vec<_>>()},
        "requiredResourceAccess": [{
            "resourceAppId": GRAPH_APP_ID,
            "resourceAccess": a.app_roles.iter().filter_map(|r| app_role_id(r).map(|id| json!({"id": id, "type": "Role"})))
                .chain(a.delegated.iter().filter_map(|d| scope_id(d).map(|id| json!({"id": id, "type": "Scope"})))).collect::<Vec<_>>(),
        }],
        "api": {"acceptMappedClaims": null, "knownClientApplications": [], "oauth2PermissionScopes": [], "preAuthorizedApplications": [], "requestedAccessTokenVersion": a.token_version},
        "appRoles": [],
        "identifierUris": [],
        "isFallbackPublicClient": false,
        "publisherDomain": null,
        "tags": [],
        "deletedDateTime": null,
    })
}

/// An app's service principal (its "Enterprise application"), with the properties
/// servicePrincipal.md declares that a tenant's own app has.
fn sp_json(a: &AppRegistration, tenant: &str) -> Value {
    json!({
        "id": a.sp_id, "appId": a.app_id, "displayName": a.display_name, "appDisplayName": a.display_name,
        "servicePrincipalType": "Application", "accountEnabled": true, "appOwnerOrganizationId": tenant,
        "appRoleAssignmentRequired": false, "servicePrincipalNames": [a.app_id], "signInAudience": "AzureADMultipleOrgs",
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"], "appRoles": [], "oauth2PermissionScopes": [],
        "passwordCredentials": [], "keyCredentials": [], "replyUrls": a.redirects.iter().map(|r| r.uri.clone()).collect::<Vec<_>>(),
        "deletedDateTime": null,
    })
}

/// Microsoft Graph's own service principal in the tenant: the `appRoles` (application
/// permissions) and `oauth2PermissionScopes` (delegated) a client maps permission names to ids
/// with (api-reference/v1.0/api/serviceprincipal-get.md; the ids as permissions-reference.md
/// lists them).
fn graph_sp_json(sp_id: &str) -> Value {
    json!({
        "id": sp_id, "appId": GRAPH_APP_ID, "displayName": "Microsoft Graph", "appDisplayName": "Microsoft Graph",
        "servicePrincipalType": "Application", "accountEnabled": true,
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "appRoleAssignmentRequired": false,
        "servicePrincipalNames": [GRAPH_APP_ID, "https://graph.microsoft.com"], "signInAudience": "AzureADMultipleOrgs",
        "tags": [], "passwordCredentials": [], "keyCredentials": [], "replyUrls": [], "deletedDateTime": null,
        "appRoles": APP_ROLES.iter().map(|(name, id)| json!({
            "allowedMemberTypes": ["Application"], "description": format!("Allows the app to use {name} without a signed-in user."),
            "displayName": name, "id": id, "isEnabled": true, "origin": "Application", "value": name,
        })).collect::<Vec<_>>(),
        "oauth2PermissionScopes": DELEGATED_SCOPES.iter().map(|(name, id, kind)| json!({
            "adminConsentDescription": format!("Allows the app to use {name} on behalf of the signed-in user."),
            "adminConsentDisplayName": name, "id": id, "isEnabled": true, "origin": "Application", "type": kind,
            "userConsentDescription": null, "userConsentDisplayName": null, "value": name,
        })).collect::<Vec<_>>(),
    })
}

fn applications(
    s: &Arc<Shared>,
    ctx: &Ctx,
    by_app_id: Option<&str>,
    by_object: Option<&str>,
    q: &HashMap<String, String>,
) -> GResp {
    if !can_read_apps(ctx) {
        return denied_directory(ctx);
    }
    let world = s.world();
    let visible = |a: &&AppRegistration| !a.first_party && !a.replicating();
    if let Some(app_id) = by_app_id {
        return match world.app(app_id).filter(visible) {
            Some(a) => GResp::ok(select(app_json(a), q.get("$select"))),
            None => graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{app_id}' does not exist or one of its queried reference-property objects are not present.")),
        };
    }
    if let Some(obj) = by_object {
        return match world.apps.iter().filter(visible).find(|a| a.object_id == obj) {
            Some(a) => GResp::ok(select(app_json(a), q.get("$select"))),
            None => graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{obj}' does not exist or one of its queried reference-property objects are not present.")),
        };
    }
    let apps: Vec<Value> = match q.get("$filter") {
        Some(f) => {
            let Some(clauses) = parse_eq_filter(f)
                .filter(|c| c.iter().all(|(p, _)| p.eq_ignore_ascii_case("appId")))
            else {
                return graph_error(ctx, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'appId' of resource 'Application'.");
            };
            world
                .apps
                .iter()
                .filter(visible)
                .filter(|a| {
                    clauses
                        .iter()
                        .any(|(_, v)| a.app_id.eq_ignore_ascii_case(v))
                })
                .map(|a| select(app_json(a), q.get("$select")))
                .collect()
        }
        None => world
            .apps
            .iter()
            .filter(visible)
            .map(|a| select(app_json(a), q.get("$select")))
            .collect(),
    };
    let context = match q.get("$select") {
        Some(sel) => format!("{META}#applications({sel})"),
        None => format!("{META}#applications"),
    };
    GResp::ok(json!({"@odata.context": context, "value": apps}))
}

fn service_principals(
    s: &Arc<Shared>,
    ctx: &Ctx,
    rest: &[String],
    by_app_id: Option<&str>,
    q: &HashMap<String, String>,
) -> GResp {
    let world = s.world();
    let tenant = world.tenant.id.clone();
    let sp_json = |a: &AppRegistration| sp_json(a, &tenant);
    let graph_sp = world.tenant.graph_sp_id.clone();
    // An app may always read its own service principal.
    let own = |a: &AppRegistration| a.app_id.eq_ignore_ascii_case(ctx.caller.app_id());
    let is_graph = |id: &str| id.eq_ignore_ascii_case(GRAPH_APP_ID);
    if let Some(app_id) = by_app_id {
        if is_graph(app_id) {
            return if can_read_apps(ctx) {
                GResp::ok(select(graph_sp_json(&graph_sp), q.get("$select")))
            } else {
                denied_directory(ctx)
            };
        }
        return match world.app(app_id).filter(|a| a.has_sp && !a.sp_replicating()) {
            Some(a) if own(a) || can_read_apps(ctx) => GResp::ok(select(sp_json(a), q.get("$select"))),
            Some(_) => denied_directory(ctx),
            None => graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{app_id}' does not exist or one of its queried reference-property objects are not present.")),
        };
    }
    match rest {
        [] => {
            let Some(f) = q.get("$filter") else {
                let mut all: Vec<Value> = world.apps.iter().filter(|a| a.has_sp && !a.sp_replicating()).map(|a| select(sp_json(a), q.get("$select"))).collect();
                all.push(select(graph_sp_json(&graph_sp), q.get("$select")));
                return if can_read_apps(ctx) { GResp::ok(collection(format!("{META}#servicePrincipals"), all)) } else { denied_directory(ctx) };
            };
            let Some(clauses) = parse_eq_filter(f).filter(|c| c.iter().all(|(p, _)| p.eq_ignore_ascii_case("appId"))) else {
                return graph_error(ctx, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'appId' of resource 'ServicePrincipal'.");
            };
            let found: Vec<&AppRegistration> = world.apps.iter().filter(|a| a.has_sp && !a.sp_replicating()).filter(|a| clauses.iter().any(|(_, v)| a.app_id.eq_ignore_ascii_case(v))).collect();
            let wants_graph = clauses.iter().any(|(_, v)| is_graph(v));
            if !can_read_apps(ctx) && (wants_graph || !found.iter().all(|a| own(a))) {
                return denied_directory(ctx);
            }
            let context = match q.get("$select") {
                Some(sel) => format!("{META}#servicePrincipals({sel})"),
                None => format!("{META}#servicePrincipals"),
            };
            let mut value: Vec<Value> = found.iter().map(|a| select(sp_json(a), q.get("$select"))).collect();
            if wants_graph {
                value.push(select(graph_sp_json(&graph_sp), q.get("$select")));
            }
            GResp::ok(collection(context, value))
        }
        [id] if id.eq_ignore_ascii_case(&graph_sp) => if can_read_apps(ctx) { GResp::ok(select(graph_sp_json(&graph_sp), q.get("$select"))) } else { denied_directory(ctx) },
        [id] => match world.apps.iter().filter(|a| a.has_sp && !a.sp_replicating()).find(|a| a.sp_id == *id) {
            Some(a) if own(a) || can_read_apps(ctx) => GResp::ok(select(sp_json(a), q.get("$select"))),
            Some(_) => denied_directory(ctx),
            None => graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")),
        },
        [id, nav] if nav == "appRoleAssignments" => {
            if !can_read_apps(ctx) {
                return denied_directory(ctx);
            }
            let Some(a) = world.apps.iter().filter(|a| a.has_sp && !a.sp_replicating()).find(|a| a.sp_id == *id) else {
                return graph_error(ctx, 404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
            };
            let value: Vec<Value> = a
                .granted_roles
                .iter()
                .filter_map(|r| app_role_id(r))
                .map(|rid| directory::assignment_json(a, rid, &world.tenant.graph_sp_id))
                .collect();
            GResp::ok(json!({"@odata.context": format!("{META}#appRoleAssignments"), "value": value}))
        }
        _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
    }
}

/// `$batch` (concepts/json-batching.md): at most 20 requests with unique ids; `dependsOn` names
/// earlier steps (unknown ids are refused); steps without one run at once, each against the
/// service's limits on its own — so a batch of 20 to one mailbox meets Outlook's 4 concurrent
/// requests and the rest come back `429` with their own `Retry-After` inside a `200`; a step whose
/// dependency failed answers `424`; answers come back in any order ("Individual responses might
/// appear in a different order than the requests").
async fn batch(s: &Arc<Shared>, ctx: &Ctx<'_>, body: &[u8]) -> GResp {
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return graph_error(ctx, 400, "BadRequest", "Invalid batch payload format.");
    };
    let Some(requests) = parsed["requests"].as_array() else {
        return graph_error(ctx, 400, "BadRequest", "Invalid batch payload format.");
    };
    if requests.len() > 20 {
        return graph_error(
            ctx,
            400,
            "BadRequest",
            "Number of batch request steps exceeds the maximum of 20.",
        );
    }
    let mut ids = std::collections::HashSet::new();
    for r in requests {
        let id = r["id"].as_str().unwrap_or_default();
        if !ids.insert(id.to_string()) {
            return graph_error(
                ctx,
                400,
                "BadRequest",
                &format!("Batch request contains duplicate request id '{id}'."),
            );
        }
        if r.get("body").is_some()
            && r["headers"]
                .get("Content-Type")
                .or_else(|| r["headers"].get("content-type"))
                .is_none()
        {
            return graph_error(
                ctx,
                400,
                "BadRequest",
                // The id of the offending step, as Graph names it (concepts/json-batching.md).
                &format!(
                    "Write request id : {} does not contain Content-Type header or body.",
                    r["id"].as_str().unwrap_or_default()
                ),
            );
        }
    }
    // A dependency must be a step before this one: that also rules out cycles.
    let mut earlier = std::collections::HashSet::new();
    for r in requests {
        let id = r["id"].as_str().unwrap_or_default();
        for d in r["dependsOn"].as_array().into_iter().flatten() {
            let d = d.as_str().unwrap_or_default();
            if !earlier.contains(d) {
                return graph_error(
                    ctx,
                    400,
                    "BadRequest",
                    &format!("Request {id} depends on {d}, which is not an earlier request of the batch."),
                );
            }
        }
        earlier.insert(id.to_string());
    }
    // Each step publishes its status when done; dependants wait for it.
    let channels: HashMap<String, tokio::sync::watch::Sender<Option<u16>>> = requests
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                tokio::sync::watch::channel(None).0,
            )
        })
        .collect();
    let channels = Arc::new(channels);
    let mut set = tokio::task::JoinSet::new();
    for r in requests.iter().cloned() {
        let (s, channels) = (s.clone(), channels.clone());
        let (caller, request_id, client_request_id, prefer_tz, base) = (
            ctx.caller.clone(),
            ctx.request_id.clone(),
            ctx.client_request_id.clone(),
            ctx.prefer_tz.clone(),
            ctx.base.clone(),
        );
        set.spawn(async move {
            let ctx = Ctx {
                caller: &caller,
                request_id,
                client_request_id,
                prefer_tz,
                base,
                // A step's own headers, as for a direct request.
                eventual: r["headers"]
                    .as_object()
                    .and_then(|h| {
                        h.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("ConsistencyLevel"))
                    })
                    .and_then(|(_, v)| v.as_str())
                    .is_some_and(|v| v.eq_ignore_ascii_case("eventual")),
            };
            let id = r["id"].as_str().unwrap_or_default().to_string();
            let mut failed_dep = false;
            for d in r["dependsOn"].as_array().into_iter().flatten() {
                let Some(tx) = channels.get(d.as_str().unwrap_or_default()) else {
                    continue;
                };
                let mut rx = tx.subscribe();
                let status = match rx.wait_for(Option::is_some).await {
                    Ok(st) => st.unwrap_or(500),
                    Err(_) => 500,
                };
                failed_dep |= status >= 400;
            }
            let resp = if failed_dep {
                graph_error(
                    &ctx,
                    424,
                    "FailedDependency",
                    "The request could not be completed because a dependency failed.",
                )
            } else {
                let method = Method::from_bytes(r["method"].as_str().unwrap_or("GET").as_bytes())
                    .unwrap_or(Method::GET);
                let url = r["url"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches('/');
                let (path, query) = url.split_once('?').unwrap_or((url, ""));
                let body_bytes = r
                    .get("body")
                    .map(|b| b.to_string().into_bytes())
                    .unwrap_or_default();
                s.faults.count(|st| {
                    st.sub_requests += 1;
                    *st.by_route
                        .entry(route_family(path).to_string())
                        .or_insert(0) += 1;
                });
                match serve_one(&s, &ctx, &method, path, query, &body_bytes).await {
                    Ok(r) | Err(r) => r,
                }
            };
            if let Some(tx) = channels.get(&id) {
                tx.send_replace(Some(resp.status));
            }
            let mut headers = Map::new();
            headers.insert("Content-Type".into(), json!("application/json"));
            for (k, v) in &resp.headers {
                headers.insert(k.clone(), json!(v));
            }
            let mut entry = json!({"id": id, "status": resp.status, "headers": headers});
            if let Some(b) = resp.body {
                entry["body"] = b;
            }
            entry
        });
    }
    let mut responses = Vec::new();
    while let Some(done) = set.join_next().await {
        if let Ok(entry) = done {
            responses.push(entry);
        }
    }
    // Graph answers in any order; reverse the order of completion so clients cannot rely on any.
    responses.reverse();
    GResp::ok(Value::Object(Map::from_iter([(
        "responses".to_string(),
        Value::Array(responses),
    )])))
}
