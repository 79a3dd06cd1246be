//! A real PostgreSQL server for the team archive's tests: its own cluster in a temporary folder
//! (`initdb`), TLS on with a certificate of a test CA made here (`openssl`), a random port on
//! 127.0.0.1, run as a non-root user (`postgres` when the tests run as root, as in CI), and stopped
//! and removed however the test ends (on drop, also during a panic).
//!
//! `npm test` installs Debian's `postgresql` package; the binaries are found in
//! `/usr/lib/postgresql/<version>/bin` (the highest version) or through `pg_config --bindir`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster. Dropping it stops the server and removes its folder.
pub struct PgCluster {
    pub port: u16,
    /// The test CA's certificate (PEM): what a client verifies the server with.
    pub ca_pem: Vec<u8>,
    /// A superuser role and database made for the tests, with its password.
    pub user: String,
    pub password: String,
    pub database: String,
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

fn bindir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, b)) = versions.pop() {
        return Some(b);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let b = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    b.join("initdb").exists().then_some(b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn ok(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgCluster {
    /// The server's tools, run as the cluster's owner; the clock is the real one (libfaketime
    /// shifts the tests' clock, not the server's timers).
    fn tool(&self, name: &str) -> Command {
        tool(&self.bin, name, self.as_postgres)
    }

    /// Start a cluster; `None` only where no PostgreSQL server is installed on a system the suite
    /// does not install it on (macOS, Windows): on Linux a missing server fails the test. Also
    /// `None` in the suite's shifted-clock runs (libfaketime's FAKETIME set): the server is a heavy
    /// check that runs once per `npm test`, in the run at today's date; the archive's SQL does not
    /// read the clock differently per backend, and the file backend runs at every instant.
    pub fn start() -> Option<PgCluster> {
        if std::env::var_os("FAKETIME").is_some() {
            eprintln!(
                "PostgreSQL tests run once, in the run at today's date (this one is shifted)"
            );
            return None;
        }
        let Some(bin) = bindir() else {
            if cfg!(target_os = "linux") {
                panic!(
                    "no PostgreSQL server found (npm test installs Debian's postgresql package)"
                );
            }
            eprintln!(
                "PostgreSQL server not installed here: the team-archive server tests need Linux"
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = base(as_postgres).join(format!("rollcall-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("data");
        // TLS: a CA and a server certificate for localhost and 127.0.0.1, made with this clock.
        let ssl = |args: &[&str]| {
            ok(
                "openssl",
                Command::new("openssl")
                    .args(args)
                    .current_dir(&dir)
                    .output(),
            )
        };
        let ca_name = format!("/CN=Rollcall test CA {}", uuid::Uuid::new_v4().simple());
        ssl(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "3650", "-subj", &ca_name,
        ]);
        ssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            dir.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .unwrap();
        ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "3650",
            "-extfile",
            "san.ext",
        ]);
        let ca_pem = std::fs::read(dir.join("ca.crt")).unwrap();
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        std::fs::write(dir.join("pwfile"), &password).unwrap();
        // The server's user owns its folder (again after root writes its configuration).
        let own = || {
            if as_postgres {
                ok(
                    "chown",
                    Command::new("chown")
                        .args(["-R", "postgres:postgres"])
                        .arg(&dir)
                        .output(),
                );
            }
        };
        own();
        let mut cluster = PgCluster {
            port: free_port(),
            ca_pem,
            user: "rollcall_admin".into(),
            password,
            database: "rollcall".into(),
            dir: dir.clone(),
            bin,
            as_postgres,
        };
        ok(
            "initdb",
            cluster
                .tool("initdb")
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "rollcall_admin",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ])
                .arg(format!("--pwfile={}", dir.join("pwfile").display()))
                .output(),
        );
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nfsync = off\n",
            cluster.port,
            dir.display(),
            dir.join("server.crt").display(),
            dir.join("server.key").display()
        );
        append(&data.join("postgresql.conf"), &conf);
        // TLS only, password (SCRAM) only: no trust, no plain TCP.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n",
        )
        .unwrap();
        own();
        ok(
            "chmod",
            Command::new("chmod")
                .arg("600")
                .arg(dir.join("server.key"))
                .output(),
        );
        // Started with the real clock and retried on a port taken in between.
        for attempt in 0..3 {
            let started = cluster
                .tool("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-l"])
                .arg(dir.join("server.log"))
                .args(["-o", &format!("-p {}", cluster.port), "-w", "start"])
                .output()
                .unwrap();
            if started.status.success() {
                break;
            }
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            assert!(
                attempt < 2 && log.contains("could not bind"),
                "pg_ctl start failed: {}\n{log}",
                String::from_utf8_lossy(&started.stderr)
            );
            cluster.port = free_port();
        }
        // Stopped however the test ends, a killed test too: a watchdog waits for this process to
        // go, then stops the server and removes its folder.
        let stop = format!(
            "{} {} -D '{}' -m immediate stop",
            if as_postgres {
                "runuser -u postgres --"
            } else {
                ""
            },
            cluster.bin.join("pg_ctl").display(),
            data.display()
        );
        // Its own session (setsid): a runner that kills the test's process group does not take it.
        let _ = Command::new("setsid")
            .args(["sh", "-c"])
            .arg(format!(
                "while kill -0 {} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{}'",
                std::process::id(),
                dir.display()
            ))
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let createdb = cluster
            .tool("createdb")
            .args(["-h"])
            .arg(&dir)
            .args([
                "-p",
                &cluster.port.to_string(),
                "-U",
                "rollcall_admin",
                "rollcall",
            ])
            .env("PGPASSWORD", &cluster.password)
            .output();
        ok("createdb", createdb);
        Some(cluster)
    }

    /// The test CA's certificate file (for `sslrootcert=`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The archive address of `database` as `user`, TLS verified with the test CA.
    pub fn address(&self, user: &str, database: &str) -> String {
        format!(
            "postgres://{user}@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
            self.port,
            self.ca_file().display()
        )
    }

    /// A new, empty database.
    pub fn create_database(&self, name: &str) {
        self.psql(&format!("CREATE DATABASE {name}"));
    }

    /// A libpq-style address of the test database (no password: it comes from elsewhere).
    pub fn url(&self) -> String {
        format!(
            "postgres://{}@127.0.0.1:{}/{}",
            self.user, self.port, self.database
        )
    }

    /// Run SQL as the cluster's superuser over its local socket, in the test database.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in(&self.database.clone(), sql)
    }

    /// Run SQL as the cluster's superuser in `database`.
    pub fn psql_in(&self, database: &str, sql: &str) -> String {
        let out = ok(
            "psql",
            self.tool("psql")
                .args(["-h"])
                .arg(&self.dir)
                .args([
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    &self.user,
                    "-d",
                    database,
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-At",
                    "-c",
                    sql,
                ])
                .env("PGPASSWORD", &self.password)
                .output(),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The server's log so far (for a failing assertion's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Whether the server still accepts connections on its port.
    pub fn listening(&self) -> bool {
        std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
    }
}

/// Where the cluster's folder goes: the temporary folder, unless the server's user cannot reach it
/// (a root-only /tmp), then a world-reachable one.
fn base(as_postgres: bool) -> PathBuf {
    let tmp = std::env::temp_dir();
    #[cfg(unix)]
    if as_postgres {
        use std::os::unix::fs::PermissionsExt;
        let reachable =
            |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o001 != 0);
        if !reachable(&tmp) {
            if let Some(p) = [Path::new("/var/tmp"), Path::new("/dev/shm")]
                .into_iter()
                .find(|p| reachable(p))
            {
                return p.to_path_buf();
            }
        }
    }
    tmp
}

fn tool(bin: &Path, name: &str, as_postgres: bool) -> Command {
    let mut c = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(name));
        c
    } else {
        Command::new(bin.join(name))
    };
    c.env_remove("LD_PRELOAD").env_remove("FAKETIME");
    c
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = tool(&self.bin, "pg_ctl", self.as_postgres)
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
