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

/// A definition in the scheduler's folder (created for the user alone when missing).
fn write(path: &Path, text: &str) -> Result<(), CoreError> {
    crate::support::atomic::write_private(path, text.as_bytes())
}

/// Refuse to schedule a `rollcall` that another user could replace before the job runs: one in
/// the temporary folder (emptied at restart, when anyone may create the same path) or in any
/// folder others may write to.
pub fn check_program(program: &Path) -> Result<(), CoreError> {
    let refuse = |why: String| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("The nightly job would run {}, {why}.", program.display()),
            Some("Run `rollcall schedule install` from an installed Rollcall (the installer puts `rollcall` beside the app), or copy `rollcall` to a folder of your own such as ~/.local/bin, and install the job from there.".into()),
        )
    };
    let temp = std::env::temp_dir();
    let temp = temp.canonicalize().unwrap_or(temp);
    let real = program
        .canonicalize()
        .unwrap_or_else(|_| program.to_path_buf());
    if real.starts_with(&temp) {
        return Err(refuse(format!(
            "which is in the temporary folder ({})",
            temp.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for dir in real.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(dir) else {
                continue;
            };
            if meta.permissions().mode() & 0o002 != 0 {
                return Err(refuse(format!(
                    "which is in {}, a folder other users can write to",
                    dir.display()
                )));
            }
        }
    }
    Ok(())
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

/// Prove, before a job is installed, that it can get its credential where the scheduler will
/// run it: `rollcall schedule probe` in that scheduler's environment — cron gives a bare one (no
/// session bus, so no Secret Service; no proxy variables; `PATH=/usr/bin:/bin`), a systemd user
/// manager keeps the session bus, launchd a bare one in the user's session; Task Scheduler runs
/// in the user's logged-on session. What is missing is said, and nothing is installed.
pub fn probe(job: &Job) -> Result<(), CoreError> {
    let mut cmd = Command::new(&job.program);
    cmd.args(["schedule", "probe"]).args(job.connection_args());
    if job.scheduler != Scheduler::TaskScheduler {
        cmd.env_clear();
        for k in ["HOME", "USER", "LOGNAME", "LANG", "TMPDIR"] {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        let path = match job.scheduler {
            Scheduler::SystemdUser => "/usr/local/bin:/usr/bin:/bin",
            Scheduler::Launchd => "/usr/bin:/bin:/usr/sbin:/sbin",
            _ => "/usr/bin:/bin",
        };
        cmd.env("PATH", path);
        if job.scheduler == Scheduler::SystemdUser {
            for k in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
                if let Some(v) = std::env::var_os(k) {
                    cmd.env(k, v);
                }
            }
        }
    }
    let out = cmd.output().map_err(|e| {
        CoreError::new(
            ErrorCode::Unavailable,
            format!("Could not run {} to check the job: {e}", job.program),
            None,
        )
    })?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr)
        .trim()
        .trim_start_matches("rollcall: ")
        .to_string();
    let keychain = out.status.code() == Some(78);
    let hint = match (job.scheduler, keychain) {
        (Scheduler::Cron, true) => "Under cron the job has no session bus, so it cannot reach the keychain (Secret Service) that holds the client secret. Give the profile Rollcall's own certificate, which needs no keychain: `rollcall certificate create --profile NAME`, upload the .cer file it names in the Entra admin centre (App registrations → the app → Certificates & secrets → Certificates), then install the job again.".to_string(),
        (_, true) => format!("The job would run where the keychain cannot be reached ({}). Give the profile Rollcall's own certificate (`rollcall certificate create --profile NAME`, then upload its .cer file in Entra), or log in to a desktop session and install the job from there.", job.scheduler.describe()),
        _ => "Fix what it says, then install the job again.".to_string(),
    };
    Err(CoreError::new(
        ErrorCode::Unavailable,
        format!(
            "The nightly job could not get its credential where {} would run it: {said}",
            job.scheduler.describe()
        ),
        Some(hint),
    ))
}

/// The user's crontab; none yet (`crontab -l` says "no crontab for USER") is an empty one.
fn current_crontab() -> Result<String, CoreError> {
    let out = Command::new("crontab").arg("-l").output().map_err(|e| {
        CoreError::new(
            ErrorCode::Unavailable,
            format!("Could not run crontab: {e}"),
            None,
        )
    })?;
    crontab_listed(
        out.status.success(),
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    )
}

/// What `crontab -l` answered, as the table: a user without one has an empty table (so removing
/// a job still works once the crontab itself is gone).
fn crontab_listed(ok: bool, stdout: &str, stderr: &str) -> Result<String, CoreError> {
    if ok || stderr.contains("no crontab") {
        Ok(if ok {
            stdout.to_string()
        } else {
            String::new()
        })
    } else {
        Err(CoreError::new(
            ErrorCode::Unavailable,
            format!("crontab -l refused: {}", stderr.trim()),
            None,
        ))
    }
}

/// The LaunchAgent's log file in the data folder, its folder created (private): launchd opens
/// the file itself and does not create a missing folder, so the job's output would be lost.
fn launchd_log(data_dir: &Path) -> Result<PathBuf, CoreError> {
    let logs = crate::support::logging::log_dir_in(data_dir);
    crate::support::private::create_dir(&logs)
        .map_err(|e| CoreError::internal(format!("could not create {}: {e}", logs.display())))?;
    Ok(logs.join("scheduled-sync.log"))
}

/// The `rollcall` command installed beside the running program (the desktop app's installers put
/// it there: `/usr/bin`, `Rollcall.app/Contents/MacOS`, the Windows install folder).
pub fn cli_beside_this_program() -> Result<PathBuf, CoreError> {
    let exe = std::env::current_exe().map_err(|e| CoreError::internal(e.to_string()))?;
    let program = exe.with_file_name(if cfg!(windows) {
        "rollcall.exe"
    } else {
        "rollcall"
    });
    if !program.exists() {
        return Err(CoreError::new(
            ErrorCode::NotFound,
            format!("The rollcall command is not installed beside the app ({}).", program.display()),
            Some("Reinstall Rollcall from its installer (it ships the command), or run `rollcall schedule install` where the command is.".into()),
        ));
    }
    Ok(program)
}

/// Build the nightly job of a profile (`(name, id)`, `None` for the demo tenant) running
/// `program`, check it can run where the scheduler will start it ([`check_program`],
/// [`Job::check`], [`probe`]), and install it. The data folder is `ROLLCALL_DATA_DIR`'s when set.
pub fn install_job(
    data_dir: &Path,
    program: &Path,
    profile: Option<(String, String)>,
    at: String,
    hosts: Vec<String>,
) -> Result<Job, CoreError> {
    super::parse_at(&at)?;
    check_program(program)?;
    let (profile, profile_id) = profile.unzip();
    let job = Job {
        profile,
        profile_id,
        at,
        hosts,
        program: program.display().to_string(),
        scheduler: available()?,
        data_dir: std::env::var("ROLLCALL_DATA_DIR")
            .ok()
            .filter(|d| !d.is_empty()),
    };
    job.check()?;
    probe(&job)?;
    install(data_dir, &job)?;
    Ok(job)
}

/// Register the job (replacing one for the same profile) and record it.
pub fn install(data_dir: &Path, job: &Job) -> Result<(), CoreError> {
    job.check()?;
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
            let current = current_crontab()?;
            let mut table = crontab_without(&current, &job.label());
            table.push_str(&job.cron_line());
            table.push('\n');
            set_crontab(&table)?;
        }
        Scheduler::Launchd => {
            let plist = launch_agents()?.join(format!("{}.plist", job.label()));
            let log = launchd_log(data_dir)?;
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
            crate::support::atomic::write_private(&xml, &bytes)?;
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

/// Unregister the job whose [`Job::key`] is `key`. `false` when there was none.
pub fn remove(data_dir: &Path, key: &str) -> Result<bool, CoreError> {
    let jobs = installed(data_dir);
    let Some(job) = jobs.iter().find(|j| j.key() == key).cloned() else {
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
            // The user's crontab may be gone already: then there is nothing to take out.
            let current = current_crontab()?;
            let rest = crontab_without(&current, &job.label());
            if rest != current {
                set_crontab(&rest)?;
            }
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
    fn a_user_without_a_crontab_has_an_empty_one() {
        assert_eq!(
            super::crontab_listed(false, "", "no crontab for ann\n").unwrap(),
            ""
        );
        assert_eq!(
            super::crontab_listed(true, "0 1 * * * x\n", "").unwrap(),
            "0 1 * * * x\n"
        );
        assert!(super::crontab_listed(false, "", "crontab: permission denied").is_err());
    }

    #[test]
    fn the_launch_agents_log_folder_exists_before_launchd_opens_it() {
        let data = std::env::temp_dir().join(format!("rollcall-launchd-{}", uuid::Uuid::new_v4()));
        let log = super::launchd_log(&data).unwrap();
        assert!(log.parent().unwrap().is_dir());
        std::fs::remove_dir_all(data).unwrap();
    }

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
