//! Late reports: when Teams produced a session's report relative to the LMS's polling window, and
//! the credits the LMS therefore missed.
//!
//! LMS Collaborator asks Teams for participants every 5 minutes for one hour after a webinar ends;
//! a report that appears later is never credited there. Graph does not say when a report was made,
//! so Rollcall judges from what it saw itself: when it first saw the report (`first_seen`) and the
//! last time it looked and the report was not there yet (`absent_at`).
//!
//! - **late**: Rollcall looked after the window closed and the report was not there — the LMS
//!   cannot have seen it.
//! - **possibly late**: first seen after the window closed, with no look inside the window to tell
//!   (the nightly job's usual case): worth a check in the LMS.
//! - **on time**: seen before the window closed.
//!
//! Owns the verdict and the "Credits the LMS missed" list; does not store anything (the archive
//! records what was seen when) or draw anything.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Completion, Session, WebinarAttendance};

/// The LMS's polling window after a webinar ends, when a profile does not say.
pub const DEFAULT_LMS_WINDOW_MINUTES: u32 = 60;
/// How long after the end Rollcall keeps checking for reports, when a profile does not say.
pub const DEFAULT_RECHECK_HOURS: u32 = 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Lateness {
    OnTime,
    PossiblyLate,
    Late,
}

/// When Rollcall saw a session's report (absent from archives older than this release).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Arrival {
    /// RFC 3339 UTC.
    pub first_seen: String,
    /// The last look that found no report for this session, before it was first seen.
    pub absent_at: Option<String>,
    pub verdict: Lateness,
}

impl Arrival {
    /// Judge against the LMS's window after the session's `end`.
    pub fn new(
        first_seen: String,
        absent_at: Option<String>,
        end: &str,
        window_minutes: u32,
    ) -> Self {
        let verdict = judge(&first_seen, absent_at.as_deref(), end, window_minutes);
        Arrival {
            first_seen,
            absent_at,
            verdict,
        }
    }
}

/// The verdict for one report; unreadable instants count as on time (nothing is claimed).
pub fn judge(
    first_seen: &str,
    absent_at: Option<&str>,
    end: &str,
    window_minutes: u32,
) -> Lateness {
    let (Ok(end), Ok(seen)) = (end.parse::<Timestamp>(), first_seen.parse::<Timestamp>()) else {
        return Lateness::OnTime;
    };
    let Some(closes) = end
        .checked_add(SignedDuration::from_mins(i64::from(window_minutes)))
        .ok()
    else {
        return Lateness::OnTime;
    };
    if absent_at
        .and_then(|a| a.parse::<Timestamp>().ok())
        .is_some_and(|a| a > closes)
    {
        Lateness::Late
    } else if seen > closes {
        Lateness::PossiblyLate
    } else {
        Lateness::OnTime
    }
}

/// Judge every session again with a profile's window (the archive judges with the default).
pub fn rejudge(sessions: &mut [Session], window_minutes: u32) {
    for s in sessions {
        if let Some(a) = &mut s.arrival {
            a.verdict = judge(
                &a.first_seen,
                a.absent_at.as_deref(),
                &s.end,
                window_minutes,
            );
        }
    }
}

/// One attendee the LMS did not credit: they reached the completion threshold in a late report.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MissedCredit {
    pub webinar: String,
    pub host: String,
    /// The session (RFC 3339 UTC).
    pub session_start: String,
    pub session_end: String,
    pub report_first_seen: String,
    pub verdict: Lateness,
    pub name: String,
    pub email: Option<String>,
    /// Attended share of the scheduled time, 0–1.
    pub share: f64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub seconds: i64,
}

