//! The nightly sync as a job of the OS's own scheduler: a systemd user timer on Linux (a crontab
//! line where there is no systemd), a LaunchAgent on macOS, a Task Scheduler task on Windows.
//!
//! The job runs `rollcall sync --profile NAME --days N --scheduled [--host …]`: no secret is in its
//! definition — the keychain serves the client secret (or refresh token) at run time, as it does
//! for any `rollcall` command. Owns the definitions (pure text, generated and tested on every OS)
//! and `schedules.json` in the data folder, the list of jobs installed; the calls to the
//! scheduler itself are in [`os`], the one place that knows which OS this is.

pub mod os;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ErrorCode};

/// Days of the calendar each scheduled run syncs (ending today): a missed night catches up, and
/// every webinar gets its 48 hours of re-checks.
pub const DAYS: u32 = 7;

/// One nightly job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The profile's name, or `None` for the demo tenant.
    pub profile: Option<String>,
    /// Local time of day, `HH:MM`.
    pub at: String,
    /// Hosts to sync instead of the profile's (empty: the profile's).
    pub hosts: Vec<String>,
    /// The `rollcall` executable the job runs.
    pub program: String,
    /// Which scheduler holds it.
    pub scheduler: Scheduler,
    /// The data folder when it is not the default one (`ROLLCALL_DATA_DIR` at install time).
    #[serde(default)]
    pub data_dir: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Scheduler {
    SystemdUser,
    Cron,
    Launchd,
    TaskScheduler,
}

impl Scheduler {
    pub fn describe(self) -> &'static str {
        match self {
            Scheduler::SystemdUser => "a systemd user timer",
            Scheduler::Cron => "a crontab line",
            Scheduler::Launchd => "a launchd LaunchAgent",
            Scheduler::TaskScheduler => "a Windows Task Scheduler task",
        }
    }
}

/// `HH:MM` (24-hour) as hour and minute.
pub fn parse_at(at: &str) -> Result<(u8, u8), CoreError> {
    let bad = || {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("\"{at}\" is not a time of day."),
            Some("Give it as HH:MM in 24-hour time, e.g. 02:00.".into()),
        )
    };
    let (h, m) = at.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 || at.trim().len() != 5 {
        return Err(bad());
    }
    Ok((h, m))
}

impl Job {
    /// A file-name-safe key of the job (the profile's, or `demo`).
    pub fn key(&self) -> String {
        match &self.profile {
            None => "demo".into(),
            Some(p) => crate::tenant::profile::file_key(p),
        }
    }

    /// The job's name as the schedulers show it.
    pub fn label(&self) -> String {
        format!("app.rollcall.sync.{}", self.key())
    }

