//! Bring the archive up to date for hosts and a date range: calendarView → online meetings →
//! reports → records, all pages, through one shared Graph client (so the per-mailbox limit of 4 and
//! the shared 429 backoff gate hold across the whole sync).
//!
//! Batched by default: many meetings at once, and every lookup, report list and record page goes
//! as a step of a `$batch` ([`rollcall_graph::batch`]), so a round trip carries up to 20 requests.
//! [`SyncOptions::unbatched`] sends them one by one (the benchmark's baseline).
//!
//! Resumable by construction: each report is committed in its own transaction, meetings already
//! resolved are cached in the archive, and reports already archived are not fetched again. A
//! re-sync skips, without a request, every meeting looked at after its late window closed (the
//! profile's `recheck_hours` after its latest session ended, 48 by default) when no session has
//! ended since: Teams does not add reports to it any more. Every run is recorded
//! ([`super::history`]) with an outcome per meeting.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;
use rollcall_graph::models::{AttendanceRecord, AttendanceReport};
use rollcall_graph::{GraphClient, GraphError, Request};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::archive::history::{ItemStatus, Run, RunCounts, RunItem, RunOutcome, Trigger};
use crate::archive::{Archive, Saved};
use crate::attendance::session_of;
use crate::directory::{find_mailbox, meeting_by_join_url, segment, Mailbox};
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
    /// Meetings not looked at again: checked after their late window closed, nothing new since.
    pub settled: u32,
    /// Newly archived reports that came after the LMS stopped polling (confirmed late: a look
    /// after its window found none).
    pub late_reports: u32,
    /// HTTP requests to Graph (a `$batch` counts once) and the steps inside batches.
    pub requests: u32,
    pub sub_requests: u32,
    pub throttled_waits: u32,
    pub cancelled: bool,
    /// The run recorded in the archive's history.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub run_id: Option<i64>,
}

/// How a sync goes about it.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Meetings worked on at once (1 = sequential): what is in memory at a time is bounded by
    /// it, whatever the tenant's size.
    pub in_flight: usize,
    /// Send every GET as a step of a `$batch` ([`rollcall_graph::batch::Batcher`]).
    pub batch: bool,
    pub trigger: Trigger,
    /// How long to wait for another sync of the same archive to finish (the archive's
    /// [`super::lock`]) before saying who holds it.
    pub lock_wait: std::time::Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            in_flight: BATCHED_IN_FLIGHT,
            batch: true,
            trigger: Trigger::App,
            lock_wait: std::time::Duration::ZERO,
        }
    }
}

impl SyncOptions {
    /// One request per round trip, [`MEETINGS_IN_FLIGHT`] meetings at once (the benchmark's
    /// baseline).
    pub fn unbatched() -> Self {
        SyncOptions {
            in_flight: MEETINGS_IN_FLIGHT,
            batch: false,
            ..Default::default()
        }
    }
}

/// Meetings worked on at once when batching: enough waiting requests to fill chains of 20 steps
/// for a few mailboxes.
pub const BATCHED_IN_FLIGHT: usize = 320;

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
        self.late_reports += a.late;
    }
}

/// The ended Teams meetings of the hosts in the range, one per join URL: the organizer's copy when
/// the organizer is a host, else a co-organizer's (who may read the reports too), with the end of
/// the latest occurrence that shares the link (a series has one link). Channel meetings come back
/// apart: their reports list holds every meeting of the channel.
fn meetings_of(list: Vec<Webinar>) -> (Vec<(Webinar, String)>, Vec<Webinar>) {
    let mut seen = HashSet::new();
    let mut ended: Vec<Webinar> = list
        .into_iter()
        .filter(|w| w.state == WebinarState::Ended && w.teams && !w.cancelled)
        .collect();
    let mut last_end: HashMap<String, String> = HashMap::new();
    for w in &ended {
        if let (Some(j), Ok(end)) = (&w.join_url, w.end.parse::<Timestamp>()) {
            let e = last_end.entry(j.clone()).or_insert_with(|| end.to_string());
            if e.parse::<Timestamp>().is_ok_and(|t| t < end) {
                *e = end.to_string();
            }
        }
    }
    ended.sort_by_key(|w| !w.is_organizer);
    let (meetings, channel): (Vec<Webinar>, Vec<Webinar>) = ended
        .into_iter()
        .filter(|w| w.join_url.as_ref().is_some_and(|j| seen.insert(j.clone())))
        .partition(|w| {
            !w.join_url
                .as_deref()
                .is_some_and(crate::attendance::is_channel_meeting)
        });
    let meetings = meetings
        .into_iter()
        .map(|w| {
            let end = w
                .join_url
                .as_ref()
                .and_then(|j| last_end.get(j).cloned())
                .unwrap_or_else(|| w.end.clone());
            (w, end)
        })
        .collect();
    (meetings, channel)
}

