//! Attendance of a webinar: its online meeting (resolved by join URL in the organizer's mailbox),
//! one session per attendance report, every record of each (all pages), intervals merged before
//! totals, share of the scheduled time, completion against a threshold, and roster matching.
//!
//! "No report yet" and "not available" are states with an explanation, not errors. Rendering and
//! export live beside it ([`export`], and [`import`] of the Teams download) and in the UI; this file
//! only computes.

pub mod export;
mod fetch;
pub mod import;
pub mod late;
pub mod pictures;
pub mod report;
pub mod roster;
pub mod rows;
pub mod table;
pub mod xlsx;

#[cfg(test)]
use fetch::no_report;
pub use fetch::{
    all_hosts_failed, for_range, for_webinar, home_of, is_channel_meeting, select_session,
    RangeAttendance, MEETINGS_IN_FLIGHT,
};
pub use roster::{match_roster, parse_roster, RosterEntry, RosterMatch, Unmatched};

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use rollcall_graph::models::{AttendanceInterval, AttendanceRecord, AttendanceReport};
use rollcall_graph::{GraphError, Request};
use serde::{Deserialize, Serialize};

use crate::directory::{find_mailbox, meeting_by_join_url, segment, Mailbox};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::webinars::{Webinar, WebinarState};

/// Write `data` to `path` as `how` says (whole or not at all): a CSV at one level
/// ([`export`]) or the workbook with every level ([`xlsx`]); the rows of the CSV's level, or of
/// the workbook's Attendees sheet. Here, so that neither writer depends on the other.
pub fn write_file(
    path: &std::path::Path,
    data: &[WebinarAttendance],
    how: &export::ExportAs<'_>,
) -> Result<usize, CoreError> {
    match how.format {
        export::Format::Csv => export::export_to_file(path, data, how.level, how.options),
        export::Format::Xlsx => xlsx::export_xlsx(path, data, &how.options.time_zone),
    }
}

/// Default completion threshold: 80 % of the scheduled duration.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// Graph lists at most this many reports per meeting.
pub const REPORT_CAP: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ParticipantKind {
    /// A user of the tenant.
    Member,
    /// From another tenant (B2B guest or federated).
    Guest,
    /// Joined without signing in.
    Anonymous,
    /// Dialled in by phone.
    Phone,
    /// Signed in, but nothing reliable says from where: Graph's records carry `tenantId: null`
    /// even for members (api-reference/v1.0/api/attendancerecord-list.md examples) and this one
    /// has no e-mail to go by.
    Unknown,
}

impl ParticipantKind {
    /// The word in exports and the archive.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::Member => "member",
            ParticipantKind::Guest => "guest",
            ParticipantKind::Anonymous => "anonymous",
            ParticipantKind::Phone => "phone",
            ParticipantKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> ParticipantKind {
        match s {
            "guest" => ParticipantKind::Guest,
            "anonymous" => ParticipantKind::Anonymous,
            "phone" => ParticipantKind::Phone,
            "unknown" => ParticipantKind::Unknown,
            _ => ParticipantKind::Member,
        }
    }
}

/// Who "we" are when telling members from guests: the home tenant and its e-mail domains.
#[derive(Clone, Debug, Default)]
pub struct Home {
    pub tenant: String,
    /// Lower-case domains of the tenant (verified domains, else the hosts' mail and UPN domains).
    pub domains: Vec<String>,
}

