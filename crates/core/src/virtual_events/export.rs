//! The registration ledger to a file: CSV (RFC 4180, UTF-8 with a BOM for Excel, formula-like
//! cells neutralised as in the attendance export) or an Excel workbook with one **Registrations**
//! sheet of real types (date-times in the chosen zone, durations, percentages; text never a
//! formula). One row per person and session. Written to a temporary file renamed into place.

use std::path::Path;

use super::Ledger;
use crate::attendance::export::{hms, status_str, Cells, CsvOptions};
use crate::attendance::table::{self, Col, Table};
use crate::error::CoreError;

/// The columns, in order (the CSV header and the workbook's).
pub const HEADER: [&str; 19] = [
    "webinar",
    "course_key",
    "host",
    "session_start_utc",
    "session_start_local",
    "name",
    "email",
    "registration_status",
    "registered_utc",
    "canceled_utc",
    "standing",
    "attended",
    "seconds",
    "duration",
    "share_percent",
    "completion",
    "joined_by",
    "registration_id",
    "time_zone",
];

/// One row's cells as the CSV writes them.
fn rows(ledgers: &[Ledger], cells: &Cells, zone: &str) -> Vec<[String; 19]> {
    let mut out = Vec::new();
    for l in ledgers {
        for s in &l.sessions {
            for r in &s.rows {
                out.push([
                    l.subject.clone(),
                    l.webinar.course_key.clone().unwrap_or_default(),
                    l.webinar.host.clone(),
                    s.session.start.clone(),
                    cells.local(Some(&s.session.start)),
                    r.name.clone(),
                    r.email.clone().unwrap_or_default(),
                    r.status.map(|x| x.as_str()).unwrap_or("").to_string(),
                    r.registered.clone().unwrap_or_default(),
                    r.canceled.clone().unwrap_or_default(),
                    r.standing.as_str().to_string(),
                    if r.attended { "yes" } else { "no" }.to_string(),
                    r.seconds.to_string(),
                    hms(r.seconds),
                    format!("{:.1}", (r.share * 1000.0).round() / 10.0),
                    status_str(r.completion).to_string(),
                    r.joined_by.as_str().to_string(),
                    r.registration_id.clone().unwrap_or_default(),
                    zone.to_string(),
                ]);
            }
        }
    }
    out
}

/// What each column holds, for the workbook.
const COLS: [Col; 19] = [
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Utc,
    Col::LocalOf(3),
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Utc,
    Col::Utc,
    Col::Text,
    Col::Text,
    Col::Number,
    Col::DurationOf(12),
    Col::Percent,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
];

/// Write the ledgers: a workbook when `path` ends in `.xlsx`, else CSV. Returns the rows written.
pub fn write(path: &Path, ledgers: &[Ledger], time_zone: &str) -> Result<usize, CoreError> {
    let cells = Cells::new(&CsvOptions::excel(time_zone))?;
    let rows: Vec<Vec<String>> = rows(ledgers, &cells, time_zone)
        .into_iter()
        .map(Vec::from)
        .collect();
    table::write(
        path,
        &Table {
            sheet: "Registrations",
            header: &HEADER,
            cols: &COLS,
            widths: &[(0, 32.0), (5, 24.0), (6, 30.0), (10, 20.0)],
        },
        &rows,
        &cells,
    )
}
