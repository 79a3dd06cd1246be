//! The registration ledger to a file: CSV (RFC 4180, UTF-8 with a BOM for Excel, formula-like
//! cells neutralised as in the attendance export) or an Excel workbook with one **Registrations**
//! sheet of real types (date-times in the chosen zone, durations, percentages; text never a
//! formula). One row per person and session. Written to a temporary file renamed into place.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use super::Ledger;
use crate::attendance::export::{hms, neutralise, status_str, Cells, CsvOptions};
use crate::error::{CoreError, ErrorCode};

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

/// Write the ledgers: a workbook when `path` ends in `.xlsx`, else CSV. Returns the rows written.
pub fn write(path: &Path, ledgers: &[Ledger], time_zone: &str) -> Result<usize, CoreError> {
    let cells = Cells::new(&CsvOptions::excel(time_zone))?;
    let rows = rows(ledgers, &cells, time_zone);
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let io = |e: std::io::Error| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("Could not write {}: {e}", path.display()),
            Some("Choose a folder you can write to.".into()),
        )
    };
    crate::support::atomic::via_temporary(
        path,
        |tmp| {
            if xlsx {
                write_xlsx(tmp, &rows, &cells)
            } else {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(Vec::new());
                w.write_record(HEADER)
                    .map_err(|e| CoreError::internal(e.to_string()))?;
                for r in &rows {
                    w.write_record(r.iter().map(|c| neutralise(c).into_owned()))
                        .map_err(|e| CoreError::internal(e.to_string()))?;
                }
                let mut bytes = b"\xEF\xBB\xBF".to_vec();
                bytes.extend(
                    w.into_inner()
                        .map_err(|e| CoreError::internal(e.to_string()))?,
                );
                std::fs::write(tmp, bytes).map_err(io)
            }
        },
        io,
    )?;
    Ok(rows.len())
}

fn write_xlsx(tmp: &Path, rows: &[[String; 19]], cells: &Cells) -> Result<(), CoreError> {
    let x = |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("the workbook: {e}"));
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let dur = Format::new().set_num_format("[h]:mm:ss");
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet().set_name("Registrations").map_err(x)?;
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(x)?;
    }
    let serial = |secs: i64| secs as f64 / 86_400.0 + 25_569.0;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, v) in r.iter().enumerate() {
            let col = c as u16;
            let name = HEADER[c];
            if v.is_empty() {
                continue;
            }
            match name {
                "session_start_utc" | "registered_utc" | "canceled_utc" => {
                    match cells.utc_seconds(v) {
                        Some(s) => ws
                            .write_number_with_format(row, col, serial(s), &when)
                            .map(|_| ()),
                        None => ws.write_string(row, col, v).map(|_| ()),
                    }
                }
                "session_start_local" => match cells.local_seconds(&r[3]) {
                    Some(s) => ws
                        .write_number_with_format(row, col, serial(s), &when)
                        .map(|_| ()),
                    None => ws.write_string(row, col, v).map(|_| ()),
                },
                "seconds" => ws
                    .write_number(row, col, v.parse::<f64>().unwrap_or(0.0))
                    .map(|_| ()),
                "duration" => ws
                    .write_number_with_format(
                        row,
                        col,
                        r[12].parse::<f64>().unwrap_or(0.0) / 86_400.0,
                        &dur,
                    )
                    .map(|_| ()),
                "share_percent" => ws
                    .write_number_with_format(
                        row,
                        col,
                        v.parse::<f64>().unwrap_or(0.0) / 100.0,
                        &pct,
                    )
                    .map(|_| ()),
                // Text stays text: never a formula.
                _ => ws.write_string(row, col, v).map(|_| ()),
            }
            .map_err(x)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    ws.autofilter(0, 0, rows.len() as u32, HEADER.len() as u16 - 1)
        .map_err(x)?;
    for (c, w) in [(0u16, 32.0), (5, 24.0), (6, 30.0), (10, 20.0)] {
        ws.set_column_width(c, w).map_err(x)?;
    }
    wb.save(tmp).map_err(x)
}
