//! `rollcall`: the headless command line. Output for scripts goes to stdout; logs go to stderr.

mod archive;
mod args;
mod attendance;
mod connection;
mod emulator;
mod repair;
mod setup;
mod signin;
mod term;
mod webinars;

use clap::{Parser, Subcommand};
use term::{say, tell};

#[derive(Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Teams webinar setup checks, calendars and attendance exports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The data folder (profiles, archives, logs, jobs) instead of the app's; the same as
    /// ROLLCALL_DATA_DIR. The nightly job passes it this way (not every scheduler passes variables).
    #[arg(long, global = true, value_name = "FOLDER")]
    data_dir: Option<std::path::PathBuf>,
}

/// The emulator's scenarios as clap's possible values, each with its one-line help.
fn scenario_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        rollcall_emulator::SCENARIOS
            .iter()
            .map(|(name, help)| clap::builder::PossibleValue::new(*name).help(*help)),
    )
}

#[derive(Subcommand)]
enum Command {
    /// Serve the demo tenant (identity platform + Graph) until killed; prints one JSON line.
    Emulator {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Seed of the deterministic demo tenant.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Named situation to start in (repeatable).
        #[arg(long = "scenario", value_parser = scenario_names())]
        scenarios: Vec<String>,
        /// Latency added to every Graph request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// The address clients use when the emulator sits behind a front (an HTTPS terminator),
        /// e.g. https://localhost:8443: used in discovery, token issuers, links and the JSON line.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Show what the demo or a real tenant looks like through Rollcall's pipeline.
    Summary {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a user (user-delegated mode) in the system browser; the refresh token goes to the
    /// OS keychain. Prints the address to open when no browser can be started.
    Login {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// Do not start a browser: print the address and wait for the sign-in to come back.
        #[arg(long)]
        no_browser: bool,
    },
    /// Sign in now and show who Rollcall acts as, the token's expiry and its permissions.
    Whoami {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every set-up step of the Teams integration against the tenant. Exit code 0 when all
    /// pass (warnings allowed), 1 when any fails, 2 when the check could not run.
    Check {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also run the optional end-to-end test (creates and deletes a test meeting).
        #[arg(long)]
        smoke: bool,
        /// Write the set-up report to this file (.md for Markdown, .html for HTML).
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
    /// Repair the set-up as an administrator (`setup fix`) and list what Rollcall changed in a
    /// tenant (`setup changes`).
    Setup {
        #[command(subcommand)]
        action: repair::SetupAction,
    },
    /// Renew the app registration's client secret without downtime, then retire the old one.
    Secret {
        #[command(subcommand)]
        action: repair::SecretAction,
    },
    /// The hosts' Teams webinars (Outlook calendar events): list, create, cancel.
    Webinars {
        #[command(subcommand)]
        action: webinars::Action,
    },
    /// Export Teams attendance of the hosts' webinars in a date range to a CSV file that opens
    /// cleanly in Excel, or to an Excel workbook (`--format xlsx`, or an `--out` ending in `.xlsx`:
    /// Summary with a chart, Attendees, Intervals and Series sheets, real date-times and durations). Exit code 0 when every host was read (notes about unavailable reports go
    /// to stderr); when a host could not be read, the cause's code (77 refused, 69 unavailable):
    /// with no file when no host could be read, with the others' rows when some could.
    Export {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        #[command(flatten)]
        period: args::Period,
        /// attendee (a row per attendee per session), interval (per join/leave), summary (per session).
        #[arg(long, default_value = "attendee", value_parser = ["attendee", "interval", "summary"])]
        level: String,
        /// The file to write (replaced only when the export is complete).
        #[arg(long)]
        out: std::path::PathBuf,
        /// csv or xlsx (default: xlsx when --out ends in .xlsx, else csv). A workbook holds every
        /// level, so --level, --separator and --no-bom apply to CSV only.
        #[arg(long, value_parser = ["csv", "xlsx"])]
        format: Option<String>,
        /// `,` (default) or `;` (Excel with a comma decimal; shares are written as 80,5).
        #[arg(long, default_value = ",")]
        separator: String,
        /// Write UTF-8 without the byte-order mark (Excel then may misread accents).
        #[arg(long)]
        no_bom: bool,
        /// Completion threshold, share of the scheduled duration (0.8 = 80 %; default: the one
        /// chosen in the app's Settings, else 0.8).
        #[arg(long)]
        threshold: Option<f64>,
        /// Read the local archive (see `rollcall sync`) instead of Graph: works offline and for
        /// sessions Graph no longer serves.
        #[arg(long)]
        from_archive: bool,
        /// With --from-archive: the archive to read — a file, or a shared database
        /// (postgres://USER@HOST:PORT/DATABASE) — instead of the profile's.
        #[arg(long, requires = "from_archive")]
        archive: Option<std::path::PathBuf>,
    },
    /// Write a report to share: one self-contained HTML file (charts as inline SVG, no scripts, no
    /// external resources) with the period's figures — webinars, sessions, different attendees,
    /// completion rate, average share, no-shows against a participant list — a chart per week
    /// and every webinar. Exit codes as for `export`.
    Report {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        #[command(flatten)]
        period: args::Period,
        /// The HTML file to write (replaced only when the report is complete).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Completion threshold, share of the scheduled duration (default: the app's, else 0.8).
        #[arg(long)]
        threshold: Option<f64>,
        /// The LMS participant list (CSV with an e-mail column, as for the app's roster match):
        /// no-shows are counted against it, session by session.
        #[arg(long)]
        roster: Option<std::path::PathBuf>,
        /// Read the local archive instead of Graph (offline; sessions Graph no longer serves).
        #[arg(long)]
        from_archive: bool,
        /// With --from-archive: the archive to read (a file or postgres://…) instead of the profile's.
        #[arg(long, requires = "from_archive")]
        archive: Option<std::path::PathBuf>,
    },
    /// The registration ledger of the hosts' Teams webinars (virtual events) in a date range: per
    /// session, one row per person — registered and came, registered and stayed away, walk-in,
    /// cancelled (and whether they came anyway), waitlisted, pending, rejected — with the time
    /// attended, share, completion and how the record was joined (registration id or e-mail).
    /// Without --out, prints the counts per session (or everything with --json).
    Registrations {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        #[command(flatten)]
        period: args::Period,
        /// A CSV file, or an Excel workbook when the name ends in .xlsx (replaced only when complete).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Print the ledgers as JSON.
        #[arg(long)]
        json: bool,
        /// Completion threshold, share of the scheduled duration (default: the app's, else 0.8).
        #[arg(long)]
        threshold: Option<f64>,
    },
    /// Import attendance files Teams wrote (the report from Attendance → Download, or the
    /// meeting's in-meeting "Download attendance list") into the local archive, for meetings
    /// whose report Graph no longer serves. Each file is its own transaction: one that is not
    /// understood is refused with the reason and changes nothing, and the others still go in.
    /// Exit 0 only when every file went in.
    Import {
        /// The files, as Teams downloaded them (any of its formats and languages Rollcall
        /// reads). Give the organizer the meetings belong to with `--host EMAIL` (once).
        #[arg(required = true, num_args = 1..)]
        files: Vec<std::path::PathBuf>,
        /// The zone the files' local times are in (default: the app's Settings, else this
        /// computer's zone, which is then said beside each import).
        #[arg(long)]
        time_zone: Option<String>,
        /// How the files' dates are written, when a file cannot show it (every date could be
        /// day or month first): dmy, mdy or ymd.
        #[arg(long, value_parser = ["dmy", "mdy", "ymd"])]
        date_order: Option<String>,
        /// The archive: a file, or a shared database (postgres://USER@HOST:PORT/DATABASE);
        /// default: the profile's.
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
        #[command(flatten)]
        conn: connection::ConnectionArgs,
    },
    /// Bring the local attendance archive up to date for the hosts and a date range (for a nightly
    /// job: no prompts, progress and logs on stderr, exit code 0 when done, 69 when Graph kept
    /// failing for some webinars — the rest is archived and the next run fetches what is missing).
    Sync {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        #[command(flatten)]
        period: args::SyncPeriod,
        /// The archive: a file, or a shared database (postgres://USER@HOST:PORT/DATABASE, its
        /// password saved with `rollcall archive password`); default: the profile's.
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Show the last runs (app, command line, scheduled) instead of syncing.
        #[arg(long)]
        history: bool,
        /// With --history: the runs to show.
        #[arg(long, default_value_t = 10)]
        last: u32,
        /// Record the run as the scheduled job's (what `rollcall schedule install` sets up).
        #[arg(long)]
        scheduled: bool,
    },
    /// Credits the LMS missed: attendees who reached the completion threshold in a report Teams
    /// produced after the LMS stopped polling (the profile's window, 60 minutes by default), from
    /// the local archive. A table on stdout, or CSV/XLSX with --out.
    Late {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        #[command(flatten)]
        period: args::Period,
        /// Write CSV, or an Excel workbook when the name ends in .xlsx (replaced only when whole).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Also list reports first seen after the window with no earlier look to confirm it
        /// (the nightly job's usual case): check those in the LMS.
        #[arg(long)]
        possibly: bool,
        /// Completion threshold, share of the scheduled duration (default: the app's, else 0.8).
        #[arg(long)]
        threshold: Option<f64>,
        /// The archive to read: a file, or a shared database (postgres://…); default: the profile's.
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
    },
    /// Rollcall's own certificate for a profile: what the nightly job signs in with where no
    /// keychain answers (cron). Upload its .cer file to the app registration.
    Certificate {
        #[command(subcommand)]
        action: archive::CertificateAction,
    },
    /// The nightly sync as a job of this computer's scheduler (systemd user timer, cron,
    /// launchd LaunchAgent, Windows Task Scheduler). No secret goes into the job.
    Schedule {
        #[command(subcommand)]
        action: archive::ScheduleAction,
    },
    /// The attendance archive itself: recover a damaged file, copy it to a shared database (or
    /// back), and a shared database's password and roles.
    Archive {
        #[command(subcommand)]
        action: archive::Action,
    },
    /// Forget the signed-in user of a connection (removes its refresh token from the keychain).
    Logout {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
    },
}

/// Report an error on stderr and turn it into the documented exit code.
pub(crate) fn fail(e: &rollcall_core::CoreError) -> std::process::ExitCode {
    tell!("rollcall: {}", e.user_message());
    std::process::ExitCode::from(e.exit_code())
}

pub(crate) fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{}", term::json_escaped(&s)),
        Err(e) => tell!("rollcall: {e}"),
    }
}

fn main() -> std::process::ExitCode {
    // `rollcall … | head`: the reader went away. Rust's println! panics on that; end quietly
    // with the status a shell gives a command killed by SIGPIPE (128 + 13), as other tools do.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info)
    }));
    tracing_subscriber::fmt()
        .with_writer(rollcall_core::support::logging::RedactedStderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    if let Some(d) = &cli.data_dir {
        // Before the runtime starts any thread; everything reads the folder from here.
        std::env::set_var("ROLLCALL_DATA_DIR", d);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tell!("rollcall: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(70);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> std::process::ExitCode {
    let done = |r: Result<(), rollcall_core::CoreError>| match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => fail(&e),
    };
    match cli.command {
        Command::Emulator {
            listen,
            seed,
            scenarios,
            latency_ms,
            public_url,
        } => emulator::serve(&listen, seed, scenarios, latency_ms, public_url).await,
        Command::Summary { conn, json } => setup::summary(&conn, json).await,
        Command::Whoami { conn, json } => signin::whoami(&conn, json).await,
        Command::Check {
            conn,
            json,
            smoke,
            report,
        } => setup::check(&conn, json, smoke, report).await,
        Command::Webinars { action } => done(webinars::run(action).await),
        Command::Setup { action } => repair::run_setup(action).await,
        Command::Secret { action } => repair::run_secret(action).await,
        Command::Sync {
            conn,
            archive: file,
            history: true,
            last,
            json,
            ..
        } => done(archive::history(&conn, file, last, json)),
        Command::Sync {
            conn,
            period,
            archive: file,
            json,
            scheduled: true,
            ..
        } => archive::scheduled(&conn, &period, file, json).await,
        Command::Sync {
            conn,
            period,
            archive: file,
            json,
            ..
        } => done(archive::sync(&conn, &period, file, json, false).await),
        Command::Late {
            conn,
            period,
            out,
            possibly,
            threshold,
            archive: file,
        } => done(archive::late(
            &conn,
            &period,
            out.as_deref(),
            possibly,
            threshold,
            file,
        )),
        Command::Schedule { action } => done(archive::schedule(action).await),
        Command::Certificate { action } => done(archive::certificate(action)),
        Command::Archive {
            action: archive::Action::Password { archive: address },
        } => done(archive::save_password(&address).map(|msg| say!("{msg}"))),
        Command::Archive {
            action:
                archive::Action::Roles {
                    archive: address,
                    writer,
                    reader,
                    apply,
                },
        } => done(archive::roles(&address, &writer, &reader, apply).map(|msg| say!("{msg}"))),
        Command::Archive {
            action: archive::Action::Copy { from, to, json },
        } => done(archive::copy(&from, &to, json)),
        Command::Archive {
            action:
                archive::Action::Use {
                    archive: address,
                    move_here,
                    file: _,
                    conn,
                },
        } => done(archive::use_archive(&conn, address.as_deref(), move_here).map(|m| say!("{m}"))),
        Command::Archive {
            action:
                archive::Action::Recover {
                    archive: file,
                    conn,
                },
        } => done(archive::recover(&conn, file).map(|msg| say!("{msg}"))),
        Command::Export {
            conn,
            period,
            level,
            out,
            format,
            separator,
            no_bom,
            threshold,
            from_archive,
            archive: file,
        } => {
            let written = attendance::export(
                &conn,
                &period,
                &level,
                &out,
                format.as_deref(),
                &separator,
                !no_bom,
                threshold.unwrap_or_else(|| {
                    args::preferences()
                        .threshold
                        .unwrap_or(rollcall_core::attendance::DEFAULT_THRESHOLD)
                }),
                from_archive,
                file,
            )
            .await;
            done(written.map(|rows| tell!("rollcall: {rows} row(s) written to {}", out.display())))
        }
        Command::Report {
            conn,
            period,
            out,
            threshold,
            roster,
            from_archive,
            archive: file,
        } => done(
            attendance::report(
                &conn,
                &period,
                &out,
                threshold.unwrap_or_else(|| {
                    args::preferences()
                        .threshold
                        .unwrap_or(rollcall_core::attendance::DEFAULT_THRESHOLD)
                }),
                roster.as_deref(),
                from_archive,
                file,
            )
            .await
            .map(|o| {
                tell!(
                    "rollcall: report of {} webinar(s), {} session(s) written to {}",
                    o.webinars,
                    o.sessions,
                    out.display()
                )
            }),
        ),
        Command::Registrations {
            conn,
            period,
            out,
            json,
            threshold,
        } => done(
            attendance::registrations(
                &conn,
                &period,
                out.as_deref(),
                json,
                threshold.unwrap_or_else(|| {
                    args::preferences()
                        .threshold
                        .unwrap_or(rollcall_core::attendance::DEFAULT_THRESHOLD)
                }),
            )
            .await,
        ),
        Command::Import {
            files,
            time_zone,
            date_order,
            archive,
            conn,
        } => match attendance::organizer(&conn) {
            Ok(host) => attendance::import(&conn, &files, &host, time_zone, date_order, archive),
            Err(e) => fail(&e),
        },
        Command::Login { conn, no_browser } => done(
            signin::login(&conn, no_browser)
                .await
                .map(|st| print!("{}", signin::status_text(&st))),
        ),
        Command::Logout { conn } => signin::logout(&conn),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    /// clap's own consistency checks over every command and flag (a clash such as two `--host`
    /// options panics only when that command is first parsed, in debug builds).
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Every command and subcommand builds and parses its `--help`.
    #[test]
    fn every_command_answers_help() {
        fn walk(cmd: &clap::Command, path: Vec<String>, seen: &mut usize) {
            let mut args = vec!["rollcall".to_string()];
            args.extend(path.iter().cloned());
            args.push("--help".into());
            let err = super::Cli::try_parse_from(&args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} did not answer with help"));
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{args:?}");
            *seen += 1;
            for sub in cmd.get_subcommands() {
                let mut p = path.clone();
                p.push(sub.get_name().to_string());
                walk(sub, p, seen);
            }
        }
        let mut seen = 0;
        walk(&super::Cli::command(), Vec::new(), &mut seen);
        assert!(seen > 10, "only {seen} commands");
    }
}
