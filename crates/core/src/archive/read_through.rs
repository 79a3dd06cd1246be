//! Graph through the archive, as the desktop reads it: attendance is fetched live and archived,
//! sessions only the archive still has are added, and when Graph cannot be reached the archive
//! alone answers (the calendar's past webinars likewise). Also the import of a Teams download,
//! and [`Reads`]: the attendance the desktop fetched this run, which exports and roster matching
//! reuse, with the calendar's reads and cancellations for the active connection.

use jiff::Timestamp;

use super::{Archive, Saved};
use crate::attendance::export;
use crate::attendance::import::Imported;
use crate::attendance::pictures::{self, Overview, Pictures};
use crate::attendance::report::{self, Scope};
use crate::attendance::{self, Availability, RosterMatch, WebinarAttendance};
use crate::error::{CoreError, ErrorCode};
use crate::support::cache::Cache;
use crate::tenant::connections::Connections;
use crate::tenant::Connection;
use crate::webinars::{self, CancelLog, HostProblem, Webinar, WebinarRange};

/// An RFC 3339 instant from the UI, or a clear error.
pub fn instant(t: &str) -> Result<Timestamp, CoreError> {
    t.parse().map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("\"{t}\" is not an RFC 3339 instant."),
            None,
        )
    })
}

/// The period overview's question: which days, hosts (none: the connection's), zone, threshold.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OverviewQuery {
    /// RFC 3339 instants, `[from, to)`.
    pub from: String,
    pub to: String,
    pub hosts: Option<Vec<String>>,
    /// IANA zone of the weeks (Monday to Sunday) and of the report's times.
    pub time_zone: String,
    /// Completion threshold, 0–1.
    pub threshold: f64,
}

