#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Webinars against the emulator: ranges with paging and series, create/edit/cancel, DST and the
//! date line, throttling, per-host errors.

use jiff::{SignedDuration, Timestamp};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::webinars::{
    self, NewWebinar, RecurrenceInput, Repeat, WebinarEdit, WebinarState,
};
use rollcall_core::ErrorCode;
use rollcall_emulator::Running;

mod common;

const MEGAN: &str = "megan.bowen@northwind.example";
const MARIA: &str = "maria.ortiz@northwind.example";

async fn setup() -> (Running, Connection) {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts.clone());
    (emu, conn)
}

fn new(subject: &str, start: &str, tz: &str) -> NewWebinar {
    NewWebinar {
        host: MEGAN.into(),
        subject: subject.into(),
        start: start.into(),
        time_zone: tz.into(),
        duration_minutes: 60,
        description: "Bring <questions> & notes".into(),
        html: false,
        invitees: vec!["student1@northwind.example".into()],
        recurrence: None,
        allow_past: true,
    }
}

fn local(utc: &str, tz: &str) -> String {
    let t: Timestamp = utc.parse().unwrap();
    t.to_zoned(jiff::tz::TimeZone::get(tz).unwrap())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A date `days` after today (UTC): tests that need a future day pick it relative to today, so it
/// never becomes the past.
fn in_days(days: i32) -> jiff::civil::Date {
    Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
}

fn range_days(days: i64) -> (Timestamp, Timestamp) {
    let now = Timestamp::now();
    (
        now - SignedDuration::from_hours(24 * days),
        now + SignedDuration::from_hours(24 * days),
    )
}

#[tokio::test]
async fn a_range_lists_series_occurrences_cancelled_copies_and_states() {
    let (_emu, conn) = setup().await;
    let (from, to) = range_days(200);
    let r = webinars::list(&conn, &conn.hosts.clone(), from, to, true)
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let series: Vec<_> = r
        .webinars
        .iter()
        .filter(|w| w.subject == "Weekly methods seminar")
        .collect();
    // Outlook drops an occurrence its organizer cancelled from the organizer's calendar.
    assert_eq!(
        series.len(),
        11,
        "the 12-week series without its cancelled third occurrence"
    );
    assert!(series.iter().all(|w| w.kind == "occurrence"
        && w.series_id.is_some()
        && w.series_id == series[0].series_id));
    // Tuesday 14:00 in W. Europe for every occurrence, whatever the DST offset.
    assert!(series
        .iter()
        .all(|w| local(&w.start, "Europe/Berlin").ends_with("14:00")));
    let copies: Vec<_> = r
        .webinars
        .iter()
        .filter(|w| w.cancelled && !w.is_organizer)
        .collect();
    assert!(
        copies.len() >= 2,
        "cancelled attendee copies are shown struck through, not dropped"
    );
    assert!(r.webinars.iter().any(|w| w.state == WebinarState::Ended));
    assert!(r.webinars.iter().any(|w| w.state == WebinarState::Upcoming));
    assert!(
        r.webinars.windows(2).all(|p| p[0].start <= p[1].start),
        "sorted by start"
    );
    assert!(
        r.webinars.iter().all(|w| w.start.ends_with('Z')),
        "instants stay UTC"
    );
}

#[tokio::test]
async fn every_page_is_read_for_a_busy_host() {
    let (_emu, conn) = setup().await;
    let (from, to) = range_days(100);
    let before = webinars::list_host(&conn, MEGAN, from, to, false)
        .await
        .unwrap()
        .len();
    // In the four weeks from tomorrow: inside the listed range on any date.
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    for i in 0..230 {
        let day = today
            .checked_add(jiff::Span::new().days(1 + i % 28))
            .unwrap();
        let mut w = new(
            &format!("Office hour {i}"),
            &format!("{day}T{:02}:00", 6 + i % 12),
            "UTC",
        );
        w.invitees.clear();
        webinars::create(&conn, &w).await.unwrap();
    }
    let (from, to) = range_days(100);
    let all = webinars::list_host(&conn, MEGAN, from, to, false)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        before + 230,
        "three pages of 100 and more, all read"
    );
}

