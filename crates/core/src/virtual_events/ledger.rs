//! The registration ledger of one Teams webinar session: who registered against who came.
//! Records are joined to registrations exactly by `registrationId` where Graph gives it, else by
//! e-mail (case-insensitive), and each row says which; people who came without a registration are
//! walk-ins. Pure: no I/O.

use std::collections::HashMap;

use jiff::Timestamp;
use rollcall_graph::models::{AttendanceRecord, VirtualEventRegistration};
use serde::{Deserialize, Serialize};

use crate::attendance::{merge_intervals, Completion};

/// A registration's status (virtualEventAttendeeRegistrationStatus), or none for a walk-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum RegistrationStatus {
    Registered,
    Canceled,
    Waitlisted,
    PendingApproval,
    RejectedByOrganizer,
    /// A value newer than this build knows (Graph's evolvable enums).
    Other,
}

impl RegistrationStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "registered" => Self::Registered,
            "canceled" => Self::Canceled,
            "waitlisted" => Self::Waitlisted,
            "pendingApproval" => Self::PendingApproval,
            "rejectedByOrganizer" => Self::RejectedByOrganizer,
            _ => Self::Other,
        }
    }
    /// The word in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Canceled => "canceled",
            Self::Waitlisted => "waitlisted",
            Self::PendingApproval => "pendingApproval",
            Self::RejectedByOrganizer => "rejectedByOrganizer",
            Self::Other => "other",
        }
    }
}

/// Where a person stands in the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Standing {
    RegisteredAttended,
    RegisteredNoShow,
    /// Came without registering.
    WalkIn,
    /// Cancelled, and came anyway.
    CanceledAttended,
    Canceled,
    Waitlisted,
    Pending,
    Rejected,
    /// A status newer than this build knows.
    Other,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegisteredAttended => "registered_attended",
            Self::RegisteredNoShow => "registered_no_show",
            Self::WalkIn => "walk_in",
            Self::CanceledAttended => "canceled_attended",
            Self::Canceled => "canceled",
            Self::Waitlisted => "waitlisted",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::Other => "other",
        }
    }
}

/// How a record was matched to its registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum JoinedBy {
    /// `attendanceRecord.registrationId` named the registration.
    RegistrationId,
    /// No registration id; the same e-mail address.
    Email,
    /// Not matched (a walk-in, or a registrant who did not come).
    None,
}

impl JoinedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegistrationId => "registration_id",
            Self::Email => "email",
            Self::None => "",
        }
    }
}

/// One person of a session's ledger.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LedgerRow {
    pub name: String,
    pub email: Option<String>,
    pub registration_id: Option<String>,
    pub status: Option<RegistrationStatus>,
    /// RFC 3339 UTC.
    pub registered: Option<String>,
    pub canceled: Option<String>,
    pub attended: bool,
    /// Time in the session, overlapping intervals counted once.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub seconds: i64,
    /// Of the session's scheduled time.
    pub share: f64,
    /// Against the threshold; `NoShow` for who did not come.
    pub completion: Completion,
    pub standing: Standing,
    pub joined_by: JoinedBy,
}

/// Rows per standing, in the order the ledger lists them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LedgerCounts {
    pub registered_attended: u32,
    pub registered_no_show: u32,
    pub walk_in: u32,
    pub canceled_attended: u32,
    pub canceled: u32,
    pub waitlisted: u32,
    pub pending: u32,
    pub rejected: u32,
    pub other: u32,
    /// Of everyone who came, how many reached the threshold.
    pub completed: u32,
    /// Matched exactly by registration id, and by e-mail.
    pub by_registration_id: u32,
    pub by_email: u32,
}

impl LedgerCounts {
    pub fn of(rows: &[LedgerRow]) -> Self {
        let mut c = LedgerCounts::default();
        for r in rows {
            *match r.standing {
                Standing::RegisteredAttended => &mut c.registered_attended,
                Standing::RegisteredNoShow => &mut c.registered_no_show,
                Standing::WalkIn => &mut c.walk_in,
                Standing::CanceledAttended => &mut c.canceled_attended,
                Standing::Canceled => &mut c.canceled,
                Standing::Waitlisted => &mut c.waitlisted,
                Standing::Pending => &mut c.pending,
                Standing::Rejected => &mut c.rejected,
                Standing::Other => &mut c.other,
            } += 1;
            c.completed += u32::from(r.completion == Completion::Completed);
            match r.joined_by {
                JoinedBy::RegistrationId => c.by_registration_id += 1,
                JoinedBy::Email => c.by_email += 1,
                JoinedBy::None => {}
            }
        }
        c
    }
}

/// Join/leave pairs of one person.
type Spans = Vec<(Timestamp, Timestamp)>;

