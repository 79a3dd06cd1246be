//! `rollcall export`, `rollcall report`, `rollcall registrations` and `rollcall import`: attendance to a CSV file Excel opens
//! cleanly or a workbook, the period as an HTML report to share (both from Graph or the local
//! archive), and the Teams client's own download into the archive.

use crate::term::{say, tell};
use rollcall_core::{CoreError, ErrorCode};

use crate::args::{tz_of, Period};
use crate::connection::ConnectionArgs;

/// `rollcall export`: every session of the range, streamed to a temporary file renamed into place.
#[allow(clippy::too_many_arguments)]
pub async fn export(
    conn: &ConnectionArgs,
    period: &Period,
    level: &str,
    out: &std::path::Path,
    format: Option<&str>,
    separator: &str,
    bom: bool,
    threshold: f64,
    from_archive: bool,
    archive: Option<std::path::PathBuf>,
) -> Result<usize, CoreError> {
    use rollcall_core::attendance::export::{CsvOptions, ExportAs, Format, Level};
    use rollcall_core::attendance::write_file;
    let level: Level = level.parse()?;
    let workbook = match format {
        Some(f) => f == "xlsx",
        None => out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")),
    };
    check_threshold(threshold)?;
    let range = period.range()?;
    let (from, to) = (range.from, range.to);
    let options = CsvOptions {
        separator: separator.to_string(),
        bom,
        time_zone: range.zone_name,
    };
    let how = ExportAs {
        format: if workbook { Format::Xlsx } else { Format::Csv },
        level,
        options: &options,
    };
    let got = read_range(conn, from, to, threshold, from_archive, archive).await?;
    let rows = write_file(out, &got.webinars, &how)?;
    partial(
        &got,
        format!("export: {rows} row(s) written to {}", out.display()),
    )?;
    Ok(rows)
}

fn check_threshold(threshold: f64) -> Result<(), CoreError> {
    if !(0.0..=1.0).contains(&threshold) || threshold == 0.0 {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "--threshold is a share between 0 and 1, e.g. 0.8.",
            None,
        ));
    }
    Ok(())
}

/// The attendance of the range from Graph (with the hosts that could not be read) or the archive.
async fn read_range(
    conn: &ConnectionArgs,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    threshold: f64,
    from_archive: bool,
    archive: Option<std::path::PathBuf>,
) -> Result<rollcall_core::attendance::RangeAttendance, CoreError> {
    if from_archive {
        // Offline: the archive and the hosts are all it needs.
        let archive = crate::archive::open_existing(
            conn,
            archive,
            "Run `rollcall sync` first, or leave --from-archive out to read Graph.",
        )?;
        return Ok(rollcall_core::attendance::RangeAttendance {
            webinars: archive.range(&conn.hosts, &from.to_string(), &to.to_string(), threshold)?,
            notes: Vec::new(),
            unread: Vec::new(),
        });
    }
    let (c, _emulator) = conn.resolve().await?;
    rollcall_core::attendance::for_range(&c, &c.hosts.clone(), from, to, threshold).await
}

