#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Excel workbook read back by an independent reader (`calamine`) and compared, cell by cell,
//! with the CSV export of the same data: every Summary, Attendees and Intervals cell equals its CSV
//! column once the workbook's real types are written the CSV's way; instants are date-times,
//! durations `[h]:mm:ss`, shares percentages; formula-like names stay text; the chart, frozen
//! header, filter and document title are in the file.

use std::io::Read;

use calamine::{open_workbook, Data, Reader, Xlsx};
use jiff::{SignedDuration, Timestamp};
use rollcall_core::attendance::export::{self, CsvOptions, Level};
use rollcall_core::attendance::{self, xlsx};

mod common;

const MARIA: &str = "maria.ortiz@northwind.example";

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A workbook cell written the way the CSV writes its column.
fn as_csv(cell: &Data, column: &str) -> String {
    let serial_secs = |d: f64| ((d - 25_569.0) * 86_400.0).round() as i64;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => export::neutralise(s).into_owned(),
        Data::DateTime(d) => {
            let t = Timestamp::from_second(serial_secs(d.as_f64())).unwrap();
            let civil = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
            if column.ends_with("_utc") {
                format!("{}Z", civil.strftime("%Y-%m-%dT%H:%M:%S"))
            } else if column == "duration" {
                export::hms((d.as_f64() * 86_400.0).round() as i64)
            } else {
                civil.strftime("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        // The CSV writes shares from rounded tenths of a percent.
        Data::Float(f) if column.ends_with("_percent") => {
            let tenths = (f * 1000.0).round() as i64;
            format!("{}.{}", tenths / 10, (tenths % 10).abs())
        }
        Data::Float(f) => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => panic!("{column}: unexpected cell {other:?}"),
    }
}

#[tokio::test]
async fn the_workbook_equals_the_csv_export_cell_by_cell() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &[MARIA.to_string()]);
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 200),
        Timestamp::now(),
    );
    let got = attendance::for_range(&conn, &[MARIA.to_string()], from, to, 0.8)
        .await
        .unwrap();
    // Sessions with reports, chosen by that property (the demo anchors on today).
    let mut data: Vec<_> = got
        .webinars
        .into_iter()
        .filter(|w| !w.sessions.is_empty())
        .collect();
    assert!(data.len() >= 2, "{} webinars with sessions", data.len());
    // A hostile, formula-like name must stay text in the workbook.
    data[0].webinar.subject = "=HYPERLINK(\"http://evil.example\",\"x\")".into();
    data[0].sessions[0].attendees[0].name = "@SUM(A1:A9)".into();

    let dir = std::env::temp_dir().join(format!("rollcall-xlsx-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let book = dir.join("attendance.xlsx");
    let rows = xlsx::export_xlsx(&book, &data, "Europe/Berlin").unwrap();
    let zone = CsvOptions::excel("Europe/Berlin");

    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Summary", "Attendees", "Intervals", "Series"]
    );
    for (sheet, level) in [
        ("Summary", Level::Summary),
        ("Attendees", Level::Attendee),
        ("Intervals", Level::Interval),
    ] {
        let csv = dir.join(format!("{sheet}.csv"));
        let n = export::export_to_file(&csv, &data, level, &zone).unwrap();
        if sheet == "Attendees" {
            assert_eq!(rows, n);
        }
        let expected = csv_rows(&csv);
        let range = wb.worksheet_range(sheet).unwrap();
        let got: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(got.len(), expected.len(), "{sheet}: rows");
        let header: Vec<String> = got[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(
            &header[..expected[0].len()],
            &expected[0][..],
            "{sheet}: the CSV's columns, in order"
        );
        for (r, (g, e)) in got.iter().zip(&expected).enumerate().skip(1) {
            for (c, want) in e.iter().enumerate() {
                let have = as_csv(g.get(c).unwrap_or(&Data::Empty), &header[c]);
                assert_eq!(&have, want, "{sheet} row {r} column {}", header[c]);
            }
        }
    }
    // Real types, not text that looks like them.
    let att = wb.worksheet_range("Attendees").unwrap();
    let col = |name: &str| {
        att.rows()
            .next()
            .unwrap()
            .iter()
            .position(|c| matches!(c, Data::String(s) if s == name))
            .unwrap()
    };
    let first = att.rows().nth(1).unwrap();
    assert!(matches!(
        first[col("session_start_local")],
        Data::DateTime(_)
    ));
    assert!(matches!(first[col("session_start_utc")], Data::DateTime(_)));
    assert!(
        matches!(first[col("duration")], Data::DateTime(_)),
        "[h]:mm:ss is a duration"
    );
    assert!(matches!(first[col("share_percent")], Data::Float(_)));
    assert!(matches!(first[col("joins")], Data::Float(_)));
    let names: Vec<String> = att
        .rows()
        .skip(1)
        .map(|r| r[col("name")].to_string())
        .collect();
    assert!(
        names.contains(&"@SUM(A1:A9)".to_string()),
        "formula-like names stay as typed"
    );
    assert!(
        wb.worksheet_formula("Attendees")
            .unwrap()
            .rows()
            .all(|r| r.iter().all(String::is_empty)),
        "no formula anywhere"
    );
    assert_eq!(
        att.rows().nth(1).unwrap()[0].to_string(),
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    // Series: a share per attendee and session, the first webinar's block first.
    let series = wb.worksheet_range("Series").unwrap();
    assert_eq!(
        series.rows().next().unwrap()[0].to_string(),
        data[0].webinar.subject
    );
    assert!(series
        .rows()
        .any(|r| r.iter().any(|c| matches!(c, Data::Float(f) if *f > 0.0))));

    // What calamine does not model, read from the package itself.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&book).unwrap()).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let summary = part("xl/worksheets/sheet1.xml");
    assert!(summary.contains("<pane ySplit=\"1\""), "frozen header");
    assert!(summary.contains("<autoFilter"), "filter");
    assert!(
        summary.contains("<drawing"),
        "the chart is placed on Summary"
    );
    let chart = part("xl/charts/chart1.xml");
    assert!(
        chart.contains("<c:barChart>") && chart.contains("Summary!$I$2"),
        "a native chart of the completed column"
    );
    assert!(
        part("xl/worksheets/sheet4.xml").contains("<colorScale>"),
        "Series has its colour scale"
    );
    assert!(part("docProps/core.xml").contains("Teams webinar attendance"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_failed_workbook_leaves_no_file() {
    let dir = std::env::temp_dir().join(format!("rollcall-xlsx-missing-{}", uuid::Uuid::new_v4()));
    let e = xlsx::export_xlsx(&dir.join("nope").join("a.xlsx"), &[], "UTC").unwrap_err();
    assert!(
        e.message.contains("Could not write the workbook"),
        "{}",
        e.message
    );
    assert!(!dir.exists());
}