/// "Generated on …" of a report, in its zone (UTC for a zone that does not exist).
fn generated_now(time_zone: &str) -> String {
    report::generated_now(&jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// The desktop's reads for the active connection (see the module doc).
#[derive(Default)]
pub struct Reads {
    /// Attendance fetched this run, by webinar id.
    attendance: Cache<WebinarAttendance>,
    /// The period overviews shown this run (so "Save report…" writes what is on screen).
    overviews: Cache<Overview>,
    /// Teams webinars' registration ledgers read this run, by webinar id (for export).
    ledgers: Cache<crate::virtual_events::Ledger>,
}

impl Reads {
    // Attendance.

    /// The attendance of a webinar through the archive (see [`attendance`]); kept
    /// for export and roster matching.
    pub async fn attendance(
        &self,
        conns: &Connections,
        webinar: &Webinar,
        threshold: f64,
    ) -> Result<WebinarAttendance, CoreError> {
        let archive = Archive::active(conns).ok();
        let wa = attendance(&conns.connection()?, archive.as_deref(), webinar, threshold).await?;
        self.keep(conns, webinar, &wa);
        Ok(wa)
    }
    /// What the archive holds for a webinar, at once (the page then refreshes from Graph).
    pub fn archived_attendance(
        &self,
        conns: &Connections,
        webinar: &Webinar,
        threshold: f64,
    ) -> Result<Option<WebinarAttendance>, CoreError> {
        let found = Archive::active(conns)?.attendance(webinar, threshold)?;
        if let Some(wa) = &found {
            self.keep(conns, webinar, wa);
        }
        Ok(found)
    }
    fn keep(&self, conns: &Connections, webinar: &Webinar, wa: &WebinarAttendance) {
        let generation = conns.generation();
        self.attendance
            .insert(generation, webinar.id.clone(), wa.clone());
    }
    /// A fetched webinar's attendance, one session (`Some(i)`) or all.
    fn fetched(
        &self,
        conns: &Connections,
        webinar_id: &str,
        session: Option<u32>,
    ) -> Result<WebinarAttendance, CoreError> {
        let mut wa = self
            .attendance
            .get(conns.generation(), webinar_id)
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::NotFound,
                    "Open the webinar's attendance first.",
                    None,
                )
            })?;
        if let Some(i) = session {
            let s = wa.sessions.get(i as usize).cloned().ok_or_else(|| {
                CoreError::new(ErrorCode::NotFound, "That session does not exist.", None)
            })?;
            wa.sessions = vec![s];
        }
        Ok(wa)
    }
    /// Export one session (`Some(i)`) or all sessions (the series) of a fetched webinar.
    pub fn export_attendance(
        &self,
        conns: &Connections,
        webinar_id: &str,
        session: Option<u32>,
        how: &export::ExportAs<'_>,
        path: &std::path::Path,
    ) -> Result<u32, CoreError> {
        let wa = self.fetched(conns, webinar_id, session)?;
        attendance::write_file(path, std::slice::from_ref(&wa), how).map(|n| n as u32)
    }
    /// Export every session of the hosts' ended webinars in `[from, to)` (RFC 3339); returns the rows
    /// written and notes on webinars whose attendance was not available.
    pub async fn export_range(
        &self,
        conns: &Connections,
        from: &str,
        to: &str,
        how: &export::ExportAs<'_>,
        path: &std::path::Path,
    ) -> Result<(u32, Vec<String>), CoreError> {
        let conn = conns.connection()?;
        let hosts = conn.hosts.clone();
        let got = attendance::for_range(
            &conn,
            &hosts,
            instant(from)?,
            instant(to)?,
            attendance::DEFAULT_THRESHOLD,
        )
        .await?;
        let rows = attendance::write_file(path, &got.webinars, how)?;
        // A host that could not be read is said first: the file is missing its webinars.
        let mut notes: Vec<String> = got
            .unread
            .iter()
            .map(|p| {
                format!(
                    "Not exported — {} could not be read: {}",
                    p.host, p.error.message
                )
            })
            .collect();
        notes.extend(got.notes);
        Ok((rows as u32, notes))
    }
    /// The charts' data for a fetched webinar: a picture per session and the series.
    pub fn pictures(&self, conns: &Connections, webinar_id: &str) -> Result<Pictures, CoreError> {
        Ok(pictures::pictures(&self.fetched(conns, webinar_id, None)?))
    }
    /// A fetched webinar's report (one session or the series) as HTML, written whole to `path`.
    pub fn report(
        &self,
        conns: &Connections,
        webinar_id: &str,
        scope: Scope,
        time_zone: &str,
        path: &std::path::Path,
    ) -> Result<(), CoreError> {
        let wa = self.fetched(conns, webinar_id, None)?;
        let html = report::webinar_report(&wa, scope, time_zone, &generated_now(time_zone))?;
        report::write_html(path, &html)
    }
    /// The overview of the hosts' (default: the connection's) sessions in `[from, to)`, weeks in
    /// `time_zone`; no-shows are counted against `roster_file` (an LMS list) when one is given.
    pub async fn overview(
        &self,
        conns: &Connections,
        q: &OverviewQuery,
        roster_file: Option<&[u8]>,
    ) -> Result<Overview, CoreError> {
        let OverviewQuery {
            from,
            to,
            hosts,
            time_zone,
            threshold,
        } = q;
        let zone = jiff::tz::TimeZone::get(time_zone).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown time zone \"{time_zone}\"."),
                None,
            )
        })?;
        let roster = match roster_file {
            Some(b) => Some(attendance::parse_roster(&attendance::import::decode(b)?)?),
            None => None,
        };
        let conn = conns.connection()?;
        let hosts = Self::hosts_or_default(&conn, hosts.clone());
        let (start, end) = (instant(from)?, instant(to)?);
        let got = attendance::for_range(&conn, &hosts, start, end, *threshold).await?;
        let manual = Archive::active(conns)
            .and_then(|a| a.roster_matches())
            .unwrap_or_default();
        let o = pictures::overview_of_range(
            &got,
            &hosts,
            start,
            end,
            &zone,
            time_zone,
            roster.as_deref().map(|r| (r, &manual)),
        );
        self.overviews
            .insert(conns.generation(), "latest".into(), o.clone());
        Ok(o)
    }
    /// The overview shown last, as an HTML report written whole to `path`.
    pub fn overview_report(
        &self,
        conns: &Connections,
        path: &std::path::Path,
    ) -> Result<(), CoreError> {
        let o = self
            .overviews
            .get(conns.generation(), "latest")
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::NotFound,
                    "Show the period's overview first.",
                    None,
                )
            })?;
        let html = report::period_report(&o, &generated_now(&o.time_zone))?;
        report::write_html(path, &html)
    }
    /// A Teams webinar's registration ledger (its `event` from the calendar row), kept for export.
    pub async fn ledger(
        &self,
        conns: &Connections,
        webinar: &Webinar,
        threshold: f64,
    ) -> Result<crate::virtual_events::Ledger, CoreError> {
        let event = webinar.event.as_ref().ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "This webinar is not a Teams webinar: it has attendance, not registrations.",
                None,
            )
        })?;
        let conn = conns.connection()?;
        let l = crate::virtual_events::ledger_of(&conn, event, &webinar.subject, threshold).await?;
        self.ledgers
            .insert(conns.generation(), webinar.id.clone(), l.clone());
        Ok(l)
    }
    /// Export a ledger read this run (CSV, or a workbook for `.xlsx`); the rows written.
    pub fn export_ledger(
        &self,
        conns: &Connections,
        webinar_id: &str,
        time_zone: &str,
        path: &std::path::Path,
    ) -> Result<u32, CoreError> {
        let l = self
            .ledgers
            .get(conns.generation(), webinar_id)
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::NotFound,
                    "Open the webinar's registrations first.",
                    None,
                )
            })?;
        crate::virtual_events::export::write(path, std::slice::from_ref(&l), time_zone)
            .map(|n| n as u32)
    }
    /// Create a draft Teams webinar starting at a wall-clock `start` (`YYYY-MM-DDTHH:MM`) in
    /// `time_zone`, then publish or cancel it with [`Reads::event_transition`] (a signed-in
    /// organizer only); its id.
    pub async fn event_create(
        &self,
        conns: &Connections,
        subject: &str,
        start: &str,
        time_zone: &str,
        minutes: u32,
    ) -> Result<String, CoreError> {
        let bad = |what: &str| CoreError::new(ErrorCode::InvalidInput, what.to_string(), None);
        let tz = jiff::tz::TimeZone::get(time_zone)
            .map_err(|_| bad(&format!("Unknown time zone \"{time_zone}\".")))?;
        let civil: jiff::civil::DateTime = start
            .parse()
            .map_err(|_| bad("Give the start as a date and a time."))?;
        let begin = civil
            .to_zoned(tz)
            .map_err(|_| bad("That start time does not exist in this zone."))?
            .timestamp();
        if subject.trim().is_empty() || minutes == 0 || minutes > 24 * 60 {
            return Err(bad(
                "A Teams webinar needs a subject and a length between 1 minute and 24 hours.",
            ));
        }
        let end = begin + jiff::SignedDuration::from_mins(i64::from(minutes));
        crate::virtual_events::create_draft(&conns.connection()?, subject.trim(), begin, end).await
    }
    pub async fn event_transition(
        &self,
        conns: &Connections,
        id: &str,
        publish: bool,
    ) -> Result<(), CoreError> {
        crate::virtual_events::transition(&conns.connection()?, id, publish).await
    }

    /// Match a session's attendees against the LMS participant list (CSV text), with the matches
    /// remembered in the archive.
    pub fn roster_match(
        &self,
        conns: &Connections,
        webinar_id: &str,
        session: u32,
        roster_file: &[u8],
    ) -> Result<RosterMatch, CoreError> {
        let roster = attendance::parse_roster(&attendance::import::decode(roster_file)?)?;
        let wa = self.fetched(conns, webinar_id, Some(session))?;
        let manual = Archive::active(conns)
            .and_then(|a| a.roster_matches())
            .unwrap_or_default();
        Ok(attendance::match_roster(
            &wa.sessions[0].attendees,
            &roster,
            &manual,
        ))
    }
    /// Remember that an attendee (by key) is this roster person, for this and later sessions.
    pub fn remember_match(
        &self,
        conns: &Connections,
        attendee_key: &str,
        roster_email: &str,
    ) -> Result<(), CoreError> {
        Archive::active(conns)?.remember_match(attendee_key, roster_email)
    }
    /// Import a Teams attendance download into the archive (see [`import_download`]).
    pub fn import_download(
        &self,
        conns: &Connections,
        bytes: &[u8],
        host: &str,
        time_zone: &str,
        date_order: Option<attendance::import::DateOrder>,
        file_name: Option<String>,
    ) -> Result<ImportOutcome, CoreError> {
        import_download(conns, bytes, host, time_zone, date_order, file_name)
    }

    // The calendar.

    /// Where Rollcall remembers what it cancelled for the active connection.
    fn cancel_log(&self, conns: &Connections) -> Result<CancelLog, CoreError> {
        let id = conns.active_key()?;
        Ok(CancelLog::new(conns.data_dir().join(format!(
            "cancelled-{}.json",
            crate::tenant::profile::file_key(&id)
        ))))
    }
    fn hosts_or_default(conn: &Connection, hosts: Option<Vec<String>>) -> Vec<String> {
        hosts
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| conn.hosts.clone())
    }
    /// The calendar range for the given hosts (default: the connection's), through the archive
    /// when Graph fails, with what Rollcall cancelled still shown.
    pub async fn webinars(
        &self,
        conns: &Connections,
        hosts: Option<Vec<String>>,
        from: &str,
        to: &str,
        teams_only: bool,
    ) -> Result<WebinarRange, CoreError> {
        let conn = conns.connection()?;
        let (from, to) = (instant(from)?, instant(to)?);
        let hosts = Self::hosts_or_default(&conn, hosts);
        let archive = || Archive::active(conns).ok();
        let mut range = webinars(&conn, archive, &hosts, from, to, teams_only).await?;
        self.cancel_log(conns)?.merge(&mut range, &hosts, from, to);
        if conn.teams_webinars {
            crate::virtual_events::add_to(&conn, &hosts, from, to, &mut range).await;
        }
        Ok(range)
    }
    /// Past webinars the archive holds for the range, at once (the calendar then refreshes from Graph).
    pub fn archived_webinars(
        &self,
        conns: &Connections,
        hosts: Option<Vec<String>>,
        from: &str,
        to: &str,
    ) -> Result<WebinarRange, CoreError> {
        let hosts = Self::hosts_or_default(&conns.connection()?, hosts);
        let webinars = Archive::active(conns)?.webinars(
            &hosts,
            &instant(from)?.to_string(),
            &instant(to)?.to_string(),
        )?;
        Ok(WebinarRange {
            webinars,
            problems: Vec::new(),
        })
    }
    /// Cancel, and remember it so the calendar keeps showing it struck through.
    pub async fn cancel_webinar(
        &self,
        conns: &Connections,
        host: &str,
        id: &str,
        message: &str,
    ) -> Result<(), CoreError> {
        let conn = conns.connection()?;
        let w = webinars::get(&conn, host, id).await?;
        webinars::cancel(&conn, host, id, message).await?;
        self.cancel_log(conns)?.record(&w)
    }
}

