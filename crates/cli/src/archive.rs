//! `rollcall sync`: the nightly job that brings the local attendance archive up to date; and
//! `rollcall archive recover`, for a damaged one.

use crate::term::{say, tell};
use rollcall_core::archive::history::{ItemStatus, RunOutcome, Trigger};
use rollcall_core::{CoreError, ErrorCode};

use rollcall_core::archive::location::{self, Location};

use crate::args::{Period, SyncPeriod};
use crate::connection::ConnectionArgs;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Save the password of a shared archive's database user in the keychain (read from standard
    /// input, one line): later commands with `--archive postgres://…` use it.
    Password {
        /// The shared archive: postgres://USER@HOST:PORT/DATABASE (no password in it).
        #[arg(long)]
        archive: String,
    },
    /// Print the SQL that makes the shared archive's least-privilege roles — a writer (the nightly
    /// job, the admin) and a reader (curators) — or run it with --apply as the database's owner.
    Roles {
        /// The shared archive: postgres://OWNER@HOST:PORT/DATABASE.
        #[arg(long)]
        archive: String,
        #[arg(long, default_value = "rollcall_writer")]
        writer: String,
        #[arg(long, default_value = "rollcall_reader")]
        reader: String,
        /// Run it now, signed in as --archive's user (the owner); else it is printed.
        #[arg(long)]
        apply: bool,
    },
    /// Keep a profile's archive on a shared database from now on (its password saved first with
    /// `rollcall archive password`); with --move, the profile's file is first copied into the
    /// empty database and verified. --file goes back to the file. The app follows the profile.
    Use {
        /// The shared archive: postgres://USER@HOST:PORT/DATABASE.
        #[arg(long, required_unless_present = "file")]
        archive: Option<String>,
        /// Copy the profile's archive file into the (empty) database first, verified per table.
        #[arg(long = "move", conflicts_with = "file")]
        move_here: bool,
        /// Use the profile's file on this computer again (the database is left as it is).
        #[arg(long, conflicts_with = "archive")]
        file: bool,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
    /// Copy every version, session, ledger, check and run from one archive into another, empty one
    /// (a file or a shared database, either way), then verify it: each table's count and
    /// checksum in both. The copy is one transaction: kept only when it is whole and verified.
    Copy {
        /// The archive to copy: a file, or postgres://USER@HOST:PORT/DATABASE.
        #[arg(long)]
        from: String,
        /// The empty archive to copy into: a new file, or an empty shared database.
        #[arg(long)]
        to: String,
        /// Print the tables' counts and checksums as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Copy every row that can still be read from a damaged archive into a new archive beside it
    /// (NAME.recovered-TIME.sqlite). The damaged file is only read, never changed.
    Recover {
        /// The damaged archive (default: the connection's archive).
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
}

/// `rollcall archive recover`: what was kept, and how to use it.
pub fn recover(
    conn: &ConnectionArgs,
    archive: Option<std::path::PathBuf>,
) -> Result<String, CoreError> {
    let path = archive_path(conn, archive)?;
    let r = rollcall_core::archive::recover::recover(&path)?;
    Ok(format!(
        "Recovered {} session(s) ({} rows; {} unreadable) into {}\nTo use it, move the damaged file away and rename the new one to {}.",
        r.sessions,
        r.rows,
        r.unreadable,
        r.path.display(),
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ))
}

/// Where the archive `--archive` names lives — a file, or a shared database (`postgres://…`) —
/// else the connection's profile's (its shared database, or its file in the data folder).
pub fn location(
    conn: &ConnectionArgs,
    explicit: Option<std::path::PathBuf>,
) -> Result<Location, CoreError> {
    if let Some(p) = explicit {
        return Location::parse(&p.to_string_lossy());
    }
    let data = rollcall_core::tenant::profile::data_dir()?;
    match conn.target()? {
        crate::connection::Target::Demo => Location::of_profile(&data, "demo", None),
        crate::connection::Target::Profile(p) => {
            Location::of_profile(&data, &p.id, p.archive.as_deref())
        }
    }
}

/// Open that archive for writing (a file is created when missing; a shared database's password
/// comes from ROLLCALL_ARCHIVE_PASSWORD or the keychain).
pub fn open_archive(
    conn: &ConnectionArgs,
    explicit: Option<std::path::PathBuf>,
) -> Result<std::sync::Arc<rollcall_core::archive::Archive>, CoreError> {
    open_at(&location(conn, explicit)?)
}

/// Open that archive to read it: a file that is not there yet is said, not created.
pub fn open_existing(
    conn: &ConnectionArgs,
    explicit: Option<std::path::PathBuf>,
    hint: &str,
) -> Result<std::sync::Arc<rollcall_core::archive::Archive>, CoreError> {
    let at = location(conn, explicit)?;
    must_exist(&at, hint)?;
    open_at(&at)
}

fn open_at(at: &Location) -> Result<std::sync::Arc<rollcall_core::archive::Archive>, CoreError> {
    Ok(std::sync::Arc::new(
        at.open(ConnectionArgs::secret_store().as_ref())?,
    ))
}

/// A file archive that is not there is said (opening would make an empty one); a database is
/// asked when it is opened.
fn must_exist(at: &Location, hint: &str) -> Result<(), CoreError> {
    match at {
        Location::File(path) if !path.exists() => Err(CoreError::new(
            ErrorCode::NotFound,
            format!("No archive at {} yet.", path.display()),
            Some(hint.into()),
        )),
        _ => Ok(()),
    }
}

/// `rollcall archive password`: one line from standard input into the keychain, checked first.
pub fn save_password(archive: &str) -> Result<String, CoreError> {
    use rollcall_core::archive::ServerAddress;
    let a = ServerAddress::parse(archive)?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CoreError::internal(format!("reading the password: {e}")))?;
    let pw = rollcall_graph::Secret::new(line.trim_end_matches(['\r', '\n']).to_string());
    // Proven before it is kept: a wrong password is said now, not at 2 a.m.
    location::save_password(ConnectionArgs::secret_store().as_ref(), &a, &pw)?;
    Ok(format!(
        "Saved the password of {} in the keychain.",
        a.shown
    ))
}

/// `rollcall archive roles [--apply]`.
pub fn roles(archive: &str, writer: &str, reader: &str, apply: bool) -> Result<String, CoreError> {
    use rollcall_core::archive::{pg, ServerAddress};
    let a = ServerAddress::parse(archive)?;
    let sql = pg::roles_sql(&a.database, writer, reader);
    if !apply {
        return Ok(sql);
    }
    let arch = Location::Server(a.clone()).open(ConnectionArgs::secret_store().as_ref())?;
    arch.apply_sql(&sql)?;
    Ok(format!(
        "Made the roles {writer} (writes) and {reader} (reads) on {}. Set their passwords with \\password in psql, then save each machine's with `rollcall archive password`.",
        a.shown
    ))
}

/// The archive file of the connection these flags name (`--archive` wins); a shared database is
/// refused (the server keeps and repairs its own storage).
pub fn archive_path(
    conn: &ConnectionArgs,
    explicit: Option<std::path::PathBuf>,
) -> Result<std::path::PathBuf, CoreError> {
    match location(conn, explicit)? {
        Location::File(p) => Ok(p),
        Location::Server(a) => Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("{} is a shared database, not a file.", a.shown),
            Some("Recovery is for a damaged archive file; the database server keeps its own storage whole (ask its administrator for its backups).".into()),
        )),
    }
}

