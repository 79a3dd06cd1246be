//! The archive on a shared PostgreSQL database (12 or later): the address
//! (`postgres://user@host:port/db?sslmode=…&sslrootcert=…`, never with its password), TLS verified
//! against the OS trust store beside the built-in roots (and a CA file the address names), a pool
//! of connections (deadpool-postgres over tokio-postgres), the same migrations as the file under an
//! advisory lock (one machine migrates, the others wait), and the server's errors in the user's
//! words (which server, and whether it was the name, the port, TLS or the password).
//!
//! The archive's API is synchronous (its SQLite file is): statements run as tasks of this engine's
//! own runtime and the caller waits for each answer, so it can be used from async code without
//! nesting runtimes. It does not know the archive's tables; `super` does.

use std::error::Error as _;
use std::sync::mpsc;
use std::sync::Arc;

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type};

use super::db::{Row, Sql, V};
use crate::error::{CoreError, ErrorCode};

/// Where a shared archive is, as the user gave it (the password apart).
#[derive(Clone, Debug)]
pub struct ServerAddress {
    /// `postgres://user@host:port/db` (what is shown, saved and logged).
    pub shown: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
    /// `sslmode=disable`: plain TCP (refused unless asked for).
    pub tls: bool,
    /// `sslrootcert=FILE`: a CA to trust beside the system's (a school's own CA).
    pub root_cert: Option<std::path::PathBuf>,
}

fn bad_address(why: &str) -> CoreError {
    CoreError::new(
        ErrorCode::InvalidInput,
        format!("That is not a shared archive's address: {why}."),
        Some("Write it as postgres://USER@HOST:PORT/DATABASE (the password goes in the keychain, never in the address).".into()),
    )
}

impl ServerAddress {
    /// Whether `s` names a server rather than a file.
    pub fn is_address(s: &str) -> bool {
        s.starts_with("postgres://") || s.starts_with("postgresql://")
    }

    pub fn parse(s: &str) -> Result<Self, CoreError> {
        let u = url::Url::parse(s.trim()).map_err(|e| bad_address(&e.to_string()))?;
        if !matches!(u.scheme(), "postgres" | "postgresql") {
            return Err(bad_address("it does not start with postgres://"));
        }
        if u.password().is_some() {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "The address contains a password: Rollcall keeps passwords in the keychain, never in an address that is saved or logged.",
                Some("Remove the password from the address; Rollcall asks for it once and keeps it in the keychain.".into()),
            ));
        }
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad_address("it has no server name"))?;
        let user = Some(u.username())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad_address("it has no user name before the @"))?;
        let database = u.path().trim_start_matches('/');
        if database.is_empty() {
            return Err(bad_address("it has no database name after the port"));
        }
        let mut tls = true;
        let mut root_cert = None;
        for (k, v) in u.query_pairs() {
            match (k.as_ref(), v.as_ref()) {
                ("sslmode", "disable") => tls = false,
                // libpq's allow/prefer fall back to plain TCP; Rollcall does not: they mean TLS.
                ("sslmode", "allow" | "prefer" | "require" | "verify-ca" | "verify-full") => {
                    tls = true
                }
                ("sslmode", other) => {
                    return Err(bad_address(&format!(
                        "sslmode={other} is not one PostgreSQL knows"
                    )))
                }
                ("sslrootcert", f) => root_cert = Some(std::path::PathBuf::from(f)),
                (other, _) => {
                    return Err(bad_address(&format!(
                        "the option {other} is not one Rollcall reads (sslmode, sslrootcert)"
                    )))
                }
            }
        }
        let port = u.port().unwrap_or(5432);
        Ok(ServerAddress {
            shown: format!("postgres://{user}@{host}:{port}/{database}"),
            host: host.trim_matches(['[', ']']).to_string(),
            port,
            user: percent(user),
            database: percent(database),
            tls,
            root_cert,
        })
    }

    /// The keychain entry of this address's password (one per user, server and database).
    pub fn secret_key(&self) -> String {
        format!("archive:{}", self.shown)
    }

    /// What a saved password is bound to: this exact user, server and database (a digest, as a
    /// profile's binding is).
    pub fn binding(&self) -> String {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(self.shown.as_bytes()))
    }
}

