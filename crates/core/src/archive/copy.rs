//! Moving an archive: every table's rows from one archive into another, empty one (file ↔
//! shared database, in any direction), in one transaction on the target that commits only when
//! each table's count and checksum match the source's. It does not decide where a profile's
//! archive lives (the CLI and the app do), and it never changes the source.

use super::db::{insert_rows, p, Row, Sql, V};
use super::Archive;
use crate::error::{CoreError, ErrorCode};

/// Every table of the schema with its columns and key, in an order that keeps foreign keys whole
/// (sessions before their attendees). A test holds it to the migrations.
pub const TABLES: &[(&str, &[&str], &str)] = &[
    (
        "webinars",
        &[
            "id",
            "host",
            "subject",
            "start_at",
            "end_at",
            "series_id",
            "join_url",
            "organizer",
            "kind",
            "fetched_at",
        ],
        "id",
    ),
    (
        "meetings",
        &["join_url", "meeting_id", "user_id", "host", "fetched_at"],
        "join_url",
    ),
    (
        "sessions",
        &[
            "report_id",
            "version",
            "join_url",
            "start_at",
            "end_at",
            "scheduled_seconds",
            "participant_count",
            "content_hash",
            "fetched_at",
        ],
        "report_id, version",
    ),
    (
        "attendees",
        super::ATTENDEE_COLUMNS,
        "report_id, version, idx",
    ),
    (
        "intervals",
        super::INTERVAL_COLUMNS,
        "report_id, version, attendee_idx, seq",
    ),
    ("roster_matches", &["attendee_key", "email"], "attendee_key"),
    (
        "event_sessions",
        &[
            "webinar_id",
            "session_id",
            "version",
            "host",
            "subject",
            "start_at",
            "end_at",
            "content_hash",
            "fetched_at",
            "webinar_json",
            "ledger_json",
        ],
        "webinar_id, session_id, version",
    ),
    (
        "meeting_checks",
        &["join_url", "checked_at", "last_end", "reports"],
        "join_url",
    ),
    (
        "report_seen",
        &["report_id", "join_url", "first_seen", "absent_at"],
        "report_id",
    ),
    (
        "runs",
        &[
            "id",
            "started_at",
            "finished_at",
            "trigger",
            "from_at",
            "to_at",
            "hosts",
            "outcome",
            "error",
            "summary_json",
        ],
        "id",
    ),
    (
        "run_items",
        &[
            "run_id",
            "seq",
            "webinar",
            "start_at",
            "status",
            "reason",
            "request_id",
            "reports",
        ],
        "run_id, seq",
    ),
];

/// Rows read (and written) at a time: memory stays flat for a district's archive.
const PAGE: i64 = 2_000;

/// One table as both archives hold it after the copy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TableCheck {
    pub table: String,
    pub rows: u64,
    /// An order-free digest of every row's values (the engines sort text differently).
    pub checksum: String,
}

/// What `copy` made, verified.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Copied {
    pub from: String,
    pub to: String,
    pub tables: Vec<TableCheck>,
}

/// Count and checksum of a table; the checksum sums each row's SHA-256, so the order the engine
/// returns rows in does not matter, and 64-bit integers read the same from both engines.
#[derive(Default)]
struct Tally {
    rows: u64,
    sum: u128,
}

impl Tally {
    fn add(&mut self, row: &[V]) {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for v in row {
            match v {
                V::Null => h.update(b"N;"),
                V::Int(i) => h.update(format!("I{i};")),
                V::Real(f) => h.update(format!("R{};", f.to_bits())),
                V::Text(s) => h.update(format!("T{}:{s};", s.len())),
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
    }

    fn check(&self, table: &str) -> TableCheck {
        TableCheck {
            table: table.to_string(),
            rows: self.rows,
            checksum: format!("{:032x}", self.sum),
        }
    }
}

/// Every row of a table, a page at a time (the key orders the pages).
fn each_page(
    db: &dyn Sql,
    table: &str,
    cols: &[&str],
    key: &str,
    mut f: impl FnMut(Vec<Row>) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {key} LIMIT ?1 OFFSET ?2",
        cols.join(", ")
    );
    let mut offset = 0;
    loop {
        let page = db.rows(&sql, p![PAGE, offset])?;
        let n = page.len() as i64;
        if n > 0 {
            f(page)?;
        }
        if n < PAGE {
            return Ok(());
        }
        offset += n;
    }
}

/// The count and checksum of every table.
fn checks(db: &dyn Sql) -> Result<Vec<TableCheck>, CoreError> {
    TABLES
        .iter()
        .map(|(table, cols, key)| {
            let mut t = Tally::default();
            each_page(db, table, cols, key, |rows| {
                rows.iter().for_each(|r| t.add(r.values()));
                Ok(())
            })?;
            Ok(t.check(table))
        })
        .collect()
}

impl Archive {
    /// Each table's count and checksum, to compare two archives.
    pub fn table_checks(&self) -> Result<Vec<TableCheck>, CoreError> {
        checks(&*self.db()?)
    }

