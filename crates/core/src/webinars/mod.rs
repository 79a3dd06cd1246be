//! Webinars: the hosts' Teams meetings as Outlook calendar events — list a range, create, edit,
//! cancel, and the details of one (with its online meeting resolved by join URL).
//!
//! Instants stay UTC (`Prefer: outlook.timezone="UTC"` is set by the Graph client); a zone is used
//! only to read what the user typed ("09:00 in Europe/Berlin") and is sent to Graph as the Windows
//! zone CLDR maps it to ("W. Europe Standard Time": Graph accepts only some IANA names), so a
//! recurring series keeps its local time across DST. Rendering and caching are the UI's job.

mod cancel_log;
pub mod teams;
pub use cancel_log::CancelLog;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rollcall_graph::models::{Event, EventType};
use rollcall_graph::Request;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::directory::{enc, find_mailbox, meeting_by_join_url, segment, Mailbox};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::profile::{is_email, FieldError};

pub const MAX_SUBJECT: usize = 255;
pub const MAX_DESCRIPTION: usize = 32_000;
pub const MAX_INVITEES: usize = 500;
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;
pub const MAX_OCCURRENCES: u32 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum WebinarState {
    Upcoming,
    Live,
    Ended,
}

impl WebinarState {
    /// Where `[start, end)` stands at `now` (instants, or RFC 3339 UTC strings of one format).
    pub fn at<T: PartialOrd>(start: &T, end: &T, now: &T) -> Self {
        if end <= now {
            WebinarState::Ended
        } else if start <= now {
            WebinarState::Live
        } else {
            WebinarState::Upcoming
        }
    }
}

/// One calendar event (an occurrence, for a series) as the calendar shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Webinar {
    pub id: String,
    /// The host (as configured) whose calendar holds it.
    pub host: String,
    pub subject: String,
    /// RFC 3339 UTC.
    pub start: String,
    pub end: String,
    pub teams: bool,
    pub cancelled: bool,
    pub state: WebinarState,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    pub kind: String,
    /// The series this occurrence belongs to.
    pub series_id: Option<String>,
    pub join_url: Option<String>,
    pub organizer: Option<String>,
    pub is_organizer: bool,
    pub invitees: Vec<String>,
    pub web_link: Option<String>,
    /// `meeting` (a calendar event with a Teams meeting) or `webinar` (a Teams webinar).
    #[serde(default)]
    pub format: WebinarFormat,
    /// For a Teams webinar: its status, registration page, capacity and registrations.
    #[serde(default)]
    pub event: Option<teams::TeamsWebinar>,
    /// A Teams channel meeting (by its join link): Graph files every meeting of the channel
    /// under one, so its attendance cannot be read per meeting.
    #[serde(default)]
    pub channel: bool,
}

/// What kind of Teams event a webinar is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum WebinarFormat {
    /// A calendar event with a Teams meeting (what the LMS creates).
    #[default]
    Meeting,
    /// A Teams webinar (a virtual event with registration).
    Webinar,
}

/// A calendar range: the webinars, and the hosts that could not be read (shown on the view).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WebinarRange {
    pub webinars: Vec<Webinar>,
    pub problems: Vec<HostProblem>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostProblem {
    pub host: String,
    pub error: CoreError,
    /// The Setup step that owns the cause, when it is known (`accessPolicy`, `permissions`).
    pub step: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Repeat {
    Daily,
    Weekly,
}

/// A recurrence as the create form asks for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceInput {
    pub repeat: Repeat,
    /// Every N days/weeks.
    pub interval: u32,
    /// Number of occurrences; or `until`.
    pub count: Option<u32>,
    /// Last date (`YYYY-MM-DD`, in the event's zone).
    pub until: Option<String>,
}

/// What the create form sends.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NewWebinar {
    pub host: String,
    pub subject: String,
    /// Wall-clock start as typed, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    /// IANA zone of `start`, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub duration_minutes: u32,
    #[serde(default)]
    pub description: String,
    /// `description` is simple HTML rather than plain text.
    #[serde(default)]
    pub html: bool,
    #[serde(default)]
    pub invitees: Vec<String>,
    #[serde(default)]
    pub recurrence: Option<RecurrenceInput>,
    /// The user confirmed a start in the past.
    #[serde(default)]
    pub allow_past: bool,
}

