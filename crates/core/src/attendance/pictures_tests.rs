use super::super::{Attendee, Counts, Interval, ParticipantKind};
use super::*;

fn person(key: &str, email: Option<&str>, spans: &[(&str, &str)], scheduled: i64) -> Attendee {
    let intervals: Vec<Interval> = spans
        .iter()
        .map(|(a, b)| Interval {
            join: Some(format!("2026-03-02T{a}Z")),
            leave: Some(format!("2026-03-02T{b}Z")),
            seconds: 0,
        })
        .collect();
    let pairs: Vec<(Timestamp, Timestamp)> = intervals
        .iter()
        .map(|i| {
            (
                i.join.as_deref().unwrap().parse().unwrap(),
                i.leave.as_deref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let (seconds, first, last) = super::super::merge_intervals(&pairs);
    let share = seconds as f64 / scheduled as f64;
    Attendee {
        key: key.into(),
        name: key.into(),
        email: email.map(str::to_string),
        kind: ParticipantKind::Member,
        role: "Attendee".into(),
        first_join: first.map(|t| t.to_string()),
        last_leave: last.map(|t| t.to_string()),
        seconds,
        reported_seconds: seconds,
        share,
        joins: spans.len() as u32,
        intervals,
        status: if share >= 0.8 {
            Completion::Completed
        } else {
            Completion::Partial
        },
    }
}

fn session(start: &str, end: &str, attendees: Vec<Attendee>) -> Session {
    Session {
        report_id: start.into(),
        start: format!("2026-03-02T{start}Z"),
        end: format!("2026-03-02T{end}Z"),
        scheduled_seconds: 3600,
        participant_count: attendees.len() as u32,
        counts: Counts::of(&attendees),
        arrival: None,
        attendees,
        times_hidden: false,
    }
}

#[test]
fn present_per_minute_counts_a_rejoin_within_a_minute_once_and_finds_the_peak() {
    let s = session(
        "10:00:00",
        "11:00:00",
        vec![
            person("ann", None, &[("10:00:00", "11:00:00")], 3600),
            // Left and came back inside minute 10:05.
            person(
                "bob",
                None,
                &[("10:02:30", "10:05:10"), ("10:05:40", "10:10:00")],
                3600,
            ),
            person("cy", None, &[("10:04:00", "10:06:00")], 3600),
        ],
    );
    let p = session_picture(&s, None);
    assert_eq!(p.axis_start, "2026-03-02T10:00:00Z");
    assert_eq!(p.present.len(), 60);
    assert_eq!(&p.present[..12], &[1, 1, 2, 2, 3, 3, 2, 2, 2, 2, 1, 1]);
    assert_eq!((p.peak_minute, p.peak), (4, 3));
    assert_eq!((p.scheduled_start, p.scheduled_end), (Some(0), Some(60)));
    assert_eq!(p.shares.len(), SHARE_BINS);
    assert_eq!(p.shares[100], 1, "ann stayed the whole hour");
    assert_eq!(p.shares.iter().sum::<u32>(), 3);
    assert_eq!(counts_at(&p.shares, 80), (1, 2));
    assert_eq!(counts_at(&p.shares, 1), (3, 0));
}

#[test]
fn the_axis_covers_the_scheduled_time_and_early_joiners() {
    let s = session(
        "10:00:00",
        "10:30:00",
        vec![person("ann", None, &[("09:55:20", "10:30:00")], 3600)],
    );
    let sched = Some((
        "2026-03-02T10:00:00Z".parse().unwrap(),
        "2026-03-02T11:00:00Z".parse().unwrap(),
    ));
    let p = session_picture(&s, sched);
    assert_eq!(p.axis_start, "2026-03-02T09:55:00Z");
    assert_eq!((p.scheduled_start, p.scheduled_end), (Some(5), Some(65)));
    assert_eq!(p.present.len(), 65);
    assert_eq!(p.present[64], 0);
}

#[test]
fn share_bins_agree_with_the_completion_comparison() {
    for seconds in 0..=4000 {
        let share = seconds as f64 / 3600.0;
        let bin = share_bin(share);
        for t in 1..=100usize {
            assert_eq!(bin >= t, share >= t as f64 / 100.0, "{seconds}s at {t}%");
        }
    }
    assert_eq!(share_bin(f64::NAN), 0);
    assert_eq!(share_bin(7.5), 100);
}

#[test]
fn a_series_matches_people_by_email_and_draws_a_trend() {
    let a = |k, e| person(k, e, &[("10:00:00", "10:50:00")], 3600);
    let b = |k, e| person(k, e, &[("10:00:00", "10:20:00")], 3600);
    let sessions = vec![
        session(
            "10:00:00",
            "11:00:00",
            vec![a("g1", Some("Guest@x.example")), b("m", None), a("z", None)],
        ),
        session(
            "10:00:00",
            "11:00:00",
            vec![b("g2", Some("guest@x.example")), a("m", None)],
        ),
        session("10:00:00", "11:00:00", vec![a("m", None)]),
    ];
    let sp = series_picture(&sessions);
    assert_eq!(sp.points.len(), 3);
    assert_eq!((sp.points[0].completed, sp.points[0].partial), (2, 1));
    let (first, last) = sp.trend.unwrap();
    assert!(
        (first - 3.0).abs() < 1e-9 && (last - 1.0).abs() < 1e-9,
        "{first} {last}"
    );
    assert_eq!(sp.people.len(), 3, "the guest is one person across keys");
    assert_eq!(sp.people[0].key, "m");
    assert_eq!(sp.people[0].attended, 3);
    assert_eq!(sp.people[0].completed, 2);
    assert_eq!(sp.people[1].seconds, vec![Some(3000), Some(1200), None]);
    assert_eq!(trend(&[5.0]), None);
}

#[test]
fn an_overview_buckets_sessions_by_monday_in_the_zone() {
    let mut s1 = session(
        "10:00:00",
        "11:00:00",
        vec![person(
            "ann",
            Some("ann@x"),
            &[("10:00:00", "10:55:00")],
            3600,
        )],
    );
    s1.start = "2026-03-01T23:30:00Z".into(); // Monday 00:30 in Vienna, Sunday in UTC
    let s2 = session(
        "10:00:00",
        "11:00:00",
        vec![
            person("ann", Some("ANN@x"), &[("10:00:00", "10:10:00")], 3600),
            person("bo", None, &[("10:00:00", "11:00:00")], 3600),
        ],
    );
    let w = crate::webinars::Webinar {
        id: "w".into(),
        host: "h@x".into(),
        subject: "S".into(),
        start: s2.start.clone(),
        end: s2.end.clone(),
        teams: true,
        cancelled: false,
        state: crate::webinars::WebinarState::Ended,
        kind: "seriesMaster".into(),
        series_id: None,
        join_url: None,
        organizer: None,
        is_organizer: true,
        invitees: vec![],
        web_link: None,
        format: Default::default(),
        event: None,
        channel: false,
    };
    let wa = WebinarAttendance {
        webinar: w,
        meeting_id: None,
        sessions: vec![s1, s2],
        selected: None,
        availability: super::super::Availability::Ready,
        note: None,
        threshold: 0.8,
    };
    let from = "2026-02-01T00:00:00Z".parse().unwrap();
    let to = "2026-04-01T00:00:00Z".parse().unwrap();
    let vienna = TimeZone::get("Europe/Vienna").unwrap();
    let roster = vec![RosterEntry {
        name: None,
        email: "nobody@x".into(),
    }];
    let o = overview(
        std::slice::from_ref(&wa),
        from,
        to,
        &vienna,
        "Europe/Vienna",
        Some((&roster, &HashMap::new())),
    );
    assert_eq!(
        (o.webinars, o.sessions, o.attendances, o.people, o.completed),
        (1, 2, 3, 2, 2)
    );
    assert_eq!(o.weeks.len(), 1);
    assert_eq!(o.weeks[0].monday, "2026-03-02");
    assert_eq!(o.weeks[0].people, 2);
    assert_eq!(o.no_shows, Some(2));
    assert!((o.completion_rate - 2.0 / 3.0).abs() < 1e-9);
    let utc = overview(
        std::slice::from_ref(&wa),
        from,
        to,
        &TimeZone::UTC,
        "UTC",
        None,
    );
    assert_eq!(
        utc.weeks
            .iter()
            .map(|w| w.monday.as_str())
            .collect::<Vec<_>>(),
        ["2026-02-23", "2026-03-02"]
    );
    assert_eq!(utc.no_shows, None);
    let none = overview(
        std::slice::from_ref(&wa),
        to,
        to,
        &TimeZone::UTC,
        "UTC",
        None,
    );
    assert_eq!(
        (none.sessions, none.completion_rate, none.rows.len()),
        (0, 0.0, 0)
    );
}
