//! Teams webinars proper — Microsoft's virtual events, with a registration page, capacity,
//! waitlist and approval — beside the calendar webinars (Outlook events with a Teams meeting) the
//! LMS creates. Owns listing a host's Teams webinars, their registrations, sessions and the
//! registration [`ledger`] (who registered against who came). Endpoints (api-reference/v1.0):
//! `solutions/virtualEvents/webinars/getByUserIdAndRole` (application, `VirtualEvent.Read.All`
//! plus the Teams application access policy) or `getByUserRole` (delegated, the signed-in
//! organizer), `{id}/registrationConfiguration`, `{id}/registrations`, `{id}/sessions`,
//! `…/sessions/{id}/attendanceReports/{id}/attendanceRecords`; create, publish and cancel only
//! for a signed-in organizer (`VirtualEvent.ReadWrite`; Graph has no application permission).
//! Global cloud only (includes/global-only.md). Does not: archive (see `archive`), draw.

pub mod export;
pub mod ledger;

use jiff::Timestamp;
use rollcall_graph::models::{
    AttendanceRecord, AttendanceReport, VirtualEventRegistration,
    VirtualEventRegistrationConfiguration, VirtualEventSession, VirtualEventWebinar,
};
use rollcall_graph::{GraphError, Request};
use serde::{Deserialize, Serialize};

use crate::directory::{find_mailbox, segment};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::profile::AuthMode;
pub use ledger::{JoinedBy, LedgerCounts, LedgerRow, RegistrationStatus, Standing};

const BASE: &str = "/solutions/virtualEvents/webinars";

pub use crate::webinars::teams::{EventSession, EventStatus, RegistrationCounts, TeamsWebinar};

/// Registrations by status.
pub fn registration_counts(regs: &[VirtualEventRegistration]) -> RegistrationCounts {
    let mut c = RegistrationCounts::default();
    for r in regs {
        match RegistrationStatus::parse(r.status.as_deref().unwrap_or("")) {
            RegistrationStatus::Registered => c.registered += 1,
            RegistrationStatus::Canceled => c.canceled += 1,
            RegistrationStatus::Waitlisted => c.waitlisted += 1,
            RegistrationStatus::PendingApproval => c.pending += 1,
            RegistrationStatus::RejectedByOrganizer => c.rejected += 1,
            RegistrationStatus::Other => {}
        }
    }
    c
}

fn instant(dt: &Option<rollcall_graph::models::DateTimeTimeZone>) -> Option<Timestamp> {
    let d = dt.as_ref()?;
    rollcall_graph::zones::instant(&d.date_time, &d.time_zone)
}

/// A Teams webinar with its subject and times, as the calendar lists it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub subject: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub event: TeamsWebinar,
    /// The registrations the counts were made from (a ledger of this listing reuses them).
    pub registrations: Vec<VirtualEventRegistration>,
}

/// Virtual events answer 403 for a missing permission and for a missing access policy alike;
/// say both, in the admin's words.
fn explain(conn: &Connection, host: &str, e: GraphError) -> CoreError {
    let status = e.status();
    let mut out = conn.explain(e);
    if status == Some(403) {
        let (perm, how) = match conn.mode {
            AuthMode::Application => (
                "VirtualEvent.Read.All (application)",
                format!("the Teams application access policy must cover {host} (Grant-CsApplicationAccessPolicy)"),
            ),
            AuthMode::Delegated => (
                "VirtualEvent.Read (delegated)",
                format!("sign in as {host}: Graph shows a Teams webinar only to its organizer"),
            ),
        };
        out.code = ErrorCode::PermissionMissing;
        // The host is named beside the message wherever a host's problem is shown.
        out.message = "Teams webinars were refused (403).".to_string();
        out.hint = Some(format!(
            "The app registration needs {perm} with admin consent, and {how}. Or turn off \"Teams webinars\" for this connection (Settings → Connections)."
        ));
    }
    out
}

