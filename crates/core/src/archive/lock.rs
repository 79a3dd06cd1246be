//! One sync at a time per archive, across processes: the desktop's background sync, a `rollcall
//! sync` in a terminal and the nightly job all take this lock for their whole run. It is an OS
//! file lock on `ARCHIVE.sync-lock` beside the archive (released by the OS when the holder exits,
//! however it ends), and the file says who holds it and since when, for the one who waits.
//!
//! Owns the lock file; what a sync does under it is [`super::sync`]'s.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ErrorCode};
use crate::support::lockfile;

/// Who holds the lock, written into the lock file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// "the app", "rollcall sync", "the nightly job".
    pub who: String,
    pub pid: u32,
    /// RFC 3339.
    pub since: String,
}

impl Holder {
    pub fn now(who: &str) -> Self {
        Holder {
            who: who.to_string(),
            pid: std::process::id(),
            since: jiff::Timestamp::now().to_string(),
        }
    }

    /// "the nightly job (process 4711) since 2026-12-06 02:00:03 UTC".
    pub fn describe(&self) -> String {
        let since = self
            .since
            .parse::<jiff::Timestamp>()
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|_| self.since.clone());
        format!("{} (process {}) since {since}", self.who, self.pid)
    }
}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct SyncLock {
    file: File,
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// A file beside the archive, named after it (`archive-x.sqlite.sync-lock`).
fn beside(archive: &Path, suffix: &str) -> PathBuf {
    let mut name = archive.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    archive.with_file_name(name)
}

/// The lock file of an archive.
pub fn path_of(archive: &Path) -> PathBuf {
    beside(archive, ".sync-lock")
}

/// The current holder, if the lock is held (read without taking it).
pub fn holder(archive: &Path) -> Option<Holder> {
    let mut f = File::open(path_of(archive)).ok()?;
    if !lockfile::held(&f) {
        return None;
    }
    let mut text = String::new();
    f.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Take the archive's sync lock, waiting up to `wait` while another sync holds it; `waiting` is
/// told once who that is. After `wait`, a `Unavailable` error names the holder.
pub async fn acquire(
    archive: &Path,
    me: Holder,
    wait: Duration,
    waiting: impl FnOnce(&Holder),
) -> Result<SyncLock, CoreError> {
    let path = path_of(archive);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::support::private::create_dir(dir)
            .map_err(|e| CoreError::internal(format!("could not create {}: {e}", dir.display())))?;
    }
    let mut file = lockfile::open(&path)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut told = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                let other = holder(archive).unwrap_or_default();
                if tokio::time::Instant::now() >= deadline {
                    return Err(CoreError::new(
                        ErrorCode::Unavailable,
                        format!(
                            "Another sync is writing to this archive: {}.",
                            other.describe()
                        ),
                        Some("Let it finish (the archive is fine), then sync again: it fetches only what is missing.".into()),
                    ));
                }
                if let Some(t) = told.take() {
                    t(&other);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(CoreError::internal(format!(
                    "could not lock {}: {e}",
                    path.display()
                )))
            }
        }
    }
    let text = serde_json::to_string(&me).map_err(|e| CoreError::internal(e.to_string()))?;
    lockfile::rewrite(&mut file, text.as_bytes())
        .map_err(|e| CoreError::internal(format!("could not write {}: {e}", path.display())))?;
    Ok(SyncLock { file })
}

/// Run `f` (opening the archive: its journal mode, its migrations) while holding the archive's
/// open lock (`ARCHIVE.open-lock`), so two processes opening a new archive at once do not race
/// on switching it to WAL or creating its tables (SQLite answers such a race "database is
/// locked" at once, without waiting). Held for milliseconds; waited for up to 30 seconds.
pub fn while_opening<T>(
    archive: &Path,
    f: impl FnOnce() -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    let path = beside(archive, ".open-lock");
    let file = lockfile::open(&path)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CoreError::new(
                    ErrorCode::Unavailable,
                    "Another Rollcall has been opening this archive for 30 seconds.",
                    Some("Try again in a moment; if it persists, close the other Rollcall windows and commands.".into()),
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(CoreError::internal(format!(
                    "could not lock {}: {e}",
                    path.display()
                )))
            }
        }
    }
    let out = f();
    let _ = file.unlock();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_sync_waits_then_names_the_holder() {
        let dir = std::env::temp_dir().join(format!("rollcall-lock-{}", uuid::Uuid::new_v4()));
        let archive = dir.join("archive-x.sqlite");
        let first = acquire(
            &archive,
            Holder::now("the nightly job"),
            Duration::ZERO,
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(holder(&archive).unwrap().who, "the nightly job");
        let mut seen = None;
        let e = acquire(
            &archive,
            Holder::now("the app"),
            Duration::from_millis(600),
            |h| seen = Some(h.clone()),
        )
        .await
        .unwrap_err();
        assert_eq!(seen.unwrap().who, "the nightly job");
        assert!(
            e.message.contains("the nightly job (process"),
            "{}",
            e.message
        );
        assert!(
            !e.user_message().contains("recover"),
            "being busy is not damage"
        );
        drop(first);
        assert!(holder(&archive).is_none());
        let again = acquire(&archive, Holder::now("the app"), Duration::ZERO, |_| {}).await;
        assert!(again.is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
