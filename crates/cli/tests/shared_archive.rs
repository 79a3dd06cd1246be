#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A shared archive on a real PostgreSQL server through the CLI: `archive roles --apply` makes a
//! writer and a reader, `archive password` keeps the writer's password in the keychain, `sync
//! --archive postgres://…` writes there with it, and the reader is told it may only read.

use std::io::Write;
use std::process::{Command, Stdio};

#[path = "../../core/tests/common/pg.rs"]
mod pg;

fn day(days: i32) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

fn rollcall(
    data: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    c.args(args)
        .env("ROLLCALL_DATA_DIR", data)
        .env_remove("ROLLCALL_ARCHIVE_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn roles_a_saved_password_and_a_sync_into_the_shared_archive() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    let data = std::env::temp_dir().join(format!("rollcall-shared-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    let owner = pg.address(&pg.user, &pg.database);
    let out = rollcall(&data, &["archive", "roles", "--archive", &owner], &[], None);
    assert_eq!(out.status.code(), Some(0));
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(
        sql.contains("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"rollcall_reader\""),
        "{sql}"
    );
    assert!(!sql.contains(&pg.password));
    let out = rollcall(
        &data,
        &["archive", "roles", "--archive", &owner, "--apply"],
        &[("ROLLCALL_ARCHIVE_PASSWORD", &pg.password)],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pg.psql("ALTER ROLE rollcall_writer PASSWORD 'writer-pw'; ALTER ROLE rollcall_reader PASSWORD 'reader-pw'");

    // The writer's password, checked and kept in the keychain (a wrong one is refused at once).
    let writer = pg.address("rollcall_writer", &pg.database);
    let out = rollcall(
        &data,
        &["archive", "password", "--archive", &writer],
        &[],
        Some("not-it\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(77),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rollcall(
        &data,
        &["archive", "password", "--archive", &writer],
        &[],
        Some("writer-pw\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (from, to) = (day(-30), day(0));
    let sync = |who: &str, env: &[(&str, &str)]| {
        rollcall(
            &data,
            &[
                "sync",
                "--demo",
                "--from",
                &from,
                "--to",
                &to,
                "--time-zone",
                "UTC",
                "--archive",
                who,
            ],
            env,
            None,
        )
    };
    let out = sync(&writer, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sessions: i64 = pg.psql("SELECT count(*) FROM sessions").parse().unwrap();
    assert!(sessions > 0);
    // Again: nothing new, nothing twice.
    let out = sync(&writer, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        pg.psql("SELECT count(*) FROM sessions")
            .parse::<i64>()
            .unwrap(),
        sessions
    );

    // A saved profile keeps its archive there from now on: every command of the profile follows.
    let profile = rollcall_core::tenant::profile::Profile {
        id: "school".into(),
        name: "School".into(),
        cloud: rollcall_core::tenant::profile::Cloud::Global,
        authority: None,
        graph: None,
        tenant: "northwindacademy.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        mode: rollcall_core::tenant::profile::AuthMode::Application,
        portal_domain: String::new(),
        participant_info: true,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts: vec![],
        secret_hint: None,
        secret_expires: None,
        signed_in_as: None,
        proxy: None,
        proxy_user: None,
        archive: None,
    };
    rollcall_core::tenant::profile::Profiles::in_dir(&data)
        .upsert(profile)
        .unwrap();
    let out = rollcall(
        &data,
        &[
            "archive",
            "use",
            "--profile",
            "School",
            "--archive",
            &writer,
        ],
        &[],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("School now keeps its archive in postgres://rollcall_writer@localhost"),
        "{said}"
    );
    assert!(std::fs::read_to_string(data.join("profiles.json"))
        .unwrap()
        .contains("\"archive\": \"postgres://rollcall_writer@"));
    let out = rollcall(
        &data,
        &["sync", "--history", "--profile", "School", "--json"],
        &[],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        history["runs"].as_array().unwrap().len(),
        2,
        "the two syncs, read from the server"
    );
    let out = rollcall(
        &data,
        &["archive", "use", "--profile", "School", "--file"],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!std::fs::read_to_string(data.join("profiles.json"))
        .unwrap()
        .contains("postgres://"));

    // The reader reads, and cannot write.
    let reader = pg.address("rollcall_reader", &pg.database);
    let out = sync(&reader, &[("ROLLCALL_ARCHIVE_PASSWORD", "reader-pw")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(77), "{err}");
    assert!(
        err.contains("rollcall_reader may only read the shared archive"),
        "{err}"
    );
    std::fs::remove_dir_all(data).ok();
}
