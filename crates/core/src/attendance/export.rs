//! CSV export that opens cleanly in Excel: RFC 4180 quoting (the `csv` crate), UTF-8 with a BOM by
//! default, `,` or `;` (the "Excel, comma decimal" preset), UTC ISO 8601 columns plus local-time
//! columns in the chosen zone, durations in seconds and as `h:mm:ss`, and cells that would start a
//! formula neutralised (OWASP: a leading `'`). Rows stream to a temporary file in the target folder
//! that is renamed over the target only when complete, so a failed export never leaves half a file.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::attendance::WebinarAttendance;
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
            _ => Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown level \"{s}\"."),
                Some("Use attendee, interval or summary.".into()),
            )),
        }
    }
}

/// The file an export writes: CSV at one level, or the Excel workbook with every level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Format {
    Csv,
    Xlsx,
}

/// What an export writes: the format, the CSV's level and options (the workbook takes the zone).
#[derive(Clone, Copy, Debug)]
pub struct ExportAs<'a> {
    pub format: Format,
    pub level: Level,
    pub options: &'a CsvOptions,
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
        CsvOptions {
            separator: ",".into(),
            bom: true,
            time_zone: time_zone.into(),
        }
    }
    /// The "Excel, comma decimal" preset (e.g. German, French Excel): semicolon, BOM, `0,8`.
    pub fn excel_comma_decimal(time_zone: &str) -> Self {
        CsvOptions {
            separator: ";".into(),
            bom: true,
            time_zone: time_zone.into(),
        }
    }
    fn delimiter(&self) -> Result<u8, CoreError> {
        match self.separator.as_str() {
            "," => Ok(b','),
            ";" => Ok(b';'),
            "\t" | "tab" => Ok(b'\t'),
            other => Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("The separator \"{other}\" is not supported."),
                Some("Use , or ;.".into()),
            )),
        }
    }
}

/// OWASP CSV injection: a cell whose first non-blank character is `=`, `+`, `-`, `@` (or their
/// full-width forms `＝＋－＠`, which Excel's IME input folds to the ASCII ones), or that starts
/// with tab or CR, is prefixed with `'`. Blank here is any Unicode white space (a leading space,
/// newline or U+3000 is skipped by Excel before it reads a formula).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let first = cell.chars().find(|c| !c.is_whitespace());
    let trigger = matches!(
        first,
        Some('=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}')
    ) || cell.starts_with(['\t', '\r']);
    if trigger {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Append a non-negative integer's digits.
fn push_int(out: &mut String, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Seconds since the epoch of a canonical `YYYY-MM-DDTHH:MM:SSZ` string.
fn parse_canonical_utc(s: &str) -> Option<i64> {
    if !is_canonical_utc(s) {
        return None;
    }
    let b = s.as_bytes();
    let n = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
    };
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19))
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Append `YYYY-MM-DD HH:MM:SS` for local seconds since the epoch.
fn push_civil(out: &mut String, secs: i64) {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Fixed layout, filled digit by digit.
    let mut b = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, v: i64| {
        b[at] = b'0' + (v / 10 % 10) as u8;
        b[at + 1] = b'0' + (v % 10) as u8;
    };
    put(0, y / 100);
    put(2, y % 100);
    put(5, m);
    put(8, d);
    put(11, rem / 3600);
    put(14, rem % 3600 / 60);
    put(17, rem % 60);
    out.push_str(std::str::from_utf8(&b).unwrap_or_default());
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly (what `Timestamp::to_string` writes for whole seconds).
fn is_canonical_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[19] == b'Z'
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16 | 19) || c.is_ascii_digit())
}

/// `h:mm:ss` (hours not capped at 24).
pub fn hms(seconds: i64) -> String {
    let mut out = String::with_capacity(8);
    hms_into(seconds, &mut out);
    out
}

fn hms_into(seconds: i64, out: &mut String) {
    let s = seconds.max(0);
    push_int(out, s / 3600);
    for part in [(s % 3600) / 60, s % 60] {
        out.push(':');
        out.push(char::from(b'0' + (part / 10) as u8));
        out.push(char::from(b'0' + (part % 10) as u8));
    }
}

