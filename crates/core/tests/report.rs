#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The HTML report read back by an independent HTML parser (`scraper`, html5ever): the session's
//! attendee table equals the CSV export of the same session cell by cell; the series matrix and
//! the period's figures are the pictures'; and the file is self-contained and inert — no script,
//! no event handler, no external URL, a CSP that forbids both, hostile names escaped.

use jiff::{SignedDuration, Timestamp};
use rollcall_core::attendance::export::{self, CsvOptions, Level};
use rollcall_core::attendance::report::{period_report, webinar_report, Scope};
use rollcall_core::attendance::{self, pictures};
use scraper::{Html, Selector};

mod common;

const MARIA: &str = "maria.ortiz@northwind.example";

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(el: scraper::ElementRef<'_>) -> String {
    el.text().collect::<String>()
}

/// Nothing in the page runs or loads: no script, no `on…` attribute, no URL but in-page ones.
fn assert_inert(html: &str) {
    let doc = Html::parse_document(html);
    assert_eq!(
        doc.select(&sel("script, iframe, object, embed, link, img, form"))
            .count(),
        0
    );
    for el in doc.select(&sel("*")) {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "event handler {name}"
            );
            if matches!(name, "href" | "src" | "xlink:href" | "action") {
                panic!("a link or resource: {name}={value}");
            }
        }
    }
    let csp = doc
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .expect("a CSP meta tag");
    let policy = csp.value().attr("content").unwrap();
    assert!(policy.starts_with("default-src 'none'"));
    assert!(policy.contains("form-action 'none'") && policy.contains("base-uri 'none'"));
    assert!(
        !html.contains('\u{202E}') && !html.contains('\u{2066}'),
        "no bidi override or isolate from a name"
    );
    assert!(!html.contains("url("), "no CSS url()");
}

#[tokio::test]
async fn the_report_equals_the_export_and_is_inert() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &[MARIA.to_string()]);
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 200),
        Timestamp::now(),
    );
    let got = attendance::for_range(&conn, &[MARIA.to_string()], from, to, 0.8)
        .await
        .unwrap();
    // A webinar with several sessions, chosen by that property (the demo anchors on today).
    let mut series = got
        .webinars
        .iter()
        .find(|w| w.sessions.len() >= 2)
        .cloned()
        .expect("a series with two sessions");
    series.webinar.subject = "<script>alert(1)</script> & \"friends\" \u{202E}gnp.exe".into();
    series.sessions[0].attendees[0].name = "<img src=x onerror=alert(1)>".into();
    let zone = "Europe/Berlin";

    // One session: the attendee table against the CSV's columns.
    let html = webinar_report(&series, Scope::Session(0), zone, "2026-12-02 10:00").unwrap();
    assert_inert(&html);
    let doc = Html::parse_document(&html);
    assert_eq!(
        text(doc.select(&sel("h1")).next().unwrap()),
        series.webinar.subject.replace('\u{202E}', ""),
        "the subject, without its bidi override"
    );
    assert_eq!(doc.select(&sel("svg")).count(), 2, "timeline and histogram");
    let dir = std::env::temp_dir().join(format!("rollcall-report-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv_path = dir.join("one.csv");
    let mut one = series.clone();
    one.sessions.truncate(1);
    export::export_to_file(
        &csv_path,
        std::slice::from_ref(&one),
        Level::Attendee,
        &CsvOptions::excel(zone),
    )
    .unwrap();
    let bytes = std::fs::read(&csv_path).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b',')
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap());
    let head: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| {
        head.iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {head:?}"))
    };
    let csv: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table:first-of-type tbody tr"))
        .map(|tr| tr.select(&sel("td")).map(text).collect())
        .collect();
    assert_eq!(rows.len(), series.sessions[0].attendees.len());
    assert_eq!(rows.len(), csv.len());
    for (html_row, csv_row) in rows.iter().zip(&csv) {
        let unneutralised = |s: &str| s.strip_prefix('\'').unwrap_or(s).to_string();
        assert_eq!(html_row[0], unneutralised(&csv_row[col("name")]));
        assert_eq!(html_row[1], csv_row[col("email")]);
        assert_eq!(html_row[2], csv_row[col("role")]);
        assert_eq!(html_row[3], csv_row[col("first_join_local")]);
        assert_eq!(html_row[4], csv_row[col("last_leave_local")]);
        assert_eq!(html_row[5], csv_row[col("duration")]);
        let percent: f64 = csv_row[col("share_percent")]
            .replace(',', ".")
            .parse()
            .unwrap();
        // The CSV keeps tenths of a percent, the report whole percents of the same share.
        let shown: f64 = html_row[6].trim_end_matches(" %").parse().unwrap();
        assert!(
            (shown - percent).abs() <= 0.5,
            "{shown} % against {percent} %"
        );
        assert_eq!(html_row[7], csv_row[col("status")]);
    }
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));

    // The series: the matrix is the pictures' people, a share per session or a dash.
    let html = webinar_report(&series, Scope::Series, zone, "now").unwrap();
    assert_inert(&html);
    let doc = Html::parse_document(&html);
    let people = pictures::series_people(&series.sessions);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table tbody tr"))
        .map(|tr| tr.select(&sel("td")).map(text).collect())
        .collect();
    assert_eq!(rows.len(), people.len());
    for (row, p) in rows.iter().zip(&people) {
        assert_eq!(row[0], p.name);
        for (i, share) in p.shares.iter().enumerate() {
            let want = share.map_or("—".to_string(), |x| format!("{:.0} %", x * 100.0));
            assert_eq!(row[2 + i], want);
        }
        assert_eq!(
            row[2 + series.sessions.len()],
            format!("{}/{}", p.attended, series.sessions.len())
        );
    }
    assert!(webinar_report(&series, Scope::Session(99), zone, "now").is_err());

    // The period: the figures are the overview's.
    let tz = jiff::tz::TimeZone::get(zone).unwrap();
    let o = pictures::overview(&got.webinars, from, to, &tz, zone, None);
    assert!(
        o.sessions >= 3 && o.weeks.len() >= 2,
        "{} sessions, {} weeks",
        o.sessions,
        o.weeks.len()
    );
    let html = period_report(&o, "now").unwrap();
    assert_inert(&html);
    let doc = Html::parse_document(&html);
    let facts: Vec<String> = doc.select(&sel("dd")).map(text).collect();
    assert_eq!(facts[0], o.webinars.to_string());
    assert_eq!(facts[1], o.sessions.to_string());
    assert_eq!(facts[2], o.people.to_string());
    assert_eq!(
        doc.select(&sel("table"))
            .next()
            .unwrap()
            .select(&sel("tbody tr"))
            .count(),
        o.weeks.len()
    );
    let webinar_rows = doc
        .select(&sel("table"))
        .nth(1)
        .unwrap()
        .select(&sel("tbody tr"))
        .count();
    assert_eq!(webinar_rows, o.rows.len());
    let total: u32 = o.weeks.iter().map(|w| w.completed + w.partial).sum();
    assert_eq!(total, o.attendances);

    // Written whole.
    let path = dir.join("period.html");
    attendance::report::write_html(&path, &html).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), html);
    std::fs::remove_dir_all(&dir).ok();
}