/// The attendance of a webinar: read from Graph and archived; sessions Graph no longer lists
/// (older than a year, beyond the newest 50) come from the archive; without Graph (offline,
/// refused) the archive alone answers.
pub async fn attendance(
    conn: &Connection,
    archive: Option<&Archive>,
    webinar: &Webinar,
    threshold: f64,
) -> Result<WebinarAttendance, CoreError> {
    let live = attendance::for_webinar(conn, webinar, threshold).await;
    Ok(match (live, archive) {
        (Ok(mut wa), Some(a)) => {
            if let Some(join) = &webinar.join_url {
                // A reader of a shared archive reads it and writes nothing.
                if a.writable() {
                    let _ = a.save_webinar(webinar);
                    // This read is a look at the reports too: a report seen here for the first
                    // time is judged against the last look that did not find it.
                    let absent = a.checked(join).ok().flatten().map(|c| c.0);
                    let look = jiff::Timestamp::now().to_string();
                    for s in &wa.sessions {
                        if let Err(e) = a
                            .save_session(join, s)
                            .and_then(|_| a.note_seen(&s.report_id, join, &look, absent.as_deref()))
                        {
                            tracing::warn!("archive: {}", e.message);
                        }
                    }
                }
                // Add what only the archive still has, and when each report was first seen.
                if let Ok(kept) = a.sessions(join, wa.threshold) {
                    for s in &mut wa.sessions {
                        s.arrival = kept
                            .iter()
                            .find(|k| k.report_id == s.report_id)
                            .and_then(|k| k.arrival.clone());
                    }
                    attendance::late::rejudge(&mut wa.sessions, conn.lms_window_minutes);
                    let extra: Vec<_> = kept
                        .into_iter()
                        .filter(|k| !wa.sessions.iter().any(|s| s.report_id == k.report_id))
                        .collect();
                    if !extra.is_empty() {
                        wa.sessions.extend(extra);
                        wa.sessions.sort_by(|x, y| x.start.cmp(&y.start));
                        wa.note = Some(
                            "Includes sessions Teams no longer lists, from the local archive."
                                .into(),
                        );
                        wa.availability = Availability::Ready;
                        let scheduled = wa.sessions.first().map_or(0, |s| s.scheduled_seconds);
                        wa.selected =
                            attendance::select_session(&wa.sessions, &webinar.start, scheduled);
                    }
                }
            }
            wa
        }
        (Ok(wa), None) => wa,
        (Err(e), Some(a)) => match a.attendance(webinar, threshold)? {
            Some(mut kept) => {
                kept.note = Some(format!(
                    "From the local archive: Graph could not be reached ({}).",
                    e.message
                ));
                kept
            }
            None => return Err(e),
        },
        (Err(e), None) => return Err(e),
    })
}

