//! The export's rows, typed, once: which value goes in which column at each level (summary,
//! attendee, interval). The CSV writer ([`super::export`]) formats them as text; the workbook
//! ([`super::xlsx`]) writes them as typed cells (dates, durations, percentages). Neither knows
//! the other, and a column is added here, in one place.

use super::{Attendee, Completion, Interval, Session, WebinarAttendance};

/// One cell of a row, as the data holds it.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// Text from outside (names, subjects): a CSV neutralises formula starts.
    Text(&'a str),
    /// A word of Rollcall's own (participant kind, status).
    Word(&'static str),
    /// An instant (RFC 3339), shown in UTC …
    Utc(Option<&'a str>),
    /// … or on the export zone's wall clock.
    Local(Option<&'a str>),
    Int(i64),
    /// Seconds shown as `h:mm:ss` (a duration cell in the workbook).
    Duration(i64),
    /// A share (0.8 = 80 %).
    Share(f64),
}

pub const ATTENDEE_HEADER: [&str; 21] = [
    "webinar",
    "host",
    "session_start_utc",
    "session_end_utc",
    "session_start_local",
    "scheduled_seconds",
    "name",
    "email",
    "participant",
    "role",
    "first_join_utc",
    "last_leave_utc",
    "first_join_local",
    "last_leave_local",
    "seconds",
    "duration",
    "share_percent",
    "joins",
    "status",
    "threshold_percent",
    "time_zone",
];

pub const INTERVAL_HEADER: [&str; 14] = [
    "webinar",
    "host",
    "session_start_utc",
    "name",
    "email",
    "participant",
    "role",
    "join_utc",
    "leave_utc",
    "join_local",
    "leave_local",
    "seconds",
    "duration",
    "time_zone",
];

pub const SUMMARY_HEADER: [&str; 14] = [
    "webinar",
    "host",
    "session_start_utc",
    "session_end_utc",
    "session_start_local",
    "session_end_local",
    "scheduled_seconds",
    "participants",
    "completed",
    "partial",
    "no_show",
    "attendee_seconds",
    "average_share_percent",
    "time_zone",
];

/// The status column's word.
pub fn status_str(c: Completion) -> &'static str {
    match c {
        Completion::Completed => "completed",
        Completion::Partial => "partial",
        Completion::NoShow => "no-show",
        Completion::Unknown => "unknown",
    }
}

/// A session's row.
pub fn summary<'a>(wa: &'a WebinarAttendance, s: &'a Session, zone: &'a str) -> [Value<'a>; 14] {
    let total: i64 = s.attendees.iter().map(|a| a.seconds).sum();
    let average = if s.attendees.is_empty() {
        0.0
    } else {
        s.attendees.iter().map(|a| a.share).sum::<f64>() / s.attendees.len() as f64
    };
    [
        Value::Text(&wa.webinar.subject),
        Value::Text(&wa.webinar.host),
        Value::Utc(Some(&s.start)),
        Value::Utc(Some(&s.end)),
        Value::Local(Some(&s.start)),
        Value::Local(Some(&s.end)),
        Value::Int(s.scheduled_seconds),
        Value::Int(i64::from(s.participant_count)),
        Value::Int(i64::from(s.counts.completed)),
        Value::Int(i64::from(s.counts.partial)),
        Value::Int(i64::from(s.counts.no_show)),
        Value::Int(total),
        Value::Share(average),
        Value::Text(zone),
    ]
}

/// An attendee's row in a session.
pub fn attendee<'a>(
    wa: &'a WebinarAttendance,
    s: &'a Session,
    a: &'a Attendee,
    zone: &'a str,
) -> [Value<'a>; 21] {
    [
        Value::Text(&wa.webinar.subject),
        Value::Text(&wa.webinar.host),
        Value::Utc(Some(&s.start)),
        Value::Utc(Some(&s.end)),
        Value::Local(Some(&s.start)),
        Value::Int(s.scheduled_seconds),
        Value::Text(&a.name),
        Value::Text(a.email.as_deref().unwrap_or("")),
        Value::Word(a.kind.as_str()),
        Value::Text(&a.role),
        Value::Utc(a.first_join.as_deref()),
        Value::Utc(a.last_leave.as_deref()),
        Value::Local(a.first_join.as_deref()),
        Value::Local(a.last_leave.as_deref()),
        Value::Int(a.seconds.max(0)),
        Value::Duration(a.seconds),
        Value::Share(a.share),
        Value::Int(i64::from(a.joins)),
        Value::Word(status_str(a.status)),
        Value::Share(wa.threshold),
        Value::Text(zone),
    ]
}

/// A join/leave's row.
pub fn interval<'a>(
    wa: &'a WebinarAttendance,
    s: &'a Session,
    a: &'a Attendee,
    i: &'a Interval,
    zone: &'a str,
) -> [Value<'a>; 14] {
    [
        Value::Text(&wa.webinar.subject),
        Value::Text(&wa.webinar.host),
        Value::Utc(Some(&s.start)),
        Value::Text(&a.name),
        Value::Text(a.email.as_deref().unwrap_or("")),
        Value::Word(a.kind.as_str()),
        Value::Text(&a.role),
        Value::Utc(i.join.as_deref()),
        Value::Utc(i.leave.as_deref()),
        Value::Local(i.join.as_deref()),
        Value::Local(i.leave.as_deref()),
        Value::Int(i.seconds),
        Value::Duration(i.seconds),
        Value::Text(zone),
    ]
}
