//! `rollcall check` and `rollcall summary`: the set-up checklist (exit codes 0 all passed, 1 a step
//! failed, 2 could not run) and the tenant summary.

use crate::connection::ConnectionArgs;
use crate::term::tell;
use crate::{fail, print_json};

/// `rollcall summary`: the same tenant summary as the app's Setup page.
pub async fn summary(conn: &ConnectionArgs, json: bool) -> std::process::ExitCode {
    let (conn, _emulator) = match conn.resolve().await {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match rollcall_core::setup::summary::fetch(&conn).await {
        Ok(summary) if json => print_json(&summary),
        Ok(summary) => print!("{}", summary.to_text()),
        Err(e) => return fail(&e),
    }
    std::process::ExitCode::SUCCESS
}

pub async fn check(
    args: &ConnectionArgs,
    json: bool,
    smoke: bool,
    report: Option<std::path::PathBuf>,
) -> std::process::ExitCode {
    use rollcall_core::setup;
    let could_not_run = |e: &rollcall_core::CoreError| {
        tell!("rollcall: {}", e.user_message());
        std::process::ExitCode::from(2)
    };
    let (conn, _emulator) = match args.resolve().await {
        Ok(c) => c,
        Err(e) => return could_not_run(&e),
    };
    let mut list = setup::check_all(&conn).await;
    if smoke {
        if let Ok(step) = setup::check(&conn, "smoke").await {
            if let Some(slot) = list.steps.iter_mut().find(|s| s.id == "smoke") {
                *slot = step;
            }
        }
    }
    if let Some(path) = report {
        if let Err(e) = setup::write_report(&list, &path) {
            return could_not_run(&e);
        }
        tell!("rollcall: report written to {}", path.display());
    }
    if json {
        print_json(&list);
    } else {
        print!("{}", check_text(&list));
    }
    if list.failed() > 0 {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

fn check_text(list: &rollcall_core::setup::Checklist) -> String {
    use rollcall_core::setup::{status_word, Status};
    let mut out = format!(
        "Set-up check: {} · tenant {} · app {}{}\n",
        list.profile,
        list.tenant,
        list.client_id,
        if list.demo { " (DEMO)" } else { "" }
    );
    for s in &list.steps {
        if s.on_demand && s.checked_at.is_none() {
            continue;
        }
        let mark = match s.status {
            Status::Passed => "✔",
            Status::Failed => "✖",
            Status::Warning => "!",
            Status::Waiting | Status::CannotCheck => "·",
        };
        out.push_str(&format!(
            "{mark} {}. {} — {}\n",
            s.number,
            s.title,
            status_word(s.status)
        ));
        for d in &s.detail {
            out.push_str(&format!("    {d}\n"));
        }
        if s.status == Status::Failed {
            for v in &s.values {
                out.push_str(&format!("    {}: {}\n", v.label, v.value));
            }
            if let Some(sc) = s.scripts.first() {
                out.push_str(&format!("    PowerShell ({}):\n", sc.label));
                for l in sc.value.lines() {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
    }
    let failed = list.failed();
    out.push_str(&if failed == 0 {
        "All checks passed.\n".to_string()
    } else {
        format!("{failed} step(s) failed.\n")
    });
    out
}