/// Whether a meeting was looked at after its late window closed and no session ended since.
fn settled(archive: &Archive, join: &str, last_end: &str, recheck_hours: u32) -> bool {
    let Ok(Some((checked_at, prev_end))) = archive.checked(join) else {
        return false;
    };
    let (Ok(checked), Ok(prev), Ok(end)) = (
        checked_at.parse::<Timestamp>(),
        prev_end.parse::<Timestamp>(),
        last_end.parse::<Timestamp>(),
    ) else {
        return false;
    };
    let closes = end.checked_add(jiff::SignedDuration::from_hours(i64::from(recheck_hours)));
    prev >= end && closes.is_ok_and(|c| checked > c)
}

struct Ctx {
    graph: Arc<GraphClient>,
    /// Set when batching: every GET of the sync goes through it.
    batcher: Option<Arc<rollcall_graph::batch::Batcher>>,
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
    /// New reports judged late.
    late: u32,
}

enum Outcome {
    Done(Archived),
    /// Some reports were archived before a request failed; the rest waits for the next sync.
    Stopped(Archived, CoreError),
    Unavailable(String),
}

impl Ctx {
    async fn get_json(&self, req: Request) -> Result<serde_json::Value, GraphError> {
        match &self.batcher {
            Some(b) => b.get_json(req).await,
            None => self.graph.get_json(req).await,
        }
    }

    async fn get_all<T: serde::de::DeserializeOwned>(
        &self,
        req: Request,
    ) -> Result<Vec<T>, GraphError> {
        match &self.batcher {
            Some(b) => b.get_all(req).await,
            None => self.graph.get_all(req).await,
        }
    }

    async fn user_id(&self, host: &str) -> Result<Option<String>, CoreError> {
        let mut users = self.users.lock().await;
        if let Some(u) = users.get(&host.to_lowercase()) {
            return Ok(u.clone());
        }
        let id = find_mailbox(&self.conn, host).await?.map(|u| u.id);
        users.insert(host.to_lowercase(), id.clone());
        Ok(id)
    }

