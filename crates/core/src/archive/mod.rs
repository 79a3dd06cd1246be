//! The local attendance archive: one SQLite file per connection profile that keeps every session
//! Rollcall has read, so attendance outlives Graph's one-year retention and 50-report cap.
//!
//! Each session is written in one transaction (a sync killed at any moment leaves a consistent
//! file); a report already archived is never overwritten: if Graph's copy changes, the new content is
//! stored as the next version beside the old one. Schema changes are numbered migrations keyed by
//! `PRAGMA user_version`. This file does not talk to Graph; [`sync`] does.

pub mod copy;
mod db;
pub mod history;
pub mod job;
pub mod location;
pub mod lock;
pub mod pg;
pub mod read_through;
pub mod recover;
mod stored;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection as Db;

use db::{in_write_tx, p, Sql};
pub use pg::ServerAddress;
use sha2::Digest;

use crate::attendance::{
    Attendee, Availability, Completion, Counts, Interval, ParticipantKind, Session,
    WebinarAttendance,
};
use crate::error::{CoreError, ErrorCode};
use crate::webinars::{Webinar, WebinarState};

/// Migrations, in order; index + 1 is the schema version they produce.
const MIGRATIONS: &[&str] = &[
    // 1: first release.
    "CREATE TABLE webinars (
        id TEXT PRIMARY KEY, host TEXT NOT NULL, subject TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
        series_id TEXT, join_url TEXT, organizer TEXT, kind TEXT NOT NULL, fetched_at TEXT NOT NULL);
     CREATE INDEX webinars_join ON webinars(join_url);
     CREATE TABLE meetings (
        join_url TEXT PRIMARY KEY, meeting_id TEXT NOT NULL, user_id TEXT NOT NULL, host TEXT NOT NULL, fetched_at TEXT NOT NULL);
     CREATE TABLE sessions (
        report_id TEXT NOT NULL, version INTEGER NOT NULL, join_url TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
        scheduled_seconds INTEGER NOT NULL, participant_count INTEGER NOT NULL, content_hash TEXT NOT NULL,
        fetched_at TEXT NOT NULL, PRIMARY KEY (report_id, version));
     CREATE INDEX sessions_join ON sessions(join_url);
     CREATE TABLE attendees (
        report_id TEXT NOT NULL, version INTEGER NOT NULL, idx INTEGER NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
        email TEXT, kind TEXT NOT NULL, role TEXT NOT NULL, seconds INTEGER NOT NULL, reported_seconds INTEGER NOT NULL,
        joins INTEGER NOT NULL, first_join TEXT, last_leave TEXT,
        PRIMARY KEY (report_id, version, idx),
        FOREIGN KEY (report_id, version) REFERENCES sessions(report_id, version));
     CREATE TABLE intervals (
        report_id TEXT NOT NULL, version INTEGER NOT NULL, attendee_idx INTEGER NOT NULL, seq INTEGER NOT NULL,
        join_at TEXT, leave_at TEXT, seconds INTEGER NOT NULL,
        PRIMARY KEY (report_id, version, attendee_idx, seq));
     CREATE TABLE roster_matches (attendee_key TEXT PRIMARY KEY, email TEXT NOT NULL);",
    // 2: Teams webinars (virtual events): each session's registration ledger (registrations and
    // attendance joined), versioned by content like the reports, with the webinar as it was read.
    "CREATE TABLE event_sessions (
        webinar_id TEXT NOT NULL, session_id TEXT NOT NULL, version INTEGER NOT NULL, host TEXT NOT NULL,
        subject TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL, content_hash TEXT NOT NULL,
        fetched_at TEXT NOT NULL, webinar_json TEXT NOT NULL, ledger_json TEXT NOT NULL,
        PRIMARY KEY (webinar_id, session_id, version));
     CREATE INDEX event_sessions_host ON event_sessions(host, start_at);",
    // 3: what each sync looked at and when (so a re-sync skips meetings that cannot change and a
    // report can be judged late), and the history of runs.
    "CREATE TABLE meeting_checks (
        join_url TEXT PRIMARY KEY, checked_at TEXT NOT NULL, last_end TEXT NOT NULL, reports INTEGER NOT NULL);
     CREATE TABLE report_seen (
        report_id TEXT PRIMARY KEY, join_url TEXT NOT NULL, first_seen TEXT NOT NULL, absent_at TEXT);
     CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
        trigger TEXT NOT NULL, from_at TEXT NOT NULL, to_at TEXT NOT NULL, hosts TEXT NOT NULL,
        outcome TEXT NOT NULL, error TEXT, summary_json TEXT NOT NULL);
     CREATE TABLE run_items (
        run_id INTEGER NOT NULL, seq INTEGER NOT NULL, webinar TEXT NOT NULL, start_at TEXT NOT NULL,
        status TEXT NOT NULL, reason TEXT, request_id TEXT, reports INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq));",
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The columns a session's attendees and intervals are written with (and copied with).
const ATTENDEE_COLUMNS: &[&str] = &[
    "report_id",
    "version",
    "idx",
    "key",
    "name",
    "email",
    "kind",
    "role",
    "seconds",
    "reported_seconds",
    "joins",
    "first_join",
    "last_leave",
];
const INTERVAL_COLUMNS: &[&str] = &[
    "report_id",
    "version",
    "attendee_idx",
    "seq",
    "join_at",
    "leave_at",
    "seconds",
];