    /// The command's arguments after the program.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["sync".to_string()];
        match &self.profile {
            None => a.push("--demo".into()),
            Some(p) => {
                a.push("--profile".into());
                a.push(p.clone());
            }
        }
        a.extend(["--days".into(), DAYS.to_string(), "--scheduled".into()]);
        for h in &self.hosts {
            a.push("--host".into());
            a.push(h.clone());
        }
        a
    }

    fn time(&self) -> (u8, u8) {
        parse_at(&self.at).unwrap_or((2, 0))
    }

    /// systemd: the service and the timer (`rollcall-sync-KEY.service`, `.timer`).
    /// systemd.service(5) `ExecStart`: words in double quotes, `\` escapes, `%` doubled, `$`
    /// doubled (no variable expansion); systemd.timer(5) `OnCalendar`, `Persistent=true` so a
    /// night the computer was off runs at the next start.
    pub fn systemd_units(&self) -> (String, String) {
        let quote = |w: &str| {
            let mut q = String::from("\"");
            for c in w.chars() {
                match c {
                    '"' => q.push_str("\\\""),
                    '\\' => q.push_str("\\\\"),
                    '%' => q.push_str("%%"),
                    '$' => q.push_str("$$"),
                    '\n' | '\r' => q.push(' '),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        };
        let exec: Vec<String> = std::iter::once(self.program.as_str())
            .chain(self.args().iter().map(String::as_str))
            .map(quote)
            .collect();
        let who = self
            .profile
            .as_deref()
            .unwrap_or("demo tenant")
            .replace(['\n', '\r'], " ");
        let env = self
            .data_dir
            .as_deref()
            .map(|d| format!("Environment={}\n", quote(&format!("ROLLCALL_DATA_DIR={d}"))))
            .unwrap_or_default();
        let service = format!(
            "[Unit]\nDescription=Rollcall nightly attendance sync ({who})\n\n[Service]\nType=oneshot\n{env}ExecStart={}\n",
            exec.join(" ")
        );
        let (h, m) = self.time();
        let timer = format!(
            "[Unit]\nDescription=Rollcall nightly attendance sync ({who}) at {h:02}:{m:02}\n\n[Timer]\nOnCalendar=*-*-* {h:02}:{m:02}:00\nPersistent=true\nUnit={}.service\n\n[Install]\nWantedBy=timers.target\n",
            self.systemd_name()
        );
        (service, timer)
    }

    pub fn systemd_name(&self) -> String {
        format!("rollcall-sync-{}", self.key())
    }

    /// cron: one line, words in single quotes, `%` escaped (crontab(5) turns it into a newline),
    /// marked with the job's label so it can be found and removed.
    pub fn cron_line(&self) -> String {
        let quote = |w: &str| format!("'{}'", w.replace('\'', "'\\''").replace('%', "\\%"));
        let (h, m) = self.time();
        let cmd: Vec<String> = std::iter::once(self.program.as_str())
            .chain(self.args().iter().map(String::as_str))
            .map(|w| quote(&w.replace(['\n', '\r'], " ")))
            .collect();
        let env = self
            .data_dir
            .as_deref()
            .map(|d| format!("ROLLCALL_DATA_DIR={} ", quote(d)))
            .unwrap_or_default();
        format!("{m} {h} * * * {env}{} # {}", cmd.join(" "), self.label())
    }

    /// launchd: a LaunchAgent property list (launchd.plist(5): `ProgramArguments`,
    /// `StartCalendarInterval`; a missed time runs when the Mac wakes).
    pub fn launchd_plist(&self, log: &Path) -> String {
        let x = crate::support::html::escape;
        let (h, m) = self.time();
        let mut args = format!("    <string>{}</string>\n", x(&self.program));
        for a in self.args() {
            args.push_str(&format!("    <string>{}</string>\n", x(&a)));
        }
        let log = x(&log.display().to_string());
        let env = self
            .data_dir
            .as_deref()
            .map(|d| format!("  <key>EnvironmentVariables</key>\n  <dict>\n    <key>ROLLCALL_DATA_DIR</key>\n    <string>{}</string>\n  </dict>\n", x(d)))
            .unwrap_or_default();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key>\n  <string>{}</string>\n  <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n  <key>StartCalendarInterval</key>\n  <dict>\n    <key>Hour</key>\n    <integer>{h}</integer>\n    <key>Minute</key>\n    <integer>{m}</integer>\n  </dict>\n{env}  <key>RunAtLoad</key>\n  <false/>\n  <key>StandardOutPath</key>\n  <string>{log}</string>\n  <key>StandardErrorPath</key>\n  <string>{log}</string>\n</dict>\n</plist>\n",
            x(&self.label())
        )
    }

    /// Windows: a Task Scheduler task (the Task XML schema,
    /// `http://schemas.microsoft.com/windows/2004/02/mit/task`): a daily calendar trigger, run
    /// only when the user is logged on (Credential Manager holds the secret for that user), start
    /// when available after a missed time.
    pub fn task_xml(&self) -> String {
        let x = crate::support::html::escape;
        let (h, m) = self.time();
        let args: Vec<String> = self.args().iter().map(|a| windows_quote(a)).collect();
        let who = self.profile.as_deref().unwrap_or("demo tenant");
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n  <RegistrationInfo>\n    <Description>Rollcall nightly attendance sync ({})</Description>\n    <URI>\\Rollcall\\{}</URI>\n  </RegistrationInfo>\n  <Triggers>\n    <CalendarTrigger>\n      <StartBoundary>2026-01-01T{h:02}:{m:02}:00</StartBoundary>\n      <Enabled>true</Enabled>\n      <ScheduleByDay>\n        <DaysInterval>1</DaysInterval>\n      </ScheduleByDay>\n    </CalendarTrigger>\n  </Triggers>\n  <Principals>\n    <Principal id=\"Author\">\n      <LogonType>InteractiveToken</LogonType>\n      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n  <Settings>\n    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n    <StartWhenAvailable>true</StartWhenAvailable>\n    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>\n    <Enabled>true</Enabled>\n  </Settings>\n  <Actions Context=\"Author\">\n    <Exec>\n      <Command>{}</Command>\n      <Arguments>{}</Arguments>\n    </Exec>\n  </Actions>\n</Task>\n",
            x(who),
            x(&self.label()),
            x(&self.program),
            x(&args.join(" "))
        )
    }
}

