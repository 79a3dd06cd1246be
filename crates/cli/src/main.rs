//! `rollcall`: the headless command line. Output for scripts goes to stdout; logs go to stderr.

mod connection;
mod webinars;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Teams webinar setup checks, calendars and attendance exports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        /// Named situation to start in (repeatable): see `--help` of the emulator crate.
        #[arg(long = "scenario")]
        scenarios: Vec<String>,
        /// Latency added to every Graph request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
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
    /// The hosts' Teams webinars (Outlook calendar events): list, create, cancel.
    Webinars {
        #[command(subcommand)]
        action: webinars::Action,
    },
    /// Export Teams attendance of the hosts' webinars in a date range to a CSV file that opens
    /// cleanly in Excel. Exit code 0 when written (notes about unavailable reports go to stderr).
    Export {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// First day (YYYY-MM-DD), inclusive, in --time-zone.
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        to: String,
        /// attendee (a row per attendee per session), interval (per join/leave), summary (per session).
        #[arg(long, default_value = "attendee", value_parser = ["attendee", "interval", "summary"])]
        level: String,
        /// The CSV file to write (replaced only when the export is complete).
        #[arg(long)]
        out: std::path::PathBuf,
        /// `,` (default) or `;` (Excel with a comma decimal; shares are written as 80,5).
        #[arg(long, default_value = ",")]
        separator: String,
        /// Write UTF-8 without the byte-order mark (Excel then may misread accents).
        #[arg(long)]
        no_bom: bool,
        /// IANA zone of the dates and of the local-time columns (default: this computer's zone).
        #[arg(long)]
        time_zone: Option<String>,
        /// Completion threshold, share of the scheduled duration (0.8 = 80 %).
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        /// Read the local archive (see `rollcall sync`) instead of Graph: works offline and for
        /// sessions Graph no longer serves.
        #[arg(long)]
        from_archive: bool,
    },
    /// Import the Teams client's attendance download (Attendance → Download in Teams) into the local
    /// archive, for meetings whose report Graph no longer serves. Nothing is written if the file is
    /// malformed; the error names the line.
    Import {
        /// The downloaded file (tab-separated, UTF-16 or UTF-8).
        file: std::path::PathBuf,
        /// The organizer the meeting belongs to.
        #[arg(long)]
        host: String,
        /// The zone the file's local times are in (default: this computer's zone).
        #[arg(long)]
        time_zone: Option<String>,
        /// The archive file (default: the profile's archive).
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
        /// First day (YYYY-MM-DD), inclusive, in --time-zone.
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        to: String,
        #[arg(long)]
        time_zone: Option<String>,
        /// The archive file (default: the profile's archive in the app's data folder).
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Forget the signed-in user of a connection (removes its refresh token from the keychain).
    Logout {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
    },
}

/// Report an error on stderr and turn it into the documented exit code.
fn fail(e: &rollcall_core::CoreError) -> std::process::ExitCode {
    eprintln!("rollcall: {}", e.user_message());
    std::process::ExitCode::from(e.exit_code())
}