/// What writing a session did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    New,
    Unchanged,
    /// Graph's copy changed: stored as a new version, the old one kept.
    NewVersion,
}

/// id, host, subject, start, end, series id, join URL.
type WebinarRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

/// A webinar as the archive stores it (Teams, organised by the host, never a cancelled one); its
/// state follows from the times.
#[allow(clippy::too_many_arguments)]
fn stored_webinar(
    id: String,
    host: String,
    subject: String,
    start: String,
    end: String,
    series_id: Option<String>,
    join_url: Option<String>,
    organizer: Option<String>,
    kind: String,
) -> Webinar {
    let now = jiff::Timestamp::now().to_string();
    Webinar {
        channel: join_url
            .as_deref()
            .is_some_and(crate::webinars::is_channel_meeting),
        id,
        host,
        subject,
        state: WebinarState::at(&start, &end, &now),
        start,
        end,
        teams: true,
        cancelled: false,
        kind,
        series_id,
        join_url,
        organizer,
        is_organizer: true,
        invitees: vec![],
        web_link: None,
        format: Default::default(),
        event: None,
    }
}

pub struct Archive {
    store: Store,
    /// The file; for a shared archive, its address (shown, never a password).
    path: PathBuf,
    /// Whether this user may add rows (a shared archive's reader may not).
    writable: bool,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("at", &self.path)
            .field("shared", &self.is_shared())
            .finish()
    }
}

/// Where the archive lives: the local SQLite file, or a shared PostgreSQL database.
enum Store {
    File(Mutex<Db>),
    Server(pg::PgEngine),
}

/// A webinar's row (inserted, or its title and times updated).
fn write_webinar(db: &dyn Sql, w: &Webinar) -> Result<(), CoreError> {
    db.run(
        "INSERT INTO webinars (id, host, subject, start_at, end_at, series_id, join_url, organizer, kind, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET subject = excluded.subject, start_at = excluded.start_at, end_at = excluded.end_at, fetched_at = excluded.fetched_at",
        p![&w.id, &w.host, &w.subject, &w.start, &w.end, &w.series_id, &w.join_url, &w.organizer, &w.kind, jiff::Timestamp::now().to_string()],
    )?;
    Ok(())
}