#[tokio::test]
async fn weekly_series_keep_local_time_across_dst_in_europe_and_north_america() {
    let (_emu, conn) = setup().await;
    for (tz, first, expect_utc) in [
        (
            "Europe/Berlin",
            "2026-03-19T09:00",
            [
                "2026-03-19T08:00:00Z",
                "2026-03-26T08:00:00Z",
                "2026-04-02T07:00:00Z",
            ],
        ),
        (
            "America/New_York",
            "2026-03-05T09:00",
            [
                "2026-03-05T14:00:00Z",
                "2026-03-12T13:00:00Z",
                "2026-03-19T13:00:00Z",
            ],
        ),
        (
            "Europe/Berlin",
            "2026-10-22T09:00",
            [
                "2026-10-22T07:00:00Z",
                "2026-10-29T08:00:00Z",
                "2026-11-05T08:00:00Z",
            ],
        ),
    ] {
        let mut w = new(&format!("DST {tz} {first}"), first, tz);
        w.recurrence = Some(RecurrenceInput {
            repeat: Repeat::Weekly,
            interval: 1,
            count: Some(3),
            until: None,
        });
        let created = webinars::create(&conn, &w).await.unwrap();
        assert!(
            created
                .join_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://teams.microsoft.com/")),
            "a Teams meeting with a join link"
        );
        let from: Timestamp = format!("{}T00:00:00Z", &first[..10]).parse().unwrap();
        let r = webinars::list(
            &conn,
            &[MEGAN.to_string()],
            from,
            from + SignedDuration::from_hours(24 * 30),
            true,
        )
        .await
        .unwrap();
        let occ: Vec<_> = r
            .webinars
            .iter()
            .filter(|x| x.subject == w.subject)
            .collect();
        let starts: Vec<&str> = occ.iter().map(|x| x.start.as_str()).collect();
        assert_eq!(starts, expect_utc, "{tz}");
        assert!(
            occ.iter().all(|x| local(&x.start, tz).ends_with("09:00")),
            "shown as entered in {tz}"
        );
    }
}

#[tokio::test]
async fn across_the_date_line_the_day_is_kept() {
    let (_emu, conn) = setup().await;
    // Kiritimati is UTC+14: Wednesday 08:00 there is Tuesday 18:00 UTC; Pago Pago (UTC-11) the other way.
    for (tz, start, utc) in [
        (
            "Pacific/Kiritimati",
            "2026-12-02T08:00",
            "2026-12-01T18:00:00Z",
        ),
        (
            "Pacific/Pago_Pago",
            "2026-12-02T20:00",
            "2026-12-03T07:00:00Z",
        ),
    ] {
        let created = webinars::create(&conn, &new(&format!("Date line {tz}"), start, tz))
            .await
            .unwrap();
        assert_eq!(created.start, utc, "{tz}");
        assert_eq!(local(&created.start, tz), start.replace('T', " "));
        assert_eq!(
            local(&created.end, tz),
            format!(
                "{} {}",
                &start[..10],
                if tz == "Pacific/Kiritimati" {
                    "09:00"
                } else {
                    "21:00"
                }
            )
        );
    }
}