/// One argument as `CommandLineToArgvW` reads it back (quotes when needed, backslashes before a
/// quote doubled).
pub fn windows_quote(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
        return arg.to_string();
    }
    let mut out = String::from("\"");
    let mut slashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => slashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(slashes * 2 + 1));
                out.push('"');
                slashes = 0;
            }
            c => {
                out.push_str(&"\\".repeat(slashes));
                out.push(c);
                slashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(slashes * 2));
    out.push('"');
    out
}

/// The jobs installed from this computer (`schedules.json` in the data folder).
pub fn registry(data_dir: &Path) -> PathBuf {
    data_dir.join("schedules.json")
}

/// Read the installed jobs; a missing or unreadable file is an empty list (it is only a record).
pub fn installed(data_dir: &Path) -> Vec<Job> {
    std::fs::read(registry(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub(crate) fn save(data_dir: &Path, jobs: &[Job]) -> Result<(), CoreError> {
    let bytes = serde_json::to_vec_pretty(jobs).map_err(|e| CoreError::internal(e.to_string()))?;
    crate::support::atomic::write(&registry(data_dir), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(profile: Option<&str>) -> Job {
        Job {
            profile: profile.map(String::from),
            at: "02:30".into(),
            hosts: vec!["a@b.example".into()],
            program: "/opt/Roll Call/rollcall".into(),
            scheduler: Scheduler::SystemdUser,
            data_dir: None,
        }
    }

    #[test]
    fn times_of_day_are_checked() {
        assert_eq!(parse_at("02:00").unwrap(), (2, 0));
        assert_eq!(parse_at("23:59").unwrap(), (23, 59));
        for bad in ["24:00", "2:00", "02:60", "x", "02-00", ""] {
            assert!(parse_at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn definitions_carry_the_command_and_no_secret() {
        let j = job(Some("North \"wind\" 100%"));
        let (service, timer) = j.systemd_units();
        assert!(service.contains(
            "ExecStart=\"/opt/Roll Call/rollcall\" \"sync\" \"--profile\" \"North \\\"wind\\\" 100%%\""
        ));
        assert!(timer.contains("OnCalendar=*-*-* 02:30:00"));
        let line = j.cron_line();
        assert!(line.starts_with(
            "30 2 * * * '/opt/Roll Call/rollcall' 'sync' '--profile' 'North \"wind\" 100\\%'"
        ));
        assert!(line.ends_with(&format!("# {}", j.label())));
        let xml = j.task_xml();
        assert!(
            xml.contains("<Arguments>sync --profile &quot;North \\&quot;wind\\&quot; 100%&quot;")
        );
        for d in [
            service,
            timer,
            line,
            xml,
            j.launchd_plist(Path::new("/tmp/l.log")),
        ] {
            assert!(!d.to_lowercase().contains("secret"));
        }
        assert!(job(None).args().contains(&"--demo".to_string()));
    }

    #[test]
    fn windows_arguments_survive_command_line_to_argv() {
        assert_eq!(windows_quote("plain"), "plain");
        assert_eq!(windows_quote("two words"), "\"two words\"");
        assert_eq!(windows_quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(windows_quote("ends\\"), "ends\\");
        assert_eq!(windows_quote("sp ends\\"), "\"sp ends\\\\\"");
        assert_eq!(windows_quote(""), "\"\"");
    }
}
