//! What the export benchmarks share: the same 1,000-attendee session (hostile names included)
//! and the process's peak memory.
#![allow(dead_code)]

use rollcall_core::attendance::{
    Attendee, Availability, Completion, Counts, Interval, ParticipantKind, Session,
    WebinarAttendance,
};
use rollcall_core::webinars::{Webinar, WebinarState};

pub const SESSIONS: usize = 1_000;
pub const PER_SESSION: usize = 1_000;

/// Peak resident memory of this process (Linux); `None` elsewhere.
pub fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

pub fn session(n: usize) -> WebinarAttendance {
    let names = [
        "Ann Lee",
        "Doe, Jane",
        "O'Brien \"Bob\"",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "🦀 Ferris",
        "نور الهدى",
        "+1 425 555 0100",
    ];
    let attendees = (0..PER_SESSION)
        .map(|i| Attendee {
            key: format!("k{i}"),
            name: format!("{} {i}", names[i % names.len()]),
            email: (i % 5 != 0).then(|| format!("student{i}@school.example")),
            kind: if i % 5 == 0 {
                ParticipantKind::Anonymous
            } else {
                ParticipantKind::Member
            },
            role: "Attendee".into(),
            first_join: Some("2026-11-20T09:58:12Z".into()),
            last_leave: Some("2026-11-20T10:59:40Z".into()),
            seconds: 3000 + i as i64,
            reported_seconds: 3000 + i as i64,
            share: 0.8 + (i % 20) as f64 / 100.0,
            joins: 1 + (i % 3) as u32,
            intervals: vec![Interval {
                join: Some("2026-11-20T09:58:12Z".into()),
                leave: Some("2026-11-20T10:59:40Z".into()),
                seconds: 3688,
            }],
            status: if i % 4 == 0 {
                Completion::Partial
            } else {
                Completion::Completed
            },
        })
        .collect();
    WebinarAttendance {
        webinar: Webinar {
            id: format!("w{n}"),
            host: "megan@school.example".into(),
            subject: format!("Methods seminar #{n}"),
            start: "2026-11-20T10:00:00Z".into(),
            end: "2026-11-20T11:00:00Z".into(),
            teams: true,
            cancelled: false,
            state: WebinarState::Ended,
            kind: "singleInstance".into(),
            series_id: None,
            join_url: None,
            organizer: None,
            is_organizer: true,
            invitees: vec![],
            web_link: None,
            format: Default::default(),
            event: None,
            channel: false,
        },
        meeting_id: None,
        sessions: vec![Session {
            report_id: format!("r{n}"),
            start: "2026-11-20T10:00:00Z".into(),
            end: "2026-11-20T11:00:00Z".into(),
            scheduled_seconds: 3600,
            participant_count: PER_SESSION as u32,
            attendees,
            counts: Counts::default(),
            arrival: None,
            times_hidden: false,
        }],
        selected: Some(0),
        availability: Availability::Ready,
        note: None,
        threshold: 0.8,
    }
}
