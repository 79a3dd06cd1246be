//! CSV export that opens cleanly in Excel: RFC 4180 quoting (the `csv` crate), UTF-8 with a BOM by
//! default, `,` or `;` (the "Excel, comma decimal" preset), UTC ISO 8601 columns plus local-time
//! columns in the chosen zone, durations in seconds and as `h:mm:ss`, and cells that would start a
//! formula neutralised (OWASP: a leading `'`). Rows stream to a temporary file in the target folder
//! that is renamed over the target only when complete, so a failed export never leaves half a file.

use std::io::Write;
use std::path::Path;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::attendance::{Completion, ParticipantKind, Session, WebinarAttendance};
use crate::error::{CoreError, ErrorCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Level {
    /// One row per attendee per session.
    Attendee,
    /// One row per join/leave.
    Interval,
    /// One row per session.
    Summary,
}

impl std::str::FromStr for Level {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s {
            "attendee" => Ok(Level::Attendee),
            "interval" => Ok(Level::Interval),
            "summary" => Ok(Level::Summary),
            _ => Err(CoreError::new(ErrorCode::InvalidInput, format!("Unknown level \"{s}\"."), Some("Use attendee, interval or summary.".into()))),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvOptions {
    /// `,` (default) or `;`.
    pub separator: String,
    /// Start with a UTF-8 BOM so Excel reads the file as UTF-8 (default).
    pub bom: bool,
    /// IANA zone for the local-time columns.
    pub time_zone: String,
}

impl CsvOptions {
    /// The "Excel" preset: comma, BOM.
    pub fn excel(time_zone: &str) -> Self {
        CsvOptions { separator: ",".into(), bom: true, time_zone: time_zone.into() }
    }
    /// The "Excel, comma decimal" preset (e.g. German, French Excel): semicolon, BOM, `0,8`.
    pub fn excel_comma_decimal(time_zone: &str) -> Self {
        CsvOptions { separator: ";".into(), bom: true, time_zone: time_zone.into() }
    }
    fn delimiter(&self) -> Result<u8, CoreError> {
        match self.separator.as_str() {
            "," => Ok(b','),
            ";" => Ok(b';'),
            "\t" | "tab" => Ok(b'\t'),
            other => Err(CoreError::new(ErrorCode::InvalidInput, format!("The separator \"{other}\" is not supported."), Some("Use , or ;.".into()))),
        }
    }
}

/// OWASP CSV injection: a cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// `h:mm:ss` (hours not capped at 24).
pub fn hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// Formats instants and numbers for one export.
pub struct Cells {
    tz: TimeZone,
    decimal_comma: bool,
}

impl Cells {
    pub fn new(o: &CsvOptions) -> Result<Self, CoreError> {
        let tz = TimeZone::get(&o.time_zone).map_err(|_| CoreError::new(ErrorCode::InvalidInput, format!("Unknown time zone \"{}\".", o.time_zone), None))?;
        Ok(Cells { tz, decimal_comma: o.separator == ";" })
    }
    /// UTC as written by Graph → ISO 8601 `2026-11-26T10:00:00Z`.
    pub fn utc(&self, iso: Option<&str>) -> String {
        iso.and_then(|s| s.parse::<Timestamp>().ok()).map(|t| t.to_string()).unwrap_or_default()
    }
    /// The same instant in the chosen zone, as Excel reads dates: `2026-11-26 11:00:00`.
    pub fn local(&self, iso: Option<&str>) -> String {
        iso.and_then(|s| s.parse::<Timestamp>().ok())
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    }
    pub fn percent(&self, share: f64) -> String {
        let s = format!("{:.1}", share * 100.0);
        if self.decimal_comma { s.replace('.', ",") } else { s }
    }
}

fn kind(k: ParticipantKind) -> &'static str {
    match k {
        ParticipantKind::Member => "member",
        ParticipantKind::Guest => "guest",
        ParticipantKind::Anonymous => "anonymous",
        ParticipantKind::Phone => "phone",
    }
}

fn status(c: Completion) -> &'static str {
    match c {
        Completion::Completed => "completed",
        Completion::Partial => "partial",
        Completion::NoShow => "no-show",
    }
}

pub const ATTENDEE_HEADER: [&str; 21] = [
    "webinar", "host", "session_start_utc", "session_end_utc", "session_start_local", "scheduled_seconds",
    "name", "email", "participant", "role", "first_join_utc", "last_leave_utc", "first_join_local", "last_leave_local",
    "seconds", "duration", "share_percent", "joins", "status", "threshold_percent", "time_zone",
];
pub const INTERVAL_HEADER: [&str; 14] = [
    "webinar", "host", "session_start_utc", "name", "email", "participant", "role",
    "join_utc", "leave_utc", "join_local", "leave_local", "seconds", "duration", "time_zone",
];
pub const SUMMARY_HEADER: [&str; 14] = [
    "webinar", "host", "session_start_utc", "session_end_utc", "session_start_local", "session_end_local",
    "scheduled_seconds", "participants", "completed", "partial", "no_show", "attendee_seconds", "average_share_percent", "time_zone",
];

/// Stream the rows of `data` at `level` to a writer (the file's bytes, BOM included).
pub fn write_csv<W: Write>(out: W, data: &[WebinarAttendance], level: Level, o: &CsvOptions) -> Result<usize, CoreError> {
    let cells = Cells::new(o)?;
    let mut out = out;
    if o.bom {
        out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    }
    let mut w = csv::WriterBuilder::new().delimiter(o.delimiter()?).terminator(csv::Terminator::CRLF).from_writer(out);
    let header: &[&str] = match level {
        Level::Attendee => &ATTENDEE_HEADER,
        Level::Interval => &INTERVAL_HEADER,
        Level::Summary => &SUMMARY_HEADER,
    };
    w.write_record(header).map_err(csv_err)?;
    let mut rows = 0;
    for wa in data {
        let subject = neutralise(&wa.webinar.subject).into_owned();
        let host = neutralise(&wa.webinar.host).into_owned();
        for s in &wa.sessions {
            rows += write_session(&mut w, &cells, level, &subject, &host, s, wa.threshold, &o.time_zone)?;
        }
    }
    w.flush().map_err(io)?;
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn write_session<W: Write>(w: &mut csv::Writer<W>, c: &Cells, level: Level, subject: &str, host: &str, s: &Session, threshold: f64, zone: &str) -> Result<usize, CoreError> {
    let start_utc = c.utc(Some(&s.start));
    match level {
        Level::Summary => {
            let total: i64 = s.attendees.iter().map(|a| a.seconds).sum();
            let avg = if s.attendees.is_empty() { 0.0 } else { s.attendees.iter().map(|a| a.share).sum::<f64>() / s.attendees.len() as f64 };
            w.write_record([
                subject, host, &start_utc, &c.utc(Some(&s.end)), &c.local(Some(&s.start)), &c.local(Some(&s.end)),
                &s.scheduled_seconds.to_string(), &s.participant_count.to_string(), &s.counts.completed.to_string(),
                &s.counts.partial.to_string(), &s.counts.no_show.to_string(), &total.to_string(), &c.percent(avg), zone,
            ])
            .map_err(csv_err)?;
            Ok(1)
        }
        Level::Attendee => {
            let (end_utc, start_local, sched, thr) = (c.utc(Some(&s.end)), c.local(Some(&s.start)), s.scheduled_seconds.to_string(), c.percent(threshold));
            for a in &s.attendees {
                let (name, email) = (neutralise(&a.name), neutralise(a.email.as_deref().unwrap_or("")));
                w.write_record([
                    subject, host, &start_utc, &end_utc, &start_local, &sched, &name, &email, kind(a.kind), &neutralise(&a.role),
                    &c.utc(a.first_join.as_deref()), &c.utc(a.last_leave.as_deref()), &c.local(a.first_join.as_deref()), &c.local(a.last_leave.as_deref()),
                    &a.seconds.to_string(), &hms(a.seconds), &c.percent(a.share), &a.joins.to_string(), status(a.status), &thr, zone,
                ])
                .map_err(csv_err)?;
            }
            Ok(s.attendees.len())
        }
        Level::Interval => {
            let mut n = 0;
            for a in &s.attendees {
                let (name, email) = (neutralise(&a.name), neutralise(a.email.as_deref().unwrap_or("")));
                for i in &a.intervals {
                    w.write_record([
                        subject, host, &start_utc, &name, &email, kind(a.kind), &neutralise(&a.role),
                        &c.utc(i.join.as_deref()), &c.utc(i.leave.as_deref()), &c.local(i.join.as_deref()), &c.local(i.leave.as_deref()),
                        &i.seconds.to_string(), &hms(i.seconds), zone,
                    ])
                    .map_err(csv_err)?;
                    n += 1;
                }
            }
            Ok(n)
        }
    }
}

fn io(e: std::io::Error) -> CoreError {
    CoreError::new(ErrorCode::InvalidInput, format!("Could not write the export: {e}"), Some("Check that the folder exists and is writable, and that the file is not open in Excel.".into()))
}

fn csv_err(e: csv::Error) -> CoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io(e),
        other => CoreError::internal(format!("CSV: {other:?}")),
    }
}

/// Write the export to `path` through a temporary file renamed into place when complete.
pub fn export_to_file(path: &Path, data: &[WebinarAttendance], level: Level, o: &CsvOptions) -> Result<usize, CoreError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export.csv".into());
    let tmp = dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let f = std::fs::File::create(&tmp).map_err(io)?;
        let mut buf = std::io::BufWriter::with_capacity(1 << 16, f);
        let rows = write_csv(&mut buf, data, level, o)?;
        let f = buf.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(rows)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_durations_formatted() {
        assert_eq!(neutralise("=HYPERLINK(\"http://evil\",\"x\")"), "'=HYPERLINK(\"http://evil\",\"x\")");
        for bad in ["+1 425", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("Ann"), "Ann");
        assert_eq!(hms(3725), "1:02:05");
        assert_eq!(hms(90_061), "25:01:01");
    }
}
