//! Every scheduled run, recorded when it starts and again when it ends, in the data folder
//! (`scheduled-runs/`, one small file per run): a run that fails before it reaches the archive
//! (a profile gone, no keychain) is still on record, and one that never ends (killed, the computer
//! switched off) shows as "did not finish" the next time anyone looks. A run holds an OS lock on
//! its file while it lives, so "still running" and "did not finish" are told apart without
//! guessing from the clock.
//!
//! Owns that folder. What a run does is the CLI's; what the desktop says about it is
//! [`crate::support::notices`].

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Records kept; older ones are removed when a run starts.
pub const KEPT: usize = 60;

/// What the file says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The job's key ([`super::Job::key`]).
    pub job: String,
    pub started_at: String,
    pub pid: u32,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// What went wrong, in the user's words.
    #[serde(default)]
    pub message: Option<String>,
}

/// A run as it stands now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum RunState {
    Running,
    Finished,
    /// Ended without recording its end: killed, or the computer stopped.
    DidNotFinish,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ScheduledRun {
    /// The record's file name: a stable id for notices.
    pub id: String,
    pub record: Record,
    pub state: RunState,
}

impl ScheduledRun {
    /// Failed, partial, or never finished.
    pub fn went_wrong(&self) -> bool {
        match self.state {
            RunState::Running => false,
            RunState::DidNotFinish => true,
            RunState::Finished => self.record.exit_code != Some(0),
        }
    }
}

fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("scheduled-runs")
}

/// A run under way; [`Started::finish`] records its end. Dropped without it, the run stays "did
/// not finish" on record.
pub struct Started {
    file: File,
    record: Record,
}

/// Record that a scheduled run of `job` starts now.
pub fn start(data_dir: &Path, job: &str) -> Result<Started, CoreError> {
    let dir = folder(data_dir);
    crate::support::private::create_dir(&dir)
        .map_err(|e| CoreError::internal(format!("could not create {}: {e}", dir.display())))?;
    prune(&dir);
    let now = jiff::Timestamp::now();
    let name = format!(
        "{}-{}.json",
        now.strftime("%Y%m%dT%H%M%S%.3fZ"),
        uuid::Uuid::new_v4().simple()
    );
    let path = dir.join(&name);
    // Written under another name and renamed when whole: a run killed in its first instant leaves
    // no empty record that the list would skip (the lock travels with the open file).
    let partial = dir.join(format!("{name}.partial"));
    let file = crate::support::private::new_file_options()
        .read(true)
        .open(&partial)
        .map_err(|e| CoreError::internal(format!("could not create {}: {e}", partial.display())))?;
    file.lock()
        .map_err(|e| CoreError::internal(format!("could not lock {}: {e}", partial.display())))?;
    let mut started = Started {
        file,
        record: Record {
            job: job.to_string(),
            started_at: now.to_string(),
            pid: std::process::id(),
            ..Default::default()
        },
    };
    started.write()?;
    std::fs::rename(&partial, &path)
        .map_err(|e| CoreError::internal(format!("could not record the run: {e}")))?;
    Ok(started)
}

impl Started {
    fn write(&mut self) -> Result<(), CoreError> {
        let text =
            serde_json::to_vec(&self.record).map_err(|e| CoreError::internal(e.to_string()))?;
        crate::support::lockfile::rewrite(&mut self.file, &text)
            .map_err(|e| CoreError::internal(format!("could not record the run: {e}")))
    }

    /// Record the run's end: its exit code and, when it failed, what went wrong.
    pub fn finish(mut self, exit_code: i32, message: Option<String>) -> Result<(), CoreError> {
        self.record.finished_at = Some(jiff::Timestamp::now().to_string());
        self.record.exit_code = Some(exit_code);
        self.record.message = message;
        self.write()
    }
}

/// The recorded runs, newest first.
pub fn recent(data_dir: &Path, limit: usize) -> Vec<ScheduledRun> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder(data_dir))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.reverse();
    names
        .into_iter()
        .take(limit)
        .filter_map(|p| {
            let file = File::open(&p).ok()?;
            let record: Record = serde_json::from_reader(&file).ok()?;
            let state = if record.finished_at.is_some() {
                RunState::Finished
            } else if !crate::support::lockfile::held(&file) {
                // Nobody holds it: the run is gone without saying how it ended.
                RunState::DidNotFinish
            } else {
                RunState::Running
            };
            Some(ScheduledRun {
                id: p.file_stem()?.to_string_lossy().into_owned(),
                record,
                state,
            })
        })
        .collect()
}

fn prune(dir: &Path) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    let excess = names.len().saturating_sub(KEPT);
    for p in names.into_iter().take(excess) {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_on_record_from_its_start_and_one_that_never_ended_says_so() {
        let dir = std::env::temp_dir().join(format!("rollcall-ledger-{}", uuid::Uuid::new_v4()));
        let running = start(&dir, "demo").unwrap();
        let now = recent(&dir, 10);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].state, RunState::Running);
        assert!(!now[0].went_wrong());
        // Gone without finishing (in a real kill the OS drops the lock with the process).
        drop(running);
        assert_eq!(recent(&dir, 10)[0].state, RunState::DidNotFinish);
        assert!(recent(&dir, 10)[0].went_wrong());
        std::thread::sleep(std::time::Duration::from_millis(5));
        start(&dir, "demo")
            .unwrap()
            .finish(66, Some("No saved profile".into()))
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        start(&dir, "demo").unwrap().finish(0, None).unwrap();
        let runs = recent(&dir, 10);
        assert_eq!(runs.len(), 3);
        assert_eq!(
            (runs[0].record.exit_code, runs[0].went_wrong()),
            (Some(0), false)
        );
        assert_eq!(runs[1].record.message.as_deref(), Some("No saved profile"));
        assert!(runs[1].went_wrong());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
