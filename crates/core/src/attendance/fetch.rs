//! Reading attendance from Graph: a webinar's sessions (its online meeting's reports and their
//! records, paged, a series' occurrences matched to their sessions), a period's webinars at once,
//! and why there is nothing when there is nothing. The model and the arithmetic are the parent
//! module's.

use super::*;

pub(super) fn not_available(
    webinar: &Webinar,
    threshold: f64,
    availability: Availability,
    note: impl Into<String>,
) -> WebinarAttendance {
    WebinarAttendance {
        webinar: webinar.clone(),
        meeting_id: None,
        sessions: Vec::new(),
        selected: None,
        availability,
        note: Some(note.into()),
        threshold,
    }
}

/// Why a webinar (or one occurrence of a series) has no report of its own, from where it stands
/// at `now`: not started, running, too recent, older than Graph keeps, or no report at all.
pub(super) fn no_report(
    state: WebinarState,
    end: Option<Timestamp>,
    now: Timestamp,
) -> (Availability, String) {
    let (a, why) = match (state, end) {
        (WebinarState::Upcoming, _) => (Availability::NoReportYet, "The webinar has not started yet."),
        (WebinarState::Live, _) => (Availability::NoReportYet, "The webinar is running: Teams writes the report when everyone has left."),
        // Graph counts a meeting as going on until its scheduled end; after it, a report can take
        // hours (users-and-peers.md pain point 7): say how long it has been, never "nobody came".
        (_, Some(e)) if now.duration_since(e) < SignedDuration::from_hours(24) => {
            let mins = now.duration_since(e).as_mins().max(0);
            let since = if mins < 60 {
                format!("{mins} min")
            } else {
                format!("{} h {} min", mins / 60, mins % 60)
            };
            return (Availability::NoReportYet, format!("The report is not ready yet: the webinar's scheduled end was {since} ago, and Teams can take some hours after a meeting ends to write it. Look again later."));
        }
        (_, Some(e)) if now.duration_since(e) > SignedDuration::from_hours(24 * 365) => (Availability::NotAvailable, "Teams keeps attendance for one year; this webinar is older."),
        _ => (Availability::NotAvailable, "Teams has no report for this session: nobody joined, or attendance reports are turned off by the organizer or the Teams meeting policy."),
    };
    (a, why.to_string())
}

/// The attendance of a webinar (an occurrence picks its own session among the series' reports).
pub async fn for_webinar(
    conn: &Connection,
    webinar: &Webinar,
    threshold: f64,
) -> Result<WebinarAttendance, CoreError> {
    attendance_with(conn, webinar, threshold, None).await
}

/// [`for_webinar`], with the host's mailbox and the tenant's domains when the caller (a range)
/// already has them.
pub(super) async fn attendance_with(
    conn: &Connection,
    webinar: &Webinar,
    threshold: f64,
    known: Option<(Mailbox, Home)>,
) -> Result<WebinarAttendance, CoreError> {
    let threshold = if threshold > 0.0 && threshold <= 1.0 {
        threshold
    } else {
        DEFAULT_THRESHOLD
    };
    let Some(join) = webinar.join_url.clone() else {
        return Ok(not_available(
            webinar,
            threshold,
            Availability::NotAvailable,
            "This event has no Teams meeting, so Teams keeps no attendance for it.",
        ));
    };
    if let Some(limit) = crate::tenant::profile::cloud_limits(&conn.endpoints) {
        return Ok(not_available(
            webinar,
            threshold,
            Availability::NotAvailable,
            limit,
        ));
    }
    // Channel meetings: Teams lists the reports of every meeting in the channel under each one
    // (the warning on Learn's meetingattendancereport-list page), so they cannot be told apart.
    if is_channel_meeting(&join) {
        return Ok(not_available(webinar, threshold, Availability::NotAvailable, "This is a Teams channel meeting: Graph lists the attendance of every meeting in the channel under it, so Rollcall cannot tell this webinar's sessions apart. Use the attendance download from the meeting in Teams and import it."));
    }
    let (user, home) = match known {
        Some(k) => k,
        None => (
            host_mailbox(conn, &webinar.host).await?,
            home_of(conn).await,
        ),
    };
    read_reports(conn, webinar, threshold, &join, &user, &home).await
}