/// Changes to an existing webinar; `None` leaves a field as it is. To change a whole series, pass
/// the series id.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WebinarEdit {
    pub host: String,
    pub id: String,
    pub subject: Option<String>,
    pub start: Option<String>,
    pub time_zone: Option<String>,
    pub duration_minutes: Option<u32>,
    pub description: Option<String>,
    #[serde(default)]
    pub html: bool,
}

/// The details panel.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WebinarDetails {
    pub webinar: Webinar,
    /// The Teams online meeting id, resolved by join URL (needed for attendance).
    pub online_meeting_id: Option<String>,
    /// Why the online meeting could not be resolved, in the user's words.
    pub meeting_problem: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn zone(name: &str) -> Result<TimeZone, FieldError> {
    TimeZone::get(name.trim()).map_err(|_| {
        invalid(
            "timeZone",
            format!(
                "\"{name}\" is not a time zone name such as Europe/Berlin or America/New_York."
            ),
        )
    })
}

/// The zone name Graph is sent for a zone the user picked (its Windows name).
pub fn graph_zone(name: &str) -> Result<&'static str, FieldError> {
    rollcall_graph::zones::graph_zone(name).ok_or_else(|| {
        invalid(
            "timeZone",
            format!(
                "Microsoft Teams has no time zone matching \"{}\": choose a city in the same zone.",
                name.trim()
            ),
        )
    })
}

/// The instant a wall-clock time in a zone stands for. A time skipped by a DST change is refused
/// rather than silently moved.
pub fn local_to_utc(local: &str, zone_name: &str) -> Result<Timestamp, FieldError> {
    let tz = zone(zone_name)?;
    let dt: DateTime = local.trim().parse().map_err(|_| {
        invalid(
            "start",
            "Enter the start as a date and time, e.g. 2026-12-01T14:00.",
        )
    })?;
    let ambiguous = tz.to_ambiguous_zoned(dt);
    if matches!(ambiguous.offset(), jiff::tz::AmbiguousOffset::Gap { .. }) {
        return Err(invalid("start", format!("{local} does not exist in {zone_name}: the clocks skip that hour for daylight saving time.")));
    }
    ambiguous
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|e| invalid("start", e.to_string()))
}

/// The hosts a Teams join link can point at: the commercial and GCC cloud (and its newer
/// `teams.cloud.microsoft` domain), GCC High, DoD, 21Vianet and Teams for personal use.
pub const TEAMS_JOIN_HOSTS: &[&str] = &[
    "teams.microsoft.com",
    "teams.cloud.microsoft",
    "gov.teams.microsoft.us",
    "dod.teams.microsoft.us",
    "teams.microsoftonline.cn",
    "teams.live.com",
    // A Teams webinar's registration page (virtualEventWebinarRegistrationConfiguration.registrationWebUrl).
    "events.teams.microsoft.com",
];

/// A join link that may be opened in the browser: `https://` on a Teams host, nothing else (a
/// link from Graph or a calendar is data, and the browser must not be pointed at an arbitrary
/// address or scheme).
pub fn join_link(url: &str) -> Result<String, CoreError> {
    let refused = || {
        CoreError::new(
            ErrorCode::InvalidInput,
            "This is not a Teams join link, so Rollcall does not open it.",
            Some("Copy the link and check it before opening it yourself.".into()),
        )
    };
    let u = url::Url::parse(url.trim()).map_err(|_| refused())?;
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let ok = u.scheme() == "https"
        && u.username().is_empty()
        && u.password().is_none()
        && u.port().is_none()
        && TEAMS_JOIN_HOSTS.contains(&host.as_str());
    if ok {
        Ok(u.to_string())
    } else {
        Err(refused())
    }
}

