//! Bring the archive up to date for hosts and a date range: calendarView → online meetings →
//! reports → records, all pages, through one shared Graph client (so the per-mailbox limit of 4 and
//! the shared 429 backoff gate hold across the whole sync).
//!
//! Resumable by construction: each report is committed in its own transaction, meetings already
//! resolved are cached in the archive, and reports already archived are not fetched again — a
//! re-sync with nothing new costs calendarView plus one request (the report list) per meeting.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;
use rollcall_graph::models::{AttendanceRecord, AttendanceReport};
use rollcall_graph::{GraphClient, GraphError, Request};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::archive::{Archive, Saved};
use crate::attendance::session_of;
use crate::directory::{enc, find_mailbox, meeting_by_join_url, Mailbox};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::webinars::{self, Webinar, WebinarState};

/// Meetings worked on at once (Graph's per-mailbox limit is enforced separately, 4 per mailbox).
pub use crate::attendance::MEETINGS_IN_FLIGHT;

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub meetings_total: u32,
    pub meetings_done: u32,
    pub reports_fetched: u32,
    pub records: u32,
    pub throttled_waits: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub webinars: u32,
    pub meetings: u32,
    /// Reports fetched and stored (new, or a changed copy stored as a new version).
    pub fetched: u32,
    pub new_versions: u32,
    /// Reports already archived and not fetched again.
    pub unchanged: u32,
    pub records: u32,
    /// Webinars whose attendance Graph does not give, with the reason.
    pub unavailable: Vec<(String, String)>,
    /// Webinars Graph could not answer for this time (it kept throttling or failing, or the network
    /// dropped), with the reason: everything else is archived, and the next sync fetches these.
    pub failed: Vec<(String, String)>,
    /// Hosts whose calendar could not be read at all, with the reason: their webinars were not
    /// synced (the others were).
    pub hosts_failed: Vec<webinars::HostProblem>,
    /// Teams webinar sessions whose registration ledger was stored (new or a new version), and
    /// those already archived unchanged.
    pub event_sessions: u32,
    pub event_sessions_unchanged: u32,
    pub requests: u32,
    pub throttled_waits: u32,
    pub cancelled: bool,
}

/// A refusal (no permission, no policy) is "not available", like a meeting Graph does not give;
/// anything else failed this time and the next sync tries again.
fn event_problem(summary: &mut SyncSummary, what: String, e: &CoreError) {
    let entry = (what, e.user_message());
    if e.code == crate::error::ErrorCode::PermissionMissing {
        summary.unavailable.push(entry);
    } else {
        summary.failed.push(entry);
    }
}

impl SyncSummary {
    fn add(&mut self, a: &Archived) {
        self.fetched += a.fetched;
        self.new_versions += a.new_versions;
        self.unchanged += a.unchanged;
        self.records += a.records;
    }
}

/// The ended Teams meetings of the hosts in the range, one per join URL: the organizer's copy when
/// the organizer is a host, else a co-organizer's (who may read the reports too). Channel meetings
/// come back apart: their reports list holds every meeting of the channel.
fn meetings_of(list: Vec<Webinar>) -> (Vec<Webinar>, Vec<Webinar>) {
    let mut seen = HashSet::new();
    let mut ended: Vec<Webinar> = list
        .into_iter()
        .filter(|w| w.state == WebinarState::Ended && w.teams && !w.cancelled)
        .collect();
    ended.sort_by_key(|w| !w.is_organizer);
    ended
        .into_iter()
        .filter(|w| w.join_url.as_ref().is_some_and(|j| seen.insert(j.clone())))
        .partition(|w| {
            !w.join_url
                .as_deref()
                .is_some_and(crate::attendance::is_channel_meeting)
        })
}

struct Ctx {
    graph: Arc<GraphClient>,
    archive: Arc<Archive>,
    conn: Connection,
    users: tokio::sync::Mutex<HashMap<String, Option<String>>>,
    home: crate::attendance::Home,
    threshold: f64,
}

/// What one meeting's sync archived.
#[derive(Default)]
struct Archived {
    fetched: u32,
    new_versions: u32,
    unchanged: u32,
    records: u32,
}

enum Outcome {
    Done(Archived),
    /// Some reports were archived before a request failed; the rest waits for the next sync.
    Stopped(Archived, CoreError),
    Unavailable(String),
}