#[tokio::test]
async fn edit_an_occurrence_or_the_whole_series_then_cancel() {
    let (_emu, conn) = setup().await;
    // Four weekly sessions from two weeks ahead (a future series on any date).
    let first = in_days(14);
    let mut w = new("Series to edit", &format!("{first}T10:00"), "Europe/Berlin");
    w.recurrence = Some(RecurrenceInput {
        repeat: Repeat::Weekly,
        interval: 1,
        count: Some(4),
        until: None,
    });
    webinars::create(&conn, &w).await.unwrap();
    let from: Timestamp = format!("{}T00:00:00Z", in_days(10)).parse().unwrap();
    let list = |c: Connection| async move {
        webinars::list(
            &c,
            &[MEGAN.to_string()],
            from,
            from + SignedDuration::from_hours(24 * 40),
            true,
        )
        .await
        .unwrap()
        .webinars
        .into_iter()
        .filter(|x| x.subject.contains("Series") || x.subject.contains("Moved"))
        .collect::<Vec<_>>()
    };
    let occ = list(conn.clone()).await;
    assert_eq!(occ.len(), 4);
    // One occurrence: new time and subject.
    let second = &occ[1];
    let moved = first.checked_add(jiff::Span::new().days(7)).unwrap();
    let edited = webinars::update(
        &conn,
        &WebinarEdit {
            host: MEGAN.into(),
            id: second.id.clone(),
            subject: Some("Moved session".into()),
            start: Some(format!("{moved}T15:30")),
            time_zone: Some("Europe/Berlin".into()),
            duration_minutes: Some(90),
            description: None,
            html: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(edited.subject, "Moved session");
    assert_eq!(
        local(&edited.start, "Europe/Berlin"),
        format!("{moved} 15:30")
    );
    assert_eq!(
        local(&edited.end, "Europe/Berlin"),
        format!("{moved} 17:00")
    );
    // The series: a new subject for the others.
    let series_id = occ[0].series_id.clone().unwrap();
    webinars::update(
        &conn,
        &WebinarEdit {
            host: MEGAN.into(),
            id: series_id.clone(),
            subject: Some("Series renamed".into()),
            start: None,
            time_zone: None,
            duration_minutes: None,
            description: Some("<p>Agenda</p>".into()),
            html: true,
        },
    )
    .await
    .unwrap();
    let after = list(conn.clone()).await;
    assert_eq!(
        after
            .iter()
            .filter(|x| x.subject == "Series renamed")
            .count(),
        3
    );
    assert_eq!(
        after
            .iter()
            .filter(|x| x.subject == "Moved session")
            .count(),
        1,
        "the edited occurrence keeps its own subject"
    );
    // Cancel one occurrence with a message: Outlook removes it from the organizer's calendar, and
    // Rollcall's log keeps it visible, struck through.
    webinars::cancel(&conn, MEGAN, &after[2].id, "Sorry, moved to next week")
        .await
        .unwrap();
    let log_path =
        std::env::temp_dir().join(format!("rollcall-cancel-{}.json", uuid::Uuid::new_v4()));
    let log = webinars::CancelLog::new(log_path.clone());
    log.record(&after[2]).unwrap();
    assert_eq!(
        list(conn.clone()).await.len(),
        3,
        "gone from the organizer's calendar"
    );
    let mut r = webinars::list(
        &conn,
        &[MEGAN.to_string()],
        from,
        from + SignedDuration::from_hours(24 * 40),
        true,
    )
    .await
    .unwrap();
    log.merge(
        &mut r,
        &[MEGAN.to_string()],
        from,
        from + SignedDuration::from_hours(24 * 40),
    );
    let shown: Vec<_> = r
        .webinars
        .iter()
        .filter(|x| x.subject.contains("Series") || x.subject.contains("Moved"))
        .collect();
    assert_eq!(shown.len(), 4);
    assert_eq!(
        shown
            .iter()
            .filter(|x| x.cancelled)
            .map(|x| x.id.clone())
            .collect::<Vec<_>>(),
        [after[2].id.clone()]
    );
    let _ = std::fs::remove_file(log_path);
}

#[tokio::test]
async fn cancelling_someone_elses_meeting_is_refused_clearly() {
    let (_emu, conn) = setup().await;
    let (from, to) = range_days(200);
    let r = webinars::list(&conn, &conn.hosts.clone(), from, to, true)
        .await
        .unwrap();
    let copy = r
        .webinars
        .iter()
        .find(|w| !w.is_organizer)
        .expect("an attendee copy");
    let err = webinars::cancel(&conn, &copy.host, &copy.id, "x")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("not the organizer"), "{}", err.message);
}

#[tokio::test]
async fn details_resolve_the_online_meeting_by_join_url() {
    let (_emu, conn) = setup().await;
    let created = webinars::create(
        &conn,
        &new("With details", &format!("{}T10:00", in_days(20)), "UTC"),
    )
    .await
    .unwrap();
    let d = webinars::details(&conn, MEGAN, &created.id).await.unwrap();
    assert!(d.online_meeting_id.is_some(), "{:?}", d.meeting_problem);
    assert_eq!(d.webinar.invitees, ["student1@northwind.example"]);
    // Lidia is outside the access policy: the event shows, the meeting cannot be resolved, and the
    // panel says why in the user's words.
    let mut w = new("Lidia's", &format!("{}T10:00", in_days(21)), "UTC");
    w.host = "lidia.holloway@northwind.example".into();
    let c = webinars::create(&conn, &w).await.unwrap();
    let d = webinars::details(&conn, "lidia.holloway@northwind.example", &c.id)
        .await
        .unwrap();
    assert!(d.online_meeting_id.is_none());
    assert!(d
        .meeting_problem
        .unwrap()
        .contains("application access policy"));
}

#[tokio::test]
async fn throttling_is_waited_out_and_a_bad_host_does_not_hide_the_others() {
    let (emu, conn) = setup().await;
    reqwest::Client::new()
        .put(format!("{}/faults", emu.info.admin))
        .json(&serde_json::json!({"throttleRate": 0.5, "retryAfter": "mixed", "retryAfterSecs": 1}))
        .send()
        .await
        .unwrap();
    let (from, to) = range_days(100);
    let mut hosts = conn.hosts.clone();
    hosts.push("nobody@northwind.example".to_string());
    assert!(hosts.contains(&MARIA.to_string()));
    let r = webinars::list(&conn, &hosts, from, to, true).await.unwrap();
    assert!(
        r.webinars
            .iter()
            .any(|w| w.subject == "Weekly methods seminar"),
        "Maria's webinars despite 429s"
    );
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].host, "nobody@northwind.example");
    assert_eq!(r.problems[0].error.code, ErrorCode::NotFound);
    let stats: serde_json::Value = reqwest::get(format!("{}/stats", emu.info.admin))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        stats["throttled"].as_u64().unwrap() > 0,
        "the test really saw 429s: {stats}"
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_graph() {
    let (_emu, conn) = setup().await;
    let mut w = new("", "2026-03-29T02:30", "Europe/Berlin");
    w.allow_past = false;
    let err = webinars::create(&conn, &w).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.message, "The subject is required.");
    assert!(err.hint.unwrap().contains("start"));
}

