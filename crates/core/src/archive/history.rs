//! What the syncs saw and did: per meeting, when its reports were last looked at (so a re-sync
//! skips meetings that can no longer change, and a report can be judged late); per report, when
//! it was first seen; and the history of runs (app, CLI or scheduled) with an outcome per meeting.
//!
//! Owns these tables; the sync decides what to write, the shells how to show it.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{all, db_err, Archive};
use crate::error::CoreError;

/// Runs kept; older ones (and their items) are dropped when a run is recorded.
pub const RUNS_KEPT: i64 = 100;

/// Who started a sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Trigger {
    #[default]
    App,
    Cli,
    Scheduled,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::App => "app",
            Trigger::Cli => "cli",
            Trigger::Scheduled => "scheduled",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "cli" => Trigger::Cli,
            "scheduled" => Trigger::Scheduled,
            _ => Trigger::App,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ItemStatus {
    Ok,
    Unavailable,
    Failed,
}

/// One meeting's outcome in a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RunItem {
    pub webinar: String,
    pub start: String,
    pub status: ItemStatus,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// Reports fetched for it in this run.
    pub reports: u32,
}

/// The overall outcome of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum RunOutcome {
    /// Everything Graph gives was archived.
    Ok,
    /// Some meetings or hosts failed this time (the next run retries them).
    Partial,
    /// The sync stopped with an error.
    Failed,
    Cancelled,
}

/// What a run counted (all zero for one that failed before it began).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct RunCounts {
    pub webinars: u32,
    pub meetings: u32,
    pub fetched: u32,
    pub unchanged: u32,
    pub settled: u32,
    pub records: u32,
    pub unavailable: u32,
    pub failed: u32,
    pub hosts_failed: u32,
    pub late_reports: u32,
    pub requests: u32,
    pub sub_requests: u32,
}

/// One recorded sync.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Run {
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub trigger: Trigger,
    pub from: String,
    pub to: String,
    pub hosts: Vec<String>,
    pub outcome: RunOutcome,
    pub error: Option<String>,
    pub summary: RunCounts,
    /// Filled by [`Archive::run`], empty in [`Archive::runs`].
    pub items: Vec<RunItem>,
}

fn outcome_str(o: RunOutcome) -> &'static str {
    match o {
        RunOutcome::Ok => "ok",
        RunOutcome::Partial => "partial",
        RunOutcome::Failed => "failed",
        RunOutcome::Cancelled => "cancelled",
    }
}

fn outcome_of(s: &str) -> RunOutcome {
    match s {
        "ok" => RunOutcome::Ok,
        "partial" => RunOutcome::Partial,
        "cancelled" => RunOutcome::Cancelled,
        _ => RunOutcome::Failed,
    }
}

fn status_str(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Ok => "ok",
        ItemStatus::Unavailable => "unavailable",
        ItemStatus::Failed => "failed",
    }
}

fn status_of(s: &str) -> ItemStatus {
    match s {
        "ok" => ItemStatus::Ok,
        "unavailable" => ItemStatus::Unavailable,
        _ => ItemStatus::Failed,
    }
}

type RunRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn run_of(r: RunRow) -> Run {
    let (id, started_at, finished_at, trigger, from, to, hosts, outcome, error, summary) = r;
    Run {
        id,
        started_at,
        finished_at,
        trigger: Trigger::parse(&trigger),
        from,
        to,
        hosts: serde_json::from_str(&hosts).unwrap_or_default(),
        outcome: outcome_of(&outcome),
        error,
        summary: serde_json::from_str(&summary).unwrap_or_default(),
        items: Vec::new(),
    }
}

type ItemRow = (String, String, String, Option<String>, Option<String>, u32);

const RUN_COLUMNS: &str =
    "id, started_at, finished_at, trigger, from_at, to_at, hosts, outcome, error, summary_json";