impl Ctx {
    async fn user_id(&self, host: &str) -> Result<Option<String>, CoreError> {
        let mut users = self.users.lock().await;
        if let Some(u) = users.get(&host.to_lowercase()) {
            return Ok(u.clone());
        }
        let id = find_mailbox(&self.conn, host).await?.map(|u| u.id);
        users.insert(host.to_lowercase(), id.clone());
        Ok(id)
    }

    async fn meeting(
        &self,
        w: &Webinar,
        join: &str,
    ) -> Result<Option<(String, String)>, CoreError> {
        if let Some(m) = self.archive.meeting(join)? {
            return Ok(Some(m));
        }
        let Some(user) = self.user_id(&w.host).await? else {
            return Ok(None);
        };
        let url = meeting_by_join_url(&Mailbox::known(self.conn.mode, &user), join);
        let v: serde_json::Value = match self.graph.get_json(Request::get(url).mailbox(&user)).await
        {
            Ok(v) => v,
            // Graph's answer for a join URL it cannot resolve (an unknown or old meeting).
            Err(GraphError::Api {
                status: 400 | 404, ..
            }) => return Ok(None),
            Err(e) => return Err(self.conn.explain(e)),
        };
        let Some(id) = v["value"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|m| m["id"].as_str())
        else {
            return Ok(None);
        };
        self.archive.save_meeting(join, id, &user, &w.host)?;
        Ok(Some((id.to_string(), user)))
    }

    async fn one(&self, w: &Webinar) -> Result<Outcome, CoreError> {
        let Some(join) = w.join_url.clone() else {
            return Ok(Outcome::Unavailable("no Teams meeting".into()));
        };
        self.archive.save_webinar(w)?;
        let (meeting_id, user) = match self.meeting(w, &join).await {
            Ok(Some(m)) => m,
            Ok(None) => {
                return Ok(Outcome::Unavailable(
                    "Teams returned no meeting for the join link (an unknown or old meeting)"
                        .into(),
                ))
            }
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::AccessPolicyMissing | ErrorCode::PermissionMissing
                ) =>
            {
                return Ok(Outcome::Unavailable(e.message))
            }
            Err(e) => return Err(e),
        };
        let base = format!(
            "{}/onlineMeetings/{}/attendanceReports",
            Mailbox::known(self.conn.mode, &user),
            enc(&meeting_id)
        );
        let reports: Vec<AttendanceReport> = match self
            .graph
            .get_all(Request::get(base.clone()).mailbox(&user))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let per_meeting = matches!(
                    e,
                    GraphError::Api {
                        status: 400 | 404,
                        ..
                    }
                );
                let ce = self.conn.explain(e);
                if per_meeting
                    || matches!(
                        ce.code,
                        ErrorCode::AccessPolicyMissing | ErrorCode::PermissionMissing
                    )
                {
                    return Ok(Outcome::Unavailable(ce.message));
                }
                return Err(ce);
            }
        };
        let scheduled = match (w.start.parse::<Timestamp>(), w.end.parse::<Timestamp>()) {
            (Ok(s), Ok(e)) => e.duration_since(s).as_secs().max(0),
            _ => 0,
        };
        let mut done = Archived::default();
        for r in reports {
            if self.archive.has_report(&r.id)? {
                done.unchanged += 1;
                continue;
            }
            let url = format!("{base}/{}/attendanceRecords", enc(&r.id));
            let recs: Vec<AttendanceRecord> =
                match self.graph.get_all(Request::get(url).mailbox(&user)).await {
                    Ok(recs) => recs,
                    Err(e) => return Ok(Outcome::Stopped(done, self.conn.explain(e))),
                };
            let session = session_of(&r, &recs, scheduled, &self.home, self.threshold);
            done.records += recs.len() as u32;
            match self.archive.save_session(&join, &session)? {
                Saved::New => done.fetched += 1,
                Saved::NewVersion => {
                    done.fetched += 1;
                    done.new_versions += 1
                }
                Saved::Unchanged => done.unchanged += 1,
            }
        }
        Ok(Outcome::Done(done))
    }
}

/// Sync `[from, to)` for the hosts. `progress` is called as meetings complete; when `cancel`
/// resolves, work in flight finishes its current report and the sync returns (`cancelled: true`).
pub async fn sync(
    conn: &Connection,
    archive: Arc<Archive>,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: impl Future<Output = ()>,
) -> Result<SyncSummary, CoreError> {
    sync_with(
        conn,
        archive,
        hosts,
        from,
        to,
        MEETINGS_IN_FLIGHT,
        progress,
        cancel,
    )
    .await
}

