//! Teams webinars (virtual events) under `/solutions/virtualEvents/webinars`, as documented in
//! microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0:
//!
//! - `getByUserIdAndRole(userId='…',role='organizer'|'coOrganizer')` — application
//!   `VirtualEvent.Read.All` (with the Teams application access policy covering that user) or
//!   delegated `VirtualEvent.Read`/`ReadWrite` (virtualeventwebinar-getbyuseridandrole.md);
//! - `getByUserRole(role='…')` — delegated only (virtualeventwebinar-getbyuserrole.md);
//! - `{id}`, `{id}/sessions`, `{id}/sessions/{id}`, `…/attendanceReports`, `…/attendanceRecords`
//!   (records carry `registrationId`, resources/attendancerecord.md), `{id}/registrations`
//!   (virtualeventregistration-list.md), `{id}/registrationConfiguration`;
//! - `POST /webinars` (a draft), `POST {id}/publish`, `POST {id}/cancel` — delegated
//!   `VirtualEvent.ReadWrite` only: Graph offers no application permission for them
//!   (virtualeventwebinar-publish.md, virtualeventwebinar-cancel.md);
//! - 750 GETs per 30 seconds per app, then 429 with `Retry-After` (concepts/throttling-limits.md,
//!   "Virtual events service limits"); global cloud only (includes/global-only.md) — the emulator
//!   is the global cloud.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::{graph_error, record_json, Caller, Ctx, GResp, META};
use crate::model::*;
use crate::tz;
use crate::Shared;

/// Graph's documented budget for virtual-event reads.
pub const GETS_PER_WINDOW: usize = 750;
pub const WINDOW_SECS: i64 = 30;
/// Page size of registrations and records (the client follows nextLinks whatever it is).
const PAGE: usize = 100;

fn forbidden(ctx: &Ctx) -> GResp {
    graph_error(
        ctx,
        403,
        "Forbidden",
        "Application does not have permission to perform this operation. Required permissions are missing from the token.",
    )
}

/// One more GET by this app inside the window, or the 429 Graph sends past 750.
fn throttle(world: &mut World, ctx: &Ctx) -> Option<GResp> {
    let now = Timestamp::now();
    let gets = world
        .virtual_event_gets
        .entry(ctx.caller.app_id().to_string())
        .or_default();
    while gets
        .front()
        .is_some_and(|t| now.duration_since(*t) >= SignedDuration::from_secs(WINDOW_SECS))
    {
        gets.pop_front();
    }
    if gets.len() >= GETS_PER_WINDOW {
        let oldest = gets.front().copied().unwrap_or(now);
        let wait = (WINDOW_SECS - now.duration_since(oldest).as_secs()).max(1);
        return Some(super::over_rate_limit(ctx, wait.max(1) as u64));
    }
    gets.push_back(now);
    None
}

/// May the caller read this organizer's webinars? Permission first, then (app-only) the
/// application access policy, then (delegated) that the signed-in user is that organizer.
fn gate(ctx: &Ctx, world: &World, organizer: &User, write: bool) -> Option<GResp> {
    let ok = if write {
        // No application permission exists for create/publish/cancel.
        ctx.caller.has(&[], &["VirtualEvent.ReadWrite"])
    } else {
        ctx.caller.has(
            &["VirtualEvent.Read.All"],
            &["VirtualEvent.Read", "VirtualEvent.ReadWrite"],
        )
    };
    if !ok {
        return Some(forbidden(ctx));
    }
    match ctx.caller {
        Caller::App { app_id, .. } => {
            if !(organizer.policy_covered && world.app(app_id).is_some()) {
                return Some(graph_error(
                    ctx,
                    403,
                    "Forbidden",
                    &format!(
                        "App {app_id} is not authorized to access virtual events on behalf of user {}. An application access policy is required.",
                        organizer.id
                    ),
                ));
            }
        }
        Caller::User { user_id, .. } => {
            if !user_id.eq_ignore_ascii_case(&organizer.id) {
                return Some(graph_error(
                    ctx,
                    403,
                    "Forbidden",
                    "The signed-in user is not an organizer or co-organizer of this virtual event.",
                ));
            }
        }
    }
    None
}