/// Formats instants and numbers for one export.
pub struct Cells {
    tz: TimeZone,
    decimal_comma: bool,
    /// The zone's offset between two transitions, from the last lookup: rows of one export sit
    /// mostly between the same two DST changes.
    span: Cell<(i64, i64, i64)>,
}

impl Cells {
    pub fn new(o: &CsvOptions) -> Result<Self, CoreError> {
        let tz = TimeZone::get(&o.time_zone).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown time zone \"{}\".", o.time_zone),
                None,
            )
        })?;
        Ok(Cells {
            tz,
            decimal_comma: o.separator == ";",
            span: Cell::new((0, 0, 0)),
        })
    }
    /// UTC as ISO 8601 `2026-11-26T10:00:00Z`. Rollcall's own instants are already in that form
    /// and pass through unparsed (the export's hot path); anything else is normalised.
    pub fn utc(&self, iso: Option<&str>) -> String {
        match iso {
            Some(s) if is_canonical_utc(s) => s.to_string(),
            Some(s) => s
                .parse::<Timestamp>()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            None => String::new(),
        }
    }
    /// The same instant in the chosen zone, as Excel reads dates: `2026-11-26 11:00:00`.
    pub fn local(&self, iso: Option<&str>) -> String {
        let mut out = String::with_capacity(19);
        self.local_into(iso, &mut out);
        out
    }
    /// [`Cells::local`] appended to a reused buffer. The export's hot path: canonical UTC strings
    /// are read by position and the wall clock is written digit by digit; the zone's offset still
    /// comes from jiff for the exact instant (DST-correct).
    pub fn local_into(&self, iso: Option<&str>, out: &mut String) {
        let Some(iso) = iso else { return };
        let secs = match parse_canonical_utc(iso) {
            Some(s) => s,
            None => match iso.parse::<Timestamp>() {
                Ok(t) => t.as_second(),
                Err(_) => return,
            },
        };
        push_civil(out, secs + self.offset_at(secs));
    }
    /// The zone's UTC offset at an instant, cached until the next (or since the previous) transition.
    fn offset_at(&self, secs: i64) -> i64 {
        let (lo, hi, off) = self.span.get();
        if secs >= lo && secs < hi {
            return off;
        }
        let Ok(t) = Timestamp::from_second(secs) else {
            return 0;
        };
        let off = i64::from(self.tz.to_offset(t).seconds());
        let lo = self
            .tz
            .preceding(t)
            .next()
            .map_or(i64::MIN, |tr| tr.timestamp().as_second());
        let hi = self
            .tz
            .following(t)
            .next()
            .map_or(i64::MAX, |tr| tr.timestamp().as_second());
        self.span.set((lo, hi, off));
        off
    }
    /// An instant as Unix seconds (for the workbook's date-time cells).
    pub(crate) fn utc_seconds(&self, iso: &str) -> Option<i64> {
        parse_canonical_utc(iso).or_else(|| iso.parse::<Timestamp>().ok().map(|t| t.as_second()))
    }
    /// The instant's wall clock in the chosen zone, as seconds since the Unix epoch of that clock.
    pub(crate) fn local_seconds(&self, iso: &str) -> Option<i64> {
        self.utc_seconds(iso)
            .map(|secs| secs + self.offset_at(secs))
    }
    fn utc_into(&self, iso: Option<&str>, out: &mut String) {
        match iso {
            Some(s) if is_canonical_utc(s) => out.push_str(s),
            other => out.push_str(&self.utc(other)),
        }
    }
    /// One decimal, `.` or `,`: written from integer tenths (no float formatting on the hot path).
    fn percent_into(&self, share: f64, out: &mut String) {
        let tenths = (share * 1000.0).round();
        if !tenths.is_finite() {
            out.push('0');
            return;
        }
        let tenths = tenths as i64;
        if tenths < 0 {
            out.push('-');
        }
        push_int(out, tenths.abs() / 10);
        out.push(if self.decimal_comma { ',' } else { '.' });
        push_int(out, tenths.abs() % 10);
    }
}