/// What was written is kept; the exit code names why the rest is missing (a host not read).
fn partial(
    got: &rollcall_core::attendance::RangeAttendance,
    what: String,
) -> Result<(), CoreError> {
    for n in &got.notes {
        tell!("rollcall: note: {n}");
    }
    let Some(p) = got.unread.first() else {
        return Ok(());
    };
    for p in &got.unread {
        tell!(
            "rollcall: host not read: {}: {}",
            p.host,
            p.error.user_message()
        );
    }
    let mut e = p.error.clone();
    e.message = format!(
        "Partial {what}, but {} of the hosts could not be read ({}).",
        got.unread.len(),
        got.unread
            .iter()
            .map(|p| p.host.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Err(e)
}

/// `rollcall report`: the period's overview as one self-contained HTML file, written whole.
pub async fn report(
    conn: &ConnectionArgs,
    period: &Period,
    out: &std::path::Path,
    threshold: f64,
    roster: Option<&std::path::Path>,
    from_archive: bool,
    archive: Option<std::path::PathBuf>,
) -> Result<rollcall_core::attendance::pictures::Overview, CoreError> {
    use rollcall_core::attendance::{pictures, report};
    check_threshold(threshold)?;
    let range = period.range()?;
    // The list is read and checked before anything is fetched: a bad file costs no Graph time.
    let list = match roster {
        Some(p) => Some(rollcall_core::attendance::parse_roster(
            &rollcall_core::attendance::import::decode(
                &rollcall_core::support::files::read_capped(
                    p,
                    rollcall_core::attendance::roster::MAX_ROSTER_BYTES,
                    "an LMS participant list",
                )?,
            )?,
        )?),
        None => None,
    };
    let got = read_range(conn, range.from, range.to, threshold, from_archive, archive).await?;
    let manual = std::collections::HashMap::new();
    let o = pictures::overview_of_range(
        &got,
        &conn.hosts,
        range.from,
        range.to,
        &range.zone,
        &range.zone_name,
        list.as_deref().map(|l| (l, &manual)),
    );
    let generated = report::generated_now(&range.zone);
    report::write_html(out, &report::period_report(&o, &generated)?)?;
    partial(&got, format!("report written to {}", out.display()))?;
    Ok(o)
}

/// `rollcall registrations`: the Teams webinars' registration ledgers of the range.
pub async fn registrations(
    conn: &ConnectionArgs,
    period: &Period,
    out: Option<&std::path::Path>,
    json: bool,
    threshold: f64,
) -> Result<(), CoreError> {
    use rollcall_core::virtual_events::{export, ledgers};
    check_threshold(threshold)?;
    let range = period.range()?;
    let (c, _emulator) = conn.resolve().await?;
    let (found, problems) = ledgers(&c, &c.hosts.clone(), range.from, range.to, threshold).await?;
    if let Some(path) = out {
        let rows = export::write(path, &found, &range.zone_name)?;
        tell!("rollcall: {rows} row(s) written to {}", path.display());
    }
    if json {
        crate::print_json(&found);
    } else if out.is_none() {
        use std::io::Write;
        let mut o = std::io::stdout().lock();
        for l in &found {
            for s in &l.sessions {
                let c = &s.counts;
                let when = s
                    .session
                    .start
                    .parse::<jiff::Timestamp>()
                    .map(|t| {
                        t.to_zoned(range.zone.clone())
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default();
                let line = if s.reported {
                    format!(
                        "{when}  {}  {}: {} registered & came, {} registered & no-show, {} walk-in, {} cancelled ({} came anyway), {} waitlisted, {} pending, {} rejected; {} completed; joined by registration {} / by e-mail {}",
                        l.webinar.host, l.subject, c.registered_attended, c.registered_no_show, c.walk_in,
                        c.canceled + c.canceled_attended, c.canceled_attended, c.waitlisted, c.pending, c.rejected,
                        c.completed, c.by_registration_id, c.by_email
                    )
                } else {
                    format!(
                        "{when}  {}  {}: no attendance report yet",
                        l.webinar.host, l.subject
                    )
                };
                if writeln!(o, "{}", crate::term::clean(&line)).is_err() {
                    return Ok(());
                }
            }
        }
    }
    let report = rollcall_core::attendance::RangeAttendance {
        webinars: Vec::new(),
        notes: Vec::new(),
        unread: problems,
    };
    partial(&report, "registrations".into())
}

/// `rollcall import`: parse the whole download first, then store it in one transaction.
/// `import`'s organizer: its one `--host` (the connection flags' `--host`, which other commands
/// repeat for several hosts; one long option cannot be declared twice in a command).
pub fn organizer(conn: &ConnectionArgs) -> Result<String, CoreError> {
    match conn.hosts.as_slice() {
        [one] => Ok(one.trim().to_string()),
        [] => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Name the organizer of the meeting with --host EMAIL.",
            Some("The download does not say whose meeting it was; the archive files it under that host.".into()),
        )),
        _ => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Give --host once: a downloaded report belongs to one organizer.",
            None,
        )),
    }
}

/// Import each file in its own transaction: a line per file (`TITLE (START-UTC): N
/// participants imported`, what was assumed beneath it), a refused file's reason on stderr, and
/// `imported K of N files` at the end. Exit 0 only when every file went in; otherwise the first
/// refusal's code.
pub fn import(
    conn: &ConnectionArgs,
    files: &[std::path::PathBuf],
    host: &str,
    time_zone: Option<String>,
    date_order: Option<String>,
    archive: Option<std::path::PathBuf>,
) -> std::process::ExitCode {
    use rollcall_core::attendance::import::{DateOrder, Options};
    let chosen = time_zone.is_some() || crate::args::preferences().time_zone.is_some();
    let (zone, tz) = match tz_of(&time_zone) {
        Ok(z) => z,
        Err(e) => return crate::fail(&e),
    };
    let mut options = Options::new(tz, "");
    options.zone = zone;
    options.zone_chosen = chosen;
    options.date_order = date_order.as_deref().and_then(DateOrder::parse);
    let at = match crate::archive::location(conn, archive) {
        Ok(p) => p,
        Err(e) => return crate::fail(&e),
    };
    let store = crate::connection::ConnectionArgs::secret_store();
    let mut first_failure: Option<u8> = None;
    let mut imported = 0usize;
    for file in files {
        let mut o = options.clone();
        o.file_name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let outcome = rollcall_core::support::files::read_capped(
            file,
            rollcall_core::attendance::import::MAX_DOWNLOAD_BYTES,
            "a Teams attendance file",
        )
        .and_then(|bytes| {
            rollcall_core::archive::read_through::import_teams_download(&bytes, host, &o, || {
                at.shared(store.as_ref())
            })
        });
        match outcome {
            Ok((imp, saved)) => {
                imported += 1;
                say!(
                    "{}",
                    rollcall_core::archive::read_through::import_line(&imp, saved)
                );
                for n in &imp.notes {
                    say!("  note: {n}");
                }
            }
            Err(e) => {
                first_failure.get_or_insert(e.exit_code());
                tell!("{}: {}", file.display(), e.user_message());
            }
        }
    }
    if files.len() > 1 {
        say!("imported {imported} of {} files", files.len());
    }
    match first_failure {
        None => std::process::ExitCode::SUCCESS,
        Some(code) => std::process::ExitCode::from(code),
    }
}
