//! A damaged archive: recognised on open (`PRAGMA quick_check`) and recovered into a new file
//! beside it, keeping every row that can still be read. The damaged file is never changed: the
//! archive may hold the only copy of sessions older than Graph's one year.
//!
//! It does not repair in place, and it does not decide which archive the app uses afterwards.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection as Db, OpenFlags};

use super::Archive;
use crate::error::{CoreError, ErrorCode};

/// The tables an archive has, in an order whose references come first.
const TABLES: [&str; 6] = [
    "webinars",
    "meetings",
    "sessions",
    "attendees",
    "intervals",
    "roster_matches",
];

/// After this many unreadable rows in a row, the rest of a table is taken as lost.
const MAX_SKIPS: i64 = 10_000;

/// What a recovery kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    pub path: PathBuf,
    /// Rows copied, over all tables.
    pub rows: u64,
    /// Rows (or pages) that could not be read.
    pub unreadable: u64,
    /// Sessions in the new archive.
    pub sessions: u64,
}

/// The error for an archive that fails its integrity check or is not a database at all.
pub fn damaged(path: &Path, problem: &str) -> CoreError {
    CoreError::new(
        ErrorCode::InvalidInput,
        format!("The attendance archive {} is damaged: {problem}.", path.display()),
        Some(format!(
            "Make a copy of the file first: it may hold sessions older than Graph's one year, which exist nowhere else. Then run `rollcall archive recover --archive \"{}\"`: it copies every session that can still be read into a new archive beside it and leaves the damaged one as it is.",
            path.display()
        )),
    )
}

/// What `quick_check` found wrong.
pub(super) enum Problem {
    /// Another process holds the file (not damage).
    Busy,
    Damaged(String),
}

/// `quick_check`'s verdict: `None` when the database is sound, else its first complaint.
pub(super) fn integrity_problem(db: &Db) -> Option<Problem> {
    let judged = |e: rusqlite::Error| {
        if super::is_busy(&e) {
            Problem::Busy
        } else {
            Problem::Damaged(e.to_string())
        }
    };
    let mut q = match db.prepare("PRAGMA quick_check(1)") {
        Ok(q) => q,
        Err(e) => return Some(judged(e)),
    };
    let first: Result<String, _> = q.query_row([], |r| r.get(0));
    match first {
        Ok(s) if s == "ok" => None,
        Ok(s) => Some(Problem::Damaged(s)),
        Err(e) => Some(judged(e)),
    }
}

/// Copy what can be read from `damaged` into a new archive beside it
/// (`NAME.recovered-YYYYMMDDTHHMMSSZ.sqlite`). The damaged file is opened read-only.
pub fn recover(damaged_path: &Path) -> Result<Recovered, CoreError> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let stem = damaged_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "archive".into());
    let target = damaged_path.with_file_name(format!("{stem}.recovered-{stamp}.sqlite"));
    if target.exists() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("{} already exists.", target.display()),
            Some("Wait a second and run the recovery again.".into()),
        ));
    }
    let old = Db::open_with_flags(damaged_path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("Could not open {}: {e}.", damaged_path.display()),
            None,
        )
    })?;
    // The new archive, created and migrated like any other, then written through a connection
    // of its own without foreign keys (a session's attendees may have survived without it).
    drop(Archive::open(&target)?);
    let mut new = Db::open(&target).map_err(super::db_err)?;
    let tx = new.transaction().map_err(super::db_err)?;
    let (mut rows, mut unreadable) = (0u64, 0u64);
    for table in TABLES {
        let (r, u) = copy_table(&old, &tx, table)?;
        rows += r;
        unreadable += u;
    }
    // Rows whose session did not survive cannot be shown; drop them so the archive is consistent.
    for sql in [
        "DELETE FROM attendees WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.report_id = attendees.report_id AND s.version = attendees.version)",
        "DELETE FROM intervals WHERE NOT EXISTS (SELECT 1 FROM attendees a WHERE a.report_id = intervals.report_id AND a.version = intervals.version AND a.idx = intervals.attendee_idx)",
    ] {
        let gone = tx.execute(sql, []).map_err(super::db_err)? as u64;
        rows = rows.saturating_sub(gone);
        unreadable += gone;
    }
    let sessions: i64 = tx
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .map_err(super::db_err)?;
    tx.commit().map_err(super::db_err)?;
    Ok(Recovered {
        path: target,
        rows,
        unreadable,
        sessions: sessions.max(0) as u64,
    })
}

/// Copy one table row by row in rowid order; a row that cannot be read is counted and skipped.
fn copy_table(
    old: &Db,
    new: &rusqlite::Transaction<'_>,
    table: &str,
) -> Result<(u64, u64), CoreError> {
    let columns: usize = new
        .prepare(&format!("SELECT * FROM {table} LIMIT 0"))
        .map_err(super::db_err)?
        .column_count();
    let placeholders = vec!["?"; columns].join(", ");
    let mut insert = new
        .prepare(&format!(
            "INSERT OR IGNORE INTO {table} VALUES ({placeholders})"
        ))
        .map_err(super::db_err)?;
    let (mut copied, mut unreadable, mut after, mut skips) = (0u64, 0u64, i64::MIN, 0i64);
    loop {
        let batch = read_batch(old, table, columns, after);
        match batch {
            Ok(rows) if rows.is_empty() => break,
            Ok(rows) => {
                skips = 0;
                for (rowid, values) in rows {
                    after = rowid;
                    if insert
                        .execute(rusqlite::params_from_iter(values))
                        .map_err(super::db_err)?
                        > 0
                    {
                        copied += 1;
                    }
                }
            }
            Err(_) => {
                // Step over the unreadable row; a table whose rest cannot be read ends here.
                unreadable += 1;
                skips += 1;
                if skips > MAX_SKIPS || after == i64::MAX {
                    break;
                }
                after = after.saturating_add(1).max(0);
            }
        }
    }
    Ok((copied, unreadable))
}

fn read_batch(
    old: &Db,
    table: &str,
    columns: usize,
    after: i64,
) -> rusqlite::Result<Vec<(i64, Vec<Value>)>> {
    let mut q = old.prepare(&format!(
        "SELECT rowid, * FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT 500"
    ))?;
    let rows = q.query_map([after], |r| {
        let rowid: i64 = r.get(0)?;
        let values = (1..=columns)
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((rowid, values))
    })?;
    rows.collect()
}