pub(crate) fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("rollcall: {e}"),
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rollcall: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(70);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> std::process::ExitCode {
    match cli.command {
        Command::Emulator {
            listen,
            seed,
            scenarios,
            latency_ms,
        } => {
            let config = rollcall_emulator::Config {
                seed,
                scenarios,
                faults: rollcall_emulator::Faults {
                    latency_ms,
                    ..Default::default()
                },
                now: None,
            };
            let running = match rollcall_emulator::start(&listen, config).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("rollcall emulator: {e}");
                    return std::process::ExitCode::from(64);
                }
            };
            match serde_json::to_string(&running.info) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("rollcall emulator: {e}"),
            }
            let _ = tokio::signal::ctrl_c().await;
            running.stop().await;
            std::process::ExitCode::SUCCESS
        }
        Command::Summary { conn, json } => {
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
        Command::Whoami { conn, json } => {
            let (conn, _emulator) = match conn.resolve().await {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            match rollcall_core::tenant::session::status(&conn, true).await {
                Ok(st) if json => print_json(&st),
                Ok(st) => print!("{}", status_text(&st)),
                Err(e) => return fail(&e),
            }
            std::process::ExitCode::SUCCESS
        }
        Command::Check {
            conn,
            json,
            smoke,
            report,
        } => check(&conn, json, smoke, report).await,
        Command::Webinars { action } => match webinars::run(action).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Sync {
            conn,
            from,
            to,
            time_zone,
            archive,
            json,
        } => match webinars::sync(&conn, &from, &to, time_zone, archive, json).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Export {
            conn,
            from,
            to,
            level,
            out,
            separator,
            no_bom,
            time_zone,
            threshold,
            from_archive,
        } => {
            match webinars::export(
                &conn,
                &from,
                &to,
                &level,
                &out,
                &separator,
                !no_bom,
                time_zone,
                threshold,
                from_archive,
            )
            .await
            {
                Ok(rows) => {
                    eprintln!("rollcall: {rows} row(s) written to {}", out.display());
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Import {
            file,
            host,
            time_zone,
            archive,
            conn,
        } => match webinars::import(&conn, &file, &host, time_zone, archive) {
            Ok(msg) => {
                println!("{msg}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Login { conn, no_browser } => match login(&conn, no_browser).await {
            Ok(st) => {
                print!("{}", status_text(&st));
                std::process::ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Logout { conn } => {
            let result = conn.target().and_then(|t| match t {
                connection::Target::Demo => Ok(()),
                connection::Target::Profile(p) => rollcall_core::tenant::session::sign_out(
                    &connection::ConnectionArgs::profiles()?,
                    connection::ConnectionArgs::secret_store().as_ref(),
                    &p.id,
                ),
            });
            match result {
                Ok(()) => {
                    eprintln!("rollcall: signed out");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
    }
}

async fn check(
    args: &connection::ConnectionArgs,
    json: bool,
    smoke: bool,
    report: Option<std::path::PathBuf>,
) -> std::process::ExitCode {
    use rollcall_core::setup;
    let could_not_run = |e: &rollcall_core::CoreError| {
        eprintln!("rollcall: {}", e.user_message());
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
        eprintln!("rollcall: report written to {}", path.display());
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

async fn login(
    args: &connection::ConnectionArgs,
    no_browser: bool,
) -> Result<rollcall_core::tenant::session::ConnectionStatus, rollcall_core::CoreError> {
    use rollcall_core::tenant::session::{opener_from_env, SignInAttempt};
    let connection::Target::Profile(profile) = args.target()? else {
        return Err(rollcall_core::CoreError::new(
            rollcall_core::ErrorCode::InvalidInput,
            "The demo tenant signs in as the application; there is nobody to log in.",
            Some("Use --profile NAME or --tenant/--client-id with --mode delegated.".into()),
        ));
    };
    let attempt = SignInAttempt::begin(&profile).await?;
    let opened = !no_browser && opener_from_env().open(&attempt.url).is_ok();
    if opened {
        eprintln!("rollcall: continue in the browser window that opened (waiting up to 5 minutes; Ctrl+C cancels)");
    } else {
        eprintln!("rollcall: open this address in a browser to sign in (waiting up to 5 minutes; Ctrl+C cancels):");
        eprintln!("{}", attempt.url);
    }
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let (_conn, status) = attempt
        .finish(
            &connection::ConnectionArgs::profiles()?,
            connection::ConnectionArgs::secret_store(),
            cancel,
        )
        .await?;
    Ok(status)
}

fn status_text(st: &rollcall_core::tenant::session::ConnectionStatus) -> String {
    let mut s = format!(
        "Signed in as {}\nTenant: {}\nProfile: {}{}\nToken valid until: {}\nPermissions: {}\n",
        st.signed_in_as,
        st.tenant,
        st.profile,
        if st.demo { " (DEMO)" } else { "" },
        st.token_valid_until,
        if st.permissions.is_empty() {
            "none".to_string()
        } else {
            st.permissions.join(", ")
        },
    );
    if let (Some(hint), Some(exp), Some(days)) =
        (&st.secret_hint, &st.secret_expires, st.secret_days_left)
    {
        s.push_str(&format!(
            "Client secret: {hint}… expires {exp} ({days} days left)\n"
        ));
    } else if let Some(hint) = &st.secret_hint {
        s.push_str(&format!("Client secret: {hint}…\n"));
    }
    s
}