/// The credits the LMS missed in these webinars: completed attendees of late (and, when
/// `possibly` is set, possibly late) sessions, by session then name.
pub fn missed_credits(list: &[WebinarAttendance], possibly: bool) -> Vec<MissedCredit> {
    let mut out = Vec::new();
    for wa in list {
        for s in &wa.sessions {
            let Some(a) = &s.arrival else { continue };
            let counts = match a.verdict {
                Lateness::Late => true,
                Lateness::PossiblyLate => possibly,
                Lateness::OnTime => false,
            };
            if !counts {
                continue;
            }
            let mut people: Vec<&super::Attendee> = s
                .attendees
                .iter()
                .filter(|p| p.status == Completion::Completed)
                .collect();
            people.sort_by_key(|p| p.name.to_lowercase());
            for p in people {
                out.push(MissedCredit {
                    webinar: wa.webinar.subject.clone(),
                    host: wa.webinar.host.clone(),
                    session_start: s.start.clone(),
                    session_end: s.end.clone(),
                    report_first_seen: a.first_seen.clone(),
                    verdict: a.verdict,
                    name: p.name.clone(),
                    email: p.email.clone(),
                    share: p.share,
                    seconds: p.seconds,
                });
            }
        }
    }
    out.sort_by(|x, y| {
        (x.session_start.as_str(), x.webinar.as_str())
            .cmp(&(y.session_start.as_str(), y.webinar.as_str()))
    });
    out
}

/// The columns of the "Credits the LMS missed" export, in order.
pub const HEADER: [&str; 11] = [
    "webinar",
    "host",
    "session_start_utc",
    "session_start_local",
    "name",
    "email",
    "seconds",
    "duration",
    "share_percent",
    "report_first_seen_utc",
    "report",
];

impl Lateness {
    pub fn as_str(self) -> &'static str {
        match self {
            Lateness::OnTime => "on time",
            Lateness::PossiblyLate => "possibly late",
            Lateness::Late => "late",
        }
    }
}

/// Write the missed credits as CSV, or a workbook when `path` ends in `.xlsx`; the rows written.
pub fn export(
    path: &std::path::Path,
    credits: &[MissedCredit],
    time_zone: &str,
) -> Result<usize, crate::error::CoreError> {
    use super::table::{self, Col, Table};
    let cells = super::export::Cells::new(&super::export::CsvOptions::excel(time_zone))?;
    let rows: Vec<Vec<String>> = credits
        .iter()
        .map(|c| {
            vec![
                c.webinar.clone(),
                c.host.clone(),
                c.session_start.clone(),
                cells.local(Some(&c.session_start)),
                c.name.clone(),
                c.email.clone().unwrap_or_default(),
                c.seconds.to_string(),
                super::export::hms(c.seconds),
                format!("{:.1}", (c.share * 1000.0).round() / 10.0),
                c.report_first_seen.clone(),
                c.verdict.as_str().to_string(),
            ]
        })
        .collect();
    table::write(
        path,
        &Table {
            sheet: "Credits the LMS missed",
            header: &HEADER,
            cols: &[
                Col::Text,
                Col::Text,
                Col::Utc,
                Col::LocalOf(2),
                Col::Text,
                Col::Text,
                Col::Number,
                Col::DurationOf(6),
                Col::Percent,
                Col::Utc,
                Col::Text,
            ],
            widths: &[(0, 32.0), (4, 24.0), (5, 30.0)],
        },
        &rows,
        &cells,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const END: &str = "2026-03-02T10:00:00Z";

    #[test]
    fn a_report_absent_after_the_window_closed_is_late() {
        assert_eq!(
            judge(
                "2026-03-02T14:00:00Z",
                Some("2026-03-02T11:30:00Z"),
                END,
                60
            ),
            Lateness::Late
        );
        // Absent only inside the window, first seen after it: cannot tell.
        assert_eq!(
            judge(
                "2026-03-02T14:00:00Z",
                Some("2026-03-02T10:30:00Z"),
                END,
                60
            ),
            Lateness::PossiblyLate
        );
        assert_eq!(
            judge("2026-03-03T02:00:00Z", None, END, 60),
            Lateness::PossiblyLate
        );
        assert_eq!(
            judge("2026-03-02T10:40:00Z", None, END, 60),
            Lateness::OnTime
        );
        // A longer window (a profile's own) makes the same look on time.
        assert_eq!(
            judge(
                "2026-03-02T14:00:00Z",
                Some("2026-03-02T11:30:00Z"),
                END,
                300
            ),
            Lateness::OnTime
        );
        assert_eq!(judge("garbage", None, END, 60), Lateness::OnTime);
    }
}