use super::rows::{self, Value};
pub use super::rows::{status_str, ATTENDEE_HEADER, INTERVAL_HEADER, SUMMARY_HEADER};

/// A CSV export in progress: the header is written on creation, then webinars one at a time, so
/// memory stays bounded by one webinar however many rows the export has.
pub struct CsvExport<W: Write> {
    out: RowWriter<W>,
    level: Level,
    zone: String,
    rows: usize,
}

/// Typed rows to CSV text, with what the hot path reuses: one record and one scratch buffer for
/// every row (no allocation per cell), and per column the last local instant formatted (a
/// session's times repeat on each of its rows and are formatted once).
struct RowWriter<W: Write> {
    w: csv::Writer<W>,
    cells: Cells,
    rec: csv::ByteRecord,
    buf: String,
    local: Vec<(String, String)>,
}

impl<W: Write> RowWriter<W> {
    /// One row: outside text neutralised, instants and numbers formatted into the buffer.
    fn row(&mut self, row: &[Value<'_>]) -> Result<(), CoreError> {
        let RowWriter {
            w,
            cells: c,
            rec,
            buf,
            local,
        } = self;
        rec.clear();
        for (n, v) in row.iter().enumerate() {
            buf.clear();
            match *v {
                Value::Local(Some(iso)) if local.get(n).is_some_and(|(k, _)| k == iso) => {
                    rec.push_field(local[n].1.as_bytes());
                    continue;
                }
                Value::Local(Some(iso)) if n < local.len() => {
                    c.local_into(Some(iso), buf);
                    let (k, text) = &mut local[n];
                    k.clear();
                    k.push_str(iso);
                    text.clear();
                    text.push_str(buf);
                }
                Value::Text(t) => {
                    rec.push_field(neutralise(t).as_bytes());
                    continue;
                }
                Value::Word(word) => {
                    rec.push_field(word.as_bytes());
                    continue;
                }
                Value::Utc(iso) => c.utc_into(iso, buf),
                Value::Local(iso) => c.local_into(iso, buf),
                Value::Int(n) => {
                    if n < 0 {
                        buf.push('-');
                    }
                    push_int(buf, n);
                }
                Value::Duration(secs) => hms_into(secs, buf),
                Value::Share(x) => c.percent_into(x, buf),
            }
            rec.push_field(buf.as_bytes());
        }
        w.write_byte_record(rec).map_err(csv_err)
    }
}

impl<W: Write> CsvExport<W> {
    pub fn new(mut out: W, level: Level, o: &CsvOptions) -> Result<Self, CoreError> {
        let cells = Cells::new(o)?;
        let delimiter = o.delimiter()?;
        if o.bom {
            out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(1 << 16)
            .from_writer(out);
        let header: &[&str] = match level {
            Level::Attendee => &ATTENDEE_HEADER,
            Level::Interval => &INTERVAL_HEADER,
            Level::Summary => &SUMMARY_HEADER,
        };
        w.write_record(header).map_err(csv_err)?;
        Ok(CsvExport {
            out: RowWriter {
                w,
                cells,
                rec: csv::ByteRecord::with_capacity(512, ATTENDEE_HEADER.len()),
                buf: String::with_capacity(64),
                local: vec![(String::new(), String::new()); ATTENDEE_HEADER.len()],
            },
            level,
            zone: o.time_zone.clone(),
            rows: 0,
        })
    }

    /// Append every session of one webinar.
    pub fn write(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        let zone = self.zone.as_str();
        for s in &wa.sessions {
            match self.level {
                Level::Summary => {
                    self.out.row(&rows::summary(wa, s, zone))?;
                    self.rows += 1;
                }
                Level::Attendee => {
                    for a in &s.attendees {
                        self.out.row(&rows::attendee(wa, s, a, zone))?;
                    }
                    self.rows += s.attendees.len();
                }
                Level::Interval => {
                    for a in &s.attendees {
                        for i in &a.intervals {
                            self.out.row(&rows::interval(wa, s, a, i, zone))?;
                            self.rows += 1;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Flush; returns the number of data rows and the writer.
    pub fn finish(mut self) -> Result<(usize, W), CoreError> {
        self.out.w.flush().map_err(io)?;
        let rows = self.rows;
        let out = self
            .out
            .w
            .into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        Ok((rows, out))
    }
}

/// Stream the rows of `data` at `level` to a writer (the file's bytes, BOM included).
pub fn write_csv<W: Write>(
    out: W,
    data: &[WebinarAttendance],
    level: Level,
    o: &CsvOptions,
) -> Result<usize, CoreError> {
    let mut e = CsvExport::new(out, level, o)?;
    for wa in data {
        e.write(wa)?;
    }
    Ok(e.finish()?.0)
}

fn io(e: std::io::Error) -> CoreError {
    CoreError::new(
        ErrorCode::InvalidInput,
        format!("Could not write the export: {e}"),
        Some(
            "Check that the folder exists and is writable, and that the file is not open in Excel."
                .into(),
        ),
    )
}

fn csv_err(e: csv::Error) -> CoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io(e),
        other => CoreError::internal(format!("CSV: {other:?}")),
    }
}

/// Write the export to `path` through a temporary file renamed into place when complete.
pub fn export_to_file(
    path: &Path,
    data: &[WebinarAttendance],
    level: Level,
    o: &CsvOptions,
) -> Result<usize, CoreError> {
    crate::support::atomic::via_temporary(
        path,
        |tmp| {
            // The csv writer buffers 64 KiB itself: the file needs no second buffer.
            let f = std::fs::File::create(tmp).map_err(io)?;
            let mut e = CsvExport::new(f, level, o)?;
            for wa in data {
                e.write(wa)?;
            }
            let (rows, f) = e.finish()?;
            f.sync_all().map_err(io)?;
            Ok(rows)
        },
        io,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_durations_formatted() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://evil\",\"x\")"),
            "'=HYPERLINK(\"http://evil\",\"x\")"
        );
        for bad in [
            "+1 425",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            " =1+1",
            "\n=1+1",
            "\u{3000}=1+1",
            "\u{FF1D}1+1",
            "\u{FF0B}1",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
            " \u{3000}\n @x",
        ] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("Ann"), "Ann");
        assert_eq!(neutralise(" Ann = Bob"), " Ann = Bob");
        assert_eq!(neutralise(""), "");
        assert_eq!(hms(3725), "1:02:05");
        assert_eq!(hms(90_061), "25:01:01");
        assert_eq!(hms(0), "0:00:00");
        let mut p = String::new();
        Cells::new(&CsvOptions::excel_comma_decimal("UTC"))
            .unwrap()
            .percent_into(0.8049, &mut p);
        assert_eq!(p, "80,5");
        p.clear();
        Cells::new(&CsvOptions::excel("UTC"))
            .unwrap()
            .percent_into(1.0, &mut p);
        assert_eq!(p, "100.0");
        let c = Cells::new(&CsvOptions::excel("Europe/Berlin")).unwrap();
        assert_eq!(c.utc(Some("2026-11-26T10:00:00Z")), "2026-11-26T10:00:00Z");
        assert_eq!(
            c.utc(Some("2026-11-26T10:00:00.5+00:00")),
            "2026-11-26T10:00:00.5Z"
        );
        assert_eq!(c.local(Some("2026-07-01T10:00:00Z")), "2026-07-01 12:00:00");
        assert_eq!(c.local(Some("2026-12-01T10:00:00Z")), "2026-12-01 11:00:00");
        assert_eq!(c.local(None), "");
        // The positional parser and the digit writer agree with jiff across years, leap days and
        // both DST changes.
        let ny = Cells::new(&CsvOptions::excel("America/New_York")).unwrap();
        let mut t: Timestamp = "1999-12-31T23:59:59Z".parse().unwrap();
        for _ in 0..5000 {
            let iso = t.to_string();
            assert_eq!(parse_canonical_utc(&iso), Some(t.as_second()), "{iso}");
            let expect = t
                .to_zoned(TimeZone::get("America/New_York").unwrap())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string();
            assert_eq!(ny.local(Some(&iso)), expect, "{iso}");
            t += jiff::SignedDuration::from_secs(7 * 3600 * 24 + 3 * 3600 + 17 * 60 + 11);
        }
    }
}
