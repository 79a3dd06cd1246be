//! `rollcall webinars list|create|cancel`: the calendar from scripts. Dates are read in `--time-zone`
//! (default: this computer's zone) and printed in it; JSON keeps UTC instants.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rollcall_core::webinars::{self, NewWebinar, RecurrenceInput, Repeat};
use rollcall_core::{CoreError, ErrorCode};

use crate::connection::ConnectionArgs;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Webinars of one or more hosts in a date range.
    List {
        #[command(flatten)]
        conn: ConnectionArgs,
        /// First day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        to: String,
        /// IANA zone for the dates and the output (default: this computer's zone).
        #[arg(long)]
        time_zone: Option<String>,
        /// Include calendar events that are not Teams meetings.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create a webinar (an event with a Teams meeting) in a host's calendar.
    Create {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[arg(long)]
        subject: String,
        /// Start as wall-clock time, YYYY-MM-DDTHH:MM, in --time-zone.
        #[arg(long)]
        start: String,
        /// Length in minutes.
        #[arg(long, default_value_t = 60)]
        duration: u32,
        #[arg(long)]
        time_zone: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// The description is simple HTML.
        #[arg(long)]
        html: bool,
        /// Invitee e-mail (repeatable).
        #[arg(long = "invitee")]
        invitees: Vec<String>,
        /// Repeat daily or weekly (with --count or --until).
        #[arg(long, value_parser = ["daily", "weekly"])]
        repeat: Option<String>,
        #[arg(long, default_value_t = 1)]
        interval: u32,
        #[arg(long)]
        count: Option<u32>,
        /// Last date of the series (YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
        /// Create it even if the start is in the past.
        #[arg(long)]
        allow_past: bool,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a webinar (organizer only) with a message to the attendees.
    Cancel {
        #[command(flatten)]
        conn: ConnectionArgs,
        /// The event id (from `list --json`); a series id cancels the series.
        #[arg(long)]
        id: String,
        #[arg(long, default_value = "")]
        message: String,
    },
}

fn tz_of(name: &Option<String>) -> Result<(String, TimeZone), CoreError> {
    match name {
        Some(n) => TimeZone::get(n).map(|tz| (n.clone(), tz)).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown time zone \"{n}\"."),
                Some("Use an IANA name such as Europe/Berlin.".into()),
            )
        }),
        None => {
            let tz = TimeZone::system();
            let name = tz.iana_name().unwrap_or("UTC").to_string();
            Ok((name, tz))
        }
    }
}

fn day_start(d: &str, tz: &TimeZone, what: &str) -> Result<Timestamp, CoreError> {
    let date: Date = d.parse().map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("--{what} must be a date like 2026-12-01."),
            None,
        )
    })?;
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| CoreError::new(ErrorCode::InvalidInput, e.to_string(), None))
}

/// One host: `--host`, else the connection's single host.
fn one_host(conn: &rollcall_core::tenant::connection::Connection) -> Result<String, CoreError> {
    match conn.hosts.as_slice() {
        [h] => Ok(h.clone()),
        [] => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Give the host with --host EMAIL.",
            None,
        )),
        _ => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Several hosts are configured: choose one with --host EMAIL.",
            None,
        )),
    }
}

pub async fn run(action: Action) -> Result<(), CoreError> {
    match action {
        Action::List {
            conn,
            from,
            to,
            time_zone,
            all,
            json,
        } => {
            let (_, tz) = tz_of(&time_zone)?;
            let (c, _emulator) = conn.resolve().await?;
            let from = day_start(&from, &tz, "from")?;
            let to = day_start(&to, &tz, "to")? + jiff::SignedDuration::from_hours(24);
            let range = webinars::list(&c, &c.hosts.clone(), from, to, !all).await?;
            if json {
                crate::print_json(&range);
            } else {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for w in &range.webinars {
                    let local = |t: &str| {
                        t.parse::<Timestamp>()
                            .map(|t| {
                                t.to_zoned(tz.clone())
                                    .strftime("%Y-%m-%d %H:%M")
                                    .to_string()
                            })
                            .unwrap_or_default()
                    };
                    let end = local(&w.end);
                    // A closed pipe (`| head`) ends the listing quietly.
                    let written = writeln!(
                        out,
                        "{}–{}  {}  {}{}  [{}]{}",
                        local(&w.start),
                        end.get(11..).unwrap_or_default(),
                        w.host,
                        w.subject,
                        if w.cancelled { " (cancelled)" } else { "" },
                        match w.state {
                            webinars::WebinarState::Ended => "ended",
                            webinars::WebinarState::Live => "live",
                            webinars::WebinarState::Upcoming => "upcoming",
                        },
                        w.join_url
                            .as_deref()
                            .map(|u| format!("  {u}"))
                            .unwrap_or_default(),
                    );
                    if written.is_err() {
                        return Ok(());
                    }
                }
                for p in &range.problems {
                    eprintln!("rollcall: {}: {}", p.host, p.error.user_message());
                }
                eprintln!("rollcall: {} webinar(s)", range.webinars.len());
            }
            if range.problems.is_empty() {
                Ok(())
            } else {
                Err(range.problems[0].error.clone())
            }
        }
        Action::Create {
            conn,
            subject,
            start,
            duration,
            time_zone,
            description,
            html,
            invitees,
            repeat,
            interval,
            count,
            until,
            allow_past,
            json,
        } => {
            let (tz_name, _) = tz_of(&time_zone)?;
            let (c, _emulator) = conn.resolve().await?;
            let recurrence = repeat.map(|r| RecurrenceInput {
                repeat: if r == "daily" {
                    Repeat::Daily
                } else {
                    Repeat::Weekly
                },
                interval,
                count: if until.is_none() {
                    Some(count.unwrap_or(1))
                } else {
                    None
                },
                until: until.clone(),
            });
            let w = NewWebinar {
                host: one_host(&c)?,
                subject,
                start,
                time_zone: tz_name,
                duration_minutes: duration,
                description,
                html,
                invitees,
                recurrence,
                allow_past,
            };
            let created = webinars::create(&c, &w).await?;
            if json {
                crate::print_json(&created);
            } else {
                println!("{}\n{}", created.id, created.join_url.unwrap_or_default());
            }
            Ok(())
        }
        Action::Cancel { conn, id, message } => {
            let (c, _emulator) = conn.resolve().await?;
            webinars::cancel(&c, &one_host(&c)?, &id, &message).await?;
            eprintln!("rollcall: cancelled");
            Ok(())
        }
    }
}