/// Graph takes Windows zone names and only ~100 IANA names (resources/datetimetimezone.md); the
/// emulator refuses the rest as Graph does. Zones people really pick that are not on the list
/// (Vienna, Amsterdam, Toronto, Kolkata's old name) still create a series at the right local time.
#[tokio::test]
async fn zones_graph_does_not_list_are_sent_as_windows_names() {
    let (_emu, conn) = setup().await;
    let first = in_days(20);
    for tz in [
        "Europe/Vienna",
        "Europe/Amsterdam",
        "America/Toronto",
        "Asia/Calcutta",
    ] {
        let mut w = new(&format!("Zone {tz}"), &format!("{first}T09:30"), tz);
        w.recurrence = Some(RecurrenceInput {
            repeat: Repeat::Weekly,
            interval: 1,
            count: Some(2),
            until: None,
        });
        let created = webinars::create(&conn, &w)
            .await
            .unwrap_or_else(|e| panic!("{tz}: {e:?}"));
        assert_eq!(local(&created.start, tz), format!("{first} 09:30"), "{tz}");
        // Editing the time in the same zone works too.
        let edited = webinars::update(
            &conn,
            &WebinarEdit {
                host: MEGAN.into(),
                id: created.id.clone(),
                subject: None,
                start: Some(format!("{first}T11:00")),
                time_zone: Some(tz.into()),
                duration_minutes: Some(60),
                description: None,
                html: false,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{tz}: {e:?}"));
        assert_eq!(local(&edited.start, tz), format!("{first} 11:00"), "{tz}");
    }
    // A zone Windows has no counterpart for is a clear field error, before anything is sent.
    let err = webinars::create(
        &conn,
        &new("Troll", &format!("{first}T09:30"), "Antarctica/Troll"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("Antarctica/Troll"), "{}", err.message);
}

/// A 400 from Graph is the request Graph refused, in Graph's words, never an "internal error".
#[tokio::test]
async fn a_zone_graph_refuses_is_said_as_graph_says_it() {
    let (emu, _conn) = setup().await;
    let token = common::app_conn(&emu, &[]).token(false).await.unwrap();
    let base = emu.info.graph.clone();
    let users: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/users?$filter=mail%20eq%20'{MEGAN}'"))
        .bearer_auth(token.value.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = users["value"][0]["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}/users/{id}/events"))
        .bearer_auth(token.value.expose())
        .json(&serde_json::json!({
            "subject": "raw", "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "Europe/Vienna"},
            "end": {"dateTime": "2030-01-01T11:00:00", "timeZone": "Europe/Vienna"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TimeZoneNotSupportedException");
    let e: rollcall_core::CoreError = rollcall_graph::GraphError::Api {
        status: 400,
        code: "TimeZoneNotSupportedException".into(),
        message: body["error"]["message"].as_str().unwrap().into(),
        request_id: None,
        date: None,
    }
    .into();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("Europe/Vienna"));
}
