#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shared archive on a real PostgreSQL server (tests/common/pg.rs): the same sync into the file
//! and into the server store the same rows; two syncs at once from two "machines" store each
//! report once; a migration raced by two of them runs once; a reader cannot write; a server that is
//! away, a wrong password or an untrusted certificate is said in the user's words.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rollcall_core::archive::{sync, Archive, ServerAddress};
use rollcall_core::ErrorCode;
use rollcall_graph::Secret;

mod common;
use common::pg::PgCluster;

fn window() -> (Timestamp, Timestamp) {
    let now = Timestamp::now();
    (now - SignedDuration::from_hours(24 * 60), now)
}

async fn sync_into(
    conn: &rollcall_core::tenant::connection::Connection,
    arch: Arc<Archive>,
    hosts: &[String],
) -> sync::SyncSummary {
    let (from, to) = window();
    sync::sync(conn, arch, hosts, from, to, |_| {}, std::future::pending())
        .await
        .unwrap()
}

fn connect(
    pg: &PgCluster,
    user: &str,
    password: &str,
    db: &str,
) -> Result<Archive, rollcall_core::CoreError> {
    Archive::connect(
        &ServerAddress::parse(&pg.address(user, db)).unwrap(),
        Some(&Secret::new(password.to_string())),
    )
}

#[tokio::test]
async fn two_syncs_at_once_into_the_server_store_what_one_sync_into_the_file_stores() {
    let Some(pg) = PgCluster::start() else { return };
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    let hosts = emu.info.hosts.clone();

    let file =
        std::env::temp_dir().join(format!("rollcall-pg-file-{}.sqlite", uuid::Uuid::new_v4()));
    let local = Arc::new(Archive::open(&file).unwrap());
    sync_into(&conn, local.clone(), &hosts).await;

    // Two machines: two processes' worth of everything — a thread and runtime each, their own
    // Graph connection and their own archive connection — syncing the same period at once.
    let machine = |pg_addr: String, pw: String| {
        let (info, hosts) = (emu.info.clone(), hosts.clone());
        tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let conn = rollcall_core::tenant::connection::Connection::application(
                    rollcall_graph::Endpoints {
                        authority: info.authority.clone(),
                        graph: info.graph.clone(),
                    },
                    &info.tenant_id,
                    &info.client_id,
                    Secret::new(info.client_secret.clone()),
                    hosts.clone(),
                )
                .unwrap();
                let arch = Arc::new(
                    Archive::connect(
                        &ServerAddress::parse(&pg_addr).unwrap(),
                        Some(&Secret::new(pw)),
                    )
                    .unwrap(),
                );
                sync_into(&conn, arch, &hosts).await
            })
        })
    };
    let addr = pg.address(&pg.user, &pg.database);
    let (ra, rb) = tokio::join!(
        machine(addr.clone(), pg.password.clone()),
        machine(addr.clone(), pg.password.clone())
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let (a, b) = (
        Arc::new(connect(&pg, &pg.user, &pg.password, &pg.database).unwrap()),
        Arc::new(connect(&pg, &pg.user, &pg.password, &pg.database).unwrap()),
    );
    assert!(a.is_shared());
    assert!(
        ra.failed.is_empty() && rb.failed.is_empty(),
        "{ra:?} {rb:?}"
    );
    assert_eq!(
        a.counts().unwrap(),
        local.counts().unwrap(),
        "each report once"
    );
    assert_eq!(
        a.digest().unwrap(),
        local.digest().unwrap(),
        "the same rows as the file"
    );
    // Read back through the other machine's connection.
    let (from, to) = window();
    let from_server = b
        .range(&hosts, &from.to_string(), &to.to_string(), 0.8)
        .unwrap();
    let from_file = local
        .range(&hosts, &from.to_string(), &to.to_string(), 0.8)
        .unwrap();
    assert_eq!(from_server.len(), from_file.len());
    assert!(!from_server.is_empty());
    // The history of runs: both recorded.
    assert_eq!(a.runs(10).unwrap().len(), 2);
    std::fs::remove_file(file).ok();
}