/// The host's mailbox, or that no such user exists.
pub(super) async fn host_mailbox(conn: &Connection, host: &str) -> Result<Mailbox, CoreError> {
    find_mailbox(conn, host).await?.ok_or_else(|| {
        CoreError::new(
            ErrorCode::NotFound,
            format!("No user with the e-mail {host} exists in the tenant."),
            None,
        )
    })
}

/// The reports of one webinar's online meeting, its host's mailbox and the tenant's domains known
/// (a range resolves them once for all its webinars).
pub(super) async fn read_reports(
    conn: &Connection,
    webinar: &Webinar,
    threshold: f64,
    join: &str,
    user: &Mailbox,
    home: &Home,
) -> Result<WebinarAttendance, CoreError> {
    let graph = conn.graph()?;
    // What costs this webinar only: refused for this host, or a per-meeting 400/404 (an organizer
    // mismatch, an old or unknown meeting: microsoft-graph-docs#10770, Q&A 543815).
    let explain_403 = |e: GraphError| -> Result<WebinarAttendance, CoreError> {
        let per_meeting = matches!(
            e,
            GraphError::Api {
                status: 400 | 404,
                ..
            }
        );
        let ce = conn.explain(e);
        // Only the organizer or a co-organizer may read reports (meetingattendancereport-get.md):
        // a host who merely attends is told so, whatever shape Graph's refusal takes.
        if !webinar.is_organizer
            && (per_meeting
                || matches!(ce.code, ErrorCode::PermissionMissing | ErrorCode::NotFound))
        {
            return Ok(not_available(webinar, threshold, Availability::NotAvailable, format!("{} is an attendee of this meeting, not its organizer or a co-organizer: only they can read its reports. Add the organizer as a host.", webinar.host)));
        }
        match ce.code {
            ErrorCode::AccessPolicyMissing | ErrorCode::PermissionMissing => Ok(not_available(
                webinar,
                threshold,
                Availability::NotAvailable,
                format!("{} {}", ce.message, ce.hint.unwrap_or_default()),
            )),
            _ if per_meeting => Ok(not_available(
                webinar,
                threshold,
                Availability::NotAvailable,
                format!("Teams has no attendance for this meeting: {}", ce.message),
            )),
            _ => Err(ce),
        }
    };
    let find = meeting_by_join_url(&user.base, join);
    let found: serde_json::Value = match graph.get_json(Request::get(find)).await {
        Ok(v) => v,
        Err(e) => return explain_403(e),
    };
    let Some(meeting_id) = found["value"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|m| m["id"].as_str())
        .map(str::to_string)
    else {
        return Ok(not_available(webinar, threshold, Availability::NotAvailable, "Teams did not return a meeting for this join link (a channel meeting, or one created outside Outlook)."));
    };
    let base = format!(
        "{}/onlineMeetings/{}/attendanceReports",
        user.base,
        segment(&meeting_id)
    );
    let reports: Vec<AttendanceReport> = match graph.get_all(Request::get(base.clone())).await {
        Ok(r) => r,
        Err(e) => return explain_403(e),
    };
    let (start, end) = (
        webinar.start.parse::<Timestamp>().ok(),
        webinar.end.parse::<Timestamp>().ok(),
    );
    let scheduled = match (start, end) {
        (Some(s), Some(e)) => e.duration_since(s).as_secs().max(0),
        _ => 0,
    };
    // Reports in parallel (Teams resources: no Outlook per-mailbox limit; 5,000 requests per 10 s
    // per app, includes/throttling-skype-calling.md), records all pages.
    let mut set = tokio::task::JoinSet::new();
    for (i, r) in reports.iter().cloned().enumerate() {
        let graph = conn.graph()?;
        let url = format!("{base}/{}/attendanceRecords", segment(&r.id));
        set.spawn(async move {
            (
                i,
                r,
                graph.get_all::<AttendanceRecord>(Request::get(url)).await,
            )
        });
    }
    let mut sessions = Vec::with_capacity(reports.len());
    while let Some(j) = set.join_next().await {
        let (i, report, records) = j.map_err(|e| CoreError::internal(e.to_string()))?;
        let records = records.map_err(|e| conn.explain(e))?;
        sessions.push((i, session_of(&report, &records, scheduled, home, threshold)));
    }
    sessions.sort_by(|a, b| a.1.start.cmp(&b.1.start).then(a.0.cmp(&b.0)));
    let sessions: Vec<Session> = sessions.into_iter().map(|(_, s)| s).collect();
    // The session of this occurrence: the report that started nearest to its scheduled start,
    // within the scheduled window widened by two hours.
    let selected = start.and_then(|s| {
        sessions
            .iter()
            .enumerate()
            .filter_map(|(i, x)| Some((i, x.start.parse::<Timestamp>().ok()?)))
            .filter(|(_, t)| {
                t.duration_since(s).abs()
                    <= SignedDuration::from_hours(2) + SignedDuration::from_secs(scheduled)
            })
            .min_by_key(|(_, t)| t.duration_since(s).abs())
            .map(|(i, _)| i as u32)
    });
    let now = Timestamp::now();
    let (availability, note) = if sessions.is_empty() {
        no_report(webinar.state, end, now)
    } else if selected.is_none() && webinar.series_id.is_some() {
        // An occurrence without its own report: say why for this session (it may simply not
        // have started), and that the series' other sessions are shown.
        let (availability, why) = no_report(webinar.state, end, now);
        (
            availability,
            format!("{why} The other sessions of the series are listed."),
        )
    } else if reports.len() >= REPORT_CAP {
        (Availability::Ready, format!("Teams lists only the newest {REPORT_CAP} sessions of a meeting; older ones are not available from Graph."))
    } else {
        (Availability::Ready, String::new())
    };
    Ok(WebinarAttendance {
        webinar: webinar.clone(),
        meeting_id: Some(meeting_id),
        sessions,
        selected,
        availability,
        note: (!note.is_empty()).then_some(note),
        threshold,
    })
}