impl Home {
    /// The e-mail's domain (after the last `@`) is one of ours or a sub-domain of one.
    pub fn owns(&self, email: &str) -> bool {
        let Some((_, domain)) = email.trim().rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_ascii_lowercase();
        self.domains
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Completion {
    Completed,
    Partial,
    NoShow,
    /// Teams gave no join/leave times or durations for anyone (the meeting policy's "Attendance
    /// summary" hides them): present, but how long is not known.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    /// RFC 3339 UTC; `None` when Teams has no join/leave data (e.g. some dial-ins).
    pub join: Option<String>,
    pub leave: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub seconds: i64,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    /// Stable within a meeting: the Entra object id, else the e-mail, else the display name.
    pub key: String,
    pub name: String,
    pub email: Option<String>,
    pub kind: ParticipantKind,
    pub role: String,
    pub first_join: Option<String>,
    pub last_leave: Option<String>,
    /// Time in the meeting after overlapping intervals are merged.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub seconds: i64,
    /// `totalAttendanceInSeconds` as Teams reported it (may double-count overlaps).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub reported_seconds: i64,
    /// `seconds` / scheduled duration (can exceed 1 when someone stays longer).
    pub share: f64,
    pub joins: u32,
    pub intervals: Vec<Interval>,
    pub status: Completion,
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub completed: u32,
    pub partial: u32,
    pub no_show: u32,
    /// Present, time not known ([`Completion::Unknown`]).
    pub unknown: u32,
}

impl Counts {
    /// Completed / partial / no-show over a session's attendees.
    pub fn of(attendees: &[Attendee]) -> Counts {
        let mut c = Counts::default();
        for a in attendees {
            match a.status {
                Completion::Completed => c.completed += 1,
                Completion::Partial => c.partial += 1,
                Completion::NoShow => c.no_show += 1,
                Completion::Unknown => c.unknown += 1,
            }
        }
        c
    }
}

/// One session: one attendance report.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub report_id: String,
    /// When the meeting actually ran (from the report), RFC 3339 UTC.
    pub start: String,
    pub end: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub scheduled_seconds: i64,
    pub participant_count: u32,
    pub attendees: Vec<Attendee>,
    pub counts: Counts,
    /// When Rollcall saw the report, and whether it came after the LMS stopped polling
    /// ([`late`]); none for reports read live or archived before this was recorded.
    pub arrival: Option<late::Arrival>,
    /// Teams listed who attended but no join/leave times or durations for anyone: the
    /// organizer's Teams meeting policy hides them ("Attendance summary": MicrosoftDocs/
    /// OfficeDocs-SkypeForBusiness#10166). Completion is then unknown, not 0 %.
    #[serde(default)]
    pub times_hidden: bool,
}

/// What a curator is told about a session whose times Teams hid.
pub const TIMES_HIDDEN_NOTE: &str = "Teams listed who attended this session but gave no join or leave times: the organizer's Teams meeting policy hides them (Teams admin center → Meetings → Meeting policies → \"Attendance summary\": set \"Show everything\"). Completion cannot be computed, so it is shown as unknown, not as 0 %.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Availability {
    Ready,
    /// Not ended yet, or Teams has not produced the report yet.
    NoReportYet,
    /// Not available from Graph (retention, policy, not the organizer, channel meeting…).
    NotAvailable,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WebinarAttendance {
    pub webinar: Webinar,
    pub meeting_id: Option<String>,
    /// All sessions of the online meeting (a series has one per occurrence), oldest first.
    pub sessions: Vec<Session>,
    /// The session that belongs to the chosen occurrence, when one does.
    pub selected: Option<u32>,
    pub availability: Availability,
    /// Why there is nothing, or a caveat (e.g. only the newest 50 sessions), in the user's words.
    pub note: Option<String>,
    pub threshold: f64,
}

/// Merge overlapping or touching intervals; return (merged seconds, first join, last leave).
pub fn merge_intervals(
    intervals: &[(Timestamp, Timestamp)],
) -> (i64, Option<Timestamp>, Option<Timestamp>) {
    let mut v: Vec<(Timestamp, Timestamp)> =
        intervals.iter().copied().filter(|(a, b)| b >= a).collect();
    v.sort();
    let (mut total, mut cur): (i64, Option<(Timestamp, Timestamp)>) = (0, None);
    for (a, b) in v.iter().copied() {
        cur = match cur {
            Some((s, e)) if a <= e => Some((s, e.max(b))),
            Some((s, e)) => {
                total += e.duration_since(s).as_secs();
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((s, e)) = cur {
        total += e.duration_since(s).as_secs();
    }
    (total, v.first().map(|x| x.0), v.iter().map(|x| x.1).max())
}

/// Member or guest from what is reliable: the e-mail's domain against the tenant's, then the
/// identity's tenant when Graph fills it in; "unknown" when neither says.
fn classify(r: &AttendanceRecord, home: &Home) -> ParticipantKind {
    let email = r.email_address.as_deref().unwrap_or("").trim();
    let name = r
        .identity
        .as_ref()
        .and_then(|i| i.display_name.as_deref())
        .unwrap_or("");
    let tenant = r.identity.as_ref().and_then(|i| i.tenant_id.as_deref());
    // The identity's type says what kind of participant this is (attendancerecord.md: a
    // communicationsUserIdentity or an azureCommunicationServicesUserIdentity). An empty e-mail
    // alone is no dial-in: ACS users and, in 2021, ordinary attendees came back with ""
    // (microsoftgraph/microsoft-graph-docs#13629).
    let kind = r
        .identity
        .as_ref()
        .and_then(|i| i.odata_type.as_deref())
        .unwrap_or_default();
    if kind.ends_with("azureCommunicationServicesUserIdentity") {
        // Joined through an Azure Communication Services app: not signed in to any tenant.
        return ParticipantKind::Anonymous;
    }
    let looks_like_phone = name.trim_start().starts_with('+')
        && name.chars().filter(char::is_ascii_digit).count() >= 6;
    if email.is_empty() && looks_like_phone {
        return ParticipantKind::Phone;
    }
    if !email.is_empty() {
        if home.owns(email) || tenant.is_some_and(|t| t.eq_ignore_ascii_case(&home.tenant)) {
            return ParticipantKind::Member;
        }
        return ParticipantKind::Guest;
    }
    match tenant {
        Some(t) if t.eq_ignore_ascii_case(&home.tenant) => ParticipantKind::Member,
        Some(_) => ParticipantKind::Guest,
        // Teams marks people who joined without signing in "(Unverified)".
        None if name.trim_end().ends_with("(Unverified)") => ParticipantKind::Anonymous,
        None => ParticipantKind::Unknown,
    }
}

fn status_of(share: f64, threshold: f64) -> Completion {
    if share >= threshold {
        Completion::Completed
    } else {
        Completion::Partial
    }
}

/// Whether Teams hid everyone's times (nobody has a merged or reported second: the meeting
/// policy's "Attendance summary", not a session everyone left at once; microsoft-graph-docs-contrib
/// #8572 reports null join/leave times too); if so every status becomes [`Completion::Unknown`].
/// One rule for live reports, the archive and imports.
pub fn hide_unknown_times(attendees: &mut [Attendee]) -> bool {
    let hidden = !attendees.is_empty()
        && attendees
            .iter()
            .all(|a| a.seconds == 0 && a.reported_seconds == 0);
    if hidden {
        for a in attendees.iter_mut() {
            a.status = Completion::Unknown;
        }
    }
    hidden
}

/// Turn one report's records into a session.
pub fn session_of(
    report: &AttendanceReport,
    records: &[AttendanceRecord],
    scheduled_seconds: i64,
    home: &Home,
    threshold: f64,
) -> Session {
    let mut attendees: Vec<Attendee> = records
        .iter()
        .map(|r| {
            let pairs: Vec<(Timestamp, Timestamp)> = r
                .attendance_intervals
                .iter()
                .filter_map(|i: &AttendanceInterval| Some((i.join_date_time?, i.leave_date_time?)))
                .collect();
            let (seconds, first, last) = merge_intervals(&pairs);
            let share = if scheduled_seconds > 0 {
                seconds as f64 / scheduled_seconds as f64
            } else {
                0.0
            };
            let name = r
                .identity
                .as_ref()
                .and_then(|i| i.display_name.clone())
                .unwrap_or_default();
            let email = r.email_address.clone().filter(|e| !e.trim().is_empty());
            let key = r
                .identity
                .as_ref()
                .and_then(|i| i.id.clone())
                .or_else(|| r.id.clone())
                .or_else(|| email.clone())
                .unwrap_or_else(|| name.clone());
            Attendee {
                key,
                name,
                email,
                kind: classify(r, home),
                role: r.role.as_str().to_string(),
                first_join: first.map(|t| t.to_string()),
                last_leave: last.map(|t| t.to_string()),
                seconds,
                reported_seconds: r.total_attendance_in_seconds.unwrap_or(0),
                share,
                joins: r
                    .attendance_intervals
                    .iter()
                    .filter(|i| i.join_date_time.is_some())
                    .count() as u32,
                intervals: r
                    .attendance_intervals
                    .iter()
                    .map(|i| Interval {
                        join: i.join_date_time.map(|t| t.to_string()),
                        leave: i.leave_date_time.map(|t| t.to_string()),
                        seconds: match (i.join_date_time, i.leave_date_time) {
                            (Some(a), Some(b)) if b >= a => b.duration_since(a).as_secs(),
                            _ => 0,
                        },
                    })
                    .collect(),
                status: status_of(share, threshold),
            }
        })
        .collect();
    let times_hidden = hide_unknown_times(&mut attendees);
    attendees.sort_by(|a, b| b.seconds.cmp(&a.seconds).then_with(|| a.name.cmp(&b.name)));
    let counts = Counts::of(&attendees);
    Session {
        report_id: report.id.clone(),
        start: report
            .meeting_start_date_time
            .map(|t| t.to_string())
            .unwrap_or_default(),
        end: report
            .meeting_end_date_time
            .map(|t| t.to_string())
            .unwrap_or_default(),
        scheduled_seconds,
        participant_count: attendees.len() as u32,
        attendees,
        counts,
        arrival: None,
        times_hidden,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_identitys_type_not_an_empty_email_decides_the_kind() {
        let home = super::Home {
            tenant: "t1".into(),
            domains: vec!["northwind.example".into()],
        };
        let record = |v: serde_json::Value| -> rollcall_graph::models::AttendanceRecord {
            serde_json::from_value(v).unwrap()
        };
        let kind = |v| super::classify(&record(v), &home);
        let user = "#microsoft.graph.communicationsUserIdentity";
        let acs = "#microsoft.graph.azureCommunicationServicesUserIdentity";
        assert_eq!(
            kind(
                serde_json::json!({"emailAddress": "", "identity": {"@odata.type": acs, "id": "8:acs:1", "displayName": "Kiosk"}})
            ),
            super::ParticipantKind::Anonymous
        );
        assert_eq!(
            kind(
                serde_json::json!({"emailAddress": "", "identity": {"@odata.type": user, "displayName": "Ann Lee", "tenantId": "t1"}})
            ),
            super::ParticipantKind::Member
        );
        assert_eq!(
            kind(
                serde_json::json!({"emailAddress": "", "identity": {"@odata.type": user, "displayName": "Ann Lee", "tenantId": null}})
            ),
            super::ParticipantKind::Unknown
        );
        assert_eq!(
            kind(
                serde_json::json!({"emailAddress": "", "identity": {"@odata.type": user, "displayName": "+1 425 555 0100"}})
            ),
            super::ParticipantKind::Phone
        );
        assert_eq!(
            kind(
                serde_json::json!({"emailAddress": "ann@northwind.example", "identity": {"@odata.type": user, "displayName": "Ann"}})
            ),
            super::ParticipantKind::Member
        );
    }

    #[test]
    fn no_report_yet_says_how_long_since_the_scheduled_end() {
        use jiff::{SignedDuration, Timestamp};
        let end = Timestamp::from_second(1_900_000_000).unwrap();
        let (a, why) = super::no_report(
            crate::webinars::WebinarState::Ended,
            Some(end),
            end + SignedDuration::from_mins(130),
        );
        assert_eq!(a, super::Availability::NoReportYet);
        assert!(why.contains("2 h 10 min ago"), "{why}");
        let (_, why) = super::no_report(
            crate::webinars::WebinarState::Ended,
            Some(end),
            end + SignedDuration::from_mins(5),
        );
        assert!(
            why.contains("5 min ago") && !why.contains("nobody"),
            "{why}"
        );
    }

    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn overlapping_intervals_are_merged_before_totals() {
        let (secs, first, last) = merge_intervals(&[
            (t("2026-01-01T10:00:00Z"), t("2026-01-01T10:30:00Z")),
            (t("2026-01-01T10:20:00Z"), t("2026-01-01T10:40:00Z")),
            (t("2026-01-01T10:40:00Z"), t("2026-01-01T10:50:00Z")),
            (t("2026-01-01T11:00:00Z"), t("2026-01-01T11:05:00Z")),
        ]);
        assert_eq!(secs, 55 * 60);
        assert_eq!(first, Some(t("2026-01-01T10:00:00Z")));
        assert_eq!(last, Some(t("2026-01-01T11:05:00Z")));
        assert_eq!(merge_intervals(&[]).0, 0);
    }

    #[test]
    fn roster_parsing_and_matching() {
        let roster =
            parse_roster("\u{feff}Name;E-mail\nAnn Lee;ANN@x.example\nBob Ray;bob@x.example\n;\n")
                .unwrap();
        assert_eq!(roster.len(), 2);
        assert_eq!(roster[0].name.as_deref(), Some("Ann Lee"));
        assert!(parse_roster("Name\nAnn")
            .unwrap_err()
            .message
            .contains("no e-mail column"));
        assert!(parse_roster("email\nnot-an-email")
            .unwrap_err()
            .message
            .contains("Line 2"));
        let att = |key: &str, name: &str, email: Option<&str>| Attendee {
            key: key.into(),
            name: name.into(),
            email: email.map(str::to_string),
            kind: ParticipantKind::Member,
            role: "Attendee".into(),
            first_join: None,
            last_leave: None,
            seconds: 0,
            reported_seconds: 0,
            share: 0.0,
            joins: 1,
            intervals: vec![],
            status: Completion::Partial,
        };
        let people = [
            att("1", "Ann Lee", Some("ann@x.example")),
            att("2", "Robert Ray (phone)", None),
        ];
        let m = match_roster(&people, &roster, &HashMap::new());
        assert_eq!(
            m.matched,
            vec![("ANN@x.example".to_string(), "1".to_string())]
        );
        assert_eq!(m.unmatched[0].suggestions, ["bob@x.example"]);
        assert_eq!(m.no_shows.len(), 1);
        let manual = HashMap::from([("2".to_string(), "bob@x.example".to_string())]);
        let m = match_roster(&people, &roster, &manual);
        assert!(m.no_shows.is_empty() && m.unmatched.is_empty());
    }
}