    /// The meeting id in a lookup's answer, saved for the next sync.
    fn resolved(
        &self,
        w: &Webinar,
        join: &str,
        user: &str,
        answer: Result<serde_json::Value, GraphError>,
    ) -> Result<Option<(String, String)>, CoreError> {
        let v = match answer {
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
        self.archive.save_meeting(join, id, user, &w.host)?;
        Ok(Some((id.to_string(), user.to_string())))
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
        // Teams resources: no Outlook per-mailbox limit (see `rollcall_graph::batch`).
        let answer = self.get_json(Request::get(url)).await;
        self.resolved(w, join, &user, answer)
    }

    fn reports_url(&self, user: &str, meeting_id: &str) -> String {
        format!(
            "{}/onlineMeetings/{}/attendanceReports",
            Mailbox::known(self.conn.mode, user),
            segment(meeting_id)
        )
    }

    /// A lookup that failed: a refusal for this meeting is "not available", the rest an error.
    fn lookup_failed(e: CoreError) -> Result<Outcome, CoreError> {
        if matches!(
            e.code,
            ErrorCode::AccessPolicyMissing | ErrorCode::PermissionMissing
        ) {
            return Ok(Outcome::Unavailable(e.message));
        }
        Err(e)
    }

    /// A report list that failed: 400/404 and refusals are this meeting's, the rest an error.
    fn list_failed(&self, e: GraphError) -> Result<Outcome, CoreError> {
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
        Err(ce)
    }

    /// Archive one new report's session and note when it was seen. The SQLite work runs on a blocking thread: the runtime's
    /// workers go on reading answers (and, in the tests and benchmark, serving the emulator)
    /// instead of waiting on the archive's lock and disk.
    #[allow(clippy::too_many_arguments)]
    async fn store(
        &self,
        done: &mut Archived,
        join: &str,
        r: &AttendanceReport,
        recs: Vec<AttendanceRecord>,
        scheduled: i64,
        look: &str,
        absent: Option<&str>,
    ) -> Result<(), CoreError> {
        done.records += recs.len() as u32;
        let (archive, home, threshold) = (self.archive.clone(), self.home.clone(), self.threshold);
        let (join, r, look, absent) = (
            join.to_string(),
            r.clone(),
            look.to_string(),
            absent.map(str::to_string),
        );
        let window = self.conn.lms_window_minutes;
        let (saved, late) = tokio::task::spawn_blocking(move || {
            let session = session_of(&r, &recs, scheduled, &home, threshold);
            let saved = archive.save_session(&join, &session)?;
            archive.note_seen(&r.id, &join, &look, absent.as_deref())?;
            let late =
                crate::attendance::late::judge(&look, absent.as_deref(), &session.end, window)
                    == crate::attendance::late::Lateness::Late;
            Ok::<_, CoreError>((saved, late))
        })
        .await
        .map_err(|e| CoreError::internal(format!("archiving a session stopped: {e}")))??;
        match saved {
            Saved::New => done.fetched += 1,
            Saved::NewVersion => {
                done.fetched += 1;
                done.new_versions += 1
            }
            Saved::Unchanged => done.unchanged += 1,
        }
        done.late += u32::from(late);
        Ok(())
    }

    async fn one(&self, w: &Webinar, last_end: &str) -> Result<Outcome, CoreError> {
        let Some(join) = w.join_url.clone() else {
            return Ok(Outcome::Unavailable("no Teams meeting".into()));
        };
        self.archive.save_webinar(w)?;
        let (meeting_id, user) = match self.meeting(w, &join).await {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(Outcome::Unavailable(NO_MEETING.into())),
            Err(e) => return Self::lookup_failed(e),
        };
        let base = self.reports_url(&user, &meeting_id);
        let absent = self.archive.checked(&join)?.map(|c| c.0);
        let look = Timestamp::now().to_string();
        let reports: Vec<AttendanceReport> =
            match self.get_all(Request::get(base.clone()).priority(1)).await {
                Ok(r) => r,
                Err(e) => return self.list_failed(e),
            };
        let scheduled = scheduled_seconds(w);
        let mut done = Archived::default();
        let mut new = Vec::new();
        for r in &reports {
            if self.archive.has_report(&r.id)? {
                done.unchanged += 1;
            } else {
                new.push(r);
            }
        }
        // A series' reports are fetched at once (each its own pages in order): the meeting is
        // as deep as its longest report, not as all of them one after another. Stored in order;
        // after a failure the rest waits for the next sync, as before.
        let fetched = futures_util::future::join_all(new.iter().map(|r| {
            let url = format!("{base}/{}/attendanceRecords", segment(&r.id));
            self.get_all::<AttendanceRecord>(Request::get(url).priority(2))
        }))
        .await;
        for (r, recs) in new.into_iter().zip(fetched) {
            let recs = match recs {
                Ok(recs) => recs,
                Err(e) => return Ok(Outcome::Stopped(done, self.conn.explain(e))),
            };
            self.store(
                &mut done,
                &join,
                r,
                recs,
                scheduled,
                &look,
                absent.as_deref(),
            )
            .await?;
        }
        self.archive
            .save_check(&join, &look, last_end, reports.len() as u32)?;
        Ok(Outcome::Done(done))
    }
}

const NO_MEETING: &str = "Teams returned no meeting for the join link (an unknown or old meeting)";

fn scheduled_seconds(w: &Webinar) -> i64 {
    match (w.start.parse::<Timestamp>(), w.end.parse::<Timestamp>()) {
        (Ok(s), Ok(e)) => e.duration_since(s).as_secs().max(0),
        _ => 0,
    }
}

/// Sync `[from, to)` for the hosts, batched. `progress` is called as meetings complete; when
/// `cancel` resolves, work in flight stops (every report already stored stays) and the sync
/// returns (`cancelled: true`).
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
        &SyncOptions::default(),
        progress,
        cancel,
    )
    .await
}

