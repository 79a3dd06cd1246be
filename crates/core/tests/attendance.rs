#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Attendance and CSV export against the demo tenant: the exports of known sessions equal what the
//! emulator holds (recomputed here from its own data), hostile names stay inert, states are explained.

use jiff::{SignedDuration, Timestamp};
use rollcall_core::attendance::export::{self, CsvOptions, Level};
use rollcall_core::attendance::{self, Availability, ParticipantKind};
use rollcall_core::webinars;

mod common;

const MARIA: &str = "maria.ortiz@northwind.example";

fn read_csv(bytes: &[u8], sep: u8) -> Vec<csv::StringRecord> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    csv::ReaderBuilder::new()
        .delimiter(sep)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap())
        .collect()
}

/// Merged seconds, computed independently of the code under test.
fn merged(mut iv: Vec<(i64, i64)>) -> i64 {
    iv.sort();
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for (a, b) in iv {
        match cur {
            Some((s, e)) if a <= e => cur = Some((s, e.max(b))),
            Some((s, e)) => {
                total += e - s;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    total + cur.map_or(0, |(s, e)| e - s)
}

#[tokio::test]
async fn series_sessions_and_exports_equal_the_emulators_data() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &[MARIA.to_string()]);
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 200),
        Timestamp::now(),
    );
    let range = webinars::list(&conn, &[MARIA.to_string()], from, to, true)
        .await
        .unwrap();
    let first = range
        .webinars
        .iter()
        .find(|w| w.subject == "Weekly methods seminar")
        .unwrap();
    let wa = attendance::for_webinar(&conn, first, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::Ready);
    assert_eq!(wa.selected, Some(0), "the first occurrence's own session");

    // The emulator's truth for this meeting.
    let truth = {
        let world = emu.shared.world();
        let m = world
            .meetings
            .iter()
            .find(|m| Some(&m.id) == wa.meeting_id.as_ref())
            .unwrap()
            .clone();
        m
    };
    assert_eq!(
        wa.sessions.len(),
        truth.reports.len(),
        "one session per report, cancelled occurrence excluded"
    );
    let s0 = &wa.sessions[0];
    let r0 = truth.reports.iter().min_by_key(|r| r.start).unwrap();
    assert_eq!(s0.attendees.len(), r0.records.len());
    assert!(
        s0.attendees.len() > 100,
        "the big first session spans several record pages: {}",
        s0.attendees.len()
    );

    let dir = std::env::temp_dir().join(format!("rollcall-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let one = [rollcall_core::attendance::WebinarAttendance {
        sessions: vec![s0.clone()],
        ..wa.clone()
    }];
    let path = dir.join("attendees.csv");
    let rows = export::export_to_file(
        &path,
        &one,
        Level::Attendee,
        &CsvOptions::excel("Europe/Berlin"),
    )
    .unwrap();
    assert_eq!(rows, r0.records.len());
    let csv_rows = read_csv(&std::fs::read(&path).unwrap(), b',');
    assert_eq!(csv_rows.len(), r0.records.len());
    // Each exported row equals one emulator record: name (neutralised), merged seconds, joins,
    // first join and the participant kind, compared as multisets (anonymous names repeat).
    let mut expected: Vec<(String, i64, usize, String, &str)> = r0
        .records
        .iter()
        .map(|rec| {
            let name = if rec
                .display_name
                .starts_with(['=', '+', '-', '@', '\t', '\r'])
            {
                format!("'{}", rec.display_name)
            } else {
                rec.display_name.clone()
            };
            let iv: Vec<(i64, i64)> = rec
                .intervals
                .iter()
                .filter_map(|i| Some((i.join?.as_second(), i.leave?.as_second())))
                .collect();
            let first = iv
                .iter()
                .map(|x| x.0)
                .min()
                .map(|f| Timestamp::from_second(f).unwrap().to_string())
                .unwrap_or_default();
            let kind = match (&rec.email, &rec.tenant_id) {
                (Some(e), _) if e.is_empty() => "phone",
                (None, None) => "anonymous",
                (Some(_), Some(t)) if t != &emu.info.tenant_id => "guest",
                _ => "member",
            };
            (
                name,
                merged(iv),
                rec.intervals.iter().filter(|i| i.join.is_some()).count(),
                first,
                kind,
            )
        })
        .collect();
    let mut actual: Vec<(String, i64, usize, String, &str)> = csv_rows
        .iter()
        .map(|r| {
            let kind: &str = match &r[8] {
                "phone" => "phone",
                "anonymous" => "anonymous",
                "guest" => "guest",
                _ => "member",
            };
            (
                r[6].to_string(),
                r[14].parse().unwrap(),
                r[17].parse().unwrap(),
                r[10].to_string(),
                kind,
            )
        })
        .collect();
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);
    assert!(
        csv_rows
            .iter()
            .all(|r| r[10].is_empty() || r[12].len() == 19),
        "local time columns"
    );
    assert!(expected.iter().any(|e| e.4 == "guest") && expected.iter().any(|e| e.4 == "anonymous"));

    // Interval and summary levels, the comma-decimal preset.
    let p2 = dir.join("intervals.csv");
    let n = export::export_to_file(
        &p2,
        &one,
        Level::Interval,
        &CsvOptions::excel_comma_decimal("UTC"),
    )
    .unwrap();
    assert_eq!(
        n,
        r0.records.iter().map(|r| r.intervals.len()).sum::<usize>()
    );
    assert_eq!(read_csv(&std::fs::read(&p2).unwrap(), b';').len(), n);
    let p3 = dir.join("summary.csv");
    export::export_to_file(
        &p3,
        std::slice::from_ref(&wa),
        Level::Summary,
        &CsvOptions::excel_comma_decimal("UTC"),
    )
    .unwrap();
    let summary = read_csv(&std::fs::read(&p3).unwrap(), b';');
    assert_eq!(summary.len(), truth.reports.len());
    assert_eq!(summary[0][7].parse::<usize>().unwrap(), r0.records.len());
    assert!(
        summary[0][12].contains(','),
        "comma decimal: {}",
        &summary[0][12]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn hostile_names_come_out_inert_and_unchanged_in_meaning() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts.clone());
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 95),
        Timestamp::now(),
    );
    let all = attendance::for_range(&conn, &conn.hosts.clone(), from, to, 0.8)
        .await
        .unwrap()
        .webinars;
    let path = std::env::temp_dir().join(format!("rollcall-hostile-{}.csv", uuid::Uuid::new_v4()));
    export::export_to_file(&path, &all, Level::Attendee, &CsvOptions::excel("UTC")).unwrap();
    let rows = read_csv(&std::fs::read(&path).unwrap(), b',');
    let names: Vec<&str> = rows.iter().map(|r| &r[6]).collect();
    assert!(
        names.iter().any(|n| n.starts_with("'=")),
        "a formula-like name is present and neutralised"
    );
    for n in &names {
        assert!(
            !n.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{n:?} would run as a formula"
        );
    }
    // Every attendee of every session is there, in order of sessions.
    let expected: usize = all
        .iter()
        .flat_map(|w| &w.sessions)
        .map(|s| s.attendees.len())
        .sum();
    assert_eq!(rows.len(), expected);
    std::fs::remove_file(path).unwrap();
    // Guests, anonymous and phone participants are told apart.
    let kinds: std::collections::HashSet<ParticipantKind> = all
        .iter()
        .flat_map(|w| &w.sessions)
        .flat_map(|s| &s.attendees)
        .map(|a| a.kind)
        .collect();
    assert!(kinds.len() == 5, "{kinds:?}");
    // Graph's records carry tenantId null even for members, so member/guest comes from the e-mail
    // domain: guests from Fabrikam are guests, the tenant's own people members, and someone signed
    // in without an e-mail is "unknown", not guessed.
    for a in all
        .iter()
        .flat_map(|w| &w.sessions)
        .flat_map(|s| &s.attendees)
    {
        match a.email.as_deref() {
            Some(e) if e.ends_with("@fabrikam.example") => {
                assert_eq!(a.kind, ParticipantKind::Guest, "{e}")
            }
            Some(e) if e.ends_with("@northwind.example") => {
                assert_eq!(a.kind, ParticipantKind::Member, "{e}")
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn states_are_explained_not_errors() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts.clone());
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 100),
        Timestamp::now() + SignedDuration::from_hours(24 * 30),
    );
    let r = webinars::list(&conn, &conn.hosts.clone(), from, to, true)
        .await
        .unwrap();
    // Chosen by what they are, not by where they fall in today's window.
    let upcoming = |series: bool| {
        r.webinars
            .iter()
            .find(|w| {
                w.state == webinars::WebinarState::Upcoming
                    && w.is_organizer
                    && !w.cancelled
                    && w.host != "lidia.holloway@northwind.example"
                    && w.series_id.is_some() == series
            })
            .unwrap_or_else(|| panic!("an upcoming webinar (series: {series})"))
    };
    // A single webinar that has not started.
    let single = upcoming(false);
    assert_eq!(single.kind, "singleInstance");
    let wa = attendance::for_webinar(&conn, single, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::NoReportYet);
    assert!(wa.sessions.is_empty());
    assert!(wa.note.unwrap().contains("not started"));
    // An occurrence that has not started, of a series whose earlier sessions have reports: the
    // curator is told this one has not started, and that the others are listed.
    let occurrence = upcoming(true);
    assert_eq!(occurrence.kind, "occurrence");
    let wa = attendance::for_webinar(&conn, occurrence, 0.8)
        .await
        .unwrap();
    assert!(!wa.sessions.is_empty(), "the series' earlier sessions");
    assert_eq!(wa.selected, None, "no session of its own");
    assert_eq!(wa.availability, Availability::NoReportYet);
    let note = wa.note.unwrap();
    assert!(note.contains("not started"), "{note}");
    assert!(
        note.contains("other sessions of the series are listed"),
        "{note}"
    );
    let copy = r.webinars.iter().find(|w| !w.is_organizer).unwrap();
    let wa = attendance::for_webinar(&conn, copy, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::NotAvailable);
    assert!(wa.note.unwrap().contains("not its organizer"));
    let lidia = r
        .webinars
        .iter()
        .find(|w| {
            w.host == "lidia.holloway@northwind.example" && w.state == webinars::WebinarState::Ended
        })
        .unwrap();
    let wa = attendance::for_webinar(&conn, lidia, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::NotAvailable);
    assert!(wa.note.unwrap().to_lowercase().contains("access policy"));
}

