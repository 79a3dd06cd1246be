//! Excel workbooks (`.xlsx`) of attendance, written by `rust_xlsxwriter`: **Summary** (one row per
//! session, with a native column chart of completed and partial attendees per session),
//! **Attendees** (one row per attendee and session), **Intervals** (one per join/leave) and
//! **Series** (per webinar, attendees × sessions as shares, with a colour scale). The columns are
//! the CSV export's (same names, same order), with real types: instants are Excel date-times in
//! the chosen zone and in UTC, durations `[h]:mm:ss`, shares percentages, numbers numbers. Every
//! text cell is written as text, never a formula, so a name like `=HYPERLINK(…)` stays a name.
//! Header rows are frozen and filtered; the big sheets stream in constant memory. The workbook is
//! written to a temporary file renamed into place when complete.
//!
//! It does not choose the data (that is [`super::for_range`] or the archive) or the file name.

use std::path::Path;

use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormat3ColorScale, DocProperties, Format, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

use super::export::{Cells, CsvOptions};
use super::rows::{self, Value, ATTENDEE_HEADER, INTERVAL_HEADER, SUMMARY_HEADER};
use super::WebinarAttendance;
use crate::error::{CoreError, ErrorCode};

/// Excel's last row (1,048,576 rows including the header).
const MAX_ROWS: u32 = 1_048_575;
/// Excel's longest text cell.
const MAX_TEXT: usize = 32_767;
/// Unix time 0 as an Excel serial date (1970-01-01 in the 1900 date system).
const UNIX_EPOCH_SERIAL: f64 = 25_569.0;

/// The cell formats, made once.
struct Formats {
    header: Format,
    datetime: Format,
    duration: Format,
    percent: Format,
    title: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            duration: Format::new().set_num_format("[h]:mm:ss"),
            percent: Format::new().set_num_format("0.0%"),
            title: Format::new().set_bold().set_font_size(13),
        }
    }
}

/// What one column holds, and so how it is written and how wide it is.
#[derive(Clone, Copy)]
enum Col {
    Text(f64),
    Instant,
    Seconds,
    Duration,
    Percent,
    Count,
}

fn column_of(name: &str) -> Col {
    match name {
        n if n.ends_with("_utc") || n.ends_with("_local") => Col::Instant,
        "duration" => Col::Duration,
        n if n.ends_with("_percent") => Col::Percent,
        n if n.ends_with("seconds") => Col::Seconds,
        "participants" | "completed" | "partial" | "no_show" | "joins" => Col::Count,
        "email" | "host" => Col::Text(32.0),
        "webinar" | "name" => Col::Text(36.0),
        _ => Col::Text(14.0),
    }
}

