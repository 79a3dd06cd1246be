//! A flat table to a file, the way Excel opens it cleanly: CSV (RFC 4180, UTF-8 with a BOM,
//! formula-like cells neutralised) or a workbook with one sheet of real types (date-times in the
//! chosen zone, durations, percentages; text never a formula). Written to a temporary file renamed
//! into place. The registration ledger and "Credits the LMS missed" are written through it.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::attendance::export::{neutralise, Cells};
use crate::error::{CoreError, ErrorCode};

/// What a column holds, for the workbook (the CSV writes every cell as given).
#[derive(Clone, Copy)]
pub enum Col {
    Text,
    /// An RFC 3339 UTC instant.
    Utc,
    /// The local time of the UTC instant in column `n`.
    LocalOf(usize),
    /// A whole number.
    Number,
    /// The duration whose seconds are in column `n`.
    DurationOf(usize),
    /// A percentage written as `83.3`.
    Percent,
}

pub struct Table<'a> {
    pub sheet: &'a str,
    pub header: &'a [&'a str],
    pub cols: &'a [Col],
    /// Column widths in the workbook (column, characters).
    pub widths: &'a [(u16, f64)],
}

/// Write `rows` as CSV, or as a workbook when `path` ends in `.xlsx`. Returns the rows written.
pub fn write(
    path: &Path,
    t: &Table,
    rows: &[Vec<String>],
    cells: &Cells,
) -> Result<usize, CoreError> {
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
                write_xlsx(tmp, t, rows, cells)
            } else {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(Vec::new());
                w.write_record(t.header)
                    .map_err(|e| CoreError::internal(e.to_string()))?;
                for r in rows {
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

fn write_xlsx(tmp: &Path, t: &Table, rows: &[Vec<String>], cells: &Cells) -> Result<(), CoreError> {
    let x = |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("the workbook: {e}"));
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let dur = Format::new().set_num_format("[h]:mm:ss");
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet().set_name(t.sheet).map_err(x)?;
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(x)?;
    }
    let serial = |secs: i64| secs as f64 / 86_400.0 + 25_569.0;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, v) in r.iter().enumerate() {
            let col = c as u16;
            if v.is_empty() {
                continue;
            }
            let cell = |n: usize| r.get(n).map(String::as_str).unwrap_or_default();
            match t.cols.get(c).copied().unwrap_or(Col::Text) {
                Col::Utc => match cells.utc_seconds(v) {
                    Some(s) => ws
                        .write_number_with_format(row, col, serial(s), &when)
                        .map(|_| ()),
                    None => ws.write_string(row, col, v).map(|_| ()),
                },
                Col::LocalOf(n) => match cells.local_seconds(cell(n)) {
                    Some(s) => ws
                        .write_number_with_format(row, col, serial(s), &when)
                        .map(|_| ()),
                    None => ws.write_string(row, col, v).map(|_| ()),
                },
                Col::Number => ws
                    .write_number(row, col, v.parse::<f64>().unwrap_or(0.0))
                    .map(|_| ()),
                Col::DurationOf(n) => ws
                    .write_number_with_format(
                        row,
                        col,
                        cell(n).parse::<f64>().unwrap_or(0.0) / 86_400.0,
                        &dur,
                    )
                    .map(|_| ()),
                Col::Percent => ws
                    .write_number_with_format(
                        row,
                        col,
                        v.parse::<f64>().unwrap_or(0.0) / 100.0,
                        &pct,
                    )
                    .map(|_| ()),
                // Text stays text: never a formula.
                Col::Text => ws.write_string(row, col, v).map(|_| ()),
            }
            .map_err(x)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    ws.autofilter(0, 0, rows.len() as u32, t.header.len() as u16 - 1)
        .map_err(x)?;
    for (c, w) in t.widths {
        ws.set_column_width(*c, *w).map_err(x)?;
    }
    wb.save(tmp).map_err(x)
}