/// A session's rows, inside the caller's transaction: new, unchanged, or a new version.
fn write_session(tx: &dyn Sql, join_url: &str, s: &Session) -> Result<Saved, CoreError> {
    let hash = content_hash(s);
    tx.lock(&s.report_id)?;
    let latest = tx.row(
        "SELECT version, content_hash FROM sessions WHERE report_id = ?1 ORDER BY version DESC LIMIT 1",
        p![&s.report_id],
    )?;
    let (version, outcome) = match latest {
        Some(r) if r.get::<String>(1)? == hash => return Ok(Saved::Unchanged),
        Some(r) => (r.get::<i64>(0)? + 1, Saved::NewVersion),
        None => (1, Saved::New),
    };
    let now = jiff::Timestamp::now().to_string();
    tx.run(
        "INSERT INTO sessions (report_id, version, join_url, start_at, end_at, scheduled_seconds, participant_count, content_hash, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        p![&s.report_id, version, join_url, &s.start, &s.end, s.scheduled_seconds, s.participant_count, hash, now],
    )?;
    let (mut attendees, mut intervals) = (Vec::new(), Vec::new());
    for (idx, a) in s.attendees.iter().enumerate() {
        attendees.push(p![
            &s.report_id,
            version,
            idx,
            &a.key,
            &a.name,
            &a.email,
            kind_str(a.kind),
            &a.role,
            a.seconds,
            a.reported_seconds,
            a.joins,
            &a.first_join,
            &a.last_leave
        ]);
        for (seq, i) in a.intervals.iter().enumerate() {
            intervals.push(p![
                &s.report_id,
                version,
                idx,
                seq,
                &i.join,
                &i.leave,
                i.seconds
            ]);
        }
    }
    db::insert_rows(tx, "attendees", ATTENDEE_COLUMNS, attendees)?;
    db::insert_rows(tx, "intervals", INTERVAL_COLUMNS, intervals)?;
    Ok(outcome)
}

fn db_err(e: rusqlite::Error) -> CoreError {
    if is_busy(&e) {
        return busy();
    }
    CoreError::new(ErrorCode::Internal, format!("The attendance archive could not be used: {e}"), Some("If this persists, make a copy of the archive file first (it may hold sessions older than Graph's one year), then run `rollcall archive recover`, which keeps every session that can still be read.".into()))
}

/// A write transaction that takes the write lock when it begins (`BEGIN IMMEDIATE`), so the busy
/// timeout applies; a deferred one that upgrades from reading fails at once when another process
/// writes ("database is locked" in 0.6 s).
fn write_tx(db: &mut Db) -> Result<rusqlite::Transaction<'_>, CoreError> {
    db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)
}

/// SQLite's "database is locked" (another process writes and the busy timeout ran out): the
/// archive is fine, it is only in use.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn busy() -> CoreError {
    CoreError::new(
        ErrorCode::Unavailable,
        "The attendance archive is in use by another Rollcall (the app, a sync or the nightly job) and stayed busy for 10 seconds.",
        Some("Nothing is wrong with it: try again when the other one has finished.".into()),
    )
}

fn kind_str(k: ParticipantKind) -> &'static str {
    k.as_str()
}

fn kind_of(s: &str) -> ParticipantKind {
    ParticipantKind::parse(s)
}

/// A digest of what a session says (not when it was fetched), to notice changed copies.
fn content_hash(s: &Session) -> String {
    let mut h = sha2::Sha256::new();
    h.update(format!("{}|{}|", s.start, s.end));
    for a in &s.attendees {
        h.update(format!(
            "{}|{}|{:?}|{}|{}|{}|",
            a.key, a.name, a.email, a.role, a.seconds, a.joins
        ));
        for i in &a.intervals {
            h.update(format!("{:?}|{:?}|", i.join, i.leave));
        }
    }
    format!("{:x}", h.finalize())
}

/// JSON of a stored value (serialising our own types cannot fail).
fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A ledger session's content, without when it was read: the same registrations and attendance
/// hash the same.
fn ledger_hash(s: &crate::virtual_events::SessionLedger) -> String {
    let mut h = sha2::Sha256::new();
    h.update(serde_json::to_string(&s.rows).unwrap_or_default());
    h.update(format!(
        "|{}|{}|{}",
        s.session.start, s.session.end, s.reported
    ));
    format!("{:x}", h.finalize())
}

