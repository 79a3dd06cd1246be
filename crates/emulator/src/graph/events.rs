//! Outlook calendar: events (create with a Teams meeting, get, PATCH, DELETE, cancel) and
//! calendarView with recurrence expansion and `$skip` paging.
//!
//! A mailbox's calendar holds the events it organizes (cancelled ones move to Deleted Items) and
//! attendee copies of events organized by others (which show `isCancelled: true` once cancelled).

use super::*;

const ID_PREFIX: &str = "AAMkAG";

/// Which item an event id denotes: the event, optionally one occurrence, optionally an attendee copy.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ItemId {
    key: u64,
    occurrence: Option<i64>,
    copy_of: Option<usize>,
}

fn encode_id(id: ItemId) -> String {
    let raw = format!(
        "k{}|o{}|c{}",
        id.key,
        id.occurrence.map(|o| o.to_string()).unwrap_or_default(),
        id.copy_of.map(|o| o.to_string()).unwrap_or_default()
    );
    format!(
        "{ID_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE.encode(raw)
    )
}

fn decode_id(s: &str) -> Option<ItemId> {
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(s.strip_prefix(ID_PREFIX)?)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.split('|');
    let key = parts.next()?.strip_prefix('k')?.parse().ok()?;
    let occ = parts.next()?.strip_prefix('o')?;
    let copy = parts.next()?.strip_prefix('c')?;
    Some(ItemId {
        key,
        occurrence: if occ.is_empty() {
            None
        } else {
            Some(occ.parse().ok()?)
        },
        copy_of: if copy.is_empty() {
            None
        } else {
            Some(copy.parse().ok()?)
        },
    })
}

fn web_link(id: &str) -> String {
    let std_b64 = id.replace('-', "/").replace('_', "+");
    format!(
        "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
        url_encode_strict(&std_b64)
    )
}

fn url_encode_strict(s: &str) -> String {
    s.replace('%', "%25")
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D")
}

pub fn route(
    s: &Arc<Shared>,
    ctx: &Ctx,
    method: &Method,
    user: &User,
    rest: &[&str],
    q: &HashMap<String, String>,
    body: &[u8],
) -> GResp {
    let read = ctx.caller.has(
        &[
            "Calendars.Read",
            "Calendars.ReadWrite",
            "Calendars.ReadBasic.All",
        ],
        &[
            "Calendars.Read",
            "Calendars.ReadWrite",
            "Calendars.ReadBasic",
        ],
    );
    let write = ctx
        .caller
        .has(&["Calendars.ReadWrite"], &["Calendars.ReadWrite"]);
    let needed = if method == Method::GET { read } else { write };
    if !needed {
        return denied_calendar(ctx);
    }
    let user_index = s
        .world()
        .users
        .iter()
        .position(|u| u.id == user.id)
        .unwrap_or(usize::MAX);
    match (method.as_str(), rest) {
        ("GET", ["calendarView"]) => calendar_view(s, ctx, user, user_index, q),
        ("GET", ["events"]) => list_events(s, ctx, user, user_index, q),
        ("POST", ["events"]) => create(s, ctx, user, body),
        (_, ["events", id, tail @ ..]) => {
            let Some(item) = decode_id(id) else {
                return graph_error(ctx, 400, "ErrorInvalidIdMalformed", "Id is malformed.");
            };
            let visible = s
                .world()
                .events
                .get(&item.key)
                .is_some_and(|e| belongs(e, user, user_index, item));
            if !visible {
                return outlook_error(
                    404,
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                );
            }
            match (method.as_str(), tail) {
                ("GET", []) => {
                    let world = s.world();
                    match world.events.get(&item.key) {
                        Some(e) => {
                            let start =
                                item.occurrence.and_then(|o| Timestamp::from_second(o).ok());
                            let mut v = render(&world, e, user, item, start, &ctx.prefer_tz);
                            v["@odata.context"] =
                                json!(format!("{META}#users('{}')/events/$entity", user.id));
                            GResp::ok(project(v, q.get("$select")))
                        }
                        None => outlook_error(
                            404,
                            "ErrorItemNotFound",
                            "The specified object was not found in the store.",
                        ),
                    }
                }
                ("PATCH", []) => update(s, ctx, user, item, body),
                ("DELETE", []) => delete(s, user, item),
                ("POST", ["cancel"]) => cancel(s, ctx, user, item, body),
                _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
            }
        }
        _ => graph_error(ctx, 400, "BadRequest", "Unsupported segment."),
    }
}