/// A header row with widths, frozen, and the filter over `rows` data rows.
fn table_head(ws: &mut Worksheet, header: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (i, name) in header.iter().enumerate() {
        let col = i as u16;
        ws.write_string_with_format(0, col, *name, &f.header)?;
        let width = match column_of(name) {
            Col::Text(w) => w,
            Col::Instant => 20.0,
            Col::Duration => 11.0,
            Col::Seconds | Col::Percent | Col::Count => 12.0,
        };
        ws.set_column_width(col, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Value<'_>,
    c: &Cells,
    f: &Formats,
) -> Result<(), XlsxError> {
    let serial = |secs: i64| secs as f64 / 86_400.0 + UNIX_EPOCH_SERIAL;
    match v {
        Value::Text("") => Ok(()),
        Value::Text(s) | Value::Word(s) => {
            let s = if s.len() > MAX_TEXT {
                cut(s, MAX_TEXT)
            } else {
                s
            };
            ws.write_string(row, col, s).map(|_| ())
        }
        Value::Utc(iso) => match iso.and_then(|i| c.utc_seconds(i)) {
            Some(secs) => ws
                .write_number_with_format(row, col, serial(secs), &f.datetime)
                .map(|_| ()),
            None => Ok(()),
        },
        Value::Local(iso) => match iso.and_then(|i| c.local_seconds(i)) {
            Some(secs) => ws
                .write_number_with_format(row, col, serial(secs), &f.datetime)
                .map(|_| ()),
            None => Ok(()),
        },
        Value::Int(n) => ws.write_number(row, col, n as f64).map(|_| ()),
        Value::Duration(secs) => ws
            .write_number_with_format(row, col, secs.max(0) as f64 / 86_400.0, &f.duration)
            .map(|_| ()),
        Value::Share(s) => ws
            .write_number_with_format(row, col, if s.is_finite() { s } else { 0.0 }, &f.percent)
            .map(|_| ()),
    }
}

/// A typed row from column 0.
fn put_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[Value<'_>],
    c: &Cells,
    f: &Formats,
) -> Result<(), CoreError> {
    for (i, v) in cells.iter().enumerate() {
        put(ws, row, i as u16, *v, c, f).map_err(xlsx_err)?;
    }
    Ok(())
}

/// `s` cut to at most `max` bytes on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn next_row(row: &mut u32, sheet: &str) -> Result<u32, CoreError> {
    if *row >= MAX_ROWS {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("The {sheet} sheet would have more than {MAX_ROWS} rows, Excel's limit."),
            Some(
                "Export a shorter period, fewer hosts, or as CSV (which has no row limit).".into(),
            ),
        ));
    }
    *row += 1;
    Ok(*row)
}

fn xlsx_err(e: XlsxError) -> CoreError {
    match e {
        XlsxError::IoError(e) => CoreError::new(
            ErrorCode::InvalidInput,
            format!("Could not write the workbook: {e}"),
            Some("Check that the folder exists and is writable, and that the file is not open in Excel.".into()),
        ),
        other => CoreError::internal(format!("XLSX: {other}")),
    }
}

/// The sheets, by position.
const SUMMARY: usize = 0;
const ATTENDEES: usize = 1;
const INTERVALS: usize = 2;
const SERIES: usize = 3;

/// A workbook export in progress: webinars are added one at a time and every sheet streams its
/// rows (constant memory), so memory stays bounded by one webinar however many rows there are.
pub struct XlsxExport {
    wb: Workbook,
    cells: Cells,
    f: Formats,
    zone: String,
    generated: String,
    /// The last row written on each sheet.
    rows: [u32; 4],
}