fn standing(status: Option<RegistrationStatus>, attended: bool) -> Standing {
    match (status, attended) {
        (None, _) => Standing::WalkIn,
        (Some(RegistrationStatus::Registered), true) => Standing::RegisteredAttended,
        (Some(RegistrationStatus::Registered), false) => Standing::RegisteredNoShow,
        (Some(RegistrationStatus::Canceled), true) => Standing::CanceledAttended,
        (Some(RegistrationStatus::Canceled), false) => Standing::Canceled,
        (Some(RegistrationStatus::Waitlisted), _) => Standing::Waitlisted,
        (Some(RegistrationStatus::PendingApproval), _) => Standing::Pending,
        (Some(RegistrationStatus::RejectedByOrganizer), _) => Standing::Rejected,
        (Some(RegistrationStatus::Other), _) => Standing::Other,
    }
}

fn name_of(r: &VirtualEventRegistration) -> String {
    let n = format!(
        "{} {}",
        r.first_name.as_deref().unwrap_or("").trim(),
        r.last_name.as_deref().unwrap_or("").trim()
    );
    let n = n.trim().to_string();
    if n.is_empty() {
        r.email.clone().unwrap_or_default()
    } else {
        n
    }
}

/// Graph writes registration instants without an offset (`2023-03-07T22:04:17`) or with one; both
/// are UTC (resources/virtualeventregistration.md). `None` when unreadable.
fn utc(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    s.parse::<Timestamp>()
        .or_else(|_| format!("{s}Z").parse::<Timestamp>())
        .ok()
        .map(|t| t.to_string())
}

/// The ledger of one session: every registration (in registration order) with what its person did,
/// then the walk-ins, longest attendance first. `scheduled_seconds` is the session's length.
pub fn ledger(
    registrations: &[VirtualEventRegistration],
    records: &[AttendanceRecord],
    scheduled_seconds: i64,
    threshold: f64,
) -> Vec<LedgerRow> {
    let by_id: HashMap<&str, usize> = registrations
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let by_email: HashMap<String, usize> = registrations
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.email.as_deref()?.trim().to_lowercase(), i)))
        .collect();
    // Per registration: the intervals of every record matched to it (two devices add up once).
    let mut matched: Vec<Option<(Spans, JoinedBy)>> = vec![None; registrations.len()];
    let mut walk_ins: Vec<(String, Option<String>, Spans)> = Vec::new();
    for rec in records {
        let pairs: Vec<(Timestamp, Timestamp)> = rec
            .attendance_intervals
            .iter()
            .filter_map(|i| Some((i.join_date_time?, i.leave_date_time?)))
            .collect();
        let email = rec
            .email_address
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let hit = rec
            .registration_id
            .as_deref()
            .and_then(|id| by_id.get(id))
            .map(|i| (*i, JoinedBy::RegistrationId))
            .or_else(|| {
                email
                    .and_then(|e| by_email.get(&e.to_lowercase()))
                    .map(|i| (*i, JoinedBy::Email))
            });
        match hit {
            Some((i, how)) => {
                let slot = matched[i].get_or_insert_with(|| (Vec::new(), how));
                slot.0.extend(pairs);
                // An exact match anywhere makes the row exact.
                if how == JoinedBy::RegistrationId {
                    slot.1 = how;
                }
            }
            None => {
                let name = rec
                    .identity
                    .as_ref()
                    .and_then(|i| i.display_name.clone())
                    .unwrap_or_default();
                walk_ins.push((name, email.map(str::to_string), pairs));
            }
        }
    }
    let row = |name: String,
               email: Option<String>,
               reg: Option<&VirtualEventRegistration>,
               pairs: Option<&[(Timestamp, Timestamp)]>,
               joined_by: JoinedBy| {
        let attended = pairs.is_some();
        let (seconds, _, _) = merge_intervals(pairs.unwrap_or(&[]));
        let share = if scheduled_seconds > 0 {
            seconds as f64 / scheduled_seconds as f64
        } else {
            0.0
        };
        let status = reg.map(|r| RegistrationStatus::parse(r.status.as_deref().unwrap_or("")));
        LedgerRow {
            name,
            email,
            registration_id: reg.map(|r| r.id.clone()),
            status,
            registered: reg.and_then(|r| utc(r.registration_date_time.as_deref())),
            canceled: reg.and_then(|r| utc(r.cancelation_date_time.as_deref())),
            attended,
            seconds,
            share,
            completion: if !attended {
                Completion::NoShow
            } else if share >= threshold {
                Completion::Completed
            } else {
                Completion::Partial
            },
            standing: standing(status, attended),
            joined_by,
        }
    };
    let mut rows: Vec<LedgerRow> = registrations
        .iter()
        .zip(&matched)
        .map(|(r, m)| {
            row(
                name_of(r),
                r.email.clone(),
                Some(r),
                m.as_ref().map(|(p, _)| p.as_slice()),
                m.as_ref().map_or(JoinedBy::None, |(_, how)| *how),
            )
        })
        .collect();
    let mut walk: Vec<LedgerRow> = walk_ins
        .iter()
        .map(|(name, email, pairs)| {
            row(
                name.clone(),
                email.clone(),
                None,
                Some(pairs),
                JoinedBy::None,
            )
        })
        .collect();
    walk.sort_by(|a, b| b.seconds.cmp(&a.seconds).then_with(|| a.name.cmp(&b.name)));
    rows.extend(walk);
    rows
}

