#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The nightly job: its definitions pass each scheduler's own checks (`systemd-analyze verify`
//! where this machine has it, the Task Scheduler and property-list structure everywhere,
//! `plutil -lint` on macOS), and on Linux the job is installed with the scheduler this machine has
//! and run by it for real, its run then in `rollcall sync --history`.

use std::process::Command;

use rollcall_core::schedule::{Job, Scheduler};

fn job(profile: Option<&str>) -> Job {
    Job {
        profile: profile.map(String::from),
        at: "02:30".into(),
        hosts: vec!["megan.bowen@northwind.example".into()],
        program: env!("CARGO_BIN_EXE_rollcall").into(),
        scheduler: Scheduler::SystemdUser,
        data_dir: Some("/tmp/a data dir".into()),
        profile_id: profile.map(|_| "0b3c9e2a-profile".into()),
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rollcall-schedule-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn has(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

/// Hostile profile names (quotes, `%`, `$`, spaces) still give definitions the tools accept.
const NAMES: [Option<&str>; 3] = [
    None,
    Some("Northwind"),
    Some("North \"wind\" 100% $HOME 'x'"),
];

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    if !cfg!(target_os = "linux") {
        return;
    }
    assert!(
        has("systemd-analyze"),
        "this Linux machine lacks systemd-analyze (apt-get install systemd)"
    );
    for name in NAMES {
        let j = job(name);
        let dir = temp("units");
        let (service, timer) = j.systemd_units();
        let s = dir.join(format!("{}.service", j.systemd_name()));
        let t = dir.join(format!("{}.timer", j.systemd_name()));
        std::fs::write(&s, &service).unwrap();
        std::fs::write(&t, &timer).unwrap();
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&s)
            .arg(&t)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name:?}: {}\n{service}\n{timer}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The check can fail: a time systemd cannot read is refused.
        std::fs::write(&t, timer.replace("02:30:00", "25:30:00")).unwrap();
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&s)
            .arg(&t)
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
}

/// `CommandLineToArgvW`'s rules, to read the task's arguments back.
fn argv(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let mut n = 0;
            while i < chars.len() && chars[i] == '\\' {
                n += 1;
                i += 1;
            }
            if i < chars.len() && chars[i] == '"' {
                cur.push_str(&"\\".repeat(n / 2));
                if n % 2 == 1 {
                    cur.push('"');
                    i += 1;
                }
            } else {
                cur.push_str(&"\\".repeat(n));
            }
            any = true;
            continue;
        }
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' | '\t' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
        i += 1;
    }
    if any {
        out.push(cur);
    }
    out
}