/// What a meeting's outcome means for the summary and the run's history.
fn account(
    summary: &mut SyncSummary,
    items: &mut Vec<RunItem>,
    first_error: &mut Option<CoreError>,
    w: &Webinar,
    r: Result<Outcome, CoreError>,
) {
    let label = format!("{} ({})", w.subject, w.start);
    let item = |status, reason: Option<String>, request_id: Option<String>, reports| RunItem {
        webinar: w.subject.clone(),
        start: w.start.clone(),
        status,
        reason,
        request_id,
        reports,
    };
    let error = match r {
        Ok(Outcome::Done(done)) => {
            summary.add(&done);
            items.push(item(ItemStatus::Ok, None, None, done.fetched));
            None
        }
        Ok(Outcome::Stopped(done, e)) => {
            summary.add(&done);
            Some((e, done.fetched))
        }
        Ok(Outcome::Unavailable(why)) => {
            items.push(item(ItemStatus::Unavailable, Some(why.clone()), None, 0));
            summary.unavailable.push((label.clone(), why));
            None
        }
        Err(e) => Some((e, 0)),
    };
    if let Some((e, fetched)) = error {
        items.push(item(
            ItemStatus::Failed,
            Some(e.user_message()),
            e.request_id.clone(),
            fetched,
        ));
        match e.code {
            // A transient failure costs this webinar, not the sync: the others are archived and
            // the next run retries it. Anything else (sign-in, permissions, the archive) would
            // fail every webinar alike and ends the sync with its error.
            ErrorCode::Unavailable | ErrorCode::Network => {
                summary.failed.push((label, e.user_message()));
            }
            _ if first_error.is_none() => *first_error = Some(e),
            _ => {}
        }
    }
}