fn project(value: Value, sel: Option<&String>) -> Value {
    select(value, sel)
}

fn is_attendee(e: &Event, user: &User) -> bool {
    e.attendees.iter().any(|a| {
        a.address.eq_ignore_ascii_case(&user.upn)
            || user
                .mail
                .as_deref()
                .is_some_and(|m| a.address.eq_ignore_ascii_case(m))
    })
}

/// Whether an item id is in this user's calendar.
fn belongs(e: &Event, user: &User, user_index: usize, item: ItemId) -> bool {
    match item.copy_of {
        Some(idx) => idx == user_index && e.organizer_id != user.id && is_attendee(e, user),
        None => {
            e.organizer_id == user.id
                && !e.cancelled
                && item
                    .occurrence
                    .is_none_or(|o| !e.cancelled_occurrences.contains(&o))
        }
    }
}

fn render(
    world: &World,
    e: &Event,
    viewer: &User,
    item: ItemId,
    occurrence: Option<Timestamp>,
    zone: &str,
) -> Value {
    let organizer = world.user(&e.organizer_id);
    let is_organizer = item.copy_of.is_none();
    let id = encode_id(item);
    let (kind, start, end, subject) = match (&e.recurrence, occurrence) {
        (Some(_), Some(occ)) => match e.overrides.get(&occ.as_second()) {
            Some(o) => (
                "exception",
                o.start,
                o.end,
                o.subject.clone().unwrap_or_else(|| e.subject.clone()),
            ),
            None => (
                "occurrence",
                occ,
                occ + (e.end - e.start),
                e.subject.clone(),
            ),
        },
        (Some(_), None) => ("seriesMaster", e.start, e.end, e.subject.clone()),
        (None, _) => ("singleInstance", e.start, e.end, e.subject.clone()),
    };
    let series_master = match (kind, item.copy_of) {
        ("occurrence" | "exception", copy) => Some(encode_id(ItemId {
            key: e.key,
            occurrence: None,
            copy_of: copy,
        })),
        _ => None,
    };
    let cancelled =
        e.cancelled || occurrence.is_some_and(|o| e.cancelled_occurrences.contains(&o.as_second()));
    let preview: String = strip_html(&e.body_html).chars().take(255).collect();
    let location = e.location.clone().unwrap_or_default();
    let loc = json!({"displayName": location, "locationType": "default", "uniqueId": location, "uniqueIdType": "private"});
    let recurrence = match (kind, &e.recurrence) {
        ("seriesMaster", Some(r)) => json!({
            "pattern": {"type": r.pattern_type, "interval": r.interval, "month": r.month, "dayOfMonth": r.day_of_month, "daysOfWeek": r.days_of_week, "firstDayOfWeek": r.first_day_of_week, "index": r.index},
            "range": {"type": r.range_type, "startDate": r.start_date, "endDate": r.end_date.clone().unwrap_or_else(|| "0001-01-01".into()), "recurrenceTimeZone": r.recurrence_time_zone, "numberOfOccurrences": r.number_of_occurrences.unwrap_or(0)},
        }),
        _ => Value::Null,
    };
    let _ = viewer;
    json!({
        "@odata.etag": format!("W/\"DwAAABYAAAD{:016X}\"", e.change),
        "id": id,
        "createdDateTime": tz::offset(e.created),
        "lastModifiedDateTime": tz::offset(e.modified),
        "changeKey": format!("DwAAABYAAAD{:016X}", e.change),
        "categories": e.settings.categories,
        "transactionId": e.transaction_id,
        "originalStartTimeZone": e.original_tz,
        "originalEndTimeZone": e.original_tz,
        "iCalUId": e.ical_uid,
        "reminderMinutesBeforeStart": e.settings.reminder_minutes,
        "isReminderOn": e.settings.is_reminder_on,
        "hasAttachments": false,
        "subject": subject,
        "bodyPreview": preview,
        "importance": e.settings.importance,
        "sensitivity": e.settings.sensitivity,
        "isAllDay": false,
        "isCancelled": cancelled,
        "isOrganizer": is_organizer,
        "responseRequested": e.settings.response_requested,
        "seriesMasterId": series_master,
        "showAs": if cancelled { "free" } else { e.settings.show_as.as_str() },
        "type": kind,
        "webLink": web_link(&id),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": e.is_online,
        "onlineMeetingProvider": if e.is_online { "teamsForBusiness" } else { "unknown" },
        "allowNewTimeProposals": e.settings.allow_new_time_proposals,
        "isDraft": false,
        "hideAttendees": e.settings.hide_attendees,
        "recurrence": recurrence,
        "responseStatus": {"response": if is_organizer { "organizer" } else { "accepted" }, "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": e.body_html},
        "start": tz::render(start, zone),
        "end": tz::render(end, zone),
        "location": loc,
        "locations": if location.is_empty() { json!([]) } else { json!([loc]) },
        "attendees": e.attendees.iter().map(|a| json!({
            "type": a.kind, "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": a.name, "address": a.address},
        })).collect::<Vec<_>>(),
        "organizer": {"emailAddress": {
            "name": organizer.map(|u| u.display_name.clone()).unwrap_or_default(),
            "address": organizer.map(|u| u.mail.clone().unwrap_or_else(|| u.upn.clone())).unwrap_or_default(),
        }},
        "onlineMeeting": match &e.join_url {
            Some(url) => json!({"joinUrl": url, "conferenceId": e.conference_id, "tollNumber": "+1 425 555 0123"}),
            None => Value::Null,
        },
    })
}

fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Instances of the user's calendar (occurrences expanded) overlapping `[from, to)`, sorted by
/// start. Only descriptors: the caller renders the page it returns (rendering every instance for
/// every page made paging quadratic).
fn instances(
    world: &World,
    user: &User,
    user_index: usize,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(Timestamp, ItemId, Option<Timestamp>)> {
    let mut out = Vec::new();
    for e in world.events.values() {
        let copy = if e.organizer_id == user.id {
            if e.cancelled {
                continue;
            }
            None
        } else if is_attendee(e, user) {
            Some(user_index)
        } else {
            continue;
        };
        let duration = e.end - e.start;
        if e.recurrence.is_some() {
            for occ in occurrence_starts(e) {
                let secs = occ.as_second();
                if copy.is_none() && e.cancelled_occurrences.contains(&secs) {
                    continue;
                }
                let (s, en) = e
                    .overrides
                    .get(&secs)
                    .map(|o| (o.start, o.end))
                    .unwrap_or((occ, occ + duration));
                if s < to && en > from {
                    let item = ItemId {
                        key: e.key,
                        occurrence: Some(secs),
                        copy_of: copy,
                    };
                    out.push((s, item, Some(occ)));
                }
            }
        } else if e.start < to && e.end > from {
            out.push((
                e.start,
                ItemId {
                    key: e.key,
                    occurrence: None,
                    copy_of: copy,
                },
                None,
            ));
        }
    }
    out.sort_by_key(|(s, item, _)| (*s, item.key));
    out
}

fn parse_instant(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok().or_else(|| {
        s.trim_end_matches('Z')
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    })
}

fn page_params(ctx: &Ctx, q: &HashMap<String, String>) -> Result<(usize, usize), GResp> {
    let top = match q.get("$top").map(|t| t.parse::<usize>()) {
        None => 10,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            return Err(graph_error(
                ctx,
                400,
                "ErrorInvalidParameter",
                "The value of the parameter '$top' is invalid.",
            ))
        }
    };
    let skip = q.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((top, skip))
}