impl XlsxExport {
    pub fn new(time_zone: &str) -> Result<Self, CoreError> {
        let cells = Cells::new(&CsvOptions::excel(time_zone))?;
        let f = Formats::new();
        let mut wb = Workbook::new();
        let generated = jiff::Timestamp::now();
        wb.set_properties(
            &DocProperties::new()
                .set_title("Teams webinar attendance")
                .set_subject(format!("Times in {time_zone}"))
                .set_author("Rollcall")
                .set_comment("Exported by Rollcall from Microsoft Teams attendance reports.")
                .set_creation_datetime(
                    &rust_xlsxwriter::ExcelDateTime::from_timestamp(generated.as_second())
                        .map_err(xlsx_err)?,
                ),
        );
        let mut summary_head: Vec<&str> = SUMMARY_HEADER.to_vec();
        summary_head.extend(["threshold_percent", "generated_utc"]);
        for (name, head) in [
            ("Summary", summary_head.as_slice()),
            ("Attendees", &ATTENDEE_HEADER[..]),
            ("Intervals", &INTERVAL_HEADER[..]),
        ] {
            let ws = wb
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_err)?
                .set_name(name)
                .map_err(xlsx_err)?;
            table_head(ws, head, &f).map_err(xlsx_err)?;
        }
        let series = wb
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_err)?
            .set_name("Series")
            .map_err(xlsx_err)?;
        series.set_column_width(0, 36).map_err(xlsx_err)?;
        series.set_column_width(1, 32).map_err(xlsx_err)?;
        series
            .set_column_range_width(2, 200, 13)
            .map_err(xlsx_err)?;
        Ok(XlsxExport {
            wb,
            cells,
            f,
            zone: time_zone.to_string(),
            generated: generated.to_string(),
            rows: [0, 0, 0, 0],
        })
    }

    fn sheet(&mut self, i: usize) -> Result<&mut Worksheet, CoreError> {
        self.wb.worksheet_from_index(i).map_err(xlsx_err)
    }

    /// Append every session of one webinar to every sheet.
    pub fn write(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        self.write_summary(wa)?;
        self.write_attendees(wa)?;
        self.write_intervals(wa)?;
        self.write_series(wa)
    }

    /// Filters, the chart, and the file: written to a temporary file renamed into place. The
    /// number of attendee rows.
    pub fn finish(mut self, path: &Path) -> Result<usize, CoreError> {
        let widths = [
            SUMMARY_HEADER.len() + 2,
            ATTENDEE_HEADER.len(),
            INTERVAL_HEADER.len(),
        ];
        for (i, cols) in widths.into_iter().enumerate() {
            let last = self.rows[i];
            self.sheet(i)?
                .autofilter(0, 0, last, (cols - 1) as u16)
                .map_err(xlsx_err)?;
        }
        if self.rows[SUMMARY] > 0 {
            let chart = chart(self.rows[SUMMARY]);
            let at = self.rows[SUMMARY] + 3;
            self.sheet(SUMMARY)?
                .insert_chart(at, 0, &chart)
                .map_err(xlsx_err)?;
        }
        let rows = self.rows[ATTENDEES] as usize;
        crate::support::atomic::via_temporary(
            path,
            |tmp| self.wb.save(tmp).map_err(xlsx_err),
            |e| xlsx_err(XlsxError::IoError(e)),
        )?;
        Ok(rows)
    }

    /// One row per session: the CSV's summary columns, then the threshold and when it was made.
    fn write_summary(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        let (c, f, zone, generated) = (
            &self.cells,
            &self.f,
            self.zone.as_str(),
            self.generated.as_str(),
        );
        let ws = self.wb.worksheet_from_index(SUMMARY).map_err(xlsx_err)?;
        let row = &mut self.rows[SUMMARY];
        for s in &wa.sessions {
            let r = next_row(row, "Summary")?;
            put_row(ws, r, &rows::summary(wa, s, zone), c, f)?;
            let width = SUMMARY_HEADER.len() as u16;
            put(ws, r, width, Value::Share(wa.threshold), c, f).map_err(xlsx_err)?;
            put(ws, r, width + 1, Value::Utc(Some(generated)), c, f).map_err(xlsx_err)?;
        }
        Ok(())
    }

    /// One row per attendee and session: the CSV's attendee columns.
    fn write_attendees(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        let (c, f, zone) = (&self.cells, &self.f, self.zone.as_str());
        let ws = self.wb.worksheet_from_index(ATTENDEES).map_err(xlsx_err)?;
        let row = &mut self.rows[ATTENDEES];
        for s in &wa.sessions {
            for a in &s.attendees {
                let r = next_row(row, "Attendees")?;
                put_row(ws, r, &rows::attendee(wa, s, a, zone), c, f)?;
            }
        }
        Ok(())
    }

    /// One row per join/leave: the CSV's interval columns.
    fn write_intervals(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        let (c, f, zone) = (&self.cells, &self.f, self.zone.as_str());
        let ws = self.wb.worksheet_from_index(INTERVALS).map_err(xlsx_err)?;
        let row = &mut self.rows[INTERVALS];
        for s in &wa.sessions {
            for a in &s.attendees {
                for i in &a.intervals {
                    let r = next_row(row, "Intervals")?;
                    put_row(ws, r, &rows::interval(wa, s, a, i, zone), c, f)?;
                }
            }
        }
        Ok(())
    }

    /// Per webinar, who came to which session (share of the scheduled time) with a
    /// red–yellow–green scale; blank where someone did not come.
    fn write_series(&mut self, wa: &WebinarAttendance) -> Result<(), CoreError> {
        if wa.sessions.is_empty() {
            return Ok(());
        }
        let f = &self.f;
        let ws = self.wb.worksheet_from_index(SERIES).map_err(xlsx_err)?;
        let row = &mut self.rows[SERIES];
        // A block starts two rows after the previous one (the very first at the top).
        let title = if *row == 0 { 0 } else { *row + 2 };
        ws.write_string_with_format(title, 0, cut(&wa.webinar.subject, MAX_TEXT), &f.title)
            .map_err(xlsx_err)?;
        let head = title + 1;
        ws.write_string_with_format(head, 0, "name", &f.header)
            .map_err(xlsx_err)?;
        ws.write_string_with_format(head, 1, "email", &f.header)
            .map_err(xlsx_err)?;
        let sessions = wa.sessions.len().min(usize::from(u16::MAX) - 2);
        for (i, s) in wa.sessions.iter().take(sessions).enumerate() {
            let label = format!("{} {}", i + 1, s.start.get(..10).unwrap_or(&s.start));
            ws.write_string_with_format(head, 2 + i as u16, &label, &f.header)
                .map_err(xlsx_err)?;
        }
        // Everyone who came to any session (one person across keys by e-mail), most sessions first.
        *row = head;
        for p in super::pictures::series_people(&wa.sessions) {
            let r = next_row(row, "Series")?;
            ws.write_string(r, 0, cut(&p.name, MAX_TEXT))
                .map_err(xlsx_err)?;
            if let Some(email) = p.email.as_deref().filter(|e| !e.is_empty()) {
                ws.write_string(r, 1, cut(email, MAX_TEXT))
                    .map_err(xlsx_err)?;
            }
            for (i, share) in p.shares.iter().take(sessions).enumerate() {
                if let Some(share) = share {
                    let share = if share.is_finite() { *share } else { 0.0 };
                    ws.write_number_with_format(r, 2 + i as u16, share, &f.percent)
                        .map_err(xlsx_err)?;
                }
            }
        }
        if *row > head {
            let scale = ConditionalFormat3ColorScale::new()
                .set_minimum_color("#F8696B")
                .set_midpoint_color("#FFEB84")
                .set_maximum_color("#63BE7B");
            ws.add_conditional_format(head + 1, 2, *row, 1 + sessions as u16, &scale)
                .map_err(xlsx_err)?;
        }
        Ok(())
    }
}