/// A host whose Teams webinars were refused, with the Setup step that owns the cause: when the
/// token carries the permission, the permission is not the cause (in application mode the
/// access policy is; in delegated mode only the organizer sees a webinar).
async fn problem(
    conn: &Connection,
    host: String,
    mut error: CoreError,
) -> crate::webinars::HostProblem {
    if error.code != ErrorCode::PermissionMissing {
        return crate::webinars::HostProblem {
            host,
            error,
            step: None,
        };
    }
    let perm = crate::tenant::permissions::virtual_events(conn.mode);
    let granted = conn
        .token(false)
        .await
        .is_ok_and(|t| t.permissions().iter().any(|p| p == perm));
    let step = match (granted, conn.mode) {
        (false, _) => Some("permissions"),
        (true, AuthMode::Application) => {
            error.hint = Some(format!("The app has {perm}, so the Teams application access policy is what is missing for {host}: Setup → \"Teams application access policy\" shows the PowerShell that adds it (Grant-CsApplicationAccessPolicy)."));
            Some("accessPolicy")
        }
        (true, AuthMode::Delegated) => {
            error.hint = Some(format!("Graph shows a Teams webinar only to its organizer: sign in as {host} to see theirs."));
            None
        }
    };
    crate::webinars::HostProblem {
        host,
        error,
        step: step.map(String::from),
    }
}

/// The host's Teams webinars that overlap `[from, to)`, with registration set-up and counts.
pub async fn list_host(
    conn: &Connection,
    host: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Listed>, CoreError> {
    let graph = conn.graph()?;
    let mailbox = find_mailbox(conn, host).await?.ok_or_else(|| {
        CoreError::new(
            ErrorCode::NotFound,
            format!("No user with the e-mail {host} exists in the tenant."),
            None,
        )
    })?;
    let url = match conn.mode {
        AuthMode::Application => format!(
            "{BASE}/getByUserIdAndRole(userId='{}',role='organizer')",
            segment(&crate::directory::odata_quote(&mailbox.id))
        ),
        AuthMode::Delegated => format!("{BASE}/getByUserRole(role='organizer')"),
    };
    let all: Vec<VirtualEventWebinar> = graph
        .get_all(Request::get(url))
        .await
        .map_err(|e| explain(conn, host, e))?;
    let mut out = Vec::new();
    for w in all {
        let (Some(start), Some(end)) = (instant(&w.start_date_time), instant(&w.end_date_time))
        else {
            continue;
        };
        if end <= from || start >= to {
            continue;
        }
        let id = segment(&w.id);
        let config: VirtualEventRegistrationConfiguration = graph
            .get_json(Request::get(format!(
                "{BASE}/{id}/registrationConfiguration"
            )))
            .await
            .unwrap_or_default();
        let regs: Vec<VirtualEventRegistration> = graph
            .get_all(Request::get(format!("{BASE}/{id}/registrations")))
            .await
            .map_err(|e| explain(conn, host, e))?;
        let sessions: Vec<VirtualEventSession> = graph
            .get_all(Request::get(format!("{BASE}/{id}/sessions")))
            .await
            .map_err(|e| explain(conn, host, e))?;
        out.push(Listed {
            subject: w.display_name.clone().unwrap_or_default(),
            start,
            end,
            event: TeamsWebinar {
                id: w.id.clone(),
                host: host.to_string(),
                status: EventStatus::parse(w.status.as_deref().unwrap_or("")),
                registration_url: config.registration_web_url,
                capacity: config.capacity.and_then(|c| u32::try_from(c).ok()),
                registrations: registration_counts(&regs),
                course_key: w
                    .external_event_information
                    .iter()
                    .find_map(|x| x.external_event_id.clone()),
                audience: w.audience.clone(),
                sessions: sessions
                    .iter()
                    .map(|s| EventSession {
                        id: s.id.clone(),
                        subject: s.subject.clone().unwrap_or_default(),
                        start: instant(&s.start_date_time)
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        end: instant(&s.end_date_time)
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        join_url: s.join_web_url.clone(),
                    })
                    .collect(),
            },
            registrations: regs,
        });
    }
    out.sort_by_key(|l| l.start);
    Ok(out)
}

/// A Teams webinar as a calendar row (`format: webinar`): its first session's join link, its
/// registration page as the web link.
pub fn as_webinar(l: Listed, now: Timestamp) -> crate::webinars::Webinar {
    use crate::webinars::{Webinar, WebinarFormat, WebinarState};
    Webinar {
        id: l.event.id.clone(),
        host: l.event.host.clone(),
        subject: l.subject,
        start: l.start.to_string(),
        end: l.end.to_string(),
        teams: true,
        cancelled: l.event.status == EventStatus::Canceled,
        state: WebinarState::at(&l.start, &l.end, &now),
        kind: "singleInstance".into(),
        series_id: None,
        join_url: l.event.sessions.first().and_then(|s| s.join_url.clone()),
        organizer: Some(l.event.host.clone()),
        is_organizer: true,
        invitees: Vec::new(),
        web_link: l.event.registration_url.clone(),
        format: WebinarFormat::Webinar,
        event: Some(l.event),
        channel: false,
    }
}

/// Add the hosts' Teams webinars in `[from, to)` to a calendar range (hosts concurrently); a host
/// whose Teams webinars cannot be read is named among the range's problems, the rest still show.
pub async fn add_to(
    conn: &Connection,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    range: &mut crate::webinars::WebinarRange,
) {
    let mut set = tokio::task::JoinSet::new();
    for h in hosts {
        let (c, h) = (conn.clone(), h.clone());
        set.spawn(async move { (h.clone(), list_host(&c, &h, from, to).await) });
    }
    let now = Timestamp::now();
    while let Some(Ok((host, r))) = set.join_next().await {
        match r {
            Ok(found) => range
                .webinars
                .extend(found.into_iter().map(|l| as_webinar(l, now))),
            // A host whose calendar already failed is named once.
            Err(error) if !range.problems.iter().any(|p| p.host == host) => {
                range.problems.push(problem(conn, host, error).await)
            }
            Err(_) => {}
        }
    }
    range.webinars.sort_by(|a, b| a.start.cmp(&b.start));
}

/// One session's ledger.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SessionLedger {
    pub session: EventSession,
    /// `false` until Teams has produced the session's report (an upcoming or just-ended session).
    pub reported: bool,
    pub rows: Vec<LedgerRow>,
    pub counts: LedgerCounts,
}