fn calendar_view(
    s: &Arc<Shared>,
    ctx: &Ctx,
    user: &User,
    user_index: usize,
    q: &HashMap<String, String>,
) -> GResp {
    let (Some(from), Some(to)) = (q.get("startdatetime"), q.get("enddatetime")) else {
        return graph_error(ctx, 400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    };
    let (Some(from_ts), Some(to_ts)) = (parse_instant(from), parse_instant(to)) else {
        return graph_error(
            ctx,
            400,
            "ErrorInvalidParameter",
            "The parameter 'StartDateTime' or 'EndDateTime' is not a valid date and time.",
        );
    };
    let (top, skip) = match page_params(ctx, q) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let world = s.world();
    let all = instances(&world, user, user_index, from_ts, to_ts);
    let rendered = |(_, item, occ): &(_, ItemId, _)| {
        let e = world.events.get(&item.key)?;
        Some(render(&world, e, user, *item, *occ, &ctx.prefer_tz))
    };
    // Sorting needs every item rendered; without `$orderby` only the page is.
    let page: Vec<Value> = if q.contains_key("$orderby") {
        let every: Vec<Value> = all.iter().filter_map(rendered).collect();
        match ordered(ctx, every, q) {
            Ok(v) => v,
            Err(e) => return e,
        }
        .into_iter()
        .skip(skip)
        .take(top)
        .map(|v| project(v, q.get("$select")))
        .collect()
    } else {
        all.iter()
            .skip(skip)
            .take(top)
            .filter_map(rendered)
            .map(|v| project(v, q.get("$select")))
            .collect()
    };
    let mut body = super::collection(format!("{META}#users('{}')/calendarView", user.id), page);
    if counted(q) {
        body["@odata.count"] = json!(all.len());
    }
    if skip + top < all.len() {
        let mut link = format!(
            "{}/users/{}/calendarView?startDateTime={}&endDateTime={}&%24top={top}&%24skip={}",
            ctx.base,
            user.id,
            encode(from),
            encode(to),
            skip + top
        );
        link.push_str(&super::carried(q));
        body["@odata.nextLink"] = json!(link);
    }
    let mut r = GResp::ok(body);
    r.headers.push((
        "Preference-Applied".into(),
        format!("outlook.timezone=\"{}\"", ctx.prefer_tz),
    ));
    r
}

/// `$count=true`: the answer carries `@odata.count`, the size of the whole collection
/// (query-parameters.md, "count parameter"; Outlook needs no ConsistencyLevel header).
fn counted(q: &HashMap<String, String>) -> bool {
    q.get("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
}

/// `$orderby=prop[/sub] [asc|desc][, …]` over rendered events, as Outlook sorts them (e.g.
/// `start/dateTime`, event-list.md's example 2 orders by `createdDateTime`). A property the
/// event does not have is refused as Outlook refuses it.
fn ordered(
    ctx: &Ctx,
    mut items: Vec<Value>,
    q: &HashMap<String, String>,
) -> Result<Vec<Value>, GResp> {
    let Some(order) = q.get("$orderby") else {
        return Ok(items);
    };
    let mut keys = Vec::new();
    for part in order.split(',') {
        let part = part.trim();
        let (path, desc) = match part.rsplit_once(' ') {
            Some((p, d)) if d.eq_ignore_ascii_case("desc") => (p.trim(), true),
            Some((p, d)) if d.eq_ignore_ascii_case("asc") => (p.trim(), false),
            _ => (part, false),
        };
        let top = path.split('/').next().unwrap_or_default();
        if crate::schema::schema()
            .property_type("event", top)
            .is_none()
        {
            return Err(graph_error(
                ctx,
                400,
                "RequestBroker--ParseUri",
                &format!("Could not find a property named '{top}' on type 'Microsoft.OutlookServices.Event'."),
            ));
        }
        keys.push((format!("/{path}"), desc));
    }
    let text = |v: &Value, pointer: &str| match v.pointer(pointer) {
        Some(Value::String(s)) => s.to_lowercase(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    items.sort_by(|a, b| {
        keys.iter()
            .map(|(p, desc)| {
                let o = text(a, p).cmp(&text(b, p));
                if *desc {
                    o.reverse()
                } else {
                    o
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(items)
}

fn list_events(
    s: &Arc<Shared>,
    ctx: &Ctx,
    user: &User,
    user_index: usize,
    q: &HashMap<String, String>,
) -> GResp {
    let (top, skip) = match page_params(ctx, q) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let world = s.world();
    let items: Vec<Value> = world
        .events
        .values()
        .filter(|e| {
            (e.organizer_id == user.id && !e.cancelled)
                || (e.organizer_id != user.id && is_attendee(e, user))
        })
        .map(|e| {
            let copy = if e.organizer_id == user.id {
                None
            } else {
                Some(user_index)
            };
            render(
                &world,
                e,
                user,
                ItemId {
                    key: e.key,
                    occurrence: None,
                    copy_of: copy,
                },
                None,
                &ctx.prefer_tz,
            )
        })
        .collect();
    let items = match ordered(ctx, items, q) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let page: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .map(|v| project(v.clone(), q.get("$select")))
        .collect();
    let mut body = super::collection(format!("{META}#users('{}')/events", user.id), page);
    if counted(q) {
        body["@odata.count"] = json!(items.len());
    }
    if skip + top < items.len() {
        body["@odata.nextLink"] = json!(format!(
            "{}/users/{}/events?%24top={top}&%24skip={}{}",
            ctx.base,
            user.id,
            skip + top,
            super::carried(q)
        ));
    }
    GResp::ok(body)
}

/// Read `{dateTime, timeZone}` from a request body (property names case-insensitive, as Outlook is).
pub(super) fn get_ci<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn time_of(ctx: &Ctx, v: &Value, name: &str) -> Result<Option<(Timestamp, String)>, GResp> {
    let Some(dt) = get_ci(v, name) else {
        return Ok(None);
    };
    let date_time = get_ci(dt, "dateTime")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let zone = get_ci(dt, "timeZone")
        .and_then(Value::as_str)
        .unwrap_or("UTC");
    if tz::zone(zone).is_none() {
        return Err(graph_error(ctx, 400, "TimeZoneNotSupportedException", &format!("A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'.")));
    }
    match tz::parse(date_time, zone) {
        Some(ts) => Ok(Some((ts, zone.to_string()))),
        None => Err(graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            &format!("The value '{date_time}' of parameter '{name}' is not a valid date and time."),
        )),
    }
}

fn attendees_of(ctx: &Ctx, v: &Value) -> Result<Option<Vec<Attendee>>, GResp> {
    let Some(list) = get_ci(v, "attendees").and_then(Value::as_array) else {
        return Ok(None);
    };
    if list.len() > 500 {
        return Err(graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "An event can have at most 500 attendees.",
        ));
    }
    let mut out = Vec::new();
    for a in list {
        let email = get_ci(a, "emailAddress");
        let address = email
            .and_then(|e| get_ci(e, "address"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !address.contains('@') {
            return Err(graph_error(
                ctx,
                400,
                "ErrorInvalidRecipients",
                &format!("At least one recipient isn't valid: '{address}'."),
            ));
        }
        out.push(Attendee {
            name: email
                .and_then(|e| get_ci(e, "name"))
                .and_then(Value::as_str)
                .unwrap_or(address)
                .to_string(),
            address: address.to_string(),
            kind: get_ci(a, "type")
                .and_then(Value::as_str)
                .unwrap_or("required")
                .to_ascii_lowercase(),
        });
    }
    Ok(Some(out))
}

fn body_html(v: &Value) -> Option<String> {
    let body = get_ci(v, "body")?;
    let content = get_ci(body, "content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = get_ci(body, "contentType")
        .and_then(Value::as_str)
        .unwrap_or("text");
    Some(if kind.eq_ignore_ascii_case("html") {
        content.to_string()
    } else {
        content
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\n', "<br>")
    })
}

fn recurrence_of(ctx: &Ctx, v: &Value) -> Result<Option<Recurrence>, GResp> {
    let Some(r) = get_ci(v, "recurrence").filter(|r| !r.is_null()) else {
        return Ok(None);
    };
    let pattern = get_ci(r, "pattern").cloned().unwrap_or(Value::Null);
    let range = get_ci(r, "range").cloned().unwrap_or(Value::Null);
    // As the enum spells it (the body was checked against it, case-insensitively).
    let pattern_type = get_ci(&pattern, "type")
        .and_then(Value::as_str)
        .and_then(|t| crate::schema::schema().member("recurrencePatternType", t))
        .unwrap_or_default()
        .to_string();
    // Each pattern type's required properties (resources/recurrencepattern.md, "Properties").
    let num = |k: &str| get_ci(&pattern, k).and_then(Value::as_u64).unwrap_or(0);
    let has_days = get_ci(&pattern, "daysOfWeek")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty());
    let missing = match pattern_type.as_str() {
        "daily" => None,
        "weekly" | "relativeMonthly" if !has_days => Some("daysOfWeek"),
        "absoluteMonthly" if !(1..=31).contains(&num("dayOfMonth")) => Some("dayOfMonth"),
        "absoluteYearly" if !(1..=31).contains(&num("dayOfMonth")) => Some("dayOfMonth"),
        "absoluteYearly" | "relativeYearly" if !(1..=12).contains(&num("month")) => Some("month"),
        "relativeYearly" if !has_days => Some("daysOfWeek"),
        _ => None,
    };
    if let Some(p) = missing {
        return Err(graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            &format!("Your request can't be completed. The recurrence pattern '{pattern_type}' requires '{p}'."),
        ));
    }
    let recurrence_time_zone = get_ci(&range, "recurrenceTimeZone")
        .and_then(Value::as_str)
        .unwrap_or("UTC")
        .to_string();
    // The same set of names as start/end (resources/recurrencerange.md: a dateTimeTimeZone zone).
    if tz::zone(&recurrence_time_zone).is_none() {
        return Err(graph_error(ctx, 400, "TimeZoneNotSupportedException", &format!("A valid TimeZone value must be specified. The following TimeZone value is not supported: '{recurrence_time_zone}'.")));
    }
    let start_date = get_ci(&range, "startDate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if start_date.parse::<jiff::civil::Date>().is_err() {
        return Err(graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "The recurrence range startDate is invalid.",
        ));
    }
    let range_type = get_ci(&range, "type")
        .and_then(Value::as_str)
        .unwrap_or("noEnd")
        .to_string();
    Ok(Some(Recurrence {
        pattern_type,
        interval: get_ci(&pattern, "interval")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1) as u32,
        days_of_week: get_ci(&pattern, "daysOfWeek")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .filter_map(|x| x.as_str().map(|s| s.to_ascii_lowercase()))
                    .collect()
            })
            .unwrap_or_default(),
        first_day_of_week: get_ci(&pattern, "firstDayOfWeek")
            .and_then(Value::as_str)
            .unwrap_or("sunday")
            .to_ascii_lowercase(),
        day_of_month: num("dayOfMonth").min(31) as u8,
        month: num("month").min(12) as u8,
        index: get_ci(&pattern, "index")
            .and_then(Value::as_str)
            .unwrap_or("first")
            .to_ascii_lowercase(),
        start_date,
        end_date: if range_type == "endDate" {
            get_ci(&range, "endDate")
                .and_then(Value::as_str)
                .map(str::to_string)
        } else {
            None
        },
        number_of_occurrences: if range_type == "numbered" {
            get_ci(&range, "numberOfOccurrences")
                .and_then(Value::as_u64)
                .map(|n| n as u32)
        } else {
            None
        },
        recurrence_time_zone,
        range_type,
    }))
}

/// A request body as JSON, checked against Graph's description ([`crate::schema`]); `Err` is the
/// 400 Graph answers. An empty body is an empty object (an action with no parameters given).
pub(super) fn checked_body(
    ctx: &Ctx,
    body: &[u8],
    check: impl FnOnce(&crate::schema::Schema, &Value) -> Result<(), String>,
) -> Result<Value, GResp> {
    let v = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice::<Value>(body).map_err(|_| {
            graph_error(
                ctx,
                400,
                "RequestBodyRead",
                "The request body is not valid JSON.",
            )
        })?
    };
    check(crate::schema::schema(), &v).map_err(|m| graph_error(ctx, 400, "RequestBodyRead", &m))?;
    Ok(v)
}

/// The writable settings in a body (already checked against the description), over `base`: each
/// property given is applied, as Graph applies it (enum values as Graph spells them).
fn settings_from(v: &Value, base: EventSettings) -> EventSettings {
    let text = |k: &str| get_ci(v, k).and_then(Value::as_str);
    let flag = |k: &str| get_ci(v, k).and_then(Value::as_bool);
    // Enum values as the description spells them (the body was checked against it).
    let member = |k: &str, enum_type: &str| {
        text(k)
            .and_then(|t| crate::schema::schema().member(enum_type, t))
            .map(str::to_string)
    };
    EventSettings {
        categories: get_ci(v, "categories")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or(base.categories),
        importance: member("importance", "importance").unwrap_or(base.importance),
        sensitivity: member("sensitivity", "sensitivity").unwrap_or(base.sensitivity),
        show_as: member("showAs", "freeBusyStatus").unwrap_or(base.show_as),
        is_reminder_on: flag("isReminderOn").unwrap_or(base.is_reminder_on),
        reminder_minutes: get_ci(v, "reminderMinutesBeforeStart")
            .and_then(Value::as_i64)
            .unwrap_or(base.reminder_minutes),
        allow_new_time_proposals: flag("allowNewTimeProposals")
            .unwrap_or(base.allow_new_time_proposals),
        response_requested: flag("responseRequested").unwrap_or(base.response_requested),
        hide_attendees: flag("hideAttendees").unwrap_or(base.hide_attendees),
    }
}

/// Outlook refuses properties `event` does not declare, though the description calls it open.
const EVENT_WRITE: crate::schema::Rules = crate::schema::Rules { closed_top: true };

fn create(s: &Arc<Shared>, ctx: &Ctx, user: &User, body: &[u8]) -> GResp {
    let v = match checked_body(ctx, body, |sc, v| sc.check_write("event", v, EVENT_WRITE)) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (start, zone) = match time_of(ctx, &v, "start") {
        Ok(Some(t)) => t,
        Ok(None) => {
            return graph_error(
                ctx,
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. The Start property is required.",
            )
        }
        Err(e) => return e,
    };
    let end = match time_of(ctx, &v, "end") {
        Ok(Some((t, _))) => t,
        Ok(None) => {
            return graph_error(
                ctx,
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. The End property is required.",
            )
        }
        Err(e) => return e,
    };
    if end < start {
        return graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The end time must be after the start time.",
        );
    }
    let attendees = match attendees_of(ctx, &v) {
        Ok(a) => a.unwrap_or_default(),
        Err(e) => return e,
    };
    let recurrence = match recurrence_of(ctx, &v) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let transaction = get_ci(&v, "transactionId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let now = Timestamp::now();
    let mut world = s.world();
    if let Some(t) = &transaction {
        if let Some(key) = world
            .transactions
            .get(&(user.id.clone(), t.clone()))
            .copied()
        {
            if let Some(e) = world.events.get(&key) {
                let mut out = render(
                    &world,
                    e,
                    user,
                    ItemId {
                        key,
                        occurrence: None,
                        copy_of: None,
                    },
                    None,
                    &ctx.prefer_tz,
                );
                out["@odata.context"] =
                    json!(format!("{META}#users('{}')/events/$entity", user.id));
                return with_status(201, out);
            }
        }
    }
    let wants_online = get_ci(&v, "isOnlineMeeting")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let provider = get_ci(&v, "onlineMeetingProvider")
        .and_then(Value::as_str)
        .unwrap_or("teamsForBusiness");
    let subject = get_ci(&v, "subject")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut rng = Rng::new(now.as_nanosecond() as u64 ^ world.next_key);
    // A Teams meeting only when the organizer has Teams; otherwise the event is created without one.
    let meeting = (wants_online
        && provider.eq_ignore_ascii_case("teamsForBusiness")
        && user.teams_plan == Some("Success"))
    .then(|| crate::seed::new_meeting(&world, &mut rng, user, &subject, start, end, now));
    let key = world.next_key;
    world.next_key += 1;
    let text = body_html(&v).unwrap_or_default();
    let event = Event {
        key,
        organizer_id: user.id.clone(),
        subject,
        body_html: if meeting.is_some() {
            crate::seed::teams_body(&text, meeting.as_ref().map(|m| m.join_url.as_str()))
        } else {
            text
        },
        start,
        end,
        original_tz: zone,
        attendees,
        is_online: meeting.is_some(),
        meeting_id: meeting.as_ref().map(|m| m.id.clone()),
        join_url: meeting.as_ref().map(|m| m.join_url.clone()),
        conference_id: meeting.as_ref().map(|_| rng.digits(9)),
        cancelled: false,
        recurrence,
        cancelled_occurrences: Default::default(),
        created: now,
        modified: now,
        transaction_id: transaction.clone(),
        ical_uid: format!(
            "040000008200E00074C5B7101A82E0080000000000000000000000000000000010000000{:016X}",
            rng.next_u64()
        ),
        change: 1,
        location: get_ci(&v, "location")
            .and_then(|l| get_ci(l, "displayName"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                meeting
                    .as_ref()
                    .map(|_| "Microsoft Teams Meeting".to_string())
            }),
        overrides: Default::default(),
        settings: settings_from(&v, EventSettings::default()),
    };
    if let Some(m) = meeting {
        world.meetings.push(m);
    }
    if let Some(t) = transaction {
        world.transactions.insert((user.id.clone(), t), key);
    }
    let mut out = render(
        &world,
        &event,
        user,
        ItemId {
            key,
            occurrence: None,
            copy_of: None,
        },
        None,
        &ctx.prefer_tz,
    );
    out["@odata.context"] = json!(format!("{META}#users('{}')/events/$entity", user.id));
    world.events.insert(key, event);
    with_status(201, out)
}

fn with_status(status: u16, v: Value) -> GResp {
    GResp::status(status, Some(v))
}

fn update(s: &Arc<Shared>, ctx: &Ctx, user: &User, item: ItemId, body: &[u8]) -> GResp {
    let v = match checked_body(ctx, body, |sc, v| sc.check_write("event", v, EVENT_WRITE)) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if item.copy_of.is_some() {
        return graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. Only the organizer can update the meeting.",
        );
    }
    let start = match time_of(ctx, &v, "start") {
        Ok(t) => t.map(|t| t.0),
        Err(e) => return e,
    };
    let end = match time_of(ctx, &v, "end") {
        Ok(t) => t.map(|t| t.0),
        Err(e) => return e,
    };
    let attendees = match attendees_of(ctx, &v) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut world = s.world();
    let Some(e) = world.events.get_mut(&item.key) else {
        return outlook_error(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    let subject = get_ci(&v, "subject")
        .and_then(Value::as_str)
        .map(str::to_string);
    match item.occurrence {
        Some(occ) => {
            let duration = e.end - e.start;
            let base = Timestamp::from_second(occ).unwrap_or(e.start);
            let existing = e.overrides.get(&occ).cloned();
            let new_start = start.or(existing.as_ref().map(|o| o.start)).unwrap_or(base);
            let new_end = end
                .or(existing.as_ref().map(|o| o.end))
                .unwrap_or(new_start + duration);
            if new_end < new_start {
                return graph_error(
                    ctx,
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. The end time must be after the start time.",
                );
            }
            e.overrides.insert(
                occ,
                OccurrenceOverride {
                    subject: subject.or(existing.and_then(|o| o.subject)),
                    start: new_start,
                    end: new_end,
                },
            );
        }
        None => {
            let new_start = start.unwrap_or(e.start);
            let new_end = end.unwrap_or(if start.is_some() {
                new_start + (e.end - e.start)
            } else {
                e.end
            });
            if new_end < new_start {
                return graph_error(
                    ctx,
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. The end time must be after the start time.",
                );
            }
            e.start = new_start;
            e.end = new_end;
            if let Some(sj) = subject {
                e.subject = sj;
            }
            if let Some(html) = body_html(&v) {
                e.body_html = html;
            }
            if let Some(a) = attendees {
                e.attendees = a;
            }
            if let Some(l) = get_ci(&v, "location") {
                e.location = get_ci(l, "displayName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .filter(|d| !d.is_empty());
            }
            e.settings = settings_from(&v, e.settings.clone());
        }
    }
    e.modified = Timestamp::now();
    e.change += 1;
    let e = e.clone();
    let mut out = render(
        &world,
        &e,
        user,
        item,
        item.occurrence.and_then(|o| Timestamp::from_second(o).ok()),
        &ctx.prefer_tz,
    );
    out["@odata.context"] = json!(format!("{META}#users('{}')/events/$entity", user.id));
    GResp::ok(out)
}

fn delete(s: &Arc<Shared>, user: &User, item: ItemId) -> GResp {
    let mut world = s.world();
    match (item.copy_of, item.occurrence) {
        (Some(_), _) => {
            if let Some(e) = world.events.get_mut(&item.key) {
                e.attendees.retain(|a| {
                    !a.address.eq_ignore_ascii_case(&user.upn)
                        && Some(a.address.as_str()) != user.mail.as_deref()
                });
            }
        }
        (None, Some(occ)) => {
            if let Some(e) = world.events.get_mut(&item.key) {
                e.cancelled_occurrences.insert(occ);
            }
        }
        (None, None) => {
            // Deleting the organizer's copy cancels the meeting for attendees.
            if let Some(e) = world.events.get_mut(&item.key) {
                e.cancelled = true;
            }
        }
    }
    GResp::status(204, None)
}

/// `POST …/events/{id}/cancel` with its optional comment (event-cancel.md); its body is read and
/// checked like any action's.
fn cancel(s: &Arc<Shared>, ctx: &Ctx, _user: &User, item: ItemId, body: &[u8]) -> GResp {
    if let Err(r) = checked_body(ctx, body, |sc, v| sc.check_action("event", "cancel", v)) {
        return r;
    }
    if item.copy_of.is_some() {
        return graph_error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        );
    }
    let mut world = s.world();
    if let Some(e) = world.events.get_mut(&item.key) {
        match item.occurrence {
            Some(occ) => {
                e.cancelled_occurrences.insert(occ);
            }
            None => e.cancelled = true,
        }
        e.modified = Timestamp::now();
        e.change += 1;
    }
    GResp::status(202, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_look_like_outlook_ids() {
        let id = ItemId {
            key: 42,
            occurrence: Some(1_700_000_000),
            copy_of: Some(3),
        };
        let s = encode_id(id);
        assert!(s.starts_with("AAMkAG"));
        assert!(!s.contains('/') && !s.contains('+'));
        assert_eq!(decode_id(&s), Some(id));
        assert_eq!(decode_id("AAMkAGnot-base64!"), None);
        assert!(web_link(&s).contains("itemid=AAMkAG"));
    }
}