fn percent(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// TLS for the archive's server: the OS trust store beside the built-in roots, and the address's
/// own CA file when it names one.
fn tls_config(a: &ServerAddress) -> Result<rustls::ClientConfig, CoreError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for c in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(c);
    }
    if let Some(file) = &a.root_cert {
        use rustls::pki_types::pem::PemObject;
        let pem = std::fs::read(file).map_err(|e| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "The CA file {} (sslrootcert) cannot be read: {e}.",
                    file.display()
                ),
                None,
            )
        })?;
        for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
            let c = c.map_err(|e| {
                CoreError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "The CA file {} is not PEM certificates: {e}.",
                        file.display()
                    ),
                    None,
                )
            })?;
            roots.add(c).map_err(|e| {
                CoreError::new(
                    ErrorCode::InvalidInput,
                    format!("A certificate in {} is not usable: {e}.", file.display()),
                    None,
                )
            })?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| CoreError::internal(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// A server's error in the user's words: which server, and what to do.
pub fn explain(a: &ServerAddress, e: &tokio_postgres::Error) -> CoreError {
    let server = format!("{}:{}", a.host, a.port);
    let mut cause = String::new();
    let mut src = e.source();
    while let Some(s) = src {
        cause.push_str(&format!(" {s}"));
        src = s.source();
    }
    let all = format!("{e}{cause}");
    if let Some(db) = e.as_db_error() {
        use tokio_postgres::error::SqlState;
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION && all.contains("password")
        {
            return CoreError::new(
                ErrorCode::InvalidSecret,
                format!(
                    "The archive server {server} refused the password of {}.",
                    a.user
                ),
                Some("Enter the database password again (it is kept in the keychain).".into()),
            );
        }
        if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            return CoreError::new(ErrorCode::PermissionMissing, format!("The archive server {server} does not let {} in: {}.", a.user, db.message()), Some("Ask the database administrator to allow this user from this computer over TLS (pg_hba.conf).".into()));
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return CoreError::new(ErrorCode::PermissionMissing, format!("{} may only read the shared archive ({}).", a.user, db.message()), Some("Syncs and imports need a writer's account: `rollcall archive roles` prints the SQL that makes one.".into()));
        }
        if *code == SqlState::INVALID_CATALOG_NAME {
            return CoreError::new(
                ErrorCode::NotFound,
                format!(
                    "The archive server {server} has no database {}.",
                    a.database
                ),
                Some("Check the database name, or create it (CREATE DATABASE).".into()),
            );
        }
        return CoreError::new(
            ErrorCode::Internal,
            format!(
                "The archive server {server} answered: {} ({}).",
                db.message(),
                code.code()
            ),
            None,
        );
    }
    let lower = all.to_lowercase();
    if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
        || lower.contains("nodename nor servname")
    {
        return CoreError::new(ErrorCode::Network, format!("The archive server's name {} cannot be found (DNS).", a.host), Some("Check the server name in the archive's address, and that this computer is on the school's network or VPN.".into()));
    }
    if lower.contains("password missing") {
        return CoreError::new(ErrorCode::InvalidSecret, format!("The archive server {server} asks for the password of {}, and none is saved on this computer.", a.user), Some(format!("Save it: `rollcall archive password --archive {}` (or Settings → Archive in the app).", a.shown)));
    }
    if lower.contains("connection refused") {
        return CoreError::new(ErrorCode::Network, format!("Nothing answers on {server}: the connection was refused."), Some("Check the port, and that PostgreSQL is running and listens on the network (listen_addresses). Nothing was lost: the next sync catches up.".into()));
    }
    if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("unknownissuer")
        || lower.contains("ssl")
    {
        return CoreError::new(ErrorCode::Network, format!("The archive server {server}'s TLS certificate is not trusted: {}.", all.trim()), Some("Install the server's CA in the system's trust store, or name it in the address (?sslrootcert=FILE). A proxy that inspects TLS does not apply to PostgreSQL.".into()));
    }
    if lower.contains("timed out") || lower.contains("timeout") {
        return CoreError::new(ErrorCode::Network, format!("The archive server {server} did not answer in time."), Some("Check the network (a firewall may drop port 5432). Nothing was lost: the next sync catches up.".into()));
    }
    CoreError::new(
        ErrorCode::Network,
        format!(
            "The archive server {server} could not be used: {}.",
            all.trim()
        ),
        Some("Nothing was lost: the next sync catches up.".into()),
    )
}

impl ToSql for V {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            V::Null => Ok(IsNull::Yes),
            V::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            V::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            V::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    tokio_postgres::types::to_sql_checked!();
}

