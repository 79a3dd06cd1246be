//! The nightly sync as a job of the OS's own scheduler: a systemd user timer on Linux (a crontab
//! line where there is no systemd), a LaunchAgent on macOS, a Task Scheduler task on Windows.
//!
//! The job runs `rollcall sync --profile ID [--data-dir D] --days N --scheduled [--host …]`,
//! keyed by the profile's id (a rename does not break it; two names that look alike are two
//! jobs), the data folder an argument (every scheduler passes arguments; not all pass an
//! environment). No secret is in its definition — the keychain serves the client secret (or refresh token) at run time, as it does
//! for any `rollcall` command. Owns the definitions (pure text, generated and tested on every OS)
//! and `schedules.json` in the data folder, the list of jobs installed; the calls to the
//! scheduler itself are in [`os`], the one place that knows which OS this is.

pub mod ledger;
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
    /// The profile's name when the job was installed (for people), or `None` for the demo tenant.
    pub profile: Option<String>,
    /// The profile's id: what the job runs and is keyed by (`None` in a job of an older
    /// Rollcall, keyed by name).
    #[serde(default)]
    pub profile_id: Option<String>,
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

/// The key of a profile's job by the profile's id (`None`: the demo tenant's), as [`Job::key`].
pub fn key_for(profile_id: Option<&str>) -> String {
    profile_id.map_or_else(|| "demo".into(), crate::tenant::profile::file_key)
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
    /// A file-name-safe key of the job (the profile's id, or `demo`).
    pub fn key(&self) -> String {
        key_for(self.named())
    }

    /// What the job names its profile by: the id (a job of an older Rollcall: the name);
    /// `None` for the demo tenant.
    fn named(&self) -> Option<&str> {
        self.profile_id.as_deref().or(self.profile.as_deref())
    }

    /// The arguments that say which connection and data folder a command of this job uses
    /// (`--profile ID` or `--demo`, `--data-dir`): the job's sync and the install-time probe.
    pub fn connection_args(&self) -> Vec<String> {
        let mut a = match self.named() {
            None => vec!["--demo".to_string()],
            Some(p) => vec!["--profile".to_string(), p.to_string()],
        };
        if let Some(d) = &self.data_dir {
            a.extend(["--data-dir".to_string(), d.clone()]);
        }
        a
    }

    /// Refuse what no scheduler can carry: a line break in an argument (a crontab line or a
    /// unit's `ExecStart=` ends there; a newline in the data folder once injected a crontab line).
    pub fn check(&self) -> Result<(), CoreError> {
        let bad = std::iter::once(self.program.as_str())
            .chain(self.data_dir.as_deref())
            .chain(self.hosts.iter().map(String::as_str))
            .find(|w| w.contains(['\n', '\r', '\0']));
        match bad {
            Some(w) => Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "\"{}\" contains a line break, which a scheduled job cannot hold.",
                    w.escape_debug()
                ),
                Some(
                    "Use a data folder and a Rollcall location whose names have no line breaks."
                        .into(),
                ),
            )),
            None => Ok(()),
        }
    }

    /// The job's name as the schedulers show it.
    pub fn label(&self) -> String {
        format!("app.rollcall.sync.{}", self.key())
    }

    /// The command's arguments after the program.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["sync".to_string()];
        a.extend(self.connection_args());
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
        let service = format!(
            "[Unit]\nDescription=Rollcall nightly attendance sync ({})\n\n[Service]\nType=oneshot\nExecStart={}\n",
            who.replace('%', "%%"),
            exec.join(" ")
        );
        let (h, m) = self.time();
        let timer = format!(
            "[Unit]\nDescription=Rollcall nightly attendance sync ({}) at {h:02}:{m:02}\n\n[Timer]\nOnCalendar=*-*-* {h:02}:{m:02}:00\nPersistent=true\nUnit={}.service\n\n[Install]\nWantedBy=timers.target\n",
            who.replace('%', "%%"),
            self.systemd_name()
        );
        (service, timer)
    }

    pub fn systemd_name(&self) -> String {
        format!("rollcall-sync-{}", self.key())
    }

    /// cron: one line, marked with the job's label so it can be found and removed. crontab(5):
    /// an unescaped `%` ends the command, and cron drops the `\\` of `\\%`; so each word is
    /// single-quoted for sh with every `%` written *outside* the quotes as `\\%` (`'a'\\%'b'`),
    /// where no backslash of the word can stand before it. ([`Job::check`] refuses line breaks.)
    pub fn cron_line(&self) -> String {
        let quote = |w: &str| {
            let inner = w.replace('\'', "'\\''").replace('%', "'\\%'");
            format!("'{inner}'")
        };
        let (h, m) = self.time();
        let cmd: Vec<String> = std::iter::once(self.program.as_str())
            .chain(self.args().iter().map(String::as_str))
            .map(quote)
            .collect();
        format!("{m} {h} * * * {} # {}", cmd.join(" "), self.label())
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
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key>\n  <string>{}</string>\n  <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n  <key>StartCalendarInterval</key>\n  <dict>\n    <key>Hour</key>\n    <integer>{h}</integer>\n    <key>Minute</key>\n    <integer>{m}</integer>\n  </dict>\n  <key>RunAtLoad</key>\n  <false/>\n  <key>StandardOutPath</key>\n  <string>{log}</string>\n  <key>StandardErrorPath</key>\n  <string>{log}</string>\n</dict>\n</plist>\n",
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
    crate::support::atomic::write_private(&registry(data_dir), &bytes)
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
            profile_id: profile.map(|_| "6f1c2a".to_string()),
        }
    }

    /// What `sh -c` makes of a crontab line's command after cron(8) took its `%`s (Vixie cron's
    /// rule: `\%` is a `%`, an unescaped `%` ends the command, any other `\` stays).
    fn as_cron_runs(line: &str) -> Vec<String> {
        let cmd = line.splitn(6, ' ').nth(5).unwrap();
        let cmd = &cmd[..cmd.rfind(" # ").unwrap()];
        let mut out = String::new();
        let mut escaped = false;
        for c in cmd.chars() {
            if escaped {
                if c != '%' {
                    out.push('\\');
                }
                out.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '%' {
                break;
            } else {
                out.push(c);
            }
        }
        let sh = std::process::Command::new("sh")
            .args([
                "-c",
                &format!("for w in {out}; do printf '%s\\0' \"$w\"; done"),
            ])
            .output()
            .unwrap();
        String::from_utf8(sh.stdout)
            .unwrap()
            .split('\0')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    #[cfg(unix)]
    fn a_cron_line_runs_every_word_as_written() {
        let mut j = job(Some("North \\% wind"));
        j.hosts = vec!["a%b@x.example".into()];
        j.data_dir = Some("/data/it's \\%d $HOME 100%".into());
        let words = as_cron_runs(&j.cron_line());
        let mut want = vec![j.program.clone()];
        want.extend(j.args());
        assert_eq!(words, want);
        assert!(want.contains(&"/data/it's \\%d $HOME 100%".to_string()));
    }

    #[test]
    fn jobs_are_keyed_by_profile_id_and_refuse_line_breaks() {
        let a = job(Some("North wind"));
        let mut b = job(Some("North_wind"));
        b.profile_id = Some("9d04e1".into());
        assert_ne!(a.key(), b.key(), "two profiles, two jobs");
        assert!(a.args().windows(2).any(|w| w == ["--profile", "6f1c2a"]));
        let mut c = job(Some("x"));
        c.data_dir = Some("/data\n* * * * * touch /tmp/owned".into());
        assert!(c.check().is_err());
        assert!(job(Some("x")).check().is_ok());
    }

    #[test]
    fn a_systemd_unit_keeps_dollars_and_the_data_folder() {
        let mut j = job(Some("Cost $5 100%"));
        j.data_dir = Some("/srv/$data".into());
        let (service, _) = j.systemd_units();
        assert!(!service.contains("Environment="), "{service}");
        assert!(
            service.contains("\"--data-dir\" \"/srv/$$data\""),
            "{service}"
        );
        assert!(service.contains("(Cost $5 100%%)"), "{service}");
        let xml = j.task_xml();
        assert!(
            xml.contains("--data-dir /srv/$data"),
            "the Windows task passes it too: {xml}"
        );
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
        assert!(
            service.contains(
                "ExecStart=\"/opt/Roll Call/rollcall\" \"sync\" \"--profile\" \"6f1c2a\""
            ),
            "{service}"
        );
        assert!(service.contains("(North \"wind\" 100%%)"), "{service}");
        assert!(timer.contains("OnCalendar=*-*-* 02:30:00"));
        let line = j.cron_line();
        assert!(
            line.starts_with("30 2 * * * '/opt/Roll Call/rollcall' 'sync' '--profile' '6f1c2a'"),
            "{line}"
        );
        assert!(line.ends_with(&format!("# {}", j.label())));
        let xml = j.task_xml();
        assert!(
            xml.contains("<Arguments>sync --profile 6f1c2a --days"),
            "{xml}"
        );
        assert!(xml.contains("(North &quot;wind&quot; 100%)"), "{xml}");
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
