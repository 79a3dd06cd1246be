#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `rollcall` binary as scripts use it: exit codes, JSON, files.

use std::process::Command;

#[path = "../../core/tests/common/pg.rs"]
mod pg;

fn rollcall(args: &[&str]) -> std::process::Output {
    let data = std::env::temp_dir().join(format!("rollcall-cli-{}", uuid_like()));
    rollcall_in(&data, args)
}

/// `rollcall` with this data folder (profiles, preferences).
fn rollcall_in(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .env("ROLLCALL_DATA_DIR", data)
        .env_remove("ROLLCALL_CLIENT_SECRET")
        .output()
        .unwrap()
}

/// `rollcall` in this data folder, which must succeed; its stdout.
fn ok_in(data: &std::path::Path, args: &[&str]) -> String {
    let out = rollcall_in(data, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The app's Settings (preferences.json in the data folder) give the CLI its default zone and
/// completion threshold; flags still win.
#[test]
fn the_apps_preferences_are_the_clis_defaults() {
    let data = std::env::temp_dir().join(format!("rollcall-prefs-{}", uuid_like()));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("preferences.json"),
        r#"{"timeZone": "Pacific/Kiritimati", "threshold": 0.25, "theme": "dark"}"#,
    )
    .unwrap();
    let (from, to) = (day(-20), day(0));
    // Maria's last 20 days on the demo tenant.
    let maria = [
        "--demo",
        "--host",
        "maria.ortiz@northwind.example",
        "--from",
        &from,
        "--to",
        &to,
    ];
    let list = |zone: Option<&str>| {
        let mut a = [&["webinars", "list"][..], &maria[..]].concat();
        if let Some(z) = zone {
            a.extend(["--time-zone", z]);
        }
        ok_in(&data, &a)
    };
    let seminar = |text: &str| {
        text.lines()
            .find(|l| l.contains("Weekly methods seminar") && l.contains("[ended]"))
            .map(|l| l[..16].to_string())
            .expect("an ended session of the series")
    };
    // Tuesday 14:00 in Berlin is 13:00 or 12:00 UTC, and 02:00 or 03:00 the next day in Kiritimati.
    let kiritimati = seminar(&list(None));
    let explicit = seminar(&list(Some("Pacific/Kiritimati")));
    let utc = seminar(&list(Some("UTC")));
    assert_eq!(kiritimati, explicit, "the Settings zone is the default");
    assert_ne!(kiritimati, utc, "--time-zone still wins");
    assert!(
        kiritimati.ends_with("02:00") || kiritimati.ends_with("03:00"),
        "{kiritimati}"
    );

    // The threshold: 25 % in Settings, so the export equals --threshold 0.25 and not 0.8 or 1.0.
    let export = |extra: &[&str]| {
        let out_file = data.join(format!("summary-{}.csv", extra.join("")));
        let mut a = [&["export"][..], &maria[..]].concat();
        a.extend(["--level", "summary", "--out", out_file.to_str().unwrap()]);
        a.extend(extra);
        ok_in(&data, &a);
        std::fs::read_to_string(out_file).unwrap()
    };
    let relaxed = export(&[]);
    assert_eq!(
        relaxed,
        export(&["--threshold", "0.25"]),
        "the Settings threshold is the default"
    );
    assert_ne!(
        relaxed,
        export(&["--threshold", "0.8"]),
        "not the built-in 0.8"
    );
    assert_ne!(relaxed, export(&["--threshold", "1.0"]), "the flag wins");
    std::fs::remove_dir_all(data).unwrap();
}

/// Today (UTC) moved by `days`, as the CLI's `--from/--to` take it: ranges follow the demo tenant,
/// which is generated around the current time.
fn day(days: i32) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

fn uuid_like() -> String {
    format!(
        "{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[test]
fn check_exits_1_on_a_failure_0_when_all_pass_and_2_when_it_cannot_run() {
    // The demo tenant has a host outside the access policy and one with Teams turned off.
    let out = rollcall(&["check", "--demo"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("✖ 7. Teams application access policy — failed"),
        "{text}"
    );
    assert!(text.contains("Grant-CsApplicationAccessPolicy"));

    let good = [
        "check",
        "--demo",
        "--host",
        "megan.bowen@northwind.example",
        "--host",
        "adele.vance@northwind.example",
        "--json",
    ];
    let out = rollcall(&good);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "passed", "passed", "warning", "passed", "passed", "passed", "passed", "passed",
            "waiting", "passed", "waiting"
        ],
        "the demo secret expires in 10 days: a warning, not a failure; its Teams webinars are readable"
    );

    let out = rollcall(&[
        "check",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "not-a-guid",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GUID"));
}

#[test]
fn check_writes_the_report_in_the_format_its_name_says() {
    let dir = std::env::temp_dir().join(format!("rollcall-report-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["setup.md", "setup.html"] {
        let path = dir.join(name);
        let out = rollcall(&["check", "--demo", "--report", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("Teams integration set-up report"));
        assert_eq!(name.ends_with(".html"), text.starts_with("<!doctype html>"));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn whoami_on_the_demo_and_a_missing_secret_is_explained() {
    let out = rollcall(&["whoami", "--demo", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["demo"], true);
    assert!(json["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "Calendars.ReadWrite"));
    let out = rollcall(&[
        "whoami",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "11111111-2222-3333-4444-555555555555",
    ]);
    assert_eq!(out.status.code(), Some(77));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ROLLCALL_CLIENT_SECRET"));
}

/// A shared emulator process, as a nightly job would point at a tenant.
struct Emulator(std::process::Child, serde_json::Value);

impl Emulator {
    fn start() -> Self {
        Self::start_with(&[])
    }
    fn start_with(extra: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .arg("emulator")
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Emulator(child, serde_json::from_str(&line).unwrap())
    }
    fn command<S: AsRef<str>>(&self, args: &[S]) -> Command {
        let i = &self.1;
        let mut all: Vec<String> = args.iter().map(|s| s.as_ref().to_string()).collect();
        for (flag, key) in [
            ("--tenant", "tenantId"),
            ("--client-id", "clientId"),
            ("--authority", "authority"),
            ("--graph", "graph"),
        ] {
            all.push(flag.into());
            all.push(i[key].as_str().unwrap().into());
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        c.args(&all)
            .env(
                "ROLLCALL_CLIENT_SECRET",
                i["clientSecret"].as_str().unwrap(),
            )
            .env(
                "ROLLCALL_DATA_DIR",
                std::env::temp_dir().join(format!("rollcall-cli-{}", uuid_like())),
            );
        c
    }
    fn run<S: AsRef<str>>(&self, args: &[S]) -> std::process::Output {
        self.command(args).output().unwrap()
    }
    fn run_with<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> std::process::Output {
        self.command(args)
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }
    fn spawn_with<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> std::process::Child {
        self.command(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

/// The Saturday before the next European spring DST change (the last Sunday of March, 01:00 UTC)
/// at least two days ahead: a webinar from 23:30 that evening crosses the change, whatever today is.
fn eve_of_next_eu_spring_change() -> jiff::civil::Date {
    let now = jiff::Timestamp::now();
    let mut year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    loop {
        let sunday = jiff::civil::date(year, 3, 31)
            .nth_weekday_of_month(-1, jiff::civil::Weekday::Sunday)
            .unwrap();
        let change = sunday
            .at(1, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap();
        if change.timestamp() > now + jiff::SignedDuration::from_hours(48) {
            return sunday.yesterday().unwrap();
        }
        year += 1;
    }
}

#[test]
fn webinars_create_list_and_cancel_from_the_command_line() {
    let emu = Emulator::start();
    let host = ["--host", "megan.bowen@northwind.example"];
    let eve = eve_of_next_eu_spring_change();
    let sunday = eve.tomorrow().unwrap();
    let (eve_s, sunday_s) = (eve.to_string(), sunday.to_string());
    let start = format!("{eve}T23:30");
    let out = emu.run(
        &[
            &[
                "webinars",
                "create",
                "--subject",
                // An escape sequence that would retitle the terminal, as a tenant's title may hold.
                "Night \"shift\" Q&A\u{1b}]0;owned\u{7}",
                "--start",
                &start,
                "--duration",
                "180",
                "--time-zone",
                "Europe/Berlin",
                "--invitee",
                "a@northwind.example",
                "--json",
            ],
            &host[..],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["start"], format!("{eve}T22:30:00Z"));
    // Three hours from 23:30 cross the DST change (02:00 → 03:00 on Sunday): it ends at 03:30 CEST.
    assert_eq!(created["end"], format!("{sunday}T01:30:00Z"));
    let id = created["id"].as_str().unwrap().to_string();

    let out = emu.run(
        &[
            &[
                "webinars",
                "list",
                "--from",
                &eve_s,
                "--to",
                &sunday_s,
                "--time-zone",
                "Europe/Berlin",
            ],
            &host[..],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "{eve} 23:30–03:30  megan.bowen@northwind.example  Night \"shift\" Q&A\u{FFFD}]0;owned\u{FFFD}  [upcoming]"
        )),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "the terminal is shown the title, not told to act on it"
    );

    let out = emu.run(
        &[
            &["webinars", "cancel", "--id", &id, "--message", "Moved"],
            &host[..],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = emu.run(
        &[
            &[
                "webinars", "list", "--from", &eve_s, "--to", &sunday_s, "--json",
            ],
            &host[..],
        ]
        .concat(),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["webinars"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != id.as_str()),
        "gone from the organizer's calendar"
    );

    let out = emu.run(
        &[
            &[
                "webinars",
                "create",
                "--subject",
                "",
                "--start",
                &format!("{eve}T10:00"),
            ],
            &host[..],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("The subject is required."));
}

#[test]
fn exported_hostile_names_survive_pythons_csv_module_and_stay_inert() {
    let dir = std::env::temp_dir().join(format!("rollcall-py-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("attendees.csv");
    let r = rollcall(&[
        "export",
        "--demo",
        "--host",
        "maria.ortiz@northwind.example",
        "--host",
        "megan.bowen@northwind.example",
        "--from",
        &day(-120),
        "--to",
        &day(40),
        "--level",
        "attendee",
        "--out",
        out.to_str().unwrap(),
        "--time-zone",
        "UTC",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    // Python reads the file as Excel would be fed it (utf-8-sig strips the BOM).
    let script = r#"
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
print(json.dumps({"n": len(rows), "names": sorted({r["name"] for r in rows}), "cols": list(rows[0].keys())}))
"#;
    let py = ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok())
        .expect("Python 3 is needed for this test");
    let res = Command::new(py)
        .args(["-c", script, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert!(v["n"].as_u64().unwrap() > 500);
    assert_eq!(v["cols"][6], "name");
    let names: Vec<String> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    for n in &names {
        assert!(
            !n.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{n:?} would run as a formula in Excel"
        );
    }
    // Unchanged in meaning: without the neutralising apostrophe each hostile name is intact,
    // commas, quotes, line breaks, Arabic and emoji included.
    for original in [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "@SUM(1+1)",
        "-2+3",
        "\tTabbed",
        "Doe, Jane",
        "O'Brien \"Bob\"",
        "Line\nBreak",
        "نور الهدى",
        "🦀 Ferris",
    ] {
        let neutral = if original.starts_with(['=', '+', '-', '@', '\t']) {
            format!("'{original}")
        } else {
            original.to_string()
        };
        assert!(
            names.contains(&neutral),
            "{original:?} did not survive the round trip"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A sync killed (SIGKILL on Unix, TerminateProcess on Windows) at random moments 20 times always
/// leaves an archive that passes SQLite's integrity check, and the next sync reaches exactly the
/// content of an uninterrupted one.
/// The bulk tenant the kill and concurrency tests sync: 150 webinars of 200–600 attendees in the 30
/// days before today, answered slowly enough that a sync can be caught mid-way.
fn bulk_emulator() -> Emulator {
    let emu = Emulator::start_with(&["--latency-ms", "60"]);
    let admin = emu.1["admin"].as_str().unwrap().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{admin}/bulk"))
            .json(&serde_json::json!({"count": 150, "minAttendees": 200, "maxAttendees": 600, "daysBack": 30, "seed": 3}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    emu
}

/// `sync` of the bulk webinars' hosts into `archive` (a file or a postgres:// address); the range
/// holds all of them on any date.
fn bulk_sync_args(archive: &str) -> Vec<String> {
    let (from, to) = (day(-31), day(0));
    let mut a: Vec<String> = [
        "sync",
        "--from",
        &from,
        "--to",
        &to,
        "--time-zone",
        "UTC",
        "--archive",
        archive,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for h in [
        "megan.bowen@northwind.example",
        "adele.vance@northwind.example",
        "maria.ortiz@northwind.example",
    ] {
        a.extend(["--host".to_string(), h.to_string()]);
    }
    a
}

/// Kill syncs into `target` at random points, then let one finish: the archive holds exactly what
/// one uninterrupted sync into a file holds, and is whole after every kill.
fn killed_syncs_resume(
    emu: &Emulator,
    dir: &std::path::Path,
    target: &str,
    env: &[(&str, &str)],
    open: &dyn Fn() -> rollcall_core::archive::Archive,
) {
    let reference = dir.join("reference.sqlite");
    let out = emu.run(&bulk_sync_args(reference.to_str().unwrap()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = rollcall_core::archive::Archive::open(&reference)
        .unwrap()
        .digest()
        .unwrap();
    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut kills = 0;
    for _ in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = emu.spawn_with(&bulk_sync_args(target), env);
        std::thread::sleep(std::time::Duration::from_millis(30 + seed % 320));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        assert!(
            open().integrity_ok().unwrap(),
            "integrity after kill {kills}"
        );
    }
    assert!(
        kills >= 15,
        "most runs were really killed mid-sync ({kills} of 20)"
    );
    let out = emu.run_with(&bulk_sync_args(target), env);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(open().digest().unwrap(), want);
}

#[test]
fn a_sync_killed_at_random_points_resumes_to_the_same_archive() {
    let emu = bulk_emulator();
    let dir = std::env::temp_dir().join(format!("rollcall-kill-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let killed = dir.join("killed.sqlite");
    killed_syncs_resume(&emu, &dir, killed.to_str().unwrap(), &[], &|| {
        rollcall_core::archive::Archive::open(&killed).unwrap()
    });
    std::fs::remove_dir_all(dir).unwrap();
}

/// The same into a shared archive on a real PostgreSQL server; then two syncs at once (two
/// processes) into a fresh database store exactly what one sync into a file stores: `export
/// --from-archive` of the two archives is byte for byte the same, and `archive copy` moves the file
/// to a third database and back, verified.
#[test]
fn the_shared_archive_resumes_killed_syncs_and_two_at_once_equal_one() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    let emu = bulk_emulator();
    let dir = std::env::temp_dir().join(format!("rollcall-pg-cli-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let env = [("ROLLCALL_ARCHIVE_PASSWORD", pg.password.as_str())];
    let connect = |db: &str| {
        rollcall_core::archive::Archive::connect(
            &rollcall_core::archive::ServerAddress::parse(&pg.address(&pg.user, db)).unwrap(),
            Some(&rollcall_graph::Secret::new(pg.password.clone())),
        )
        .unwrap()
    };
    let killed = pg.address(&pg.user, &pg.database);
    killed_syncs_resume(&emu, &dir, &killed, &env, &|| connect(&pg.database));

    pg.create_database("twice");
    let twice = pg.address(&pg.user, "twice");
    let mut both: Vec<_> = (0..2)
        .map(|_| emu.spawn_with(&bulk_sync_args(&twice), &env))
        .collect();
    for c in &mut both {
        assert!(c.wait().unwrap().success());
    }
    let export = |archive: &str, name: &str| {
        let out = dir.join(name);
        let mut args = vec![
            "export".to_string(),
            "--from-archive".into(),
            "--archive".into(),
            archive.into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ];
        // The same period and hosts as the syncs.
        let sync = bulk_sync_args(archive);
        args.extend(sync[1..7].iter().cloned());
        args.extend(sync[9..].iter().cloned());
        let r = emu.run_with(&args, &env);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        std::fs::read(out).unwrap()
    };
    let reference = dir.join("reference.sqlite");
    let (from_file, from_server) = (
        export(reference.to_str().unwrap(), "file.csv"),
        export(&twice, "server.csv"),
    );
    assert!(
        from_file.len() > 100_000,
        "a real export: {} bytes",
        from_file.len()
    );
    assert!(
        from_file == from_server,
        "two syncs at once into the server export what one into the file does"
    );

    // Moved to an empty database and back, verified; a target that holds rows is refused.
    let copy = |from: &str, to: &str| {
        Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(["archive", "copy", "--from", from, "--to", to])
            .envs(env.iter().copied())
            .env("ROLLCALL_DATA_DIR", &dir)
            .output()
            .unwrap()
    };
    pg.create_database("moved");
    let moved = pg.address(&pg.user, "moved");
    let back = dir.join("back.sqlite");
    for (from, to) in [
        (reference.to_str().unwrap(), moved.as_str()),
        (moved.as_str(), back.to_str().unwrap()),
    ] {
        let r = copy(from, to);
        let said = String::from_utf8_lossy(&r.stdout);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{said}{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(said.contains("Copied and verified 11 tables"), "{said}");
    }
    assert!(export(back.to_str().unwrap(), "back.csv") == from_file);
    let r = copy(reference.to_str().unwrap(), &twice);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(64), "{err}");
    assert!(err.contains("is not empty"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// An export or sync where a host could not be read does not look like success: nothing read is
/// the cause's exit code (77 refused) with no file; a partial result is written, says which host
/// is missing, and exits with that cause too.
#[test]
fn an_export_or_sync_missing_a_host_says_so_in_its_exit_code() {
    let emu = Emulator::start_with(&["--scenario", "mailbox-scoped"]);
    let dir = std::env::temp_dir().join(format!("rollcall-partial-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let (megan, adele) = (
        "megan.bowen@northwind.example",
        "adele.vance@northwind.example",
    );
    let export = |hosts: &[&str], out: &std::path::Path| {
        let mut args: Vec<String> = vec!["export".into()];
        for h in hosts {
            args.extend(["--host".into(), h.to_string()]);
        }
        args.extend(
            [
                "--from",
                &day(-60),
                "--to",
                &day(0),
                "--out",
                out.to_str().unwrap(),
                "--time-zone",
                "UTC",
            ]
            .map(String::from),
        );
        emu.run(&args)
    };
    // Megan's mailbox is outside the app's Exchange scope: nothing can be read.
    let none = dir.join("none.csv");
    let r = export(&[megan], &none);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(77), "{stderr}");
    assert!(
        stderr.contains(megan) && stderr.contains("Exchange Online"),
        "{stderr}"
    );
    assert!(!none.exists(), "no empty CSV that looks like success");
    // Megan and Adele: Adele's rows are written, Megan is named, the exit code says it is partial.
    let some = dir.join("some.csv");
    let r = export(&[megan, adele], &some);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(77), "{stderr}");
    assert!(
        stderr.contains("Partial export") && stderr.contains(megan),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(&some).unwrap();
    assert!(csv.lines().count() > 1, "Adele's attendance is in the file");
    // The report likewise: written with Adele's webinars, Megan named in it and in the exit code.
    let report = dir.join("some.html");
    let mut args: Vec<String> = vec!["report".into()];
    for h in [megan, adele] {
        args.extend(["--host".into(), h.to_string()]);
    }
    args.extend(
        [
            "--from",
            &day(-60),
            "--to",
            &day(0),
            "--out",
            report.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let r = emu.run(&args);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(77), "{stderr}");
    assert!(
        stderr.contains("Partial report") && stderr.contains(megan),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains(&format!("Not included — {megan} could not be read")),
        "the report says what it lacks"
    );
    // The same for sync: Adele archived, Megan listed, exit 77.
    let archive = dir.join("archive.sqlite");
    let r = emu.run(&[
        "sync",
        "--host",
        megan,
        "--host",
        adele,
        "--from",
        &day(-60),
        "--to",
        &day(0),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr),
    );
    assert_eq!(r.status.code(), Some(77), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("host not read: {megan}")),
        "{stdout}"
    );
    assert!(!stdout.contains(&format!("host not read: {adele}")));
}

/// `rollcall emulator --help` lists every scenario with its one-line meaning, and an unknown one
/// is refused before anything starts.
#[test]
fn the_emulators_help_lists_its_scenarios() {
    let out = rollcall(&["emulator", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for (name, meaning) in rollcall_emulator::SCENARIOS {
        assert!(help.contains(name), "{name} missing from:\n{help}");
        assert!(help.contains(&meaning[..20]), "{name}'s help missing");
    }
    let out = rollcall(&["emulator", "--scenario", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing-access-policy"));
}

/// `rollcall import FILE --host EMAIL`, as the README documents it: the download lands in the
/// archive; without `--host` the error says what to give.
#[test]
fn import_as_documented_files_the_download_under_the_host() {
    let data = std::env::temp_dir().join(format!("rollcall-import-{}", uuid_like()));
    std::fs::create_dir_all(&data).unwrap();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/teams-downloads/ok-en-us-utf16le.csv"
    );
    let archive = data.join("archive.sqlite");
    let archive = archive.to_str().unwrap();
    let args = |host: Option<&str>| {
        let mut a = vec![
            "import",
            file,
            "--demo",
            "--time-zone",
            "America/New_York",
            "--archive",
            archive,
        ];
        if let Some(h) = host {
            a.extend(["--host", h]);
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run =
        |a: Vec<String>| rollcall_in(&data, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args(Some("maria.ortiz@northwind.example")));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Methods seminar (old)"));
    let missing = run(args(None));
    assert_eq!(
        missing.status.code(),
        Some(64),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--host EMAIL"));
}

/// `rollcall import FILE...`: real files of every format, each in its own transaction, a line
/// each, `imported K of N files`, and exit 0 only when all went in; a file whose dates read both
/// ways names `--date-order`, and goes in with it.
#[test]
fn import_takes_many_files_and_says_what_each_came_to() {
    let data = std::env::temp_dir().join(format!("rollcall-import-many-{}", uuid_like()));
    std::fs::create_dir_all(&data).unwrap();
    let corpus = |n: &str| {
        format!(
            "{}/../../tests/corpus/teams-downloads/{n}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let ambiguous = data.join("meetingAttendanceList.csv");
    std::fs::write(
        &ambiguous,
        "Full Name\tUser Action\tTimestamp\r\nAnn Lee\tJoined\t03-04-2021 10:00:00\r\nAnn Lee\tLeft\t03-04-2021 10:45:00\r\n",
    )
    .unwrap();
    let archive = data.join("archive.sqlite");
    let files = [
        corpus("ok-real-list-pt-renatojardimparducci.csv"),
        corpus("ok-real-report2021-fr-necrelox.csv"),
        corpus("ok-real-report-pl-mlodyjesienin.csv"),
        corpus("refused-real-report-pl-cp1250-excel-mlodyjesienin.csv"),
        ambiguous.to_str().unwrap().to_string(),
    ];
    let mut args = vec!["import".to_string()];
    args.extend(files.iter().cloned());
    args.extend(
        [
            "--demo",
            "--host",
            "maria.ortiz@northwind.example",
            "--time-zone",
            "Europe/Warsaw",
            "--archive",
            archive.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let out = rollcall_in(&data, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(64), "{stdout}{stderr}");
    assert!(stdout.contains("ok-real-list-pt-renatojardimparducci (in-meeting attendance list) (2021-03-30T19:15:48Z): 38 participants imported"), "{stdout}");
    assert!(
        stdout.contains("(2021-04-13T07:01:31Z): 6 participants imported"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Nazwa przedmiotu - lab 3 (2025-03-10T07:00:48Z): 7 participants imported"),
        "{stdout}"
    );
    assert!(
        stdout.contains("note: dates read as month/day/year"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("imported 3 of 5 files"),
        "{stdout}"
    );
    assert!(stderr.contains("code page"), "{stderr}");
    assert!(stderr.contains("--date-order dmy"), "{stderr}");
    // The same files again: already in the archive; the ambiguous one with its order.
    let mut again = vec!["import".to_string(), files[4].clone(), files[0].clone()];
    again.extend(
        [
            "--demo",
            "--host",
            "maria.ortiz@northwind.example",
            "--time-zone",
            "Europe/Warsaw",
            "--date-order",
            "dmy",
            "--archive",
            archive.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let out = rollcall_in(&data, &again.iter().map(String::as_str).collect::<Vec<_>>());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("(2021-04-03T08:00:00Z): 1 participants imported"),
        "{stdout}"
    );
    assert!(
        stdout.contains("38 participants already in the archive"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("imported 2 of 2 files"),
        "{stdout}"
    );
}

/// Listening beyond loopback serves the demo secret to the network: the emulator says so.
#[test]
fn the_emulator_warns_when_it_listens_beyond_this_computer() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["emulator", "--listen", "0.0.0.0:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("\"clientSecret\""), "{line}");
    let warning = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .take(20)
        .map_while(Result::ok)
        .find(|l| l.contains("warning"))
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        warning.contains("warning: listening on 0.0.0.0:"),
        "{warning}"
    );
    assert!(warning.contains("client secret"), "{warning}");
}

/// `--out file.xlsx` writes a workbook (its cells are checked against the CSV in core's
/// tests/workbook.rs); `--format xlsx` does too whatever the name, and the row count is the
/// attendee rows, the same as the CSV's.
#[test]
fn export_writes_a_workbook_for_an_xlsx_name_or_format() {
    let dir = std::env::temp_dir().join(format!("rollcall-xlsx-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let (from, to) = (day(-60), day(0));
    let export = |out: &std::path::Path, extra: &[&str]| {
        let mut a = vec![
            "export",
            "--demo",
            "--host",
            "maria.ortiz@northwind.example",
            "--from",
            &from,
            "--to",
            &to,
            "--time-zone",
            "UTC",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend(extra);
        let r = rollcall(&a);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        String::from_utf8_lossy(&r.stderr).to_string()
    };
    let book = dir.join("attendance.xlsx");
    let said = export(&book, &[]);
    assert_eq!(
        &std::fs::read(&book).unwrap()[..2],
        b"PK",
        "a workbook, not CSV text"
    );
    let csv = dir.join("attendance.csv");
    let said_csv = export(&csv, &[]);
    let rows = |s: &str| {
        s.split(" row(s)")
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(rows(&said), rows(&said_csv), "{said} / {said_csv}");
    let named = dir.join("attendance.data");
    export(&named, &["--format", "xlsx"]);
    assert_eq!(&std::fs::read(&named).unwrap()[..2], b"PK");
    let _ = std::fs::remove_dir_all(dir);
}

/// `rollcall report`: the period as one self-contained HTML file with the overview's figures and a
/// chart per week; no-shows against `--roster`; a bad list is refused before anything is written;
/// a host that could not be read is named in the report and in the exit code.
#[test]
fn report_writes_the_period_as_one_inert_html_file() {
    let dir = std::env::temp_dir().join(format!("rollcall-report-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let (from, to) = (day(-60), day(0));
    let out = dir.join("period.html");
    let roster = dir.join("roster.csv");
    std::fs::write(
        &roster,
        "Name,E-mail\nMaria Ortiz,maria.ortiz@northwind.example\nNever Came,never.came@northwind.example\n",
    )
    .unwrap();
    let args = |out: &std::path::Path, roster: &std::path::Path| -> Vec<String> {
        [
            "report",
            "--demo",
            "--host",
            "maria.ortiz@northwind.example",
            "--from",
            &from,
            "--to",
            &to,
            "--time-zone",
            "Europe/Vienna",
            "--out",
            out.to_str().unwrap(),
            "--roster",
            roster.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let a = args(&out, &roster);
    let r = rollcall(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("session(s) written to"), "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("times in Europe/Vienna"));
    assert!(html.contains("<h2>Per week</h2><figure><svg"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
    // Never Came is a no-show at every session of the period: the figure is a number, not "—".
    let no_shows = html.split("<dt>No-shows</dt><dd>").nth(1).unwrap();
    let n: u32 = no_shows.split('<').next().unwrap().parse().unwrap();
    assert!(n >= 1, "{n}");

    // A list without an e-mail column: refused with the reason, no file.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "Name\nAnn\n").unwrap();
    let nothing = dir.join("nothing.html");
    let a = args(&nothing, &bad);
    let r = rollcall(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        r.status.code(),
        Some(64),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(String::from_utf8_lossy(&r.stderr).contains("no e-mail column"));
    assert!(!nothing.exists());
    let _ = std::fs::remove_dir_all(dir);
}

/// `rollcall registrations` writes the Teams webinars' ledger (CSV, or a workbook for `.xlsx`) and
/// prints the counts per session; `rollcall webinars list --json` carries `format` on every row,
/// `webinar` for a Teams webinar and `meeting` for a calendar event (`kind` unchanged).
#[test]
fn registrations_and_the_format_field_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("rollcall-reg-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let (from, to) = (day(-10), day(20));
    let maria = "maria.ortiz@northwind.example";
    let base = [
        "--demo",
        "--host",
        maria,
        "--from",
        &from,
        "--to",
        &to,
        "--time-zone",
        "UTC",
    ];
    let mut a = vec!["registrations"];
    a.extend(base);
    let r = rollcall(&a);
    let out = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(
        out.contains("Open day: study skills:")
            && out.contains("walk-in")
            && out.contains("by registration"),
        "{out}"
    );
    for name in ["ledger.csv", "ledger.xlsx"] {
        let path = dir.join(name);
        let mut a = vec!["registrations"];
        a.extend(base);
        a.extend(["--out", path.to_str().unwrap()]);
        let r = rollcall(&a);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".xlsx") {
            assert_eq!(&bytes[..2], b"PK");
        } else {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.starts_with("\u{feff}webinar,course_key,host,"));
            for standing in [
                "registered_attended",
                "registered_no_show",
                "walk_in",
                "canceled_attended",
                "waitlisted",
                "pending",
                "rejected",
            ] {
                assert!(text.contains(&format!(",{standing},")), "{standing}");
            }
        }
    }
    let mut a = vec!["webinars", "list", "--json"];
    a.extend(base);
    let r = rollcall(&a);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let rows = v["webinars"].as_array().unwrap();
    assert!(rows
        .iter()
        .all(|w| w["format"] == "meeting" || w["format"] == "webinar"));
    let teams = rows
        .iter()
        .find(|w| w["subject"] == "Career talk: publishing your thesis")
        .expect("the Teams webinar");
    assert_eq!(teams["format"], "webinar");
    assert_eq!(teams["kind"], "singleInstance");
    assert_eq!(teams["event"]["registrations"]["registered"], 12);
    assert!(rows.iter().any(|w| w["format"] == "meeting"));
    let _ = std::fs::remove_dir_all(dir);
}

/// The app's background sync and the nightly job overlap: two processes syncing one new archive
/// both end well — the second waits for the first (and says for whom), nothing is stored twice,
/// and "locked" is never called damage.
#[test]
fn two_syncs_of_one_archive_at_once_both_end_well() {
    let emu = Emulator::start();
    let dir = std::env::temp_dir().join(format!("rollcall-two-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let archive = dir.join("shared.sqlite");
    let (from, to) = (day(-60), day(0));
    let args = [
        "sync",
        "--from",
        &from,
        "--to",
        &to,
        "--time-zone",
        "UTC",
        "--archive",
        archive.to_str().unwrap(),
        "--host",
        "megan.bowen@northwind.example",
        "--host",
        "maria.ortiz@northwind.example",
        "--json",
    ];
    // Both start on an archive that does not exist yet: they race on creating its tables too.
    let spawn = || {
        emu.command(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut fetched = 0;
    for out in [&a, &b] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            !err.contains("damaged") && !err.contains("recover"),
            "{err}"
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        fetched += s["fetched"].as_u64().unwrap();
    }
    let stored = rollcall_core::archive::Archive::open(&archive).unwrap();
    assert!(stored.integrity_ok().unwrap());
    let (sessions, _, _) = stored.counts().unwrap();
    assert!(sessions > 0);
    assert_eq!(
        fetched, sessions as u64,
        "each report fetched and stored once between the two"
    );
    let runs = stored.runs(10).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs
        .iter()
        .all(|r| r.outcome == rollcall_core::archive::history::RunOutcome::Ok));
    std::fs::remove_dir_all(dir).unwrap();
}
