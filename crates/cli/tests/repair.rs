#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `rollcall setup fix`, `setup changes`, `secret renew` and `secret retire` as an administrator
//! runs them: `--no-browser` prints the sign-in address on stderr (the test plays the browser as
//! the demo tenant's administrator), `--yes` confirms, and the steps pass afterwards.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use rollcall_emulator::{start, Config, Running};

async fn emulator(scenarios: &[&str]) -> Running {
    start(
        "127.0.0.1:0",
        Config {
            scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn data_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rollcall-cli-repair-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The flags of a bare `--tenant/--client-id` connection to this emulator.
fn flags(emu: &Running) -> Vec<String> {
    let i = &emu.info;
    [
        "--tenant",
        &i.tenant_id,
        "--client-id",
        &i.client_id,
        "--authority",
        &i.authority,
        "--graph",
        &i.graph,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `rollcall ARGS`; when it prints a sign-in address, sign in there as `user` (consenting on
/// the way), as the browser would.
async fn run(data: &std::path::Path, args: &[String], secret: Option<&str>, user: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    cmd.args(args)
        .env("ROLLCALL_DATA_DIR", data)
        .env_remove("ROLLCALL_CLIENT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(s) = secret {
        cmd.env("ROLLCALL_CLIENT_SECRET", s);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("http") && line.contains("/oauth2/v2.0/authorize") {
                tx.send(line.clone()).ok();
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let user = user.to_string();
    let browser = tokio::task::spawn_blocking(move || {
        rx.recv_timeout(std::time::Duration::from_secs(60)).ok()
    });
    if let Some(url) = browser.await.unwrap() {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = http
            .get(format!("{url}&login_hint={user}&action=consent"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let back = r.headers()["location"].to_str().unwrap().to_string();
        http.get(back).send().await.unwrap();
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: reader.join().unwrap(),
    }
}

fn args(base: &[&str], flags: &[String]) -> Vec<String> {
    base.iter()
        .map(|s| s.to_string())
        .chain(flags.iter().cloned())
        .collect()
}

#[tokio::test]
async fn setup_fix_repairs_each_broken_step_and_logs_it() {
    let emu = emulator(&[
        "single-tenant-app",
        "missing-permission",
        "no-admin-consent",
    ])
    .await;
    let data = data_dir();
    let f = flags(&emu);
    let secret = emu.info.client_secret.clone();
    let admin = emu.info.admin_user.clone();

    // Without a terminal and without --yes nothing is changed.
    let r = run(
        &data,
        &args(&["setup", "fix", "--no-browser"], &f),
        Some(&secret),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(64), "{}", r.stderr);
    assert!(r.stderr.contains("Nothing was changed"), "{}", r.stderr);
    assert!(r.stdout.contains("before: AzureADMyOrg"), "{}", r.stdout);

    // --dry-run shows the plan and changes nothing.
    let r = run(
        &data,
        &args(&["setup", "fix", "--dry-run", "--no-browser"], &f),
        Some(&secret),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("Dry run: nothing was changed."));
    assert!(
        r.stdout.contains("[consent] Grant admin consent"),
        "{}",
        r.stdout
    );

    let r = run(
        &data,
        &args(&["setup", "fix", "--yes", "--no-browser"], &f),
        Some(&secret),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("signed in as admin@"), "{}", r.stderr);
    assert!(r.stderr.contains("(Global Administrator)"), "{}", r.stderr);
    assert!(r.stdout.contains("Checked again:"), "{}", r.stdout);
    assert!(!r.stdout.contains("✖"), "{}", r.stdout);

    // `rollcall check` agrees.
    let r = run(
        &data,
        &args(&["check", "--json"], &f),
        Some(&secret),
        &admin,
    )
    .await;
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for id in ["audience", "permissions", "consent"] {
        let s = list["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap();
        assert_ne!(s["status"], "failed", "{id}: {s}");
    }
    assert_eq!(
        list["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "consent")
            .unwrap()["status"],
        "passed"
    );

    // The log lists the three changes with their request-ids; an additive one can be undone.
    let r = run(&data, &args(&["setup", "changes"], &f), None, &admin).await;
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stdout.matches("request-id ").count(), 3, "{}", r.stdout);
    assert!(r.stdout.contains("undo: rollcall setup changes --undo 1"));
    let r = run(
        &data,
        &args(&["setup", "changes", "--undo", "1", "--no-browser"], &f),
        Some(&secret),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(
        &data,
        &args(
            &[
                "setup",
                "fix",
                "--dry-run",
                "--step",
                "audience",
                "--no-browser",
            ],
            &f,
        ),
        Some(&secret),
        &admin,
    )
    .await;
    assert!(
        r.stdout.contains("before: AzureADMyOrg"),
        "the undone change is back: {}",
        r.stdout
    );
    std::fs::remove_dir_all(data).ok();
}

#[tokio::test]
async fn a_cloud_application_administrator_is_refused_graph_application_permissions() {
    let emu = emulator(&["no-admin-consent"]).await;
    let data = data_dir();
    let f = flags(&emu);
    let r = run(
        &data,
        &args(
            &["setup", "fix", "--yes", "--no-browser", "--step", "consent"],
            &f,
        ),
        Some(&emu.info.client_secret),
        &emu.info.app_admin_user,
    )
    .await;
    assert_eq!(r.code, Some(77), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Cloud Application Administrator"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Global Administrator or Privileged Role Administrator"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Nothing was changed"), "{}", r.stderr);
    std::fs::remove_dir_all(data).ok();
}

#[tokio::test]
async fn a_renewed_secret_is_kept_for_the_flags_and_the_old_one_retired() {
    let emu = emulator(&["secret-lifetime-policy"]).await;
    let data = data_dir();
    let f = flags(&emu);
    let old = emu.info.client_secret.clone();
    let admin = emu.info.admin_user.clone();
    // Longer than the tenant's policy allows: refused, nothing changed.
    let r = run(
        &data,
        &args(
            &["secret", "renew", "--months", "12", "--yes", "--no-browser"],
            &f,
        ),
        Some(&old),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(64), "{}", r.stderr);
    assert!(r.stderr.contains("at most 180 days"), "{}", r.stderr);

    let r = run(
        &data,
        &args(
            &["secret", "renew", "--months", "5", "--yes", "--no-browser"],
            &f,
        ),
        Some(&old),
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let value = r.stdout.lines().nth(1).unwrap().trim().to_string();
    assert!(value.len() > 30, "{}", r.stdout);
    assert!(!r.stderr.contains(&value), "the value goes to stdout only");
    assert!(r.stdout.contains("rollcall secret retire"));
    // Later commands with the same flags and no secret in the environment use the renewed one.
    let r = run(&data, &args(&["whoami"], &f), None, &admin).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("Client secret: {}", &value[..3])),
        "{}",
        r.stdout
    );

    let r = run(
        &data,
        &args(&["secret", "retire", "--yes", "--no-browser"], &f),
        None,
        &admin,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&data, &args(&["whoami"], &f), Some(&old), &admin).await;
    assert_eq!(r.code, Some(77), "the old secret is gone: {}", r.stderr);
    let r = run(&data, &args(&["whoami"], &f), None, &admin).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    std::fs::remove_dir_all(data).ok();
}

#[tokio::test]
async fn setup_create_makes_a_registration_that_passes_the_checks() {
    let emu = emulator(&[]).await;
    let data = data_dir();
    let i = &emu.info;
    let base = [
        "--tenant",
        &i.tenant_id,
        "--authority",
        &i.authority,
        "--graph",
        &i.graph,
        "--domain",
        "lms.northwind.example",
        "--name",
        "Northwind LMS",
        "--host",
        "megan.bowen@northwind.example",
        "--yes",
        "--no-browser",
    ];
    // A Cloud Application Administrator cannot grant the application permissions: refused first.
    let r = run(
        &data,
        &args(
            &["setup", "create"],
            &base.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        None,
        &i.app_admin_user,
    )
    .await;
    assert_eq!(r.code, Some(77), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("Global Administrator or Privileged Role Administrator"),
        "{}",
        r.stderr
    );
    // A bad domain is refused before anyone signs in.
    let mut bad: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    bad[7] = "https://lms.example/path".into();
    let r = run(
        &data,
        &args(&["setup", "create"], &bad),
        None,
        &i.admin_user,
    )
    .await;
    assert_eq!(r.code, Some(64), "{}", r.stderr);

    let r = run(
        &data,
        &args(
            &["setup", "create"],
            &base.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        None,
        &i.admin_user,
    )
    .await;
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Client ID: "), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("https://lms.northwind.example/api/v2/webinars/oauth/microsoft-callback"));
    assert!(
        r.stdout
            .contains("Saved as the Rollcall profile \"Northwind LMS\""),
        "{}",
        r.stdout
    );
    let r = run(
        &data,
        &[
            "check".into(),
            "--profile".into(),
            "Northwind LMS".into(),
            "--json".into(),
        ],
        None,
        &i.admin_user,
    )
    .await;
    let list: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{}\n{}", r.stdout, r.stderr));
    for s in list["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["onDemand"] != true)
    {
        assert_ne!(s["status"], "failed", "{s}");
    }
    for id in ["tenant", "credentials", "permissions", "consent", "hosts"] {
        let s = list["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap();
        assert_eq!(s["status"], "passed", "{s}");
    }
    std::fs::remove_dir_all(data).ok();
}