/// `rollcall archive use`: the profile's archive becomes the shared database (or its file again).
pub fn use_archive(
    conn: &ConnectionArgs,
    archive: Option<&str>,
    move_here: bool,
) -> Result<String, CoreError> {
    let crate::connection::Target::Profile(p) = conn.target()? else {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "The demo tenant's archive stays on this computer.",
            Some("Name a saved connection with --profile.".into()),
        ));
    };
    let profiles = ConnectionArgs::profiles()?;
    let Some(address) = archive else {
        profiles.update(&p.id, |p| p.archive = None)?;
        return Ok(format!(
            "{} now uses its archive file on this computer again; the shared database is left as it is.",
            p.name
        ));
    };
    let server = location::use_shared_for(
        &profiles,
        ConnectionArgs::secret_store().as_ref(),
        &p.id,
        address,
        None,
        move_here,
    )?;
    let (sessions, attendees, _) = server.counts()?;
    Ok(format!(
        "{} now keeps its archive in {} ({sessions} sessions, {attendees} attendance records{}){}.",
        p.name,
        server.path().display(),
        if move_here {
            ", copied from this computer's file and verified"
        } else {
            ""
        },
        if server.writable() {
            ""
        } else {
            "; this account may only read it"
        }
    ))
}

/// `rollcall archive copy`: every table from one archive into an empty one, verified per table.
pub fn copy(from: &str, to: &str, json: bool) -> Result<(), CoreError> {
    let source = Location::parse(from)?;
    must_exist(&source, "Give --from the archive file to copy (`rollcall sync --history` names the profile's), or a postgres:// address.")?;
    let target = Location::parse(to)?;
    let fresh_file = matches!(&target, Location::File(p) if !p.exists());
    let (source, target_archive) = (open_at(&source)?, open_at(&target));
    let copied = target_archive.and_then(|t| source.copy_to(&t));
    let copied = match copied {
        Ok(c) => c,
        Err(e) => {
            // A file this command made for the copy is not left behind empty.
            if let (true, Location::File(p)) = (fresh_file, &target) {
                for end in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{end}", p.display()));
                }
            }
            return Err(e);
        }
    };
    if json {
        crate::print_json(&copied);
        return Ok(());
    }
    let rows: u64 = copied.tables.iter().map(|t| t.rows).sum();
    for t in &copied.tables {
        say!(
            "  {:<16} {:>9} rows  checksum {}  ✓ same in both",
            t.table,
            t.rows,
            &t.checksum[..12]
        );
    }
    say!(
        "Copied and verified {} tables ({rows} rows) from {} to {}. The source is unchanged.",
        copied.tables.len(),
        copied.from,
        copied.to
    );
    Ok(())
}