/// A Teams webinar's ledger, a session at a time. The registrations are its roster.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Ledger {
    pub webinar: TeamsWebinar,
    pub subject: String,
    pub threshold: f64,
    pub sessions: Vec<SessionLedger>,
}

/// Read a Teams webinar's registrations and every session's attendance (all pages) and join them.
pub async fn ledger_of(
    conn: &Connection,
    webinar: &TeamsWebinar,
    subject: &str,
    threshold: f64,
) -> Result<Ledger, CoreError> {
    let regs: Vec<VirtualEventRegistration> = conn
        .graph()?
        .get_all(Request::get(format!(
            "{BASE}/{}/registrations",
            segment(&webinar.id)
        )))
        .await
        .map_err(|e| explain(conn, &webinar.host, e))?;
    ledger_with(conn, webinar, subject, threshold, &regs).await
}

/// [`ledger_of`] with the registrations already read (a listing has them).
async fn ledger_with(
    conn: &Connection,
    webinar: &TeamsWebinar,
    subject: &str,
    threshold: f64,
    regs: &[VirtualEventRegistration],
) -> Result<Ledger, CoreError> {
    let graph = conn.graph()?;
    let id = segment(&webinar.id);
    let host = &webinar.host;
    let mut sessions = Vec::new();
    for s in &webinar.sessions {
        let sid = segment(&s.id);
        let reports: Vec<AttendanceReport> = graph
            .get_all(Request::get(format!(
                "{BASE}/{id}/sessions/{sid}/attendanceReports"
            )))
            .await
            .map_err(|e| explain(conn, host, e))?;
        let scheduled = match (s.start.parse::<Timestamp>(), s.end.parse::<Timestamp>()) {
            (Ok(a), Ok(b)) if b > a => b.duration_since(a).as_secs(),
            _ => 0,
        };
        let mut records: Vec<AttendanceRecord> = Vec::new();
        for r in &reports {
            let page: Vec<AttendanceRecord> = graph
                .get_all(Request::get(format!(
                    "{BASE}/{id}/sessions/{sid}/attendanceReports/{}/attendanceRecords",
                    segment(&r.id)
                )))
                .await
                .map_err(|e| explain(conn, host, e))?;
            records.extend(page);
        }
        let rows = ledger::ledger(regs, &records, scheduled, threshold);
        sessions.push(SessionLedger {
            session: s.clone(),
            reported: !reports.is_empty(),
            counts: LedgerCounts::of(&rows),
            rows,
        });
    }
    Ok(Ledger {
        webinar: webinar.clone(),
        subject: subject.to_string(),
        threshold,
        sessions,
    })
}