/// Completion again at another threshold (an archived ledger read with today's setting).
pub fn rethreshold(rows: &mut [LedgerRow], threshold: f64) {
    for r in rows.iter_mut().filter(|r| r.attended) {
        r.completion = if r.share >= threshold {
            Completion::Completed
        } else {
            Completion::Partial
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_graph::models::AttendanceInterval;

    fn reg(id: &str, email: &str, status: &str) -> VirtualEventRegistration {
        serde_json::from_value(serde_json::json!({
            "id": id, "email": email, "firstName": id, "lastName": "X", "status": status,
            "registrationDateTime": "2026-03-01T10:00:00", "cancelationDateTime": if status == "canceled" { serde_json::json!("2026-03-02T10:00:00Z") } else { serde_json::Value::Null },
        }))
        .unwrap()
    }

    fn rec(email: Option<&str>, registration: Option<&str>, minutes: i64) -> AttendanceRecord {
        let start: Timestamp = "2026-03-10T10:00:00Z".parse().unwrap();
        let mut r: AttendanceRecord = serde_json::from_value(serde_json::json!({
            "emailAddress": email, "role": "Attendee", "registrationId": registration,
            "identity": {"displayName": email.unwrap_or("Phone")},
        }))
        .unwrap();
        r.attendance_intervals = vec![AttendanceInterval {
            join_date_time: Some(start),
            leave_date_time: Some(start + jiff::SignedDuration::from_mins(minutes)),
            duration_in_seconds: None,
        }];
        r
    }

    #[test]
    fn every_standing_and_both_joins() {
        let regs = [
            reg("a", "ann@x.example", "registered"),
            reg("b", "Bob@X.example", "registered"),
            reg("c", "cy@x.example", "registered"),
            reg("d", "di@x.example", "canceled"),
            reg("e", "ed@x.example", "canceled"),
            reg("f", "fay@x.example", "waitlisted"),
            reg("g", "gus@x.example", "pendingApproval"),
            reg("h", "hal@x.example", "rejectedByOrganizer"),
            reg("i", "ida@x.example", "somethingNew"),
        ];
        let recs = [
            rec(Some("ann@x.example"), Some("a"), 55),
            // Bob joined by the calendar link: no registration id, his e-mail in another case.
            rec(Some("bob@x.example"), None, 20),
            // Di cancelled and came anyway, on two devices; one carries her registration.
            rec(Some("di@x.example"), Some("d"), 30),
            rec(Some("di@x.example"), None, 40),
            // A record naming a registration id that is not Ann's address still joins exactly.
            rec(Some("someone.else@x.example"), Some("c"), 10),
            rec(Some("walk.in@y.example"), None, 60),
            rec(None, None, 5),
        ];
        let rows = ledger(&regs, &recs, 3600, 0.8);
        let by = |id: &str| {
            rows.iter()
                .find(|r| r.registration_id.as_deref() == Some(id))
                .unwrap()
        };
        assert_eq!(by("a").standing, Standing::RegisteredAttended);
        assert_eq!(by("a").joined_by, JoinedBy::RegistrationId);
        assert_eq!(by("b").joined_by, JoinedBy::Email);
        assert_eq!(by("b").completion, Completion::Partial);
        assert_eq!(by("c").joined_by, JoinedBy::RegistrationId);
        assert_eq!(by("d").standing, Standing::CanceledAttended);
        assert_eq!(by("d").seconds, 40 * 60, "two devices counted once");
        assert_eq!(by("d").joined_by, JoinedBy::RegistrationId);
        assert_eq!(by("d").canceled.as_deref(), Some("2026-03-02T10:00:00Z"));
        assert_eq!(by("a").registered.as_deref(), Some("2026-03-01T10:00:00Z"));
        assert_eq!(by("e").standing, Standing::Canceled);
        assert_eq!(by("f").standing, Standing::Waitlisted);
        assert_eq!(by("g").standing, Standing::Pending);
        assert_eq!(by("h").standing, Standing::Rejected);
        assert_eq!(by("i").standing, Standing::Other);
        let walk: Vec<&LedgerRow> = rows
            .iter()
            .filter(|r| r.standing == Standing::WalkIn)
            .collect();
        assert_eq!(walk.len(), 2);
        assert_eq!(
            walk[0].email.as_deref(),
            Some("walk.in@y.example"),
            "longest first"
        );
        assert_eq!(walk[0].completion, Completion::Completed);
        let c = LedgerCounts::of(&rows);
        assert_eq!(
            (
                c.registered_attended,
                c.registered_no_show,
                c.walk_in,
                c.canceled_attended,
                c.canceled,
                c.waitlisted,
                c.pending,
                c.rejected,
                c.other
            ),
            (3, 0, 2, 1, 1, 1, 1, 1, 1)
        );
        assert_eq!((c.by_registration_id, c.by_email), (3, 1));
        assert_eq!(c.completed, 2);
        let none = ledger(&regs[..1], &[], 3600, 0.8);
        assert_eq!(none[0].standing, Standing::RegisteredNoShow);
        assert_eq!(none[0].completion, Completion::NoShow);
    }
}