/// Every session of the hosts' ended Teams webinars that started in `[from, to)`: each online
/// meeting is read once (a series' occurrences share one), meetings concurrently.
pub async fn for_range(
    conn: &Connection,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    threshold: f64,
) -> Result<RangeAttendance, CoreError> {
    let range = crate::webinars::list(conn, hosts, from, to, true).await?;
    // Nothing could be read: that is the answer, with its cause (a nightly job must notice).
    if !hosts.is_empty() && range.problems.len() == hosts.len() {
        return Err(all_hosts_failed(&range.problems));
    }
    let mut notes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut set = tokio::task::JoinSet::new();
    // Meetings in flight at once: the connection's one client also holds each mailbox to 4, and
    // Rollcall shares the LMS's own per-app budget (concepts/throttling-limits.md).
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(MEETINGS_IN_FLIGHT));
    // Co-organizers read reports too; where the organizer is also a host, their copy is read.
    let mut ended: Vec<Webinar> = range
        .webinars
        .into_iter()
        .filter(|w| w.state == WebinarState::Ended && !w.cancelled)
        .collect();
    ended.sort_by_key(|w| !w.is_organizer);
    // Who "we" are and each host's mailbox, looked up once for the whole range.
    let home = home_of(conn).await;
    let mut mailboxes: std::collections::HashMap<String, Mailbox> = Default::default();
    for w in &ended {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            mailboxes.entry(w.host.to_ascii_lowercase())
        {
            slot.insert(host_mailbox(conn, &w.host).await?);
        }
    }
    for w in ended {
        let Some(join) = w.join_url.clone() else {
            continue;
        };
        if !seen.insert(join) {
            continue;
        }
        let (c, limit) = (conn.clone(), limit.clone());
        let known = mailboxes
            .get(&w.host.to_ascii_lowercase())
            .cloned()
            .map(|m| (m, home.clone()));
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            attendance_with(&c, &w, threshold, known).await
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        let mut wa = r.map_err(|e| CoreError::internal(e.to_string()))??;
        wa.sessions.retain(|s| {
            s.start
                .parse::<Timestamp>()
                .is_ok_and(|t| t >= from && t < to)
        });
        if wa.availability != Availability::Ready {
            if let Some(n) = &wa.note {
                notes.push(format!(
                    "{} ({}): {n}",
                    wa.webinar.subject, wa.webinar.start
                ));
            }
        }
        if !wa.sessions.is_empty() {
            out.push(wa);
        }
    }
    out.sort_by(|a, b| {
        a.sessions[0]
            .start
            .cmp(&b.sessions[0].start)
            .then_with(|| a.webinar.subject.cmp(&b.webinar.subject))
    });
    Ok(RangeAttendance {
        webinars: out,
        notes,
        unread: range.problems,
    })
}