/// [`sync`] with another number of meetings in flight (1 = sequential, the benchmark's baseline).
#[allow(clippy::too_many_arguments)]
pub async fn sync_with(
    conn: &Connection,
    archive: Arc<Archive>,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    in_flight: usize,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: impl Future<Output = ()>,
) -> Result<SyncSummary, CoreError> {
    let range = webinars::list(conn, hosts, from, to, true).await?;
    if !hosts.is_empty() && range.problems.len() == hosts.len() {
        return Err(crate::attendance::all_hosts_failed(&range.problems));
    }
    let hosts_failed = range.problems.clone();
    let webinars_count = range.webinars.len() as u32;
    let (meetings, channel) = meetings_of(range.webinars);
    // The connection's one client; count only what this sync sends from here on.
    let graph = conn.graph()?;
    let home = crate::attendance::home_of(conn).await;
    let base = graph.counters();
    let ctx = Arc::new(Ctx {
        graph: graph.clone(),
        archive: archive.clone(),
        conn: conn.clone(),
        users: Default::default(),
        home,
        threshold: crate::attendance::DEFAULT_THRESHOLD,
    });
    let mut summary = SyncSummary {
        webinars: webinars_count,
        meetings: meetings.len() as u32,
        hosts_failed,
        unavailable: channel
            .iter()
            .map(|w| (format!("{} ({})", w.subject, w.start), "a Teams channel meeting: Graph lists the attendance of every meeting in the channel under it".to_string()))
            .collect(),
        ..Default::default()
    };
    let mut state = SyncProgress {
        meetings_total: meetings.len() as u32,
        ..Default::default()
    };
    progress(&state);
    let limit = Arc::new(Semaphore::new(in_flight.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for w in meetings {
        let (ctx, limit) = (ctx.clone(), limit.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let r = ctx.one(&w).await;
            (w, r)
        });
    }
    tokio::pin!(cancel);
    let mut first_error = None;
    loop {
        tokio::select! {
            next = set.join_next() => {
                let Some(joined) = next else { break };
                let (w, r) = joined.map_err(|e| CoreError::internal(e.to_string()))?;
                let error = match r {
                    Ok(Outcome::Done(done)) => {
                        summary.add(&done);
                        None
                    }
                    Ok(Outcome::Stopped(done, e)) => {
                        summary.add(&done);
                        Some(e)
                    }
                    Ok(Outcome::Unavailable(why)) => {
                        summary.unavailable.push((format!("{} ({})", w.subject, w.start), why));
                        None
                    }
                    Err(e) => Some(e),
                };
                match error {
                    // A transient failure costs this webinar, not the sync: the others are
                    // archived and the next run retries it. Anything else (sign-in, permissions,
                    // the archive) would fail every webinar alike and ends the sync with its error.
                    Some(e) if matches!(e.code, ErrorCode::Unavailable | ErrorCode::Network) => {
                        summary.failed.push((format!("{} ({})", w.subject, w.start), e.user_message()));
                    }
                    Some(e) if first_error.is_none() => first_error = Some(e),
                    _ => {}
                }
                let c = graph.counters().since(&base);
                state.meetings_done += 1;
                state.reports_fetched = summary.fetched;
                state.records = summary.records;
                state.throttled_waits = c.throttled_waits as u32;
                progress(&state);
            }
            _ = &mut cancel => {
                set.abort_all();
                summary.cancelled = true;
                break;
            }
        }
    }
    // Teams webinars (virtual events): each reported session's ledger, versioned like the reports.
    if conn.teams_webinars && !summary.cancelled {
        match crate::virtual_events::ledgers(
            conn,
            hosts,
            from,
            to,
            crate::attendance::DEFAULT_THRESHOLD,
        )
        .await
        {
            Ok((ledgers, problems)) => {
                for l in &ledgers {
                    for s in l.sessions.iter().filter(|s| s.reported) {
                        match archive.save_event_session(l, s)? {
                            Saved::Unchanged => summary.event_sessions_unchanged += 1,
                            _ => summary.event_sessions += 1,
                        }
                    }
                }
                for p in problems {
                    event_problem(
                        &mut summary,
                        format!("Teams webinars of {}", p.host),
                        &p.error,
                    );
                }
            }
            Err(e) => event_problem(&mut summary, "Teams webinars".into(), &e),
        }
    }
    let c = graph.counters().since(&base);
    summary.requests = c.requests as u32;
    summary.throttled_waits = c.throttled_waits as u32;
    match first_error {
        Some(e) if !summary.cancelled => Err(e),
        _ => Ok(summary),
    }
}