/// The calendar range from Graph; offline or refused, the past webinars the archive knows, with
/// the reason as a problem line. The archive is opened only then.
pub async fn webinars(
    conn: &Connection,
    archive: impl FnOnce() -> Option<std::sync::Arc<Archive>>,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    teams_only: bool,
) -> Result<WebinarRange, CoreError> {
    match webinars::list(conn, hosts, from, to, teams_only).await {
        Ok(r) => Ok(r),
        Err(e) => {
            let kept = archive()
                .map(|a| a.webinars(hosts, &from.to_string(), &to.to_string()))
                .transpose()
                .unwrap_or_default()
                .unwrap_or_default();
            if kept.is_empty() {
                return Err(e);
            }
            Ok(WebinarRange {
                webinars: kept,
                problems: vec![HostProblem {
                    host: "Microsoft Graph".into(),
                    error: CoreError::new(
                        e.code,
                        format!("{} Showing the webinars in the local archive.", e.message),
                        e.hint,
                    ),
                    step: None,
                }],
            })
        }
    }
}

/// Import a Teams attendance file (its bytes): the whole file is parsed first (as `options`
/// say, the organizer's domain from `host`), and only then is the archive opened and the session
/// stored in one transaction, so a file that is not understood changes nothing. The CLI and the
/// desktop word the outcome each in their own way.
pub fn import_teams_download(
    bytes: &[u8],
    host: &str,
    options: &attendance::import::Options,
    open_archive: impl FnOnce() -> Result<std::sync::Arc<Archive>, CoreError>,
) -> Result<(Imported, Saved), CoreError> {
    let mut o = options.clone();
    o.home_domain = host.rsplit('@').next().unwrap_or_default().to_string();
    let imported = attendance::import::parse(bytes, &o)?;
    let saved = open_archive()?.import(&imported, host)?;
    Ok((imported, saved))
}