impl Archive {
    /// When the meeting's reports were last looked at, and the end of its latest session then.
    pub fn checked(&self, join_url: &str) -> Result<Option<(String, String)>, CoreError> {
        self.db()
            .query_row(
                "SELECT checked_at, last_end FROM meeting_checks WHERE join_url = ?1",
                [join_url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)
    }

    /// Record a complete look at a meeting's reports (the list read and every new report stored).
    pub fn save_check(
        &self,
        join_url: &str,
        checked_at: &str,
        last_end: &str,
        reports: u32,
    ) -> Result<(), CoreError> {
        self.db()
            .execute(
                "INSERT OR REPLACE INTO meeting_checks (join_url, checked_at, last_end, reports) VALUES (?1, ?2, ?3, ?4)",
                params![join_url, checked_at, last_end, reports],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// Note when a report was first seen and the last look that did not find it (kept from the
    /// first time: a later version of the report does not move either).
    pub fn note_seen(
        &self,
        report_id: &str,
        join_url: &str,
        first_seen: &str,
        absent_at: Option<&str>,
    ) -> Result<(), CoreError> {
        self.db()
            .execute(
                "INSERT OR IGNORE INTO report_seen (report_id, join_url, first_seen, absent_at) VALUES (?1, ?2, ?3, ?4)",
                params![report_id, join_url, first_seen, absent_at],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// Record a run and its items in one transaction; keep the newest [`RUNS_KEPT`].
    pub fn record_run(&self, run: &Run) -> Result<i64, CoreError> {
        let mut db = self.db();
        let tx = super::write_tx(&mut db)?;
        tx.execute(
            "INSERT INTO runs (started_at, finished_at, trigger, from_at, to_at, hosts, outcome, error, summary_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run.started_at,
                run.finished_at,
                run.trigger.as_str(),
                run.from,
                run.to,
                serde_json::to_string(&run.hosts).unwrap_or_default(),
                outcome_str(run.outcome),
                run.error,
                serde_json::to_string(&run.summary).unwrap_or_default()
            ],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        {
            let mut q = tx
                .prepare("INSERT INTO run_items (run_id, seq, webinar, start_at, status, reason, request_id, reports) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .map_err(db_err)?;
            for (seq, it) in run.items.iter().enumerate() {
                q.execute(params![
                    id,
                    seq as i64,
                    it.webinar,
                    it.start,
                    status_str(it.status),
                    it.reason,
                    it.request_id,
                    it.reports
                ])
                .map_err(db_err)?;
            }
        }
        tx.execute("DELETE FROM run_items WHERE run_id <= ?1", [id - RUNS_KEPT])
            .map_err(db_err)?;
        tx.execute("DELETE FROM runs WHERE id <= ?1", [id - RUNS_KEPT])
            .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        Ok(id)
    }

    /// The newest runs first, without their items.
    pub fn runs(&self, limit: u32) -> Result<Vec<Run>, CoreError> {
        let db = self.db();
        let mut q = db
            .prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(db_err)?;
        let rows: Vec<RunRow> = all(&mut q, [limit], |r| r.try_into())?;
        Ok(rows.into_iter().map(run_of).collect())
    }

    /// One run with its items.
    pub fn run(&self, id: i64) -> Result<Option<Run>, CoreError> {
        let db = self.db();
        let row: Option<RunRow> = db
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [id],
                |r| r.try_into(),
            )
            .optional()
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let mut run = run_of(row);
        let mut q = db
            .prepare("SELECT webinar, start_at, status, reason, request_id, reports FROM run_items WHERE run_id = ?1 ORDER BY seq")
            .map_err(db_err)?;
        let items: Vec<ItemRow> = all(&mut q, [id], |r| r.try_into())?;
        run.items = items
            .into_iter()
            .map(
                |(webinar, start, status, reason, request_id, reports)| RunItem {
                    webinar,
                    start,
                    status: status_of(&status),
                    reason,
                    request_id,
                    reports,
                },
            )
            .collect();
        Ok(Some(run))
    }
}