/// Text of the elements at a path, e.g. `Task/Actions/Exec/Command` (entities resolved).
fn texts(xml: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut path, mut out, mut cur): (Vec<String>, Vec<(String, String)>, String) =
        (Vec::new(), Vec::new(), String::new());
    let flush = |path: &Vec<String>, cur: &mut String, out: &mut Vec<(String, String)>| {
        if !cur.trim().is_empty() {
            out.push((path.join("/"), std::mem::take(cur)));
        }
        cur.clear();
    };
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                flush(&path, &mut cur, &mut out);
                let qname = e.name();
                let name: &str = qname.as_ref();
                path.push(name.to_string());
            }
            Event::End(_) => {
                flush(&path, &mut cur, &mut out);
                path.pop();
            }
            Event::Text(t) => cur.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    cur.push(c);
                    continue;
                }
                let name = g.into_inner().into_owned();
                cur.push_str(match name.as_str() {
                    "quot" => "\"",
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn task_scheduler_xml_follows_the_task_schema_and_its_arguments_read_back() {
    for name in NAMES {
        let j = job(name);
        let xml = j.task_xml();
        assert!(xml.contains("xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\""));
        let t = texts(&xml);
        let get = |p: &str| {
            t.iter()
                .find(|(k, _)| k == p)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{p} in {xml}"))
        };
        // The elements the schema requires for a daily calendar trigger and an exec action.
        assert_eq!(
            get("Task/Triggers/CalendarTrigger/StartBoundary"),
            "2026-01-01T02:30:00"
        );
        assert_eq!(
            get("Task/Triggers/CalendarTrigger/ScheduleByDay/DaysInterval"),
            "1"
        );
        assert_eq!(
            get("Task/Principals/Principal/LogonType"),
            "InteractiveToken"
        );
        assert_eq!(get("Task/Actions/Exec/Command"), j.program);
        assert_eq!(argv(&get("Task/Actions/Exec/Arguments")), j.args());
        assert_eq!(get("Task/Settings/StartWhenAvailable"), "true");
    }
}

#[test]
fn launch_agent_is_a_property_list_launchd_reads() {
    for name in NAMES {
        let j = job(name);
        let dir = temp("plist");
        let plist = j.launchd_plist(&dir.join("sync.log"));
        let t = texts(&plist);
        let strings: Vec<&String> = t
            .iter()
            .filter(|(k, _)| k == "plist/dict/array/string")
            .map(|(_, v)| v)
            .collect();
        let mut want = vec![j.program.clone()];
        want.extend(j.args());
        assert_eq!(strings, want.iter().collect::<Vec<_>>());
        assert!(t.contains(&("plist/dict/dict/integer".into(), "2".into())));
        assert!(t.contains(&("plist/dict/string".into(), j.label())));
        if cfg!(target_os = "macos") {
            let f = dir.join("job.plist");
            std::fs::write(&f, &plist).unwrap();
            let out = Command::new("plutil")
                .arg("-lint")
                .arg(&f)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// Install the demo's nightly job with this machine's scheduler, let the scheduler run it, and
/// find its run in the history; then remove it. A systemd user manager runs it at once
/// (`systemctl --user start`); cron only at its minute, so the job is set for the next minute.
#[cfg(target_os = "linux")]
#[test]
fn the_nightly_job_is_run_by_the_scheduler_and_its_run_is_in_the_history() {
    // The suite's shifted-date runs move only this process tree's clock (libfaketime); the OS
    // scheduler keeps the machine's, so its minute cannot be predicted from here. The run on the
    // real clock (the suite's first) installs and runs the job for real; the definitions are
    // checked on every date by the tests above.
    if std::env::var_os("FAKETIME").is_some() {
        eprintln!("shifted clock: the real scheduler run is the unshifted suite's");
        return;
    }
    // A data folder that does not exist yet: `schedule install` is the first to create it.
    let data = temp("real").join("data");
    let rollcall = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(args)
            .env("ROLLCALL_DATA_DIR", &data)
            .output()
            .unwrap()
    };
    let systemd = Command::new("systemctl")
        .args(["--user", "is-system-running"])
        .output()
        .map(|o| {
            let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
            !s.is_empty() && s != "offline"
        })
        .unwrap_or(false);
    let mut cron_daemon = None;
    if !systemd {
        assert!(
            Command::new("crontab").arg("-l").output().is_ok(),
            "no systemd user manager and no cron here: install cron (apt-get install cron)"
        );
        let running = Command::new("pgrep")
            .arg("-x")
            .arg("cron")
            .output()
            .is_ok_and(|o| o.status.success());
        if !running {
            cron_daemon = Some(Daemon(
                Command::new("cron")
                    .arg("-f")
                    .spawn()
                    .expect("start cron (as root)"),
            ));
        }
    }
    // The next whole minute with time to spare, in this computer's local time (what cron reads).
    let mut at = jiff::Zoned::now() + jiff::SignedDuration::from_secs(60);
    if at.second() > 45 {
        at += jiff::SignedDuration::from_secs(60);
    }
    let hhmm = format!("{:02}:{:02}", at.hour(), at.minute());
    // Whatever this test installs is removed however it ends (a failed assertion included).
    let _installed = Uninstall(data.clone());
    let out = rollcall(&["schedule", "install", "--demo", "--at", &hhmm]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A real (test) profile against a tenant of its own, signing in with Rollcall's certificate:
    // the job runs where the scheduler puts it (under cron: no session bus, no keychain).
    let (_tenant, profile) = profile_with_uploaded_certificate(&data);
    let out = rollcall(&["schedule", "install", "--profile", &profile, "--at", &hhmm]);
    assert!(
        out.status.success(),
        "the probe in the scheduler's environment signs in with the certificate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "the data folder install created");
        assert_eq!(mode(&data.join("schedules.json")), 0o600);
    }
    let listed = String::from_utf8_lossy(&rollcall(&["schedule", "list"]).stdout).into_owned();
    assert!(listed.contains(&hhmm), "{listed}");
    if systemd {
        let out = Command::new("systemctl")
            .args(["--user", "start", "rollcall-sync-demo.service"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let run = loop {
        let out = rollcall(&["sync", "--demo", "--history", "--json"]);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if let Some(r) = v["runs"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["trigger"] == "scheduled"))
            {
                break r.clone();
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler did not run the job by {hhmm}"
        );
        std::thread::sleep(std::time::Duration::from_secs(3));
    };
    assert_eq!(run["outcome"], "ok", "{run}");
    assert!(run["summary"]["meetings"].as_u64().unwrap() > 0);
    // The profile's job: on record from its start, finished with exit 0, its run in its archive.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let key = rollcall_core::schedule::installed(&data)
        .iter()
        .find(|j| j.profile.as_deref() == Some(profile.as_str()))
        .map(rollcall_core::schedule::Job::key)
        .unwrap();
    loop {
        let runs = rollcall_core::schedule::ledger::recent(&data, 10);
        if let Some(r) = runs
            .iter()
            .find(|r| r.record.job == key && r.record.finished_at.is_some())
        {
            assert_eq!(r.record.exit_code, Some(0), "{r:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the profile's job did not run: {runs:?}"
        );
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
    let history = rollcall(&["sync", "--profile", &profile, "--history", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert!(
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["trigger"] == "scheduled" && r["outcome"] == "ok"),
        "{v}"
    );
    let out = rollcall(&["schedule", "remove", "--profile", &profile]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rollcall(&["schedule", "remove", "--demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if !systemd {
        let table = Command::new("crontab").arg("-l").output().unwrap();
        assert!(!String::from_utf8_lossy(&table.stdout).contains("app.rollcall.sync.demo"));
    }
    drop(cron_daemon);
}

/// The jobs installed for a data folder: removed from the OS scheduler when dropped.
#[cfg(target_os = "linux")]
struct Uninstall(std::path::PathBuf);

#[cfg(target_os = "linux")]
impl Drop for Uninstall {
    fn drop(&mut self) {
        for job in rollcall_core::schedule::installed(&self.0) {
            let _ = rollcall_core::schedule::os::remove(&self.0, &job.key());
        }
    }
}

/// A daemon this test started: stopped however the test ends (a failed assertion included).
#[cfg(target_os = "linux")]
struct Daemon(std::process::Child);

#[cfg(target_os = "linux")]
impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The run records in the ledger's folder (a record being written is not one yet).
fn records(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count()
}

/// Every scheduled run is on record from its start: one that fails before it reaches the archive
/// (its profile is gone: 66) with its exit code and message, one that is killed as "did not
/// finish" — the next time anyone looks (`rollcall schedule list`).
#[test]
fn a_failing_or_killed_scheduled_run_is_on_record() {
    let data = temp("ledger");
    let bin = env!("CARGO_BIN_EXE_rollcall");
    let d = data.to_str().unwrap();
    let gone = Command::new(bin)
        .args([
            "sync",
            "--scheduled",
            "--days",
            "7",
            "--profile",
            "Renamed since",
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    assert_eq!(
        gone.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
    // Killed as soon as it is on record (long before a demo sync could end).
    let runs = data.join("scheduled-runs");
    let before = records(&runs);
    let mut child = Command::new(bin)
        .args([
            "sync",
            "--scheduled",
            "--days",
            "7",
            "--demo",
            "--data-dir",
            d,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while records(&runs) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the run was not recorded at its start"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let list = Command::new(bin)
        .args(["schedule", "list", "--data-dir", d])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("did not finish"), "{text}");
    assert!(
        text.contains("failed (exit 66): No saved profile is called \"Renamed since\""),
        "{text}"
    );
    let recent = rollcall_core::schedule::ledger::recent(&data, 10);
    let notices: Vec<_> = recent
        .iter()
        .filter_map(rollcall_core::support::notices::scheduled_notice)
        .collect();
    assert_eq!(
        notices.len(),
        2,
        "both are told on the desktop: {notices:?}"
    );
}

/// `schedule install` proves the job can get its credential where the scheduler runs it. Under
/// cron there is no session bus: a profile whose secret is in the keychain cannot be read there,
/// so nothing is installed and the reason is said. (With a systemd user manager the bus is there
/// and the job is installed; this machine's scheduler decides which half runs.)
#[cfg(target_os = "linux")]
#[test]
fn install_refuses_a_job_that_could_not_reach_the_keychain_under_cron() {
    use rollcall_core::tenant::profile::Profiles;
    use rollcall_core::tenant::secrets::{KeyringSecrets, SecretKind, SecretStore};
    if std::env::var_os("FAKETIME").is_some()
        || rollcall_core::schedule::os::available().ok() != Some(Scheduler::Cron)
    {
        return;
    }
    let data = temp("probe");
    let p = app_profile(
        &format!("probe-{}", std::process::id()),
        "Nightly probe",
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002",
        None,
    );
    Profiles::in_dir(&data).upsert(p.clone()).unwrap();
    let store = KeyringSecrets::default();
    if store
        .set(
            &p.id,
            SecretKind::ClientSecret,
            &rollcall_graph::Secret::new("probe-value"),
        )
        .is_err()
    {
        // No keychain in this test run either (plain `cargo test` without a Secret Service).
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args([
            "schedule",
            "install",
            "--profile",
            "Nightly probe",
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let _ = store.delete(&p.id, SecretKind::ClientSecret);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "{err}");
    assert!(
        err.contains("could not get its credential where a crontab line would run it"),
        "{err}"
    );
    assert!(err.contains("no session bus"), "{err}");
    assert!(
        rollcall_core::schedule::installed(&data).is_empty(),
        "nothing installed"
    );
    let table = Command::new("crontab").arg("-l").output().unwrap();
    assert!(!String::from_utf8_lossy(&table.stdout).contains(&p.id));
}

/// A `rollcall` in the temporary folder (which another user can recreate after a restart) is
/// not scheduled.
#[cfg(unix)]
#[test]
fn install_refuses_a_program_in_the_temporary_folder() {
    let dir = temp("tmp-program");
    let copy = dir.join("rollcall");
    // `cp` writes the copy in its own process: a copy written here could still be open for
    // writing in a child another test thread forks at that instant ("Text file busy").
    let copied = Command::new("cp")
        .arg(env!("CARGO_BIN_EXE_rollcall"))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let out = Command::new(&copy)
        .args([
            "schedule",
            "install",
            "--demo",
            "--data-dir",
            dir.join("data").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(
        err.contains("temporary folder") && err.contains("~/.local/bin"),
        "{err}"
    );
}

/// The task definition and the data folder it creates are the user's alone.
#[cfg(unix)]
#[test]
fn the_job_registry_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let data = temp("private").join("fresh");
    let mut j = job(None);
    j.scheduler = Scheduler::TaskScheduler; // writes nothing outside the data folder but the XML
    let _ = rollcall_core::schedule::os::install(&data, &j);
    let xml = data.join(format!("{}.task.xml", j.key()));
    assert!(
        xml.exists(),
        "the task XML is written before schtasks is asked"
    );
    assert_eq!(
        std::fs::metadata(&xml).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

/// A tenant (an emulator process, kept until the guard drops) and a saved application-mode
/// profile for it in `data`, with Rollcall's certificate made by `rollcall certificate create`
/// and uploaded to the app as an administrator would. No client secret is saved anywhere.
#[cfg(target_os = "linux")]
fn profile_with_uploaded_certificate(data: &std::path::Path) -> (Daemon, String) {
    profile_with_certificate(data, true)
}

/// [`profile_with_uploaded_certificate`], the upload left to the caller (`upload: false`).
#[cfg(target_os = "linux")]
fn profile_with_certificate(data: &std::path::Path, upload: bool) -> (Daemon, String) {
    use rollcall_core::tenant::profile::Profiles;
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("emulator")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    let name = "Nightly (certificate)".to_string();
    let mut p = app_profile(
        &format!("cert-{}", std::process::id()),
        &name,
        &s("tenantId"),
        &s("clientId"),
        Some((s("authority"), s("graph"))),
    );
    p.hosts = vec![info["hosts"][0].as_str().unwrap().to_string()];
    Profiles::in_dir(data).upsert(p).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["certificate", "create", "--profile", &name, "--json"])
        .env("ROLLCALL_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let der = std::fs::read(files["certificate"].as_str().unwrap()).unwrap();
    if !upload {
        return (Daemon(child), name);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!(
                "{}/applications/{}/certificates",
                s("admin"),
                s("clientId")
            ))
            .body(rollcall_graph::certificate::cert_pem(&der))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    });
    (Daemon(child), name)
}

/// The probe asks the tenant for a token too: a certificate made but not uploaded yet is found at
/// install, not at night, and nothing is installed.
#[cfg(target_os = "linux")]
#[test]
fn install_refuses_a_certificate_the_app_registration_does_not_have() {
    if rollcall_core::schedule::os::available().is_err() {
        return;
    }
    let data = temp("not-uploaded").join("data");
    let (_tenant, profile) = profile_with_certificate(&data, false);
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args([
            "schedule",
            "install",
            "--profile",
            &profile,
            "--at",
            "03:00",
        ])
        .env("ROLLCALL_DATA_DIR", &data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "{err}");
    assert!(err.contains("could not get its credential"), "{err}");
    assert!(
        err.contains("does not accept Rollcall's certificate") && err.contains("Upload"),
        "{err}"
    );
    assert!(
        rollcall_core::schedule::installed(&data).is_empty(),
        "nothing installed"
    );
}

/// A saved application-mode profile for these tests; `endpoints` (authority, Graph) for a tenant
/// of the emulator's, else the global cloud.
#[cfg(target_os = "linux")]
fn app_profile(
    id: &str,
    name: &str,
    tenant: &str,
    client_id: &str,
    endpoints: Option<(String, String)>,
) -> rollcall_core::tenant::profile::Profile {
    use rollcall_core::tenant::profile::{AuthMode, Cloud, Profile};
    let (cloud, authority, graph) = match endpoints {
        Some((a, g)) => (Cloud::Custom, Some(a), Some(g)),
        None => (Cloud::Global, None, None),
    };
    Profile {
        id: id.into(),
        name: name.into(),
        cloud,
        authority,
        graph,
        tenant: tenant.into(),
        client_id: client_id.into(),
        mode: AuthMode::Application,
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
    }
}