/// `rollcall sync`: progress on stderr, summary on stdout.
pub async fn sync(
    conn: &ConnectionArgs,
    period: &SyncPeriod,
    archive: Option<std::path::PathBuf>,
    json: bool,
    scheduled: bool,
) -> Result<(), CoreError> {
    let range = period.range()?;
    let (from, to) = (range.from, range.to);
    let archive = open_archive(conn, archive)?;
    let (c, _emulator) = conn.resolve().await?;
    // A progress bar on a terminal; hidden (no escape codes in logs) when stderr is not one.
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} meetings · {msg} [{elapsed}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = {
        let bar = bar.clone();
        move |p: &rollcall_core::archive::sync::SyncProgress| {
            bar.set_length(u64::from(p.meetings_total));
            bar.set_position(u64::from(p.meetings_done));
            bar.set_message(format!(
                "{} reports, {} records, {} throttled waits",
                p.reports_fetched, p.records, p.throttled_waits
            ));
        }
    };
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    // Another sync of this archive (the app's, the nightly job's) is waited for, and named.
    // (A shared database takes several syncs at once: nothing to wait for.)
    let path = archive.path().to_path_buf();
    let holder = (!archive.is_shared())
        .then(|| rollcall_core::archive::lock::holder(&path))
        .flatten();
    if let Some(h) = holder {
        tell!(
            "rollcall: waiting for the sync by {} to finish",
            h.describe()
        );
    }
    let opts = rollcall_core::archive::sync::SyncOptions {
        trigger: if scheduled {
            Trigger::Scheduled
        } else {
            Trigger::Cli
        },
        lock_wait: std::time::Duration::from_secs(if scheduled { 2 * 3600 } else { 30 * 60 }),
        ..Default::default()
    };
    let s = rollcall_core::archive::sync::sync_with(
        &c,
        archive,
        &c.hosts.clone(),
        from,
        to,
        &opts,
        progress,
        cancel,
    )
    .await?;
    tell!();
    if json {
        crate::print_json(&s);
    } else {
        say!(
            "{} webinars, {} meetings: {} reports fetched ({} changed copies kept as new versions), {} already archived, {} settled (not asked again), {} records; {} requests ({} batched steps), {} throttled waits{}",
            s.webinars, s.meetings, s.fetched, s.new_versions, s.unchanged, s.settled, s.records, s.requests, s.sub_requests, s.throttled_waits,
            if s.cancelled { " — cancelled" } else { "" }
        );
        if s.late_reports > 0 {
            say!(
                "  {} report(s) came after the LMS stopped polling: `rollcall late` lists the credits it missed.",
                s.late_reports
            );
        }
        for (w, why) in &s.unavailable {
            say!("  not available: {w}: {why}");
        }
        for (w, why) in &s.failed {
            say!("  not archived this time: {w}: {why}");
        }
        for p in &s.hosts_failed {
            say!("  host not read: {}: {}", p.host, p.error.user_message());
        }
        tell!("rollcall: archive {}", path.display());
    }
    if let Some(p) = s.hosts_failed.first().filter(|_| !s.cancelled) {
        // A partial sync exits with the code of what kept a host out (77 refused, 69 unavailable …).
        let mut e = p.error.clone();
        e.message = format!(
            "{} of the hosts could not be read ({}); the others are archived.",
            s.hosts_failed.len(),
            s.hosts_failed
                .iter()
                .map(|p| p.host.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Err(e);
    }
    if !s.failed.is_empty() && !s.cancelled {
        return Err(CoreError::new(
            ErrorCode::Unavailable,
            format!(
                "{} webinar(s) could not be read from Graph this time; everything else is archived.",
                s.failed.len()
            ),
            Some("Run the same sync again later: it fetches only what is missing.".into()),
        ));
    }
    if s.cancelled {
        return Err(CoreError::new(
            ErrorCode::Cancelled,
            "Sync cancelled; what was fetched is kept and the next sync resumes.",
            None,
        ));
    }
    Ok(())
}

/// `rollcall sync --scheduled` (what the nightly job runs): the run is on record in the data
/// folder from its first moment ([`rollcall_core::schedule::ledger`]), and its end with its exit
/// code, whatever stops it, so a failure before the archive is reached is not lost.
pub async fn scheduled(
    conn: &ConnectionArgs,
    period: &SyncPeriod,
    archive: Option<std::path::PathBuf>,
    json: bool,
) -> std::process::ExitCode {
    use rollcall_core::schedule::ledger;
    let key = rollcall_core::schedule::key_for(conn.profile.as_deref().filter(|_| !conn.demo));
    let started = rollcall_core::tenant::profile::data_dir()
        .and_then(|d| ledger::start(&d, &key))
        .map_err(|e| {
            tell!(
                "rollcall: the run could not be recorded: {}",
                e.user_message()
            )
        })
        .ok();
    let result = sync(conn, period, archive, json, true).await;
    let (code, message) = match &result {
        Ok(()) => (0, None),
        Err(e) => (i32::from(e.exit_code()), Some(e.user_message())),
    };
    if let Some(s) = started {
        if let Err(e) = s.finish(code, message) {
            tell!(
                "rollcall: the run's end could not be recorded: {}",
                e.user_message()
            );
        }
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => crate::fail(&e),
    }
}

/// `rollcall sync --history`: the last runs, newest first, like a CI history; the newest with its
/// meetings that were not OK.
pub fn history(
    conn: &ConnectionArgs,
    archive: Option<std::path::PathBuf>,
    last: u32,
    json: bool,
) -> Result<(), CoreError> {
    let a = open_existing(conn, archive, "Run `rollcall sync` first.")?;
    let runs = a.runs(last.clamp(1, 100))?;
    let newest = match runs.first() {
        Some(r) => a.run(r.id)?,
        None => None,
    };
    if json {
        crate::print_json(&serde_json::json!({"runs": runs, "newest": newest}));
        return Ok(());
    }
    if runs.is_empty() {
        say!("No syncs recorded yet in {}.", a.path().display());
        return Ok(());
    }
    for r in &runs {
        let mark = match r.outcome {
            RunOutcome::Ok => "ok       ",
            RunOutcome::Partial => "partial  ",
            RunOutcome::Failed => "FAILED   ",
            RunOutcome::Cancelled => "cancelled",
        };
        let trigger = match r.trigger {
            Trigger::App => "app",
            Trigger::Cli => "command line",
            Trigger::Scheduled => "scheduled",
        };
        say!(
            "#{:<4} {mark} {}  {trigger:<12} {} → {}  fetched {}, settled {}, failed {}{}",
            r.id,
            r.started_at,
            &r.from[..r.from.len().min(10)],
            &r.to[..r.to.len().min(10)],
            r.summary.fetched,
            r.summary.settled,
            r.summary.failed + r.summary.hosts_failed,
            r.error
                .as_deref()
                .map(|e| format!("  — {e}"))
                .unwrap_or_default()
        );
    }
    if let Some(n) = newest {
        for it in n.items.iter().filter(|i| i.status != ItemStatus::Ok) {
            say!(
                "  {} {} ({}): {}{}",
                if it.status == ItemStatus::Failed {
                    "failed     "
                } else {
                    "unavailable"
                },
                it.webinar,
                it.start,
                it.reason.as_deref().unwrap_or(""),
                it.request_id
                    .as_deref()
                    .map(|r| format!(" [request-id {r}]"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `rollcall late`: the credits the LMS missed, from the archive, judged with the profile's window.
pub fn late(
    conn: &ConnectionArgs,
    period: &Period,
    out: Option<&std::path::Path>,
    possibly: bool,
    threshold: Option<f64>,
    archive: Option<std::path::PathBuf>,
) -> Result<(), CoreError> {
    use rollcall_core::attendance::late;
    let range = period.range()?;
    let a = open_existing(
        conn,
        archive,
        "Run `rollcall sync` first: late reports are found by syncing.",
    )?;
    let (window, hosts) = match conn.target()? {
        crate::connection::Target::Demo => (late::DEFAULT_LMS_WINDOW_MINUTES, conn.hosts.clone()),
        crate::connection::Target::Profile(p) => (
            p.lms_window(),
            if conn.hosts.is_empty() {
                p.hosts.clone()
            } else {
                conn.hosts.clone()
            },
        ),
    };
    let threshold = threshold.unwrap_or_else(|| {
        crate::args::preferences()
            .threshold
            .unwrap_or(rollcall_core::attendance::DEFAULT_THRESHOLD)
    });
    let mut list = a.range(
        &hosts,
        &range.from.to_string(),
        &range.to.to_string(),
        threshold,
    )?;
    for wa in &mut list {
        late::rejudge(&mut wa.sessions, window);
    }
    let credits = late::missed_credits(&list, possibly);
    if let Some(out) = out {
        let n = late::export(out, &credits, &range.zone_name)?;
        tell!("rollcall: {n} credit(s) written to {}", out.display());
        return Ok(());
    }
    if credits.is_empty() {
        say!(
            "No credits missed: every archived report from {} to {} came within the LMS's {window}-minute window{}.",
            period.from,
            period.to,
            if possibly { "" } else { " (or cannot be told: add --possibly)" }
        );
        return Ok(());
    }
    let mut current = String::new();
    for c in &credits {
        let head = format!(
            "{} — {} ({})",
            c.session_start,
            c.webinar,
            c.verdict.as_str()
        );
        if head != current {
            say!("{head}: report first seen {}", c.report_first_seen);
            current = head;
        }
        say!(
            "  {:<28} {:<34} {:>5.1}%",
            c.name,
            c.email.as_deref().unwrap_or("-"),
            c.share * 100.0
        );
    }
    say!("{} credit(s) the LMS missed.", credits.len());
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum CertificateAction {
    /// Make a key pair and certificate for the profile (replacing its old one): the private key
    /// stays in the data folder, readable by you alone; upload the .cer file in the Entra admin
    /// centre (App registrations → the app → Certificates & secrets → Certificates → Upload).
    Create {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Where the profile's certificate is, its thumbprint and expiry.
    Show {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete the profile's key and certificate (then remove the certificate in Entra too).
    Remove {
        #[arg(long)]
        profile: String,
    },
}

/// `rollcall certificate …`.
pub fn certificate(action: CertificateAction) -> Result<(), CoreError> {
    use rollcall_core::tenant::certificate as cert;
    let data = rollcall_core::tenant::profile::data_dir()?;
    let profiles = crate::connection::ConnectionArgs::profiles()?;
    let show = |f: &cert::Files, json: bool| {
        if json {
            crate::print_json(f);
        } else {
            say!("Certificate: {}", f.certificate.display());
            say!(
                "Private key: {} (readable by you alone; never upload or copy it)",
                f.key.display()
            );
            say!("Thumbprint (SHA-256): {}", f.thumbprint_s256);
            say!("Valid until: {}", f.expires);
        }
    };
    match action {
        CertificateAction::Create { profile, json } => {
            let p = profiles.find(&profile)?;
            if p.mode != rollcall_core::tenant::profile::AuthMode::Application {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    format!("\"{}\" signs in as a user; a certificate is for application-mode profiles.", p.name),
                    None,
                ));
            }
            let f = cert::create(&data, &p)?;
            show(&f, json);
            if !json {
                say!(
                    "\nUpload {} in the Entra admin centre: App registrations → the app {} → Certificates & secrets → Certificates → Upload certificate. From then on the `rollcall` command (and the nightly job) signs in with it instead of the client secret, so the LMS's secret can be renewed without touching the job.",
                    f.certificate.display(),
                    p.client_id
                );
            }
            Ok(())
        }
        CertificateAction::Show { profile, json } => {
            let p = profiles.find(&profile)?;
            match cert::describe(&data, &p.id)? {
                Some(f) => {
                    show(&f, json);
                    Ok(())
                }
                None => Err(CoreError::new(
                    ErrorCode::NotFound,
                    format!("\"{}\" has no certificate of Rollcall's.", p.name),
                    Some("`rollcall certificate create --profile NAME` makes one.".into()),
                )),
            }
        }
        CertificateAction::Remove { profile } => {
            let p = profiles.find(&profile)?;
            cert::remove(&data, &p.id);
            say!("Removed. Remove the certificate from the app registration in Entra too (Certificates & secrets).");
            Ok(())
        }
    }
}

#[derive(clap::Subcommand)]
pub enum ScheduleAction {
    /// Register the nightly sync of a profile with this computer's scheduler (replaces its job).
    Install {
        /// The profile to sync (as saved in the app); --demo for the demo tenant.
        #[arg(long, required_unless_present = "demo")]
        profile: Option<String>,
        #[arg(long, conflicts_with = "profile")]
        demo: bool,
        /// Local time of day, HH:MM (24-hour).
        #[arg(long, default_value = "02:00")]
        at: String,
        /// Host e-mail (repeatable): sync these instead of the profile's hosts.
        #[arg(long = "host")]
        hosts: Vec<String>,
    },
    /// The jobs installed from this computer.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Unregister a profile's job.
    Remove {
        #[arg(long, required_unless_present = "demo")]
        profile: Option<String>,
        #[arg(long, conflicts_with = "profile")]
        demo: bool,
    },
    /// Get the profile's credential and a token with it, and stop (what `install` runs in the
    /// scheduler's environment to prove the job can sign in there).
    #[command(hide = true)]
    Probe {
        #[command(flatten)]
        conn: ConnectionArgs,
    },
}

/// `rollcall schedule …`.
pub async fn schedule(action: ScheduleAction) -> Result<(), CoreError> {
    use rollcall_core::schedule::{self, ledger, os, Job};
    let data = rollcall_core::tenant::profile::data_dir()?;
    match action {
        ScheduleAction::Install {
            profile,
            demo: _,
            at,
            hosts,
        } => {
            // The profile must exist now, not fail every night; the job names it by id.
            let found = match &profile {
                Some(p) => Some(crate::connection::ConnectionArgs::profiles()?.find(p)?),
                None => None,
            };
            let program = std::env::current_exe()
                .map_err(|e| CoreError::internal(format!("where rollcall is: {e}")))?;
            let job = os::install_job(
                &data,
                &program,
                found.as_ref().map(|p| (p.name.clone(), p.id.clone())),
                at,
                hosts,
            )?;
            say!(
                "Installed {} \"{}\": every day at {} it runs {} {}",
                job.scheduler.describe(),
                job.label(),
                job.at,
                job.program,
                job.args().join(" ")
            );
            say!("No secret is in the job: the keychain serves it when the job runs (checked just now, as the scheduler will run it). `rollcall schedule list` shows its runs.");
            let own_proxy = found
                .as_ref()
                .and_then(|p| p.proxy.as_deref())
                .is_some_and(|p| !p.trim().is_empty());
            let shell_proxy: Vec<&str> = [
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "ALL_PROXY",
                "all_proxy",
            ]
            .into_iter()
            .filter(|v| std::env::var_os(v).is_some())
            .collect();
            if !own_proxy && !shell_proxy.is_empty() {
                say!(
                    "Note: this shell sets {} but the job does not get it. If the tenant is reached through that proxy, set it on the profile (Settings → Connections → Proxy): the job uses the profile's proxy.",
                    shell_proxy.join(", ")
                );
            }
            Ok(())
        }
        ScheduleAction::List { json } => {
            let jobs = schedule::installed(&data);
            let runs = ledger::recent(&data, 10);
            if json {
                crate::print_json(&jobs);
            } else if jobs.is_empty() {
                say!("No nightly job installed from this computer.");
            } else {
                for j in &jobs {
                    say!(
                        "{}  at {}  {}  ({})",
                        j.profile.as_deref().unwrap_or("demo tenant"),
                        j.at,
                        if j.hosts.is_empty() {
                            "the profile's hosts".to_string()
                        } else {
                            j.hosts.join(", ")
                        },
                        j.scheduler.describe()
                    );
                }
            }
            if !json && !runs.is_empty() {
                say!("\nLast scheduled runs (newest first):");
                for r in &runs {
                    let how = match r.state {
                        ledger::RunState::Running => "running".to_string(),
                        ledger::RunState::DidNotFinish => "did not finish".to_string(),
                        ledger::RunState::Finished => match r.record.exit_code {
                            Some(0) => "ok".to_string(),
                            Some(c) => format!("failed (exit {c})"),
                            None => "failed".to_string(),
                        },
                    };
                    say!(
                        "  {}  {}  {how}{}",
                        r.record.started_at,
                        r.record.job,
                        r.record
                            .message
                            .as_deref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        // The credential read as the job will read it, then a token from the tenant with it: a
        // certificate not uploaded yet is found now, not at night.
        ScheduleAction::Probe { conn } => {
            let (c, _demo) = conn.resolve().await?;
            rollcall_core::tenant::session::status(&c, false)
                .await
                .map(|_| ())
        }
        ScheduleAction::Remove { profile, demo: _ } => {
            // By the profile's id when it still exists, else by the name the job was installed for.
            let key = match profile.as_deref() {
                None => schedule::key_for(None),
                Some(p) => {
                    match crate::connection::ConnectionArgs::profiles().and_then(|ps| ps.find(p)) {
                        Ok(found) => schedule::key_for(Some(&found.id)),
                        Err(_) => schedule::installed(&data)
                            .iter()
                            .find(|j| j.profile.as_deref() == Some(p))
                            .map(Job::key)
                            .unwrap_or_default(),
                    }
                }
            };
            if os::remove(&data, &key)? {
                say!("Removed the nightly job.");
                Ok(())
            } else {
                Err(CoreError::new(
                    ErrorCode::NotFound,
                    "There is no nightly job for that profile.",
                    Some("`rollcall schedule list` shows the jobs installed.".into()),
                ))
            }
        }
    }
}