    /// Copy everything this archive holds into `to`, which must be empty: one transaction that
    /// commits only when every table's count and checksum match. The source is only read; a sync
    /// writing into it meanwhile makes the checks differ, and nothing is kept.
    pub fn copy_to(&self, to: &Archive) -> Result<Copied, CoreError> {
        if self.path == to.path {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("{} is both the source and the target.", self.path.display()),
                Some("Give --to another archive: a new file or an empty shared database.".into()),
            ));
        }
        let target = to.path.display().to_string();
        let tables = to.write(|tx| {
            for (table, _, _) in TABLES {
                let n: i64 = tx
                    .row(&format!("SELECT COUNT(*) FROM {table}"), p![])?
                    .map(|r| r.get(0))
                    .transpose()?
                    .unwrap_or_default();
                if n > 0 {
                    return Err(CoreError::new(
                        ErrorCode::InvalidInput,
                        format!("{target} is not empty: its table {table} holds {n} row(s)."),
                        Some("Copy into a new file or an empty database, so nothing there is mixed with this archive or overwritten.".into()),
                    ));
                }
            }
            let src = self.db()?;
            for (table, cols, key) in TABLES {
                each_page(&*src, table, cols, key, |rows| {
                    insert_rows(tx, table, cols, rows.into_iter().map(Row::into_values).collect())
                })?;
            }
            drop(src);
            if to.is_shared() {
                // Runs keep their numbers; the next run the server numbers follows the last one.
                tx.rows(
                    "SELECT setval(pg_get_serial_sequence('runs', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), COALESCE(MAX(id), 0) > 0) FROM runs",
                    p![],
                )?;
            }
            let copied = checks(tx)?;
            let source = checks(&*self.db()?)?;
            if let Some((s, c)) = source.iter().zip(&copied).find(|(s, c)| s != c) {
                return Err(CoreError::new(
                    ErrorCode::Unavailable,
                    format!(
                        "The copy of table {} does not match the source ({} rows there, {} copied): nothing was kept in {target}.",
                        s.table, s.rows, c.rows
                    ),
                    Some("The source changed while it was copied (a sync may have run). Try again when no sync runs; the source is unchanged.".into()),
                ));
            }
            Ok(copied)
        })?;
        Ok(Copied {
            from: self.path.display().to_string(),
            to: target,
            tables,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_list_is_the_whole_schema() {
        let path = std::env::temp_dir().join(format!(
            "rollcall-copy-schema-{}.sqlite",
            uuid::Uuid::new_v4()
        ));
        let a = Archive::open(&path).unwrap();
        let db = a.db().unwrap();
        let tables: Vec<String> = db
            .rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", p![])
            .unwrap()
            .iter()
            .map(|r| r.get(0).unwrap())
            .collect();
        let mut listed: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
        listed.sort_unstable();
        assert_eq!(tables, listed);
        for (table, cols, _) in TABLES {
            let have: Vec<String> = db
                .rows(
                    &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
                    p![],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0).unwrap())
                .collect();
            assert_eq!(have, cols.to_vec(), "{table}");
        }
        drop(db);
        drop(a);
        for end in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{end}", path.display()));
        }
    }

    #[test]
    fn checksums_ignore_row_order_and_see_every_value() {
        let rows = [
            vec![V::Text("a".into()), V::Int(1), V::Null],
            vec![V::Text("b".into()), V::Int(2), V::Text("x".into())],
        ];
        let (mut one, mut two, mut other) = (Tally::default(), Tally::default(), Tally::default());
        rows.iter().for_each(|r| one.add(r));
        rows.iter().rev().for_each(|r| two.add(r));
        other.add(&rows[0]);
        other.add(&[V::Text("b".into()), V::Int(2), V::Text("y".into())]);
        assert_eq!(one.check("t"), two.check("t"));
        assert_ne!(one.check("t"), other.check("t"));
        // A value moved between columns is a different row.
        let (mut a, mut b) = (Tally::default(), Tally::default());
        a.add(&[V::Text("ab".into()), V::Text("c".into())]);
        b.add(&[V::Text("a".into()), V::Text("bc".into())]);
        assert_ne!(a.check("t"), b.check("t"));
    }
}