/// Check a new webinar; an empty list means it can be created.
pub fn validate(w: &NewWebinar, now: Timestamp) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !is_email(&w.host) {
        errs.push(invalid(
            "host",
            "Choose the host whose calendar gets the webinar.",
        ));
    }
    let subject = w.subject.trim();
    if subject.is_empty() {
        errs.push(invalid("subject", "The subject is required."));
    } else if subject.chars().count() > MAX_SUBJECT {
        errs.push(invalid(
            "subject",
            format!("Keep the subject under {MAX_SUBJECT} characters."),
        ));
    }
    if zone(&w.time_zone).is_ok() {
        if let Err(e) = graph_zone(&w.time_zone) {
            errs.push(e);
        }
    }
    match local_to_utc(&w.start, &w.time_zone) {
        Ok(start) if start < now && !w.allow_past => errs.push(invalid(
            "start",
            "This start is in the past. Confirm to create it anyway.",
        )),
        Ok(_) => {}
        Err(e) => errs.push(e),
    }
    if w.duration_minutes == 0 {
        errs.push(invalid("duration", "The end must be after the start."));
    } else if w.duration_minutes > MAX_DURATION_MINUTES {
        errs.push(invalid("duration", "A webinar lasts at most 24 hours."));
    }
    if w.description.chars().count() > MAX_DESCRIPTION {
        errs.push(invalid(
            "description",
            format!("Keep the description under {MAX_DESCRIPTION} characters."),
        ));
    }
    if w.invitees.len() > MAX_INVITEES {
        errs.push(invalid(
            "invitees",
            format!("Invite at most {MAX_INVITEES} people here; use the LMS for larger groups."),
        ));
    }
    for i in &w.invitees {
        if !is_email(i) {
            errs.push(invalid(
                "invitees",
                format!("\"{i}\" is not an e-mail address."),
            ));
        }
    }
    if let Some(r) = &w.recurrence {
        if r.interval == 0 || r.interval > 99 {
            errs.push(invalid("recurrence", "Repeat every 1 to 99 days or weeks."));
        }
        match (r.count, &r.until) {
            (Some(n), None) if (1..=MAX_OCCURRENCES).contains(&n) => {}
            (Some(_), None) => errs.push(invalid(
                "recurrence",
                format!("Between 1 and {MAX_OCCURRENCES} occurrences."),
            )),
            (None, Some(d)) => {
                let start_date = w
                    .start
                    .get(..10)
                    .and_then(|s| s.parse::<jiff::civil::Date>().ok());
                match (d.parse::<jiff::civil::Date>(), start_date) {
                    (Ok(u), Some(s)) if u >= s => {}
                    (Ok(_), _) => errs.push(invalid(
                        "recurrence",
                        "The last date must be on or after the first.",
                    )),
                    (Err(_), _) => {
                        errs.push(invalid("recurrence", "Enter the last date as YYYY-MM-DD."))
                    }
                }
            }
            _ => errs.push(invalid(
                "recurrence",
                "Give either a number of occurrences or a last date.",
            )),
        }
    }
    errs
}

fn field_errors_to_error(errs: Vec<FieldError>) -> CoreError {
    let first = errs.first().map(|e| e.message.clone()).unwrap_or_default();
    let fields: Vec<String> = errs.iter().map(|e| e.field.clone()).collect();
    CoreError::new(
        ErrorCode::InvalidInput,
        first,
        Some(format!("Check: {}", fields.join(", "))),
    )
}

async fn host_user(conn: &Connection, host: &str) -> Result<Mailbox, CoreError> {
    find_mailbox(conn, host).await?.ok_or_else(|| {
        CoreError::new(
            ErrorCode::NotFound,
            format!("No user with the e-mail {host} exists in the tenant."),
            Some("Check the host's e-mail in Settings → Connections.".into()),
        )
    })
}

const SELECT: &str = "id,subject,start,end,isOnlineMeeting,onlineMeetingProvider,onlineMeeting,isCancelled,isOrganizer,type,seriesMasterId,organizer,attendees,webLink";

/// A Teams channel meeting, by its join URL: the chat thread is the channel's (`@thread.tacv2`,
/// percent-encoded in the URL), not a meeting's own (`19:meeting_…@thread.v2`).
pub fn is_channel_meeting(join_url: &str) -> bool {
    let u = join_url.to_ascii_lowercase();
    u.contains("%40thread.tacv2") || u.contains("@thread.tacv2")
}