fn row_of(r: &tokio_postgres::Row) -> Row {
    /// Column `i` as `T`, `NULL` (or a value that does not read as `T`) as `None`.
    fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
        r: &'a tokio_postgres::Row,
        i: usize,
    ) -> Option<T> {
        r.try_get::<_, Option<T>>(i).ok().flatten()
    }
    let v = (0..r.len())
        .map(|i| {
            let int = |x: Option<i64>| x.map_or(V::Null, V::Int);
            let real = |x: Option<f64>| x.map_or(V::Null, V::Real);
            match *r.columns()[i].type_() {
                Type::INT2 => int(col::<i16>(r, i).map(i64::from)),
                Type::INT4 => int(col::<i32>(r, i).map(i64::from)),
                Type::INT8 => int(col::<i64>(r, i)),
                Type::FLOAT4 => real(col::<f32>(r, i).map(f64::from)),
                Type::FLOAT8 => real(col::<f64>(r, i)),
                Type::BOOL => int(col::<bool>(r, i).map(i64::from)),
                _ => col::<String>(r, i).map_or(V::Null, V::Text),
            }
        })
        .collect();
    Row::new(v)
}

/// `?1` … → `$1` …: the archive's statements are written once with SQLite's numbered placeholders.
fn dialect(sql: &str) -> String {
    sql.replace('?', "$")
}

/// The engine: a pool of connections driven by a runtime of its own; each statement is a task on
/// it, so transactions on different connections proceed at once (a writer waiting for another's
/// lock does not hold up the statement that releases it).
pub struct PgEngine {
    pub address: ServerAddress,
    rt: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: deadpool_postgres::Pool,
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        // Allowed from async code too, where dropping a runtime that blocks is not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine")
            .field("address", &self.address.shown)
            .finish_non_exhaustive()
    }
}

impl PgEngine {
    /// Connect (one connection is made and checked now, so a wrong address or password is said
    /// here) and keep a pool of up to 4.
    pub fn connect(
        a: &ServerAddress,
        password: Option<&rollcall_graph::Secret>,
    ) -> Result<Self, CoreError> {
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(&a.host)
            .port(a.port)
            .user(&a.user)
            .dbname(&a.database)
            .application_name("Rollcall")
            .connect_timeout(std::time::Duration::from_secs(10));
        if let Some(p) = password {
            cfg.password(p.expose());
        }
        let manager_cfg = deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        };
        let manager = if a.tls {
            cfg.ssl_mode(tokio_postgres::config::SslMode::Require);
            deadpool_postgres::Manager::from_config(
                cfg,
                tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(a)?),
                manager_cfg,
            )
        } else {
            cfg.ssl_mode(tokio_postgres::config::SslMode::Disable);
            deadpool_postgres::Manager::from_config(cfg, tokio_postgres::NoTls, manager_cfg)
        };
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(4)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| CoreError::internal(format!("the archive's connection pool: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rollcall-archive-pg")
            .enable_all()
            .build()
            .map_err(|e| CoreError::internal(format!("the archive's runtime: {e}")))?;
        let engine = PgEngine {
            address: a.clone(),
            handle: rt.handle().clone(),
            rt: Some(rt),
            pool,
        };
        // Say now, in the user's words, when the server cannot be reached or refuses.
        engine.conn()?.rows("SELECT 1", vec![])?;
        Ok(engine)
    }

    /// End the connections and stop the runtime's threads (outside any async context).
    pub fn close(mut self) {
        self.pool.close();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
        }
    }

    /// Run `fut` as a task of the engine's runtime and wait for its answer.
    fn call<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T, CoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .map_err(|_| CoreError::internal("the archive's runtime has stopped"))
    }

    fn client(&self) -> Result<Arc<deadpool_postgres::Object>, CoreError> {
        let pool = self.pool.clone();
        let a = self.address.clone();
        self.call(async move { pool.get().await })?
            .map(Arc::new)
            .map_err(|e| match e {
                deadpool_postgres::PoolError::Backend(e) => explain(&a, &e),
                other => CoreError::new(
                    ErrorCode::Network,
                    format!(
                        "The archive server {}:{} could not be reached: {other}.",
                        a.host, a.port
                    ),
                    Some("Nothing was lost: the next sync catches up.".into()),
                ),
            })
    }

    /// A connection of the pool for one statement at a time.
    pub fn conn(&self) -> Result<PgConn<'_>, CoreError> {
        Ok(PgConn {
            engine: self,
            client: self.client()?,
        })
    }

    /// A transaction on a connection of its own (readers on other connections are not blocked).
    pub fn begin(&self) -> Result<PgConn<'_>, CoreError> {
        let c = self.conn()?;
        c.batch("BEGIN")?;
        Ok(c)
    }

    /// Apply the archive's migrations, one machine at a time (a session-level advisory lock: the
    /// others wait, then find the tables made).
    pub fn migrate(&self, migrations: &[String]) -> Result<i64, CoreError> {
        let c = self.conn()?;
        // Up to date already: nothing to lock or create (a reader may not create anything).
        let made = c
            .row("SELECT to_regclass('rollcall_schema') IS NOT NULL", vec![])?
            .map(|r| r.get::<i64>(0))
            .transpose()?
            .unwrap_or(0)
            == 1;
        if made {
            let current: i64 = c
                .row("SELECT version FROM rollcall_schema", vec![])?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0);
            if current == migrations.len() as i64 {
                return Ok(current);
            }
        }
        c.batch("SELECT pg_advisory_lock(724117)")?;
        let result = (|| {
            c.batch("CREATE TABLE IF NOT EXISTS rollcall_schema (version BIGINT NOT NULL); INSERT INTO rollcall_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM rollcall_schema)")?;
            let current: i64 = c
                .row("SELECT version FROM rollcall_schema", vec![])?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0);
            if current > migrations.len() as i64 {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "The shared archive {} was written by a newer Rollcall (schema {current}).",
                        self.address.shown
                    ),
                    Some("Update Rollcall on this computer to use it.".into()),
                ));
            }
            for (i, sql) in migrations.iter().enumerate().skip(current.max(0) as usize) {
                c.batch("BEGIN")?;
                let step = c.batch(sql).and_then(|_| {
                    c.run(
                        "UPDATE rollcall_schema SET version = ?1",
                        vec![V::Int(i as i64 + 1)],
                    )
                    .map(|_| ())
                });
                match step {
                    Ok(()) => c.batch("COMMIT")?,
                    Err(e) => {
                        let _ = c.batch("ROLLBACK");
                        return Err(e);
                    }
                }
            }
            Ok(migrations.len() as i64)
        })();
        let _ = c.batch("SELECT pg_advisory_unlock(724117)");
        result
    }
}