/// The ledgers of the hosts' Teams webinars with a session that started in `[from, to)` (every
/// session of such a webinar is in its ledger), and the hosts that could not be read.
pub async fn ledgers(
    conn: &Connection,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    threshold: f64,
) -> Result<(Vec<Ledger>, Vec<crate::webinars::HostProblem>), CoreError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for host in hosts {
        let listed = match list_host(conn, host, from, to).await {
            Ok(l) => l,
            Err(error) => {
                problems.push(problem(conn, host.clone(), error).await);
                continue;
            }
        };
        for l in listed {
            let in_range = l.event.sessions.iter().any(|s| {
                s.start
                    .parse::<Timestamp>()
                    .is_ok_and(|t| t >= from && t < to)
            });
            if !in_range || l.event.status == EventStatus::Draft {
                continue;
            }
            out.push(ledger_with(conn, &l.event, &l.subject, threshold, &l.registrations).await?);
        }
    }
    if !hosts.is_empty() && problems.len() == hosts.len() {
        return Err(crate::attendance::all_hosts_failed(&problems));
    }
    Ok((out, problems))
}

/// A draft Teams webinar for the signed-in organizer (delegated mode only).
pub async fn create_draft(
    conn: &Connection,
    subject: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<String, CoreError> {
    only_delegated(conn, "create")?;
    let body = serde_json::json!({
        "displayName": subject,
        "startDateTime": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "endDateTime": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "audience": "organization",
    });
    let v: serde_json::Value = conn
        .graph()?
        .send(Request::new(reqwest::Method::POST, BASE, Some(body)))
        .await
        .map_err(|e| conn.explain(e))?
        .body
        .unwrap_or_default();
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| CoreError::internal("Graph created the webinar but sent no id"))
}

/// Publish or cancel a Teams webinar (delegated mode only).
pub async fn transition(conn: &Connection, id: &str, publish: bool) -> Result<(), CoreError> {
    only_delegated(conn, if publish { "publish" } else { "cancel" })?;
    let action = if publish { "publish" } else { "cancel" };
    conn.graph()?
        .send(Request::new(
            reqwest::Method::POST,
            format!("{BASE}/{}/{action}", segment(id)),
            None,
        ))
        .await
        .map_err(|e| conn.explain(e))?;
    Ok(())
}

fn only_delegated(conn: &Connection, what: &str) -> Result<(), CoreError> {
    if conn.mode == AuthMode::Application {
        return Err(CoreError::new(
            ErrorCode::PermissionMissing,
            format!("Graph lets only a signed-in organizer {what} a Teams webinar."),
            Some("There is no application permission for it (VirtualEvent.ReadWrite is delegated only): sign in as the organizer (a connection in user sign-in mode), or use Teams.".into()),
        ));
    }
    Ok(())
}