fn webinar_of(host: &str, e: Event, now: Timestamp) -> Option<Webinar> {
    let start = e.start.to_utc()?;
    let end = e.end.to_utc()?;
    let state = WebinarState::at(&start, &end, &now);
    let teams = e.is_teams();
    let join_url = e.online_meeting.and_then(|m| m.join_url);
    Some(Webinar {
        channel: join_url.as_deref().is_some_and(is_channel_meeting),
        id: e.id,
        host: host.to_string(),
        subject: e.subject.unwrap_or_default(),
        start: start.to_string(),
        end: end.to_string(),
        teams,
        cancelled: e.is_cancelled.unwrap_or(false),
        state,
        kind: match e.kind {
            Some(EventType::Occurrence) => "occurrence",
            Some(EventType::Exception) => "exception",
            Some(EventType::SeriesMaster) => "seriesMaster",
            _ => "singleInstance",
        }
        .into(),
        series_id: e.series_master_id,
        join_url,
        organizer: e.organizer.and_then(|o| o.email_address.address),
        is_organizer: e.is_organizer.unwrap_or(false),
        invitees: e
            .attendees
            .into_iter()
            .filter_map(|a| a.email_address.address)
            .collect(),
        web_link: e.web_link,
        format: WebinarFormat::Meeting,
        event: None,
    })
}

/// The webinars of one host in `[from, to)`, all pages.
pub async fn list_host(
    conn: &Connection,
    host: &str,
    from: Timestamp,
    to: Timestamp,
    teams_only: bool,
) -> Result<Vec<Webinar>, CoreError> {
    let graph = conn.graph()?;
    let user = host_user(conn, host).await?;
    let url = format!(
        "{}/calendarView?startDateTime={}&endDateTime={}&$top=100&$select={}",
        user.base,
        enc(&from.to_string()),
        enc(&to.to_string()),
        enc(SELECT)
    );
    let events: Vec<Event> = graph
        .get_all(Request::get(url).mailbox(&user.id))
        .await
        .map_err(|e| conn.explain(e))?;
    let now = Timestamp::now();
    let mut out: Vec<Webinar> = events
        .into_iter()
        .filter_map(|e| webinar_of(host, e, now))
        .filter(|w| w.teams || !teams_only)
        .collect();
    out.sort_by(|a, b| a.start.cmp(&b.start));
    Ok(out)
}

/// All hosts' webinars in a range, the hosts read concurrently; a host that fails is reported, not
/// fatal (the others still show).
pub async fn list(
    conn: &Connection,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    teams_only: bool,
) -> Result<WebinarRange, CoreError> {
    if to <= from {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "The end of the range must be after its start.",
            None,
        ));
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, h) in hosts.iter().enumerate() {
        let (c, h) = (conn.clone(), h.clone());
        set.spawn(async move { (i, h.clone(), list_host(&c, &h, from, to, teams_only).await) });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        results.push(r.map_err(|e| CoreError::internal(e.to_string()))?);
    }
    results.sort_by_key(|(i, _, _)| *i);
    let mut webinars = Vec::new();
    let mut problems = Vec::new();
    for (_, host, r) in results {
        match r {
            Ok(mut w) => webinars.append(&mut w),
            Err(error) => problems.push(HostProblem {
                host,
                error,
                step: None,
            }),
        }
    }
    webinars.sort_by(|a, b| a.start.cmp(&b.start));
    Ok(WebinarRange {
        webinars: one_per_meeting(webinars),
        problems,
    })
}