/// One pooled connection (in a transaction after [`PgEngine::begin`]).
pub struct PgConn<'a> {
    engine: &'a PgEngine,
    client: Arc<deadpool_postgres::Object>,
}

impl PgConn<'_> {
    pub fn batch(&self, sql: &str) -> Result<(), CoreError> {
        let (c, sql, a) = (
            self.client.clone(),
            sql.to_string(),
            self.engine.address.clone(),
        );
        self.engine
            .call(async move { c.batch_execute(&sql).await.map_err(|e| explain(&a, &e)) })?
    }
    pub fn commit(self) -> Result<(), CoreError> {
        self.batch("COMMIT")
    }
    pub fn rollback(self) -> Result<(), CoreError> {
        self.batch("ROLLBACK")
    }
}

impl Sql for PgConn<'_> {
    fn run(&self, sql: &str, params: Vec<V>) -> Result<usize, CoreError> {
        let (c, sql, a) = (
            self.client.clone(),
            dialect(sql),
            self.engine.address.clone(),
        );
        self.engine.call(async move {
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            c.execute(&sql, &refs)
                .await
                .map(|n| n as usize)
                .map_err(|e| explain(&a, &e))
        })?
    }
    fn rows(&self, sql: &str, params: Vec<V>) -> Result<Vec<Row>, CoreError> {
        let (c, sql, a) = (
            self.client.clone(),
            dialect(sql),
            self.engine.address.clone(),
        );
        self.engine.call(async move {
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            c.query(&sql, &refs)
                .await
                .map(|rows| rows.iter().map(row_of).collect())
                .map_err(|e| explain(&a, &e))
        })?
    }
    /// Writers of the same report (or ledger session) wait for each other inside their
    /// transactions: the second then finds the first's rows, so each report is stored once.
    fn lock(&self, key: &str) -> Result<(), CoreError> {
        self.rows(
            "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
            vec![V::Text(key.to_string())],
        )
        .map(|_| ())
    }
}