/// `rollcall export`: every session of the range, streamed to a temporary file renamed into place.
#[allow(clippy::too_many_arguments)]
pub async fn export(
    conn: &ConnectionArgs,
    from: &str,
    to: &str,
    level: &str,
    out: &std::path::Path,
    separator: &str,
    bom: bool,
    time_zone: Option<String>,
    threshold: f64,
    from_archive: bool,
) -> Result<usize, CoreError> {
    use rollcall_core::attendance::export::{export_to_file, CsvOptions, Level};
    let level: Level = level.parse()?;
    if !(0.0..=1.0).contains(&threshold) || threshold == 0.0 {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "--threshold is a share between 0 and 1, e.g. 0.8.",
            None,
        ));
    }
    let (tz_name, tz) = tz_of(&time_zone)?;
    let options = CsvOptions {
        separator: separator.to_string(),
        bom,
        time_zone: tz_name,
    };
    let from = day_start(from, &tz, "from")?;
    let to = day_start(to, &tz, "to")? + jiff::SignedDuration::from_hours(24);
    if from_archive {
        // Offline: the archive and the hosts are all it needs.
        let archive = rollcall_core::archive::Archive::open(&archive_path(conn, None)?)?;
        let data = archive.range(&conn.hosts, &from.to_string(), &to.to_string(), threshold)?;
        return export_to_file(out, &data, level, &options);
    }
    let (c, _emulator) = conn.resolve().await?;
    let (data, notes) =
        rollcall_core::attendance::for_range(&c, &c.hosts.clone(), from, to, threshold).await?;
    for n in notes {
        eprintln!("rollcall: note: {n}");
    }
    export_to_file(out, &data, level, &options)
}

/// The archive of the connection these flags name (`--archive` wins).
fn archive_path(
    conn: &ConnectionArgs,
    explicit: Option<std::path::PathBuf>,
) -> Result<std::path::PathBuf, CoreError> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    let id = match conn.target()? {
        crate::connection::Target::Demo => "demo".to_string(),
        crate::connection::Target::Profile(p) => p.id.clone(),
    };
    Ok(rollcall_core::archive::Archive::path_for(
        &rollcall_core::tenant::profile::data_dir()?,
        &id,
    ))
}

/// `rollcall sync`: progress on stderr, summary on stdout.
pub async fn sync(
    conn: &ConnectionArgs,
    from: &str,
    to: &str,
    time_zone: Option<String>,
    archive: Option<std::path::PathBuf>,
    json: bool,
) -> Result<(), CoreError> {
    let (_, tz) = tz_of(&time_zone)?;
    let from = day_start(from, &tz, "from")?;
    let to = day_start(to, &tz, "to")? + jiff::SignedDuration::from_hours(24);
    let path = archive_path(conn, archive)?;
    let archive = std::sync::Arc::new(rollcall_core::archive::Archive::open(&path)?);
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
    let s = rollcall_core::archive::sync::sync(
        &c,
        archive,
        &c.hosts.clone(),
        from,
        to,
        progress,
        cancel,
    )
    .await?;
    eprintln!();
    if json {
        crate::print_json(&s);
    } else {
        println!(
            "{} webinars, {} meetings: {} reports fetched ({} changed copies kept as new versions), {} already archived, {} records; {} requests, {} throttled waits{}",
            s.webinars, s.meetings, s.fetched, s.new_versions, s.unchanged, s.records, s.requests, s.throttled_waits,
            if s.cancelled { " — cancelled" } else { "" }
        );
        for (w, why) in &s.unavailable {
            println!("  not available: {w}: {why}");
        }
        for (w, why) in &s.failed {
            println!("  not archived this time: {w}: {why}");
        }
        eprintln!("rollcall: archive {}", path.display());
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

/// `rollcall import`: parse the whole download first, then store it in one transaction.
pub fn import(
    conn: &ConnectionArgs,
    file: &std::path::Path,
    host: &str,
    time_zone: Option<String>,
    archive: Option<std::path::PathBuf>,
) -> Result<String, CoreError> {
    let (_, tz) = tz_of(&time_zone)?;
    let bytes = std::fs::read(file).map_err(|e| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("Could not read {}: {e}", file.display()),
            None,
        )
    })?;
    let domain = host.rsplit('@').next().unwrap_or_default();
    let imported = rollcall_core::attendance::import::parse_teams_download(
        &bytes,
        &tz,
        domain,
        rollcall_core::attendance::DEFAULT_THRESHOLD,
    )?;
    let archive = rollcall_core::archive::Archive::open(&archive_path(conn, archive)?)?;
    let saved = archive.import(&imported, host)?;
    Ok(format!(
        "{} ({}): {} participants {}",
        imported.title,
        imported.start,
        imported.session.participant_count,
        match saved {
            rollcall_core::archive::Saved::New => "imported",
            rollcall_core::archive::Saved::Unchanged => "already in the archive",
            rollcall_core::archive::Saved::NewVersion => "imported as a new version",
        }
    ))
}