#[tokio::test]
async fn a_file_moves_to_the_server_and_back_row_for_row() {
    let Some(pg) = PgCluster::start() else { return };
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    let hosts = emu.info.hosts.clone();
    let temp = |what: &str| {
        std::env::temp_dir().join(format!(
            "rollcall-pg-{what}-{}.sqlite",
            uuid::Uuid::new_v4()
        ))
    };
    let (file, back) = (temp("source"), temp("back"));
    let local = Arc::new(Archive::open(&file).unwrap());
    sync_into(&conn, local.clone(), &hosts).await;
    local
        .remember_match("attendee-key", "pupil@school.example")
        .unwrap();

    pg.create_database("moved");
    let server = connect(&pg, &pg.user, &pg.password, "moved").unwrap();
    let there = local.copy_to(&server).unwrap();
    let returned = Archive::open(&back).unwrap();
    let again = server.copy_to(&returned).unwrap();
    let source = local.table_checks().unwrap();
    assert_eq!(
        there.tables, source,
        "file → server: every table, row for row"
    );
    assert_eq!(again.tables, source, "server → file: the same again");
    assert_eq!(returned.table_checks().unwrap(), source);
    for t in [
        "sessions",
        "attendees",
        "intervals",
        "runs",
        "meeting_checks",
        "report_seen",
        "webinars",
    ] {
        assert!(
            source.iter().any(|c| c.table == t && c.rows > 0),
            "the sync filled {t}: {source:?}"
        );
    }
    assert_eq!(server.digest().unwrap(), local.digest().unwrap());

    // The server numbers the next run after the copied ones.
    let last = server.runs(1).unwrap()[0].id;
    let mut run = server.runs(1).unwrap().remove(0);
    run.items.clear();
    assert_eq!(server.record_run(&run).unwrap(), last + 1);

    // A target that holds anything is refused, and keeps what it holds.
    let before = server.table_checks().unwrap();
    let e = local.copy_to(&server).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    assert!(e.message.contains("is not empty"), "{e:?}");
    assert_eq!(server.table_checks().unwrap(), before);
    for f in [file, back] {
        std::fs::remove_file(f).ok();
    }
}

#[test]
fn a_migration_raced_by_two_machines_runs_once() {
    let Some(pg) = PgCluster::start() else { return };
    pg.create_database("fresh");
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (addr, pw) = (pg.address(&pg.user, "fresh"), pg.password.clone());
            std::thread::spawn(move || {
                Archive::connect(
                    &ServerAddress::parse(&addr).unwrap(),
                    Some(&Secret::new(pw)),
                )
                .map(|_| ())
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let out = pg.psql_in("fresh", "SELECT version FROM rollcall_schema");
    assert_eq!(out, rollcall_core::archive::SCHEMA_VERSION.to_string());
}

#[tokio::test]
async fn a_reader_reads_and_cannot_write() {
    let Some(pg) = PgCluster::start() else { return };
    let writer = connect(&pg, &pg.user, &pg.password, &pg.database).unwrap();
    drop(writer);
    pg.psql("CREATE ROLE curator LOGIN PASSWORD 'curator-pw'; GRANT CONNECT ON DATABASE rollcall TO curator; GRANT USAGE ON SCHEMA public TO curator; GRANT SELECT ON ALL TABLES IN SCHEMA public TO curator");
    let reader = connect(&pg, "curator", "curator-pw", &pg.database).unwrap();
    assert_eq!(reader.counts().unwrap(), (0, 0, 0));
    assert!(!reader.writable());
    let e = reader.remember_match("someone", "a@b.example").unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionMissing, "{e:?}");
    assert!(e.message.contains("curator may only read"), "{e:?}");
    // A writer whose grant is taken away while the app runs: the server refuses, in words.
    pg.psql("CREATE ROLE fading LOGIN PASSWORD 'fading-pw'; GRANT CONNECT ON DATABASE rollcall TO fading; GRANT USAGE ON SCHEMA public TO fading; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO fading");
    let fading = connect(&pg, "fading", "fading-pw", &pg.database).unwrap();
    assert!(fading.writable());
    pg.psql("REVOKE INSERT, UPDATE ON ALL TABLES IN SCHEMA public FROM fading");
    let e = fading.remember_match("someone", "a@b.example").unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionMissing, "{e:?}");
    assert!(e.message.contains("fading may only read"), "{e:?}");
}