/// A meeting in several chosen hosts' calendars (the organizer's and an invitee's copy, same join
/// link and start) is listed once: the organizer's copy, the one whose attendance can be read.
fn one_per_meeting(webinars: Vec<Webinar>) -> Vec<Webinar> {
    let mut out: Vec<Webinar> = Vec::with_capacity(webinars.len());
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for w in webinars {
        let Some(key) = w.join_url.clone().map(|u| (u, w.start.clone())) else {
            out.push(w);
            continue;
        };
        match seen.get(&key) {
            Some(&i) => {
                if w.is_organizer && !out[i].is_organizer {
                    out[i] = w;
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(w);
            }
        }
    }
    out
}

fn body_of(description: &str, html: bool) -> serde_json::Value {
    json!({"contentType": if html { "html" } else { "text" }, "content": description})
}

fn graph_time(local: &str) -> String {
    let t = local.trim();
    if t.len() == 16 {
        format!("{t}:00")
    } else {
        t.to_string()
    }
}

fn end_local(start_local: &str, zone_name: &str, minutes: u32) -> Result<String, FieldError> {
    // The end is computed on the timeline, then shown in the same zone (a meeting across a DST
    // change lasts what the user asked for).
    let start = local_to_utc(start_local, zone_name)?;
    let tz = zone(zone_name)?;
    let end = (start + SignedDuration::from_mins(i64::from(minutes))).to_zoned(tz);
    Ok(end.datetime().strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

/// Create the event with a Teams meeting in the host's calendar.
pub async fn create(conn: &Connection, w: &NewWebinar) -> Result<Webinar, CoreError> {
    let errs = validate(w, Timestamp::now());
    if !errs.is_empty() {
        return Err(field_errors_to_error(errs));
    }
    let graph = conn.graph()?;
    let user = host_user(conn, &w.host).await?;
    let end = end_local(&w.start, &w.time_zone, w.duration_minutes)
        .map_err(|e| field_errors_to_error(vec![e]))?;
    let windows = graph_zone(&w.time_zone).map_err(|e| field_errors_to_error(vec![e]))?;
    let mut body = json!({
        "subject": w.subject.trim(),
        "body": body_of(&w.description, w.html),
        "start": {"dateTime": graph_time(&w.start), "timeZone": windows},
        "end": {"dateTime": end, "timeZone": windows},
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "allowNewTimeProposals": false,
        "attendees": w.invitees.iter().map(|a| json!({"emailAddress": {"address": a.trim()}, "type": "required"})).collect::<Vec<_>>(),
        // Graph de-duplicates a retried create with the same transactionId.
        "transactionId": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(r) = &w.recurrence {
        let start_date = &w.start.trim()[..10];
        let start_dt: DateTime = w
            .start
            .trim()
            .parse()
            .map_err(|_| CoreError::new(ErrorCode::InvalidInput, "Invalid start.", None))?;
        let weekday = format!("{:?}", start_dt.weekday()).to_lowercase();
        let pattern = match r.repeat {
            Repeat::Daily => json!({"type": "daily", "interval": r.interval}),
            Repeat::Weekly => {
                json!({"type": "weekly", "interval": r.interval, "daysOfWeek": [weekday], "firstDayOfWeek": "monday"})
            }
        };
        let range = match (&r.until, r.count) {
            (Some(until), _) => {
                json!({"type": "endDate", "startDate": start_date, "endDate": until, "recurrenceTimeZone": windows})
            }
            (None, n) => {
                json!({"type": "numbered", "startDate": start_date, "numberOfOccurrences": n.unwrap_or(1), "recurrenceTimeZone": windows})
            }
        };
        body["recurrence"] = json!({"pattern": pattern, "range": range});
    }
    let path = format!("{}/events", user.base);
    let created = graph
        .send(Request::new(reqwest::Method::POST, path, Some(body)).mailbox(&user.id))
        .await
        .map_err(|e| conn.explain(e))?;
    let event: Event = serde_json::from_value(created.body.unwrap_or_default())
        .map_err(|e| CoreError::internal(format!("unexpected answer to the create: {e}")))?;
    let id = event.id.clone();
    // The create answer is in the zone we sent; read it back in UTC like everything else.
    get(conn, &w.host, &id).await
}

/// One event by id, in UTC.
pub async fn get(conn: &Connection, host: &str, id: &str) -> Result<Webinar, CoreError> {
    let graph = conn.graph()?;
    let user = host_user(conn, host).await?;
    let url = format!(
        "{}/events/{}?$select={}",
        user.base,
        segment(id),
        enc(SELECT)
    );
    let event: Event = graph
        .get_json(Request::get(url).mailbox(&user.id))
        .await
        .map_err(|e| conn.explain(e))?;
    webinar_of(host, event, Timestamp::now()).ok_or_else(|| {
        CoreError::internal("Graph answered the event in a time zone Rollcall did not ask for")
    })
}

/// Change time, subject or description (of one occurrence, or of the series when `id` is the
/// series id).
pub async fn update(conn: &Connection, e: &WebinarEdit) -> Result<Webinar, CoreError> {
    let mut patch = serde_json::Map::new();
    if let Some(s) = &e.subject {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > MAX_SUBJECT {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("The subject is required and at most {MAX_SUBJECT} characters."),
                None,
            ));
        }
        patch.insert("subject".into(), json!(s));
    }
    if let Some(d) = &e.description {
        if d.chars().count() > MAX_DESCRIPTION {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("Keep the description under {MAX_DESCRIPTION} characters."),
                None,
            ));
        }
        patch.insert("body".into(), body_of(d, e.html));
    }
    if let (Some(start), Some(tz)) = (&e.start, &e.time_zone) {
        let minutes = e.duration_minutes.unwrap_or(60);
        if minutes == 0 || minutes > MAX_DURATION_MINUTES {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "The end must be after the start, within 24 hours.",
                None,
            ));
        }
        local_to_utc(start, tz).map_err(|f| field_errors_to_error(vec![f]))?;
        let end = end_local(start, tz, minutes).map_err(|f| field_errors_to_error(vec![f]))?;
        let windows = graph_zone(tz).map_err(|f| field_errors_to_error(vec![f]))?;
        patch.insert(
            "start".into(),
            json!({"dateTime": graph_time(start), "timeZone": windows}),
        );
        patch.insert("end".into(), json!({"dateTime": end, "timeZone": windows}));
    }
    if patch.is_empty() {
        return get(conn, &e.host, &e.id).await;
    }
    let graph = conn.graph()?;
    let user = host_user(conn, &e.host).await?;
    let path = format!("{}/events/{}", user.base, segment(&e.id));
    graph
        .send(
            Request::new(
                reqwest::Method::PATCH,
                path,
                Some(serde_json::Value::Object(patch)),
            )
            .mailbox(&user.id),
        )
        .await
        .map_err(|err| conn.explain(err))?;
    get(conn, &e.host, &e.id).await
}