pub use crate::webinars::is_channel_meeting;

/// Meetings read at once over a range, by attendance and sync alike: enough to keep every host's
/// 4 concurrent requests busy across a handful of hosts, no more.
pub const MEETINGS_IN_FLIGHT: usize = 24;

/// Attendance over a range: what could be read, notes on webinars without attendance, and the
/// hosts that could not be read at all (a partial result).
#[derive(Debug)]
pub struct RangeAttendance {
    pub webinars: Vec<WebinarAttendance>,
    pub notes: Vec<String>,
    pub unread: Vec<crate::webinars::HostProblem>,
}

/// Every host failed: the first host's error (its code is the cause), naming each host.
pub fn all_hosts_failed(problems: &[crate::webinars::HostProblem]) -> CoreError {
    let mut e = problems[0].error.clone();
    let each: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.host, p.error.message))
        .collect();
    e.message = format!("No host could be read. {}", each.join(" "));
    e
}

/// The session of an occurrence: the one that started nearest its scheduled start, within the
/// scheduled duration plus two hours.
pub fn select_session(
    sessions: &[Session],
    scheduled_start: &str,
    scheduled_seconds: i64,
) -> Option<u32> {
    let s = scheduled_start.parse::<Timestamp>().ok()?;
    sessions
        .iter()
        .enumerate()
        .filter_map(|(i, x)| {
            Some((
                i,
                x.start.parse::<Timestamp>().ok()?.duration_since(s).abs(),
            ))
        })
        .filter(|(_, d)| {
            *d <= SignedDuration::from_hours(2) + SignedDuration::from_secs(scheduled_seconds)
        })
        .min_by_key(|(_, d)| *d)
        .map(|(i, _)| i as u32)
}

/// The tenant id (GUID) of the connection, from the token: `conn.tenant` may be a domain.
/// The home tenant (from the token) and its domains: the verified domains when the app may read
/// the organization, else the domains of the hosts' own addresses.
pub async fn home_of(conn: &Connection) -> Home {
    let tenant = conn
        .token(false)
        .await
        .ok()
        .and_then(|t| t.claims())
        .and_then(|c| c["tid"].as_str().map(str::to_string))
        .unwrap_or_else(|| conn.tenant.clone());
    let verified: Option<Vec<String>> = match conn.graph() {
        Ok(g) => g
            .get_json::<serde_json::Value>(Request::get("/organization?$select=verifiedDomains"))
            .await
            .ok()
            .and_then(|v| {
                let names: Vec<String> = v["value"][0]["verifiedDomains"]
                    .as_array()?
                    .iter()
                    .filter_map(|d| d["name"].as_str().map(str::to_ascii_lowercase))
                    .collect();
                (!names.is_empty()).then_some(names)
            }),
        Err(_) => None,
    };
    let mut domains = verified.unwrap_or_else(|| {
        conn.hosts
            .iter()
            .filter_map(|h| h.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
            .collect()
    });
    domains.sort();
    domains.dedup();
    Home { tenant, domains }
}