fn webinar_json(w: &VirtualWebinar, world: &World) -> Value {
    let creator = world.user(&w.organizer_id);
    let mut v = json!({
        "@odata.type": "#microsoft.graph.virtualEventWebinar",
        "id": w.id,
        "status": w.status,
        "displayName": w.display_name,
        "description": {"contentType": "text", "content": w.description},
        "startDateTime": tz::render(w.start, &w.time_zone),
        "endDateTime": tz::render(w.end, &w.time_zone),
        "audience": w.audience,
        "createdBy": {"application": null, "device": null, "user": {
            "@odata.type": "#microsoft.graph.communicationsUserIdentity",
            "id": w.organizer_id, "displayName": creator.map(|u| u.display_name.clone()), "tenantId": world.tenant.id}},
        "coOrganizers": w.co_organizers.iter().map(|id| json!({
            "@odata.type": "#microsoft.graph.communicationsUserIdentity", "id": id, "tenantId": world.tenant.id})).collect::<Vec<_>>(),
        "settings": {"isAttendeeEmailNotificationEnabled": true},
    });
    if let Some(key) = &w.external_event_id {
        v["externalEventInformation"] = json!([{"applicationId": world.apps.first().map(|a| a.app_id.clone()), "externalEventId": key}]);
    }
    v
}

fn session_json(s: &VirtualSession) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.virtualEventSession",
        "id": s.id,
        "subject": s.subject,
        "startDateTime": tz::render(s.start, "UTC"),
        "endDateTime": tz::render(s.end, "UTC"),
        "joinWebUrl": s.join_url,
        "allowedPresenters": "organizer",
        "videoTeleconferenceId": null,
    })
}

fn registration_json(r: &Registration) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.virtualEventRegistration",
        "id": r.id,
        "userId": r.user_id,
        "firstName": r.first_name,
        "lastName": r.last_name,
        "email": r.email,
        "status": r.status,
        "registrationDateTime": tz::offset(r.registered),
        "cancelationDateTime": r.canceled.map(tz::offset),
        "preferredTimezone": r.preferred_timezone,
        "preferredLanguage": "en-us",
        "registrationQuestionAnswers": r.answers.iter().map(|(q, a)| json!({
            "questionId": format!("q-{:08x}", q.len() * 2654435761 % 0xffff_ffff),
            "displayName": q, "value": a, "booleanValue": null, "multiChoiceValues": []})).collect::<Vec<_>>(),
    })
}

/// `Function(a='x',b='y')` → its arguments.
fn function_args(seg: &str, name: &str) -> Option<HashMap<String, String>> {
    let inner = seg
        .strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((
                    k.trim().to_string(),
                    v.trim().trim_matches('\'').to_string(),
                ))
            })
            .collect(),
    )
}

fn page(
    ctx: &Ctx,
    link: &str,
    all: Vec<Value>,
    q: &HashMap<String, String>,
    context: &str,
) -> GResp {
    let skip = q
        .get("$skiptoken")
        .and_then(|t| t.strip_prefix("v"))
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let total = all.len();
    let value: Vec<Value> = all.into_iter().skip(skip).take(PAGE).collect();
    let mut v = super::collection(context, value);
    if skip + PAGE < total {
        v["@odata.nextLink"] = json!(format!("{}/{link}?$skiptoken=v{}", ctx.base, skip + PAGE));
    }
    GResp::ok(v)
}