#[test]
fn a_failed_export_leaves_no_file_behind() {
    let dir = std::env::temp_dir().join(format!("rollcall-fail-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("out.csv");
    std::fs::write(&target, "previous export").unwrap();
    let err = export::export_to_file(
        &target,
        &[],
        Level::Attendee,
        &CsvOptions {
            separator: "|".into(),
            bom: true,
            time_zone: "UTC".into(),
        },
    )
    .unwrap_err();
    assert!(err.message.contains("separator"));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous export",
        "the old file is untouched"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Co-organizers may read a meeting's reports (meetingattendancereport-get.md); a channel meeting's
/// reports list holds every meeting of the channel, so it is explained, never filed under one webinar.
#[tokio::test]
async fn co_organizers_read_reports_and_channel_meetings_are_explained() {
    let emu = common::emulator(&[]).await;
    let (megan, adele) = (
        vec![emu.info.hosts[0].clone()],
        vec![emu.info.hosts[1].clone()],
    );
    let conn = common::app_conn(&emu, &adele);
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 95),
        Timestamp::now(),
    );
    let range = webinars::list(&conn, &adele, from, to, true).await.unwrap();
    // By properties: an ended, not cancelled copy in Adele's calendar she does not organise.
    let copy = range
        .webinars
        .iter()
        .find(|w| !w.is_organizer && !w.cancelled && w.state == webinars::WebinarState::Ended)
        .expect("Adele co-organises one of Megan's webinars");
    let wa = attendance::for_webinar(&conn, copy, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::Ready, "{:?}", wa.note);
    assert!(!wa.sessions.is_empty());
    // Over a range the co-organised meeting is read through Adele.
    let got = attendance::for_range(&conn, &adele, from, to, 0.8)
        .await
        .unwrap();
    assert!(got
        .webinars
        .iter()
        .any(|w| w.webinar.join_url == copy.join_url));

    let conn = common::app_conn(&emu, &megan);
    let range = webinars::list(&conn, &megan, from, to, true).await.unwrap();
    let channel = range
        .webinars
        .iter()
        .find(|w| {
            w.join_url
                .as_deref()
                .is_some_and(attendance::is_channel_meeting)
        })
        .expect("Megan has a channel meeting");
    let wa = attendance::for_webinar(&conn, channel, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::NotAvailable);
    assert!(wa.note.unwrap().contains("channel meeting"));
    assert!(
        wa.sessions.is_empty(),
        "no other meeting's sessions filed under it"
    );
}

/// The short join URL (`https://teams.microsoft.com/meet/{id}?p=…`) resolves like the long one.
#[tokio::test]
async fn short_join_urls_resolve_like_long_ones() {
    let emu = common::emulator(&[]).await;
    let hosts = vec![emu.info.hosts[0].clone(), emu.info.hosts[1].clone()];
    let conn = common::app_conn(&emu, &hosts);
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 95),
        Timestamp::now(),
    );
    let range = webinars::list(&conn, &hosts, from, to, true).await.unwrap();
    let with_report = |w: &&webinars::Webinar| {
        let world = emu.shared.world();
        w.is_organizer
            && world
                .meetings
                .iter()
                .any(|m| Some(&m.join_url) == w.join_url.as_ref() && !m.reports.is_empty())
    };
    for short in [true, false] {
        let w = range
            .webinars
            .iter()
            .filter(|w| {
                w.join_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://teams.microsoft.com/meet/") == short)
            })
            .find(with_report)
            .unwrap_or_else(|| panic!("an ended webinar with a report, short link: {short}"));
        let wa = attendance::for_webinar(&conn, w, 0.8).await.unwrap();
        assert_eq!(
            wa.availability,
            Availability::Ready,
            "short {short}: {:?}",
            wa.note
        );
    }
}