#[test]
fn a_server_away_a_wrong_password_and_an_untrusted_certificate_are_told_apart() {
    let Some(pg) = PgCluster::start() else { return };
    let e = connect(&pg, &pg.user, "wrong", &pg.database).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSecret, "{e:?}");
    assert!(
        e.message.contains("refused the password of rollcall_admin"),
        "{e:?}"
    );

    // Nothing listens on that port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = ServerAddress::parse(&format!("postgres://u@127.0.0.1:{closed}/d")).unwrap();
    let e = Archive::connect(&addr, None).unwrap_err();
    assert!(
        e.message
            .contains(&format!("Nothing answers on 127.0.0.1:{closed}")),
        "{e:?}"
    );

    // A name that does not resolve (RFC 2606 reserves .invalid).
    let addr = ServerAddress::parse("postgres://u@archive.rollcall.invalid/d").unwrap();
    let e = Archive::connect(&addr, None).unwrap_err();
    assert!(e.message.contains("cannot be found (DNS)"), "{e:?}");

    // The server's certificate is from a CA nobody trusts here.
    let addr = ServerAddress::parse(&format!(
        "postgres://{}@localhost:{}/{}",
        pg.user, pg.port, pg.database
    ))
    .unwrap();
    let e = Archive::connect(&addr, Some(&Secret::new(pg.password.clone()))).unwrap_err();
    assert!(
        e.message.contains("TLS certificate is not trusted"),
        "{e:?}"
    );
}

/// What the app's Settings → Archive does: "Move this archive to a shared database…" copies the
/// profile's file into the empty database and points the profile at it; a wrong password changes
/// nothing; a second move into the same database is refused; joining it works; back to the file.
#[tokio::test]
async fn a_profile_moves_its_archive_to_the_server_joins_it_and_goes_back() {
    use rollcall_core::archive::location::{self, Location};
    use rollcall_core::tenant::connections::Connections;
    use rollcall_core::tenant::profile::Profiles;
    use rollcall_core::tenant::secrets::{MemorySecrets, SecretStore};
    let Some(pg) = PgCluster::start() else { return };
    let emu = common::emulator(&[]).await;
    let hosts = emu.info.hosts.clone();
    let data = std::env::temp_dir().join(format!("rollcall-pg-move-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    let mut p = common::delegated_profile(&emu, &hosts);
    p.mode = rollcall_core::tenant::profile::AuthMode::Application;
    let store: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let conns = Connections::new(Profiles::in_dir(&data), store.clone());
    conns
        .save(p.clone(), Some(Secret::new(emu.info.client_secret.clone())))
        .unwrap();
    conns.activate(&p.id).unwrap();

    // The profile's file, filled by a sync.
    let Location::File(file) = location::of_active(&conns).unwrap() else {
        panic!("a new profile's archive is its file")
    };
    let local = Arc::new(Archive::open(&file).unwrap());
    sync_into(&common::app_conn(&emu, &hosts), local.clone(), &hosts).await;
    let before = location::info(&conns).unwrap();
    assert!(
        !before.shared && before.writable && before.sessions > 0,
        "{before:?}"
    );

    let addr = pg.address(&pg.user, &pg.database);
    let e =
        location::use_shared(&conns, &addr, &Secret::new("wrong".to_string()), true).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSecret, "{e:?}");
    assert!(!location::info(&conns).unwrap().shared, "nothing changed");

    let moved =
        location::use_shared(&conns, &addr, &Secret::new(pg.password.clone()), true).unwrap();
    assert!(moved.shared && moved.writable, "{moved:?}");
    assert_eq!(
        (moved.sessions, moved.attendees, moved.runs),
        (before.sessions, before.attendees, before.runs)
    );
    assert!(Archive::active(&conns).unwrap().is_shared());
    assert_eq!(
        Archive::active(&conns).unwrap().table_checks().unwrap(),
        local.table_checks().unwrap()
    );
    // The password went to the keychain, bound to this address.
    let a = ServerAddress::parse(&addr).unwrap();
    assert!(location::password(store.as_ref(), &a).unwrap().is_some());

    let e =
        location::use_shared(&conns, &addr, &Secret::new(pg.password.clone()), true).unwrap_err();
    assert!(e.message.contains("is not empty"), "{e:?}");
    let joined =
        location::use_shared(&conns, &addr, &Secret::new(pg.password.clone()), false).unwrap();
    assert_eq!(joined.sessions, before.sessions);

    let back = location::use_file(&conns).unwrap();
    assert!(!back.shared);
    assert_eq!(back.shown, file.display().to_string());
    std::fs::remove_dir_all(data).ok();
}
