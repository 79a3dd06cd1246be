//! The archive's SQL, engine-neutral: values, rows, and one engine behind them (the SQLite file
//! today; the shared PostgreSQL database joins it here). Statements are written once, in the
//! dialect both engines read: `?N` placeholders, `ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING`.
//! What is engine-specific (opening, PRAGMAs, integrity, recovery) stays with the engine.

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};

use super::{db_err, write_tx, Db};
use crate::error::{CoreError, ErrorCode};

/// One parameter or column value.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for V {
    fn from(v: i64) -> Self {
        V::Int(v)
    }
}
impl From<u32> for V {
    fn from(v: u32) -> Self {
        V::Int(v.into())
    }
}
impl From<i32> for V {
    fn from(v: i32) -> Self {
        V::Int(v.into())
    }
}
impl From<usize> for V {
    fn from(v: usize) -> Self {
        V::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<&str> for V {
    fn from(v: &str) -> Self {
        V::Text(v.to_string())
    }
}
impl From<&String> for V {
    fn from(v: &String) -> Self {
        V::Text(v.clone())
    }
}
impl From<String> for V {
    fn from(v: String) -> Self {
        V::Text(v)
    }
}
impl<T: Into<V> + Clone> From<&Option<T>> for V {
    fn from(v: &Option<T>) -> Self {
        v.clone().map_or(V::Null, Into::into)
    }
}
impl<T: Into<V>> From<Option<T>> for V {
    fn from(v: Option<T>) -> Self {
        v.map_or(V::Null, Into::into)
    }
}

/// `p![a, b]`: a statement's parameters.
macro_rules! p {
    ($($x:expr),* $(,)?) => { vec![$($crate::archive::db::V::from($x)),*] };
}
pub(crate) use p;

impl rusqlite::ToSql for V {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            V::Null => ToSqlOutput::Owned(SqlValue::Null),
            V::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            V::Real(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
            V::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// A result row.
#[derive(Clone, Debug)]
pub struct Row(Vec<V>);

/// A column read as a Rust value; a type the column does not hold is the archive's error.
pub trait FromV: Sized {
    fn from_v(v: &V) -> Option<Self>;
}
impl FromV for i64 {
    fn from_v(v: &V) -> Option<Self> {
        match v {
            V::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromV for u32 {
    fn from_v(v: &V) -> Option<Self> {
        i64::from_v(v).and_then(|i| u32::try_from(i).ok())
    }
}
impl FromV for String {
    fn from_v(v: &V) -> Option<Self> {
        match v {
            V::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl<T: FromV> FromV for Option<T> {
    fn from_v(v: &V) -> Option<Self> {
        match v {
            V::Null => Some(None),
            other => T::from_v(other).map(Some),
        }
    }
}

impl Row {
    pub fn new(values: Vec<V>) -> Self {
        Row(values)
    }

    /// The row's values, in the query's column order.
    pub fn values(&self) -> &[V] {
        &self.0
    }

    pub fn into_values(self) -> Vec<V> {
        self.0
    }

    pub fn get<T: FromV>(&self, i: usize) -> Result<T, CoreError> {
        self.0.get(i).and_then(T::from_v).ok_or_else(|| {
            CoreError::new(
                ErrorCode::Internal,
                format!("The attendance archive holds an unexpected value in column {i}."),
                Some(
                    "Run `rollcall archive recover` to keep every session that can still be read."
                        .into(),
                ),
            )
        })
    }
}

fn row_of(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    (0..n)
        .map(|i| {
            Ok(match r.get_ref(i)? {
                ValueRef::Null => V::Null,
                ValueRef::Integer(x) => V::Int(x),
                ValueRef::Real(f) => V::Real(f),
                ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => V::Text(String::from_utf8_lossy(b).into_owned()),
            })
        })
        .collect::<rusqlite::Result<Vec<V>>>()
        .map(Row)
}

/// What runs statements: the archive's connection, or a transaction on it.
pub trait Sql {
    /// Run a statement; the rows it changed.
    fn run(&self, sql: &str, params: Vec<V>) -> Result<usize, CoreError>;
    /// Every row of a query.
    fn rows(&self, sql: &str, params: Vec<V>) -> Result<Vec<Row>, CoreError>;

    /// The first row, if any.
    fn row(&self, sql: &str, params: Vec<V>) -> Result<Option<Row>, CoreError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// Inside a write transaction: wait for other writers of `key` (one report, one ledger
    /// session) until they commit. The file has one writer at a time already.
    fn lock(&self, _key: &str) -> Result<(), CoreError> {
        Ok(())
    }
}

/// The file's connection held for a call, as a [`Sql`].
pub struct Held<'a>(pub std::sync::MutexGuard<'a, Db>);

impl Sql for Held<'_> {
    fn run(&self, sql: &str, params: Vec<V>) -> Result<usize, CoreError> {
        sqlite_execute(&self.0, sql, params)
    }
    fn rows(&self, sql: &str, params: Vec<V>) -> Result<Vec<Row>, CoreError> {
        sqlite_query(&self.0, sql, params)
    }
}

fn sqlite_execute(c: &rusqlite::Connection, sql: &str, params: Vec<V>) -> Result<usize, CoreError> {
    let mut q = c.prepare_cached(sql).map_err(db_err)?;
    q.execute(rusqlite::params_from_iter(params.iter()))
        .map_err(db_err)
}

fn sqlite_query(
    c: &rusqlite::Connection,
    sql: &str,
    params: Vec<V>,
) -> Result<Vec<Row>, CoreError> {
    let mut q = c.prepare_cached(sql).map_err(db_err)?;
    let n = q.column_count();
    let rows = q
        .query_map(rusqlite::params_from_iter(params.iter()), |r| row_of(r, n))
        .map_err(db_err)?;
    rows.collect::<Result<_, _>>().map_err(db_err)
}

impl Sql for rusqlite::Connection {
    fn run(&self, sql: &str, params: Vec<V>) -> Result<usize, CoreError> {
        sqlite_execute(self, sql, params)
    }
    fn rows(&self, sql: &str, params: Vec<V>) -> Result<Vec<Row>, CoreError> {
        sqlite_query(self, sql, params)
    }
}

impl Sql for rusqlite::Transaction<'_> {
    fn run(&self, sql: &str, params: Vec<V>) -> Result<usize, CoreError> {
        sqlite_execute(self, sql, params)
    }
    fn rows(&self, sql: &str, params: Vec<V>) -> Result<Vec<Row>, CoreError> {
        sqlite_query(self, sql, params)
    }
}

/// Rows into a table as few statements as it takes (multi-row VALUES, each under SQLite's 999
/// parameters): a session's attendees and intervals are a statement or two, not one per row — on
/// a server that is a round trip saved per row.
pub fn insert_rows(
    tx: &dyn Sql,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
) -> Result<(), CoreError> {
    let per = (900 / cols.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<V>> = rows.by_ref().take(per).collect();
        let mut params = Vec::with_capacity(chunk.len() * cols.len());
        let tuples: Vec<String> = chunk
            .into_iter()
            .map(|r| {
                let at = params.len();
                params.extend(r);
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{}", at + i)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        tx.run(
            &format!(
                "INSERT INTO {table} ({}) VALUES {}",
                cols.join(", "),
                tuples.join(", ")
            ),
            params,
        )?;
    }
    Ok(())
}

/// Run `f` in one write transaction (committed when it returns `Ok`, rolled back otherwise).
pub fn in_write_tx<T>(
    db: &mut Db,
    f: impl FnOnce(&dyn Sql) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    let tx = write_tx(db)?;
    let out = f(&tx)?;
    tx.commit().map_err(db_err)?;
    Ok(out)
}
