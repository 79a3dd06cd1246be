//! What the syncs saw and did: per meeting, when its reports were last looked at (so a re-sync
//! skips meetings that can no longer change, and a report can be judged late); per report, when
//! it was first seen; and the history of runs (app, CLI or scheduled) with an outcome per meeting.
//!
//! Owns these tables; the sync decides what to write, the shells how to show it.

use serde::{Deserialize, Serialize};

use super::db::{insert_rows, p, Row};
use super::Archive;
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

/// A run's row, in [`RUN_COLUMNS`] order.
fn run_of(r: &Row) -> Result<Run, CoreError> {
    Ok(Run {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        trigger: Trigger::parse(&r.get::<String>(3)?),
        from: r.get(4)?,
        to: r.get(5)?,
        hosts: serde_json::from_str(&r.get::<String>(6)?).unwrap_or_default(),
        outcome: outcome_of(&r.get::<String>(7)?),
        error: r.get(8)?,
        summary: serde_json::from_str(&r.get::<String>(9)?).unwrap_or_default(),
        items: Vec::new(),
    })
}

const RUN_COLUMNS: &str =
    "id, started_at, finished_at, trigger, from_at, to_at, hosts, outcome, error, summary_json";

impl Archive {
    /// When the meeting's reports were last looked at, and the end of its latest session then.
    pub fn checked(&self, join_url: &str) -> Result<Option<(String, String)>, CoreError> {
        self.db()?
            .row(
                "SELECT checked_at, last_end FROM meeting_checks WHERE join_url = ?1",
                p![join_url],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
    }

    /// Record a complete look at a meeting's reports (the list read and every new report stored).
    /// Only a later look replaces one: with several writers (a shared archive), a slow sync that
    /// looked earlier does not move the last look back, which late judgements are made from.
    pub fn save_check(
        &self,
        join_url: &str,
        checked_at: &str,
        last_end: &str,
        reports: u32,
    ) -> Result<(), CoreError> {
        self.db()?.run(
            "INSERT INTO meeting_checks (join_url, checked_at, last_end, reports) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (join_url) DO UPDATE SET checked_at = excluded.checked_at, last_end = excluded.last_end, reports = excluded.reports
             WHERE excluded.checked_at > meeting_checks.checked_at",
            p![join_url, checked_at, last_end, reports],
        )?;
        Ok(())
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
        self.db()?.run(
            "INSERT INTO report_seen (report_id, join_url, first_seen, absent_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (report_id) DO NOTHING",
            p![report_id, join_url, first_seen, absent_at],
        )?;
        Ok(())
    }

    /// Record a run and its items in one transaction; keep the newest [`RUNS_KEPT`].
    pub fn record_run(&self, run: &Run) -> Result<i64, CoreError> {
        self.write(|tx| {
            let id: i64 = tx
                .row(
                    "INSERT INTO runs (started_at, finished_at, trigger, from_at, to_at, hosts, outcome, error, summary_json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                    p![
                        &run.started_at,
                        &run.finished_at,
                        run.trigger.as_str(),
                        &run.from,
                        &run.to,
                        serde_json::to_string(&run.hosts).unwrap_or_default(),
                        outcome_str(run.outcome),
                        &run.error,
                        serde_json::to_string(&run.summary).unwrap_or_default()
                    ],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or_default();
            let items = run.items.iter().enumerate().map(|(seq, it)| {
                p![id, seq, &it.webinar, &it.start, status_str(it.status), &it.reason, &it.request_id, it.reports]
            });
            insert_rows(
                tx,
                "run_items",
                &["run_id", "seq", "webinar", "start_at", "status", "reason", "request_id", "reports"],
                items.collect(),
            )?;
            tx.run(
                "DELETE FROM run_items WHERE run_id <= ?1",
                p![id - RUNS_KEPT],
            )?;
            tx.run("DELETE FROM runs WHERE id <= ?1", p![id - RUNS_KEPT])?;
            Ok(id)
        })
    }

    /// The newest runs first, without their items.
    /// How many runs are on record.
    pub fn run_count(&self) -> Result<i64, CoreError> {
        Ok(self
            .db()?
            .row("SELECT COUNT(*) FROM runs", p![])?
            .map(|r| r.get(0))
            .transpose()?
            .unwrap_or_default())
    }

    pub fn runs(&self, limit: u32) -> Result<Vec<Run>, CoreError> {
        self.db()?
            .rows(
                &format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"),
                p![limit],
            )?
            .iter()
            .map(run_of)
            .collect()
    }

    /// One run with its items.
    pub fn run(&self, id: i64) -> Result<Option<Run>, CoreError> {
        let db = self.db()?;
        let Some(row) = db.row(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
            p![id],
        )?
        else {
            return Ok(None);
        };
        let mut run = run_of(&row)?;
        run.items = db
            .rows(
                "SELECT webinar, start_at, status, reason, request_id, reports FROM run_items WHERE run_id = ?1 ORDER BY seq",
                p![id],
            )?
            .iter()
            .map(|r| {
                Ok(RunItem {
                    webinar: r.get(0)?,
                    start: r.get(1)?,
                    status: status_of(&r.get::<String>(2)?),
                    reason: r.get(3)?,
                    request_id: r.get(4)?,
                    reports: r.get(5)?,
                })
            })
            .collect::<Result<_, CoreError>>()?;
        Ok(Some(run))
    }
}