/// Cancel with a message to the attendees (organizer only). An occurrence id cancels that
/// occurrence; the series id cancels the series.
pub async fn cancel(
    conn: &Connection,
    host: &str,
    id: &str,
    message: &str,
) -> Result<(), CoreError> {
    let graph = conn.graph()?;
    let user = host_user(conn, host).await?;
    let path = format!("{}/events/{}/cancel", user.base, segment(id));
    graph
        .send(Request::new(reqwest::Method::POST, path, Some(json!({"comment": message}))).mailbox(&user.id))
        .await
        .map(|_| ())
        .map_err(|err| match err {
            rollcall_graph::GraphError::Api { status: 400, ref message, .. } if message.to_ascii_lowercase().contains("organizer") => CoreError::new(
                ErrorCode::InvalidInput,
                format!("{host} is not the organizer of this meeting, so it cannot be cancelled from this calendar."),
                Some("Ask the organizer to cancel it, or open the organizer's calendar.".into()),
            ),
            other => conn.explain(other),
        })
}

/// The event plus its online meeting id (resolved by join URL from the organizer's mailbox).
pub async fn details(conn: &Connection, host: &str, id: &str) -> Result<WebinarDetails, CoreError> {
    let webinar = get(conn, host, id).await?;
    let (mut online_meeting_id, mut meeting_problem) = (None, None);
    match &webinar.join_url {
        None => meeting_problem = Some("This event has no Teams meeting.".to_string()),
        Some(join) => {
            let graph = conn.graph()?;
            let user = host_user(conn, host).await?;
            let url = meeting_by_join_url(&user.base, join);
            match graph
                .get_json::<serde_json::Value>(Request::get(url).mailbox(&user.id))
                .await
            {
                Ok(v) => match v["value"].as_array().and_then(|a| a.first()) {
                    Some(m) => online_meeting_id = m["id"].as_str().map(str::to_string),
                    None => {
                        meeting_problem = Some(if webinar.is_organizer {
                            "Teams did not return a meeting for this join URL.".into()
                        } else {
                            format!("{host} is not the organizer; Teams only shows a meeting to its organizer.")
                        })
                    }
                },
                Err(e) => meeting_problem = Some(conn.explain(e).user_message()),
            }
        }
    }
    Ok(WebinarDetails {
        webinar,
        online_meeting_id,
        meeting_problem,
    })
}

#[cfg(test)]
mod tests;