/// [`sync`] with other options: unbatched (the benchmark's baseline), another trigger.
#[allow(clippy::too_many_arguments)]
pub async fn sync_with(
    conn: &Connection,
    archive: Arc<Archive>,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    opts: &SyncOptions,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: impl Future<Output = ()>,
) -> Result<SyncSummary, CoreError> {
    // A reader of a shared archive is told before Graph is asked for anything.
    archive.check_writable()?;
    // One sync per archive at a time, whichever process runs it; held until this returns.
    let who = match opts.trigger {
        Trigger::App => "the Rollcall app",
        Trigger::Cli => "rollcall sync",
        Trigger::Scheduled => "the nightly job",
    };
    // A shared database takes several writers at once (its keys decide what is new), so only the
    // file is locked.
    let _lock = if archive.is_shared() {
        None
    } else {
        Some(
            super::lock::acquire(
                archive.path(),
                super::lock::Holder::now(who),
                opts.lock_wait,
                |h| tracing::info!(holder = %h.describe(), "waiting for another sync of this archive"),
            )
            .await?,
        )
    };
    let started_at = Timestamp::now();
    let graph = conn.graph()?;
    let base = graph.counters();
    let mut items = Vec::new();
    let result = sync_inner(
        conn, &archive, hosts, from, to, opts, &progress, cancel, &mut items,
    )
    .await;
    let c = graph.counters().since(&base);
    let (outcome, error, summary_json) = match &result {
        Ok(s) => (
            if s.cancelled {
                RunOutcome::Cancelled
            } else if s.failed.is_empty() && s.hosts_failed.is_empty() {
                RunOutcome::Ok
            } else {
                RunOutcome::Partial
            },
            None,
            RunCounts {
                webinars: s.webinars,
                meetings: s.meetings,
                fetched: s.fetched,
                unchanged: s.unchanged,
                settled: s.settled,
                records: s.records,
                unavailable: s.unavailable.len() as u32,
                failed: s.failed.len() as u32,
                hosts_failed: s.hosts_failed.len() as u32,
                late_reports: s.late_reports,
                requests: c.requests as u32,
                sub_requests: c.sub_requests as u32,
            },
        ),
        Err(e) => (
            RunOutcome::Failed,
            Some(e.user_message()),
            RunCounts {
                requests: c.requests as u32,
                sub_requests: c.sub_requests as u32,
                ..Default::default()
            },
        ),
    };
    let run = Run {
        id: 0,
        started_at: started_at.to_string(),
        finished_at: Timestamp::now().to_string(),
        trigger: opts.trigger,
        from: from.to_string(),
        to: to.to_string(),
        hosts: hosts.to_vec(),
        outcome,
        error,
        summary: summary_json,
        items,
    };
    let run_id = archive.record_run(&run);
    let mut summary = result?;
    summary.run_id = Some(run_id?);
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn sync_inner(
    conn: &Connection,
    archive: &Arc<Archive>,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    opts: &SyncOptions,
    progress: &(impl Fn(&SyncProgress) + Send + Sync),
    cancel: impl Future<Output = ()>,
    items: &mut Vec<RunItem>,
) -> Result<SyncSummary, CoreError> {
    let range = webinars::list(conn, hosts, from, to, true).await?;
    if !hosts.is_empty() && range.problems.len() == hosts.len() {
        return Err(crate::attendance::all_hosts_failed(&range.problems));
    }
    let hosts_failed = range.problems.clone();
    for p in &hosts_failed {
        items.push(RunItem {
            webinar: format!("Calendar of {}", p.host),
            start: from.to_string(),
            status: ItemStatus::Failed,
            reason: Some(p.error.user_message()),
            request_id: p.error.request_id.clone(),
            reports: 0,
        });
    }
    let webinars_count = range.webinars.len() as u32;
    let (all_meetings, channel) = meetings_of(range.webinars);
    // Settled meetings cost nothing: their webinar rows are refreshed, Graph is not asked.
    let mut meetings = Vec::new();
    let mut settled_count = 0;
    for (w, last_end) in all_meetings {
        let join = w.join_url.clone().unwrap_or_default();
        if settled(archive, &join, &last_end, conn.recheck_hours) {
            archive.save_webinar(&w)?;
            settled_count += 1;
        } else {
            meetings.push((w, last_end));
        }
    }
    // The connection's one client; count only what this sync sends from here on.
    let graph = conn.graph()?;
    let home = crate::attendance::home_of(conn).await;
    let base = graph.counters();
    let ctx = Arc::new(Ctx {
        graph: graph.clone(),
        batcher: opts
            .batch
            .then(|| rollcall_graph::batch::Batcher::new(graph.clone())),
        archive: archive.clone(),
        conn: conn.clone(),
        users: Default::default(),
        home,
        threshold: crate::attendance::DEFAULT_THRESHOLD,
    });
    let mut summary = SyncSummary {
        webinars: webinars_count,
        meetings: (meetings.len() + settled_count) as u32,
        settled: settled_count as u32,
        hosts_failed,
        unavailable: channel
            .iter()
            .map(|w| (format!("{} ({})", w.subject, w.start), CHANNEL.to_string()))
            .collect(),
        ..Default::default()
    };
    for w in &channel {
        items.push(RunItem {
            webinar: w.subject.clone(),
            start: w.start.clone(),
            status: ItemStatus::Unavailable,
            reason: Some(CHANNEL.into()),
            request_id: None,
            reports: 0,
        });
    }
    let mut state = SyncProgress {
        meetings_total: meetings.len() as u32,
        ..Default::default()
    };
    progress(&state);
    tokio::pin!(cancel);
    let mut first_error = None;
    let tick = |state: &mut SyncProgress, summary: &SyncSummary, n: u32| {
        let c = graph.counters().since(&base);
        state.meetings_done += n;
        state.reports_fetched = summary.fetched;
        state.records = summary.records;
        state.throttled_waits = c.throttled_waits as u32;
        progress(state);
    };
    {
        let limit = Arc::new(Semaphore::new(opts.in_flight.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for (w, last_end) in meetings {
            let (ctx, limit) = (ctx.clone(), limit.clone());
            set.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let r = ctx.one(&w, &last_end).await;
                (w, r)
            });
        }
        loop {
            tokio::select! {
                next = set.join_next() => {
                    let Some(joined) = next else { break };
                    let (w, r) = joined.map_err(|e| CoreError::internal(e.to_string()))?;
                    account(&mut summary, items, &mut first_error, &w, r);
                    tick(&mut state, &summary, 1);
                }
                _ = &mut cancel => {
                    set.abort_all();
                    summary.cancelled = true;
                    break;
                }
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
    summary.sub_requests = c.sub_requests as u32;
    summary.throttled_waits = c.throttled_waits as u32;
    match first_error {
        Some(e) if !summary.cancelled => Err(e),
        _ => Ok(summary),
    }
}

const CHANNEL: &str =
    "a Teams channel meeting: Graph lists the attendance of every meeting in the channel under it";