pub fn route(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    segs: &[String],
    q: &HashMap<String, String>,
    body: &[u8],
) -> GResp {
    let mut world = s.world();
    if method == Method::GET {
        if let Some(r) = throttle(&mut world, ctx) {
            return r;
        }
    }
    let rest: Vec<&str> = segs.iter().map(String::as_str).collect();
    let base = "solutions/virtualEvents/webinars";
    match (method.as_str(), rest.as_slice()) {
        // Every webinar of the tenant (virtualeventsroot-list-webinars.md): "only webinars whose
        // organizer has been assigned an application access policy" — so an app without the
        // policy gets an empty list, not an error (the quiet failure Setup must see through).
        ("GET", []) => {
            if !ctx.caller.has(
                &["VirtualEvent.Read.All"],
                &["VirtualEvent.Read", "VirtualEvent.ReadWrite"],
            ) {
                return forbidden(ctx);
            }
            let value: Vec<Value> = world
                .virtual_webinars
                .iter()
                .filter(|w| {
                    world
                        .user(&w.organizer_id)
                        .is_some_and(|u| u.policy_covered)
                })
                .filter(|w| !world.webinars_disabled_for.contains(&w.organizer_id))
                .map(|w| webinar_json(w, &world))
                .collect();
            let mut body = json!({"@odata.context": format!("{META}#solutions/virtualEvents/webinars"), "value": value});
            if q.get("$count")
                .is_some_and(|c| c.eq_ignore_ascii_case("true"))
            {
                body["@odata.count"] = json!(body["value"].as_array().map_or(0, Vec::len));
            }
            GResp::ok(body)
        }
        ("GET", [f]) if f.starts_with("getByUserIdAndRole") || f.starts_with("getByUserRole") => {
            let Some(args) = function_args(f, "getByUserIdAndRole")
                .or_else(|| function_args(f, "getByUserRole"))
            else {
                return graph_error(ctx, 400, "BadRequest", "Invalid function parameters.");
            };
            let by_id = f.starts_with("getByUserIdAndRole");
            let user_id = if by_id {
                args.get("userId").cloned().unwrap_or_default()
            } else {
                match ctx.caller {
                    Caller::User { user_id, .. } => user_id.clone(),
                    // getByUserRole has no application permission (virtualeventwebinar-getbyuserrole.md).
                    Caller::App { .. } => return forbidden(ctx),
                }
            };
            let role = args.get("role").map(String::as_str).unwrap_or("");
            if !["organizer", "coOrganizer"].contains(&role) {
                return graph_error(
                    ctx,
                    400,
                    "BadRequest",
                    &format!(
                        "Invalid role '{role}'. The possible values are: organizer, coOrganizer."
                    ),
                );
            }
            let Some(user) = world.user(&user_id).cloned() else {
                return graph_error(
                    ctx,
                    404,
                    "NotFound",
                    &format!("User '{user_id}' was not found."),
                );
            };
            if let Some(denied) = gate(ctx, &world, &user, false) {
                // The quiet failure: an empty list where the access policy is missing.
                if world.quiet_webinar_listing
                    && matches!(ctx.caller, Caller::App { .. })
                    && !user.policy_covered
                    && ctx.caller.has(&["VirtualEvent.Read.All"], &[])
                {
                    return GResp::ok(
                        json!({"@odata.context": format!("{META}#Collection(microsoft.graph.virtualEventWebinar)"), "value": []}),
                    );
                }
                return denied;
            }
            let value: Vec<Value> = world
                .virtual_webinars
                .iter()
                .filter(|w| match role {
                    "organizer" => w.organizer_id.eq_ignore_ascii_case(&user.id),
                    _ => w
                        .co_organizers
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&user.id)),
                })
                .filter(|w| !world.webinars_disabled_for.contains(&w.organizer_id))
                .map(|w| webinar_json(w, &world))
                .collect();
            GResp::ok(
                json!({"@odata.context": format!("{META}#Collection(microsoft.graph.virtualEventWebinar)"), "value": value}),
            )
        }
        ("POST", []) => {
            let Caller::User { user_id, .. } = ctx.caller else {
                return forbidden(ctx);
            };
            let Some(user) = world.user(user_id).cloned() else {
                return forbidden(ctx);
            };
            if let Some(denied) = gate(ctx, &world, &user, true) {
                return denied;
            }
            if world.webinars_disabled_for.contains(&user.id) {
                return graph_error(
                    ctx,
                    403,
                    "Forbidden",
                    "The organizer's Teams events policy does not allow webinars.",
                );
            }
            // The body as Graph's reader takes it (virtualeventwebinar-post.md; the description's
            // virtualEventWebinar): unknown properties, wrong types and enum literals refused.
            let input = match super::events::checked_body(ctx, body, |s, v| {
                s.check_write(
                    "virtualEventWebinar",
                    v,
                    crate::schema::Rules { closed_top: true },
                )
            }) {
                Ok(v) => v,
                Err(refused) => return refused,
            };
            let name = input["displayName"]
                .as_str()
                .unwrap_or("")
                .trim()
                .to_string();
            let when = |k: &str| {
                tz::parse(
                    input[k]["dateTime"].as_str().unwrap_or(""),
                    input[k]["timeZone"].as_str().unwrap_or(""),
                )
            };
            let (Some(start), Some(end)) = (when("startDateTime"), when("endDateTime")) else {
                return graph_error(ctx, 400, "BadRequest", "startDateTime and endDateTime are required, as dateTimeTimeZone with a supported time zone.");
            };
            if name.is_empty() || end <= start {
                return graph_error(
                    ctx,
                    400,
                    "BadRequest",
                    "displayName is required and endDateTime must be after startDateTime.",
                );
            }
            let tenant = world.tenant.id.clone();
            let mut rng = crate::rng::Rng::new(start.as_second() as u64 ^ name.len() as u64);
            let w = VirtualWebinar {
                id: format!("{}@{tenant}", rng.guid()),
                organizer_id: user.id.clone(),
                co_organizers: Vec::new(),
                display_name: name.clone(),
                description: input["description"]["content"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                status: "draft",
                start,
                end,
                time_zone: input["startDateTime"]["timeZone"]
                    .as_str()
                    .unwrap_or("UTC")
                    .to_string(),
                audience: if input["audience"] == "organization" {
                    "organization"
                } else {
                    "everyone"
                },
                capacity: None,
                waitlist: false,
                manual_approval: false,
                external_event_id: None,
                sessions: vec![VirtualSession {
                    id: format!("{}_1", rng.token(12)),
                    subject: name,
                    start,
                    end,
                    join_url: format!(
                        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
                        rng.token(24)
                    ),
                    reports: Vec::new(),
                }],
                registrations: Vec::new(),
            };
            let v = webinar_json(&w, &world);
            world.virtual_webinars.push(w);
            let mut r = GResp::ok(v);
            r.status = 201;
            r
        }
        (_, [id, tail @ ..]) => {
            let Some(at) = world.virtual_webinars.iter().position(|w| w.id == *id) else {
                return graph_error(ctx, 404, "NotFound", "The virtual event was not found.");
            };
            let organizer = world.virtual_webinars[at].organizer_id.clone();
            let Some(user) = world.user(&organizer).cloned() else {
                return graph_error(ctx, 404, "NotFound", "The virtual event was not found.");
            };
            let write = method == Method::POST;
            if let Some(denied) = gate(ctx, &world, &user, write) {
                return denied;
            }
            let w = world.virtual_webinars[at].clone();
            match (method.as_str(), tail) {
                ("GET", []) => {
                    let mut v = webinar_json(&w, &world);
                    v["@odata.context"] =
                        json!(format!("{META}#solutions/virtualEvents/webinars/$entity"));
                    GResp::ok(v)
                }
                ("POST", [action @ ("publish" | "cancel")]) => {
                    // Neither action takes parameters (virtualevent-publish.md, -cancel.md).
                    if let Err(refused) = super::events::checked_body(ctx, body, |s, v| {
                        s.check_action("virtualEventWebinar", action, v)
                    }) {
                        return refused;
                    }
                    let next = if *action == "publish" {
                        "published"
                    } else {
                        "canceled"
                    };
                    if w.status == "canceled" || (*action == "publish" && w.status == "published") {
                        return graph_error(
                            ctx,
                            400,
                            "BadRequest",
                            &format!(
                                "A {} webinar cannot be {}ed.",
                                w.status,
                                action.trim_end_matches('e')
                            ),
                        );
                    }
                    world.virtual_webinars[at].status = next;
                    GResp::status(204, None)
                }
                ("GET", ["registrationConfiguration"]) => GResp::ok(json!({
                    "@odata.context": format!("{META}#solutions/virtualEvents/webinars('{id}')/registrationConfiguration/$entity"),
                    "@odata.type": "#microsoft.graph.virtualEventWebinarRegistrationConfiguration",
                    "id": w.id,
                    "capacity": w.capacity,
                    "registrationWebUrl": format!("https://events.teams.microsoft.com/event/{}", w.id),
                    "isManualApprovalEnabled": w.manual_approval,
                    "isWaitlistEnabled": w.waitlist,
                })),
                ("GET", ["registrations"]) => page(
                    ctx,
                    &format!("{base}/{id}/registrations"),
                    w.registrations.iter().map(registration_json).collect(),
                    q,
                    &format!("{META}#solutions/virtualEvents/webinars('{id}')/registrations"),
                ),
                ("GET", ["sessions"]) => GResp::ok(json!({
                    "@odata.context": format!("{META}#solutions/virtualEvents/webinars('{id}')/sessions"),
                    "value": w.sessions.iter().map(session_json).collect::<Vec<_>>(),
                })),
                ("GET", ["sessions", sid, more @ ..]) => {
                    let Some(session) = w.sessions.iter().find(|x| x.id == *sid) else {
                        return graph_error(ctx, 404, "NotFound", "The session was not found.");
                    };
                    let now = Timestamp::now();
                    let reports: Vec<&Report> =
                        session.reports.iter().filter(|r| r.end <= now).collect();
                    match more {
                        [] => GResp::ok(session_json(session)),
                        ["attendanceReports"] => GResp::ok(json!({
                            "value": reports.iter().map(|r| json!({
                                "id": r.id, "totalParticipantCount": r.records.len(),
                                "meetingStartDateTime": tz::offset(r.start), "meetingEndDateTime": tz::offset(r.end),
                            })).collect::<Vec<_>>(),
                        })),
                        ["attendanceReports", rid, "attendanceRecords"] => {
                            let Some(report) = reports.iter().find(|r| r.id == *rid) else {
                                return graph_error(
                                    ctx,
                                    404,
                                    "NotFound",
                                    "The attendance report was not found.",
                                );
                            };
                            page(
                                ctx,
                                &format!("{base}/{id}/sessions/{sid}/attendanceReports/{rid}/attendanceRecords"),
                                report.records.iter().map(record_json).collect(),
                                q,
                                &format!("{META}#solutions/virtualEvents/webinars('{id}')/sessions('{sid}')/attendanceReports('{rid}')/attendanceRecords"),
                            )
                        }
                        _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
                    }
                }
                _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
            }
        }
        _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
    }
}