/// Write the workbook of `data` to `path` (see [`XlsxExport`]); the number of attendee rows.
pub fn export_xlsx(
    path: &Path,
    data: &[WebinarAttendance],
    time_zone: &str,
) -> Result<usize, CoreError> {
    let mut e = XlsxExport::new(time_zone)?;
    for wa in data {
        e.write(wa)?;
    }
    e.finish(path)
}

/// A native column chart of completed and partial attendees per session, beside the summary.
fn chart(rows: u32) -> Chart {
    let col = |name: &str| SUMMARY_HEADER.iter().position(|h| *h == name).unwrap_or(0) as u16;
    let mut chart = Chart::new(ChartType::ColumnStacked);
    for (name, colour) in [("completed", "#1F7A4D"), ("partial", "#C98A00")] {
        chart
            .add_series()
            .set_name(("Summary", 0, col(name)))
            .set_categories((
                "Summary",
                1,
                col("session_start_local"),
                rows,
                col("session_start_local"),
            ))
            .set_values(("Summary", 1, col(name), rows, col(name)))
            .set_format(
                rust_xlsxwriter::ChartFormat::new()
                    .set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(colour)),
            );
    }
    chart.title().set_name("Attendance per session");
    chart.y_axis().set_name("Attendees");
    chart
}