impl Archive {
    /// Keep one Teams webinar session's ledger, in one transaction: new, unchanged, or a new
    /// version beside the old one (a late registration or a longer report).
    pub fn save_event_session(
        &self,
        ledger: &crate::virtual_events::Ledger,
        s: &crate::virtual_events::SessionLedger,
    ) -> Result<Saved, CoreError> {
        let hash = ledger_hash(s);
        self.write(|tx| {
            tx.lock(&format!("{}|{}", ledger.webinar.id, s.session.id))?;
            let latest = tx.row(
                "SELECT version, content_hash FROM event_sessions WHERE webinar_id = ?1 AND session_id = ?2 ORDER BY version DESC LIMIT 1",
                p![&ledger.webinar.id, &s.session.id],
            )?;
            let (version, saved) = match latest {
                Some(r) if r.get::<String>(1)? == hash => return Ok(Saved::Unchanged),
                Some(r) => (r.get::<i64>(0)? + 1, Saved::NewVersion),
                None => (1, Saved::New),
            };
            tx.run(
                "INSERT INTO event_sessions (webinar_id, session_id, version, host, subject, start_at, end_at, content_hash, fetched_at, webinar_json, ledger_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                p![
                    &ledger.webinar.id,
                    &s.session.id,
                    version,
                    &ledger.webinar.host,
                    &ledger.subject,
                    &s.session.start,
                    &s.session.end,
                    &hash,
                    jiff::Timestamp::now().to_string(),
                    to_json(&ledger.webinar),
                    to_json(s),
                ],
            )?;
            Ok(saved)
        })
    }

    /// The archived ledger of a Teams webinar (the latest version of each session, oldest
    /// first), or `None` when nothing of it is archived.
    pub fn event_ledger(
        &self,
        webinar_id: &str,
        threshold: f64,
    ) -> Result<Option<crate::virtual_events::Ledger>, CoreError> {
        let rows: Vec<(String, String, String)> = self
            .db()?
            .rows(
                "SELECT e.subject, e.webinar_json, e.ledger_json FROM event_sessions e
                 WHERE e.webinar_id = ?1 AND e.version = (SELECT MAX(version) FROM event_sessions f
                   WHERE f.webinar_id = e.webinar_id AND f.session_id = e.session_id)
                 ORDER BY e.start_at",
                p![webinar_id],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect::<Result<_, CoreError>>()?;
        let Some((subject, webinar, _)) = rows.last().cloned() else {
            return Ok(None);
        };
        let bad = |e: serde_json::Error| CoreError::internal(format!("an archived ledger: {e}"));
        let mut sessions = Vec::with_capacity(rows.len());
        for (_, _, l) in &rows {
            let mut s: crate::virtual_events::SessionLedger =
                serde_json::from_str(l).map_err(bad)?;
            crate::virtual_events::ledger::rethreshold(&mut s.rows, threshold);
            s.counts = crate::virtual_events::LedgerCounts::of(&s.rows);
            sessions.push(s);
        }
        Ok(Some(crate::virtual_events::Ledger {
            webinar: serde_json::from_str(&webinar).map_err(bad)?,
            subject,
            threshold,
            sessions,
        }))
    }

    /// The archive of the active connection: its profile's shared database, else its file (or the
    /// demo's).
    ///
    /// One connection per archive for the whole run: opened (and integrity-checked) on first use,
    /// then shared by every call and the background sync (the file's mutex orders the writers).
    pub fn active(
        conns: &crate::tenant::connections::Connections,
    ) -> Result<std::sync::Arc<Archive>, CoreError> {
        location::of_active(conns)?.shared(conns.secrets().as_ref())
    }

    /// The archive file of a profile in the app's data folder.
    pub fn path_for(data_dir: &Path, profile_id: &str) -> PathBuf {
        data_dir.join(format!(
            "archive-{}.sqlite",
            crate::tenant::profile::file_key(profile_id)
        ))
    }

    /// Open (creating and migrating as needed). WAL journal: readers are not blocked by a sync, and a
    /// killed writer leaves the last committed state.
    pub fn open(path: &Path) -> Result<Self, CoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::support::private::create_dir(dir).map_err(|e| {
                CoreError::internal(format!("could not create {}: {e}", dir.display()))
            })?;
        }
        lock::while_opening(path, || Self::open_unlocked(path))
    }

    fn open_unlocked(path: &Path) -> Result<Self, CoreError> {
        let mut db = Db::open(path).map_err(|e| {
            if is_busy(&e) {
                busy()
            } else {
                recover::damaged(path, &e.to_string())
            }
        })?;
        // Before anything reads: another process may be writing (a sync, the nightly job).
        db.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_err)?;
        // Names and e-mails: the user's alone (SQLite gives its -wal and -shm files the same mode).
        crate::support::private::restrict_file(path).map_err(|e| {
            CoreError::internal(format!("could not make {} private: {e}", path.display()))
        })?;
        // A damaged file is said to be damaged, with the way to keep what it holds; it is not
        // written to (a sync into it could lose more).
        match recover::integrity_problem(&db) {
            Some(recover::Problem::Busy) => return Err(busy()),
            Some(recover::Problem::Damaged(problem)) => {
                return Err(recover::damaged(path, &problem))
            }
            None => {}
        }
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        db.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_err)?;
        let version: i64 = db
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db_err)?;
        if version < 0 {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "The archive {} has no valid schema version ({version}): it was not written by Rollcall or is damaged.",
                    path.display()
                ),
                Some("Make a copy of the file first, then choose another archive or let Rollcall start a new one.".into()),
            ));
        }
        if version > SCHEMA_VERSION {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "The archive {} was written by a newer Rollcall (schema {version}).",
                    path.display()
                ),
                Some("Update Rollcall to read it.".into()),
            ));
        }
        if version < SCHEMA_VERSION {
            // Under the write lock, and the version read again inside it: two first runs on a new
            // archive do not both create the tables; the second finds them made.
            let tx = write_tx(&mut db)?;
            let current: i64 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(db_err)?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
                tx.execute_batch(sql).map_err(db_err)?;
                tx.pragma_update(None, "user_version", i as i64 + 1)
                    .map_err(db_err)?;
            }
            tx.commit().map_err(db_err)?;
        }
        Ok(Archive {
            store: Store::File(Mutex::new(db)),
            path: path.to_path_buf(),
            writable: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection for the statements of one call.
    fn db(&self) -> Result<Box<dyn Sql + '_>, CoreError> {
        Ok(match &self.store {
            Store::File(db) => Box::new(db::Held(db.lock().unwrap_or_else(|e| e.into_inner()))),
            Store::Server(engine) => Box::new(engine.conn()?),
        })
    }

    /// Run `f` in one write transaction: committed when it returns `Ok`, else rolled back.
    fn write<T>(&self, f: impl FnOnce(&dyn Sql) -> Result<T, CoreError>) -> Result<T, CoreError> {
        match &self.store {
            Store::File(db) => in_write_tx(&mut db.lock().unwrap_or_else(|e| e.into_inner()), f),
            Store::Server(engine) => {
                let tx = engine.begin()?;
                match f(&tx) {
                    Ok(v) => {
                        tx.commit()?;
                        Ok(v)
                    }
                    Err(e) => {
                        let _ = tx.rollback();
                        Err(e)
                    }
                }
            }
        }
    }

    /// A shared archive on a PostgreSQL server (12 or later): connected now, its tables made or
    /// migrated (one machine at a time), the same schema as the file.
    pub fn connect(
        address: &ServerAddress,
        password: Option<&rollcall_graph::Secret>,
    ) -> Result<Self, CoreError> {
        let engine = pg::PgEngine::connect(address, password)?;
        engine.migrate(&pg::migrations(MIGRATIONS))?;
        let writable = engine.may_write()?;
        Ok(Archive {
            path: PathBuf::from(&address.shown),
            store: Store::Server(engine),
            writable,
        })
    }

    /// Run a script on the shared database (the roles' SQL, as its owner); refused for a file.
    pub fn apply_sql(&self, script: &str) -> Result<(), CoreError> {
        match &self.store {
            Store::Server(engine) => engine.apply(script),
            Store::File(_) => Err(CoreError::new(
                ErrorCode::InvalidInput,
                "Roles are for a shared archive on PostgreSQL, not for a file.",
                Some("Pass --archive postgres://OWNER@HOST:PORT/DATABASE.".into()),
            )),
        }
    }

    /// Whether it is a shared database (several machines write: keys decide, no file lock).
    pub fn is_shared(&self) -> bool {
        matches!(self.store, Store::Server(_))
    }

    /// Close it now, waiting up to a second for a shared archive's connections to end.
    pub fn close(self) {
        if let Store::Server(engine) = self.store {
            engine.close();
        }
    }

    /// Whether this user may write (a shared archive's reader reads only).
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// `Ok` when this user may write; else what a reader is told before a sync or an import.
    pub fn check_writable(&self) -> Result<(), CoreError> {
        if self.writable {
            return Ok(());
        }
        let shown = self.path.display().to_string();
        let user = ServerAddress::parse(&shown)
            .map(|a| a.user)
            .unwrap_or_default();
        Err(CoreError::new(
            ErrorCode::PermissionMissing,
            format!("{user} may only read the shared archive {shown}."),
            Some("Syncs and imports need a writer's account (the nightly job's or the admin's): `rollcall archive roles` prints the SQL that makes one.".into()),
        ))
    }

    pub fn save_webinar(&self, w: &Webinar) -> Result<(), CoreError> {
        write_webinar(&*self.db()?, w)
    }

    /// The online meeting id and organizer id cached for a join URL.
    pub fn meeting(&self, join_url: &str) -> Result<Option<(String, String)>, CoreError> {
        self.db()?
            .row(
                "SELECT meeting_id, user_id FROM meetings WHERE join_url = ?1",
                p![join_url],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
    }

    pub fn save_meeting(
        &self,
        join_url: &str,
        meeting_id: &str,
        user_id: &str,
        host: &str,
    ) -> Result<(), CoreError> {
        self.db()?.run(
            "INSERT INTO meetings (join_url, meeting_id, user_id, host, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (join_url) DO UPDATE SET meeting_id = excluded.meeting_id, user_id = excluded.user_id, host = excluded.host, fetched_at = excluded.fetched_at",
            p![join_url, meeting_id, user_id, host, jiff::Timestamp::now().to_string()],
        )?;
        Ok(())
    }

    /// Whether a report is archived already (any version).
    pub fn has_report(&self, report_id: &str) -> Result<bool, CoreError> {
        Ok(self
            .db()?
            .row(
                "SELECT 1 FROM sessions WHERE report_id = ?1 LIMIT 1",
                p![report_id],
            )?
            .is_some())
    }

    /// Write a session in one transaction: new, unchanged, or a new version beside the old one.
    pub fn save_session(&self, join_url: &str, s: &Session) -> Result<Saved, CoreError> {
        self.write(|tx| write_session(tx, join_url, s))
    }

    /// Manual roster matches: attendee key → roster e-mail.
    pub fn roster_matches(&self) -> Result<std::collections::HashMap<String, String>, CoreError> {
        self.db()?
            .rows("SELECT attendee_key, email FROM roster_matches", p![])?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }

    pub fn remember_match(&self, attendee_key: &str, email: &str) -> Result<(), CoreError> {
        self.check_writable()?;
        self.db()?.run(
            "INSERT INTO roster_matches (attendee_key, email) VALUES (?1, ?2)
             ON CONFLICT (attendee_key) DO UPDATE SET email = excluded.email",
            p![attendee_key, email],
        )?;
        Ok(())
    }

    /// `PRAGMA integrity_check` says "ok".
    pub fn integrity_ok(&self) -> Result<bool, CoreError> {
        let Store::File(db) = &self.store else {
            // The server keeps its own integrity (checksums, WAL); there is no file to check.
            return Ok(true);
        };
        let r: String = db
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db_err)?;
        Ok(r == "ok")
    }

    /// A digest of everything archived (sessions, attendees, intervals; not fetch times), to compare
    /// two archives.
    pub fn digest(&self) -> Result<String, CoreError> {
        let db = self.db()?;
        let mut h = sha2::Sha256::new();
        for sql in [
            "SELECT report_id || '|' || version || '|' || join_url || '|' || start_at || '|' || content_hash FROM sessions ORDER BY report_id, version",
            "SELECT report_id || '|' || version || '|' || idx || '|' || key || '|' || seconds FROM attendees ORDER BY report_id, version, idx",
            "SELECT report_id || '|' || version || '|' || attendee_idx || '|' || seq || '|' || seconds FROM intervals ORDER BY report_id, version, attendee_idx, seq",
        ] {
            for r in db.rows(sql, p![])? {
                h.update(r.get::<String>(0)?);
                h.update(b"\n");
            }
        }
        Ok(format!("{:x}", h.finalize()))
    }

    /// Counts for summaries and tests: (sessions, attendees, intervals) of the latest versions.
    pub fn counts(&self) -> Result<(i64, i64, i64), CoreError> {
        let db = self.db()?;
        let one = |sql: &str| -> Result<i64, CoreError> {
            db.row(sql, p![])?
                .map(|r| r.get(0))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        Ok((
            one("SELECT COUNT(*) FROM sessions")?,
            one("SELECT COUNT(*) FROM attendees")?,
            one("SELECT COUNT(*) FROM intervals")?,
        ))
    }
}