/// A meeting policy that hides attendance times ("Attendance summary"): Teams lists who came with
/// no intervals and no durations. Completion is unknown and said so, never 0 % for everyone.
#[tokio::test]
async fn hidden_attendance_times_make_completion_unknown_not_zero() {
    for hidden in [true, false] {
        let scenarios: &[&str] = if hidden {
            &["attendance-summary-hidden"]
        } else {
            &[]
        };
        let emu = common::emulator(scenarios).await;
        let host = emu.info.hosts[0].clone();
        let conn = common::app_conn(&emu, std::slice::from_ref(&host));
        let range = webinars::list(
            &conn,
            std::slice::from_ref(&host),
            Timestamp::now() - SignedDuration::from_hours(24 * 200),
            Timestamp::now(),
            true,
        )
        .await
        .unwrap();
        let mut seen = 0;
        for w in range
            .webinars
            .iter()
            .filter(|w| w.host.eq_ignore_ascii_case(&host))
        {
            let wa = attendance::for_webinar(&conn, w, 0.8).await.unwrap();
            for s in wa.sessions.iter().filter(|s| !s.attendees.is_empty()) {
                seen += 1;
                assert_eq!(s.times_hidden, hidden, "{}", w.subject);
                if hidden {
                    assert!(s
                        .attendees
                        .iter()
                        .all(|a| a.status == attendance::Completion::Unknown));
                    assert_eq!(s.counts.unknown as usize, s.attendees.len());
                    assert_eq!(s.counts.completed + s.counts.partial, 0);
                    let mut csv = Vec::new();
                    export::write_csv(
                        &mut csv,
                        std::slice::from_ref(&wa),
                        Level::Attendee,
                        &CsvOptions::excel("UTC"),
                    )
                    .unwrap();
                    let rows = read_csv(&csv, b',');
                    assert!(!rows.is_empty());
                    assert!(rows.iter().all(|r| r.iter().any(|c| c == "unknown")));
                } else {
                    assert_eq!(s.counts.unknown, 0);
                }
            }
        }
        assert!(seen > 0, "the first host has sessions with attendees");
    }
}
