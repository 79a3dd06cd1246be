#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `rollcall` binary as scripts use it: exit codes, JSON, files.

use std::process::Command;

fn rollcall(args: &[&str]) -> std::process::Output {
    let data = std::env::temp_dir().join(format!("rollcall-cli-{}", uuid_like()));
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .env("ROLLCALL_DATA_DIR", &data)
        .env_remove("ROLLCALL_CLIENT_SECRET")
        .output()
        .unwrap()
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
        text.contains("✖ 6. Teams application access policy — failed"),
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
        ["passed", "passed", "warning", "passed", "passed", "passed", "passed", "waiting"],
        "the demo secret expires in 10 days: a warning, not a failure"
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