/// The SQL that makes the shared archive's least-privilege roles: a writer (the nightly job, the
/// admin: reads and adds rows, never drops or alters) and a reader (curators: reads only), for the
/// archive's tables in `database`'s `public` schema, present and future. Passwords are set apart
/// (`\password NAME` in psql), never written here.
pub fn roles_sql(database: &str, writer: &str, reader: &str) -> String {
    let q = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let (db, w, r) = (q(database), q(writer), q(reader));
    format!(
        "-- Rollcall's shared archive: least-privilege roles (run as the database's owner).
-- Then set each password with \\password in psql, and give each machine its address:
--   writer: postgres://{writer}@HOST:5432/{database}   reader: postgres://{reader}@HOST:5432/{database}
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{wl}') THEN CREATE ROLE {w} LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{rl}') THEN CREATE ROLE {r} LOGIN; END IF;
END $$;
REVOKE ALL ON DATABASE {db} FROM PUBLIC;
GRANT CONNECT ON DATABASE {db} TO {w}, {r};
GRANT USAGE ON SCHEMA public TO {w}, {r};
-- The writer adds and updates rows (a newer report is a new version) and creates the tables on first use.
GRANT CREATE ON SCHEMA public TO {w};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {w};
-- UPDATE on the run numbers' sequence: `archive copy` continues the numbering after the copied runs.
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {w};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {r};
-- Tables the writer creates later (a newer Rollcall's migrations) follow the same rules.
ALTER DEFAULT PRIVILEGES FOR ROLE {w} IN SCHEMA public GRANT SELECT ON TABLES TO {r};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {w};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {w};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {r};
",
        wl = writer.replace('\'', "''"),
        rl = reader.replace('\'', "''"),
    )
}

impl PgEngine {
    /// Whether the signed-in role may add rows (a reader's may not): asked once, at connect.
    pub fn may_write(&self) -> Result<bool, CoreError> {
        let r = self.conn()?.row(
            "SELECT CAST(CASE WHEN has_table_privilege(current_user, 'sessions', 'INSERT') THEN 1 ELSE 0 END AS BIGINT)",
            vec![],
        )?;
        Ok(r.map(|r| r.get::<i64>(0)).transpose()?.unwrap_or(0) == 1)
    }

    /// Run a script (`rollcall archive roles --apply`, as the database's owner).
    pub fn apply(&self, script: &str) -> Result<(), CoreError> {
        self.conn()?.batch(script)
    }
}

/// The file's migrations in PostgreSQL's words: 64-bit integers, an identity column for runs.
pub fn migrations(sqlite: &[&str]) -> Vec<String> {
    sqlite
        .iter()
        .map(|m| {
            m.replace(
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            )
            .replace("INTEGER", "BIGINT")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_libpq_writes_them_and_never_carry_a_password() {
        let a = ServerAddress::parse(
            "postgres://rollcall_writer@db.school.example:6432/attendance?sslmode=verify-full",
        )
        .unwrap();
        assert_eq!(
            a.shown,
            "postgres://rollcall_writer@db.school.example:6432/attendance"
        );
        assert_eq!(
            (
                a.host.as_str(),
                a.port,
                a.user.as_str(),
                a.database.as_str(),
                a.tls
            ),
            (
                "db.school.example",
                6432,
                "rollcall_writer",
                "attendance",
                true
            )
        );
        assert_eq!(
            ServerAddress::parse("postgresql://u@h/d").unwrap().port,
            5432
        );
        assert!(
            !ServerAddress::parse("postgres://u@h/d?sslmode=disable")
                .unwrap()
                .tls
        );
        let e = ServerAddress::parse("postgres://u:secret@h/d").unwrap_err();
        assert!(
            e.message.contains("password") && !e.message.contains("secret"),
            "{e:?}"
        );
        for bad in [
            "postgres://h/d",
            "postgres://u@h",
            "postgres://u@/d",
            "mysql://u@h/d",
            "postgres://u@h/d?sslmode=maybe",
            "postgres://u@h/d?target=x",
        ] {
            assert_eq!(
                ServerAddress::parse(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
        assert!(
            ServerAddress::is_address("postgres://u@h/d")
                && !ServerAddress::is_address("/home/a/archive.sqlite")
        );
    }

    #[test]
    fn placeholders_and_types_follow_postgresql() {
        assert_eq!(
            dialect("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        let m = migrations(&[
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)",
        ]);
        assert_eq!(m[0], "CREATE TABLE runs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL)");
    }
}
