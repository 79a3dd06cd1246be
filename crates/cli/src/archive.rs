//! `rollcall sync`: the nightly job that brings the local attendance archive up to date; and
//! `rollcall archive recover`, for a damaged one.

use rollcall_core::{CoreError, ErrorCode};

use crate::args::Period;
use crate::connection::ConnectionArgs;

#[derive(clap::Subcommand)]
pub enum Action {
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

/// The archive of the connection these flags name (`--archive` wins).
pub fn archive_path(
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
    period: &Period,
    archive: Option<std::path::PathBuf>,
    json: bool,
) -> Result<(), CoreError> {
    let range = period.range()?;
    let (from, to) = (range.from, range.to);
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
        for p in &s.hosts_failed {
            println!("  host not read: {}: {}", p.host, p.error.user_message());
        }
        eprintln!("rollcall: archive {}", path.display());
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