/// One file's outcome in a line: `TITLE (START-UTC): N participants imported`.
pub fn import_line(imported: &Imported, saved: Saved) -> String {
    format!(
        "{} ({}): {} participants {}",
        imported.title,
        imported.start,
        imported.session.participant_count,
        match saved {
            Saved::New => "imported",
            Saved::Unchanged => "already in the archive",
            Saved::NewVersion => "imported as a new version",
        }
    )
}

/// [`import_teams_download`] for the desktop: the zone by name, the date order when the user
/// chose one, the file's name; the outcome line and what was assumed.
pub fn import_download(
    conns: &Connections,
    bytes: &[u8],
    host: &str,
    time_zone: &str,
    date_order: Option<attendance::import::DateOrder>,
    file_name: Option<String>,
) -> Result<ImportOutcome, CoreError> {
    let tz = jiff::tz::TimeZone::get(time_zone).map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("Unknown time zone \"{time_zone}\"."),
            None,
        )
    })?;
    let mut o = attendance::import::Options::new(tz, "");
    o.date_order = date_order;
    o.file_name = file_name;
    let (imported, saved) = import_teams_download(bytes, host, &o, || Archive::active(conns))?;
    Ok(ImportOutcome {
        line: import_line(&imported, saved),
        notes: imported.notes,
    })
}

/// What one imported file came to, for the app.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub line: String,
    pub notes: Vec<String>,
}
