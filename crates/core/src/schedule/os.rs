//! Registering a [`Job`] with this computer's scheduler, and removing it: the only code in the
//! schedule module that runs the OS's tools (`systemctl --user`, `crontab`, `launchctl`,
//! `schtasks`). Each writes the job's definition where that scheduler reads it and records the
//! job in `schedules.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{installed, save, Job, Scheduler};
use crate::error::{CoreError, ErrorCode};

/// Which scheduler this computer has for the current user.
pub fn available() -> Result<Scheduler, CoreError> {
    if cfg!(windows) {
        return Ok(Scheduler::TaskScheduler);
    }
    if cfg!(target_os = "macos") {
        return Ok(Scheduler::Launchd);
    }
    // A running user manager answers; `offline` or an error means there is none.
    let systemd = Command::new("systemctl")
        .args(["--user", "is-system-running"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if systemd
        .as_deref()
        .is_some_and(|s| !s.is_empty() && s != "offline")
    {
        return Ok(Scheduler::SystemdUser);
    }
    if Command::new("crontab").arg("-l").output().is_ok() {
        return Ok(Scheduler::Cron);
    }
    Err(CoreError::new(
        ErrorCode::Unavailable,
        "This computer has no scheduler Rollcall can use: no systemd user session and no cron.",
        Some(
            "Log in to a desktop session (systemd starts a user manager there), or install cron, then try again. \
             Meanwhile `rollcall sync --days 7 --scheduled` can be run by any scheduler you have."
                .into(),
        ),
    ))
}

/// Where the definitions go: systemd user units, LaunchAgents.
pub fn systemd_dir() -> Result<PathBuf, CoreError> {
    dirs::config_dir()
        .map(|d| d.join("systemd").join("user"))
        .ok_or_else(|| CoreError::internal("this system has no per-user configuration folder"))
}

fn launch_agents() -> Result<PathBuf, CoreError> {
    dirs::home_dir()
        .map(|d| d.join("Library").join("LaunchAgents"))
        .ok_or_else(|| CoreError::internal("this system has no home folder"))
}

fn run(cmd: &mut Command, what: &str) -> Result<String, CoreError> {
    let out = cmd.output().map_err(|e| {
        CoreError::new(
            ErrorCode::Unavailable,
            format!("Could not run {what}: {e}"),
            None,
        )
    })?;
    if !out.status.success() {
        return Err(CoreError::new(
            ErrorCode::Unavailable,
            format!(
                "{what} refused: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            None,
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn write(path: &Path, text: &str) -> Result<(), CoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Could not create {}: {e}", dir.display()),
                None,
            )
        })?;
    }
    crate::support::atomic::write(path, text.as_bytes())
}

/// The crontab without the job's line.
fn crontab_without(current: &str, label: &str) -> String {
    let mut out: String = current
        .lines()
        .filter(|l| !l.trim_end().ends_with(&format!("# {label}")))
        .map(|l| format!("{l}\n"))
        .collect();
    if out.trim().is_empty() {
        out.clear();
    }
    out
}

fn set_crontab(text: &str) -> Result<(), CoreError> {
    use std::io::Write;
    let mut child = Command::new("crontab")
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            CoreError::new(
                ErrorCode::Unavailable,
                format!("Could not run crontab: {e}"),
                None,
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| CoreError::internal(e.to_string()))?;
    }
    let status = child
        .wait()
        .map_err(|e| CoreError::internal(e.to_string()))?;
    if !status.success() {
        return Err(CoreError::new(
            ErrorCode::Unavailable,
            "crontab refused the new table.",
            None,
        ));
    }
    Ok(())
}

/// Unload the job's LaunchAgent from the user's session (harmless when none is loaded); the
/// user's id, whose `gui/UID` domain holds it.
fn launchd_unload(job: &Job) -> Result<String, CoreError> {
    let uid = run(Command::new("id").arg("-u"), "id -u")?
        .trim()
        .to_string();
    let _ = Command::new("launchctl")
        .args(["bootout", &format!("gui/{uid}/{}", job.label())])
        .output();
    Ok(uid)
}

/// Register the job (replacing one for the same profile) and record it.
pub fn install(data_dir: &Path, job: &Job) -> Result<(), CoreError> {
    match job.scheduler {
        Scheduler::SystemdUser => {
            let dir = systemd_dir()?;
            let (service, timer) = job.systemd_units();
            let name = job.systemd_name();
            write(&dir.join(format!("{name}.service")), &service)?;
            write(&dir.join(format!("{name}.timer")), &timer)?;
            run(
                Command::new("systemctl").args(["--user", "daemon-reload"]),
                "systemctl --user daemon-reload",
            )?;
            run(
                Command::new("systemctl").args([
                    "--user",
                    "enable",
                    "--now",
                    &format!("{name}.timer"),
                ]),
                "systemctl --user enable",
            )?;
        }
        Scheduler::Cron => {
            let current = Command::new("crontab")
                .arg("-l")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            let mut table = crontab_without(&current, &job.label());
            table.push_str(&job.cron_line());
            table.push('\n');
            set_crontab(&table)?;
        }
        Scheduler::Launchd => {
            let plist = launch_agents()?.join(format!("{}.plist", job.label()));
            let log = crate::support::logging::log_dir_in(data_dir).join("scheduled-sync.log");
            write(&plist, &job.launchd_plist(&log))?;
            // Replace a loaded copy.
            let uid = launchd_unload(job)?;
            run(
                Command::new("launchctl").args([
                    "bootstrap",
                    &format!("gui/{uid}"),
                    &plist.display().to_string(),
                ]),
                "launchctl bootstrap",
            )?;
        }
        Scheduler::TaskScheduler => {
            let xml = data_dir.join(format!("{}.task.xml", job.key()));
            // schtasks reads the file as UTF-16 when it says so; write it that way (with a BOM).
            let mut bytes = vec![0xFF, 0xFE];
            for u in job.task_xml().encode_utf16() {
                bytes.extend(u.to_le_bytes());
            }
            crate::support::atomic::write(&xml, &bytes)?;
            run(
                Command::new("schtasks").args([
                    "/Create",
                    "/TN",
                    &format!("Rollcall\\{}", job.label()),
                    "/XML",
                    &xml.display().to_string(),
                    "/F",
                ]),
                "schtasks /Create",
            )?;
        }
    }
    let mut jobs: Vec<Job> = installed(data_dir)
        .into_iter()
        .filter(|j| j.key() != job.key())
        .collect();
    jobs.push(job.clone());
    save(data_dir, &jobs)
}

/// Unregister the job of a profile (`None`: the demo's). `false` when there was none.
pub fn remove(data_dir: &Path, profile: Option<&str>) -> Result<bool, CoreError> {
    let jobs = installed(data_dir);
    let key_of = |p: Option<&str>| match p {
        None => "demo".to_string(),
        Some(p) => crate::tenant::profile::file_key(p),
    };
    let Some(job) = jobs.iter().find(|j| j.key() == key_of(profile)).cloned() else {
        return Ok(false);
    };
    match job.scheduler {
        Scheduler::SystemdUser => {
            let name = job.systemd_name();
            let _ = Command::new("systemctl")
                .args(["--user", "disable", "--now", &format!("{name}.timer")])
                .output();
            let dir = systemd_dir()?;
            for ext in ["service", "timer"] {
                let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
            }
            let _ = Command::new("systemctl")
                .args(["--user", "daemon-reload"])
                .output();
        }
        Scheduler::Cron => {
            let current = run(Command::new("crontab").arg("-l"), "crontab -l")?;
            set_crontab(&crontab_without(&current, &job.label()))?;
        }
        Scheduler::Launchd => {
            launchd_unload(&job)?;
            let _ = std::fs::remove_file(launch_agents()?.join(format!("{}.plist", job.label())));
        }
        Scheduler::TaskScheduler => {
            run(
                Command::new("schtasks").args([
                    "/Delete",
                    "/TN",
                    &format!("Rollcall\\{}", job.label()),
                    "/F",
                ]),
                "schtasks /Delete",
            )?;
        }
    }
    let rest: Vec<Job> = jobs.into_iter().filter(|j| j.key() != job.key()).collect();
    save(data_dir, &rest)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_crontab_loses_only_the_jobs_line() {
        let t = "MAILTO=x\n0 1 * * * other\n30 2 * * * 'r' 'sync' # app.rollcall.sync.demo\n";
        assert_eq!(
            super::crontab_without(t, "app.rollcall.sync.demo"),
            "MAILTO=x\n0 1 * * * other\n"
        );
        assert_eq!(super::crontab_without("", "x"), "");
    }
}
