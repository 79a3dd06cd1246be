//! Typed Graph resources, lenient on purpose: unknown fields are ignored, enums are read
//! case-insensitively with an `Unknown` variant, timestamps take any number of fractional digits,
//! and nullable fields stay `Option`.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// Declare an enum read case-insensitively, keeping unknown values instead of failing.
macro_rules! lenient_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* Unknown(String) }
        impl $name {
            pub fn parse(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) { return $name::$variant; })*
                $name::Unknown(s.to_string())
            }
            /// The canonical spelling (an unknown value as received).
            pub fn as_str(&self) -> &str {
                match self { $($name::$variant => $text,)* $name::Unknown(s) => s }
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Option::<String>::deserialize(d)?.unwrap_or_default();
                Ok($name::parse(&s))
            }
        }
    };
}

lenient_enum!(
    /// `attendanceRecord.role` (PascalCase on the wire).
    AttendanceRole { None = "None", Attendee = "Attendee", Presenter = "Presenter", Organizer = "Organizer" }
);
lenient_enum!(
    /// `event.type`.
    EventType { SingleInstance = "singleInstance", Occurrence = "occurrence", Exception = "exception", SeriesMaster = "seriesMaster" }
);
lenient_enum!(
    /// `event.onlineMeetingProvider`.
    MeetingProvider { TeamsForBusiness = "teamsForBusiness", SkypeForBusiness = "skypeForBusiness", SkypeForConsumer = "skypeForConsumer", Unspecified = "unknown" }
);
lenient_enum!(
    /// `servicePlanInfo.provisioningStatus`.
    ProvisioningStatus { Success = "Success", Disabled = "Disabled", Error = "Error", PendingInput = "PendingInput", PendingActivation = "PendingActivation", PendingProvisioning = "PendingProvisioning" }
);

/// The Teams service plan id (`TEAMS1`).
pub const TEAMS1_PLAN: &str = "57ff2da0-773e-42df-b2af-ffb7a2317929";

/// Every service plan that makes a user a Teams user, by cloud: commercial, GCC, GCC High, DoD
/// (MicrosoftDocs/azure-docs: articles/communication-services/quickstarts/eligible-teams-licenses.md).
pub const TEAMS_PLANS: &[(&str, &str)] = &[
    ("TEAMS1", TEAMS1_PLAN),
    ("TEAMS_GOV", "304767db-7d23-49e8-a945-4a7eb65f9f28"),
    ("TEAMS_GCCHIGH", "495922d5-f138-498b-8967-4acdcdfb2a74"),
    ("TEAMS_AR_GCCHIGH", "9953b155-8aef-4c56-92f3-72b0487fce41"),
    ("TEAMS_DOD", "ec0dd2de-a877-4059-a9b8-5838b5629b2a"),
    ("TEAMS_AR_DOD", "fd500458-c24c-478e-856c-a6067a8376cd"),
];

/// Service plans that give a user OneDrive for Business, the LMS article's other licence need
/// (recordings and files of a meeting go to the organizer's OneDrive): OneDrive's own plans and
/// the SharePoint Online plans OneDrive comes with, as MicrosoftDocs/entra-docs
/// docs/identity/users/licensing-service-plan-reference.md names them. "Office for the web"
/// (`SHAREPOINTWAC*`) also reports the service `SharePoint` but brings no OneDrive: not listed.
pub const ONEDRIVE_PLANS: &[(&str, &str)] = &[
    ("ONEDRIVESTANDARD", "13696edf-5a08-49f6-8134-03083ed8ba30"),
    ("ONEDRIVEENTERPRISE", "afcafa6a-d966-4462-918c-ec0b4e0fe642"),
    ("ONEDRIVE_BASIC", "da792a53-cbc0-4184-a10d-e544dd34b3c1"),
    ("ONEDRIVE_BASIC_P2", "4495894f-534f-41ca-9d3b-0ebf1220a423"),
    ("SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1"),
    (
        "SHAREPOINTENTERPRISE",
        "5dbe027f-2339-4123-9542-606e4d348a72",
    ),
    (
        "SHAREPOINTSTANDARD_EDU",
        "0a4983bb-d3e5-4a09-95d8-b2d0127b3df5",
    ),
    (
        "SHAREPOINTENTERPRISE_EDU",
        "63038b2c-28d0-45f6-bc36-33062963b498",
    ),
    (
        "SHAREPOINTENTERPRISE_MIDMARKET",
        "6b5b6a67-fc72-4a1f-a2b5-beecf05de761",
    ),
    ("SHAREPOINTDESKLESS", "902b47e5-dcb2-4fdc-858b-c63a90a2bdb9"),
    (
        "SHAREPOINTENTERPRISE_GOV",
        "153f85dd-d912-4762-af6c-d6e0fb4f6692",
    ),
];

/// "Office for the web" plans: reported as the service `SharePoint`, with no OneDrive.
pub const OFFICE_WEB_PLANS: &[(&str, &str)] = &[
    ("SHAREPOINTWAC", "e95bec33-7c88-4a70-8e19-b10bd9d0c014"),
    ("SHAREPOINTWAC_EDU", "e03c7e47-402c-463c-ab25-949079bedb21"),
    ("SHAREPOINTWAC_GOV", "8f9f0f3b-ca90-406c-a842-95579171f8ec"),
];

/// What a user's `assignedPlans` say about Teams (and, through [`TeamsLicence::of_plans`], any
/// service).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamsLicence {
    /// A Teams plan is `Enabled`.
    Enabled,
    /// `Warning`: the subscription is in its grace period; Teams still works, for now.
    Grace,
    /// `Suspended`: the subscription lapsed; Teams is off until it is renewed.
    Suspended,
    /// `LockedOut`: the subscription was locked (for example by Microsoft after a lapse).
    LockedOut,
    /// Only `Deleted` entries: the licence was removed or its Teams service turned off.
    Off,
    /// No Teams plan at all.
    None,
}

impl TeamsLicence {
    /// Read every Teams entry, not the first: a removed licence leaves a `Deleted` entry beside the
    /// live one, so the best status wins (`capabilityStatus` values from
    /// api-reference/v1.0/resources/assignedplan.md: Enabled, Warning, Suspended, Deleted, LockedOut).
    pub fn of(plans: &[AssignedPlan]) -> TeamsLicence {
        Self::of_plans(plans, TEAMS_PLANS)
    }

    /// The same reading for another service's plans (OneDrive: [`ONEDRIVE_PLANS`]).
    pub fn of_plans(plans: &[AssignedPlan], ids: &[(&str, &str)]) -> TeamsLicence {
        let teams: Vec<&str> = plans
            .iter()
            .filter(|p| {
                p.service_plan_id
                    .as_deref()
                    .is_some_and(|id| ids.iter().any(|(_, t)| t.eq_ignore_ascii_case(id)))
            })
            .map(|p| p.capability_status.as_deref().unwrap_or_default())
            .collect();
        let has = |s: &str| teams.iter().any(|t| t.eq_ignore_ascii_case(s));
        if has("Enabled") {
            TeamsLicence::Enabled
        } else if has("Warning") {
            TeamsLicence::Grace
        } else if has("Suspended") {
            TeamsLicence::Suspended
        } else if has("LockedOut") {
            TeamsLicence::LockedOut
        } else if teams.is_empty() {
            TeamsLicence::None
        } else {
            TeamsLicence::Off
        }
    }

    /// Teams works for this user today.
    pub fn usable(self) -> bool {
        matches!(self, TeamsLicence::Enabled | TeamsLicence::Grace)
    }

    /// The summary's one word for it.
    pub fn word(self) -> &'static str {
        match self {
            TeamsLicence::Enabled => "enabled",
            TeamsLicence::Grace => "grace period",
            TeamsLicence::Suspended => "suspended",
            TeamsLicence::LockedOut => "locked out",
            TeamsLicence::Off => "disabled",
            TeamsLicence::None => "none",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    pub user_principal_name: String,
    #[serde(default)]
    pub assigned_plans: Option<Vec<AssignedPlan>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignedPlan {
    #[serde(default)]
    pub capability_status: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub service_plan_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseDetails {
    #[serde(default)]
    pub sku_part_number: Option<String>,
    #[serde(default)]
    pub service_plans: Vec<ServicePlan>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlan {
    #[serde(default)]
    pub service_plan_id: Option<String>,
    #[serde(default)]
    pub service_plan_name: Option<String>,
    pub provisioning_status: ProvisioningStatus,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    pub date_time: String,
    pub time_zone: String,
}

impl DateTimeTimeZone {
    /// The instant, when the zone is UTC (Rollcall always asks for UTC; another zone means the
    /// server did not honour `Prefer` and the value is not trusted).
    pub fn to_utc(&self) -> Option<Timestamp> {
        if !self.time_zone.eq_ignore_ascii_case("UTC") {
            return None;
        }
        let dt: jiff::civil::DateTime = self.date_time.trim_end_matches('Z').parse().ok()?;
        dt.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct EmailAddress {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub email_address: EmailAddress,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingInfo {
    #[serde(default)]
    pub join_url: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub start: DateTimeTimeZone,
    pub end: DateTimeTimeZone,
    #[serde(default)]
    pub is_online_meeting: Option<bool>,
    #[serde(default)]
    pub online_meeting_provider: Option<MeetingProvider>,
    #[serde(default)]
    pub online_meeting: Option<OnlineMeetingInfo>,
    #[serde(default)]
    pub is_cancelled: Option<bool>,
    #[serde(default)]
    pub is_organizer: Option<bool>,
    #[serde(default, rename = "type")]
    pub kind: Option<EventType>,
    #[serde(default)]
    pub series_master_id: Option<String>,
    #[serde(default)]
    pub organizer: Option<Recipient>,
    #[serde(default)]
    pub attendees: Vec<Recipient>,
    #[serde(default, rename = "iCalUId")]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub web_link: Option<String>,
}

impl Event {
    pub fn is_teams(&self) -> bool {
        self.is_online_meeting.unwrap_or(false)
            && self.online_meeting_provider == Some(MeetingProvider::TeamsForBusiness)
            && self
                .online_meeting
                .as_ref()
                .and_then(|m| m.join_url.as_ref())
                .is_some()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    pub id: String,
    #[serde(default)]
    pub join_web_url: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<Timestamp>,
    #[serde(default)]
    pub end_date_time: Option<Timestamp>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceReport {
    pub id: String,
    #[serde(default)]
    pub total_participant_count: Option<i64>,
    #[serde(default)]
    pub meeting_start_date_time: Option<Timestamp>,
    #[serde(default)]
    pub meeting_end_date_time: Option<Timestamp>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The derived type (`#microsoft.graph.communicationsUserIdentity`,
    /// `#microsoft.graph.azureCommunicationServicesUserIdentity`, …): what kind of participant.
    #[serde(default, rename = "@odata.type")]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceInterval {
    #[serde(default)]
    pub join_date_time: Option<Timestamp>,
    #[serde(default)]
    pub leave_date_time: Option<Timestamp>,
    #[serde(default)]
    pub duration_in_seconds: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceRecord {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub total_attendance_in_seconds: Option<i64>,
    pub role: AttendanceRole,
    #[serde(default)]
    pub identity: Option<Identity>,
    #[serde(default)]
    pub attendance_intervals: Vec<AttendanceInterval>,
    /// The Teams webinar registration the attendee joined with (resources/attendancerecord.md);
    /// `null` for meetings and for people who joined without their registration link.
    #[serde(default)]
    pub registration_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<Timestamp>,
    #[serde(default)]
    pub end_date_time: Option<Timestamp>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredential>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(id: &str, status: &str) -> AssignedPlan {
        AssignedPlan {
            capability_status: Some(status.into()),
            service: Some("TeamspaceAPI".into()),
            service_plan_id: Some(id.into()),
        }
    }

    #[test]
    fn onedrive_comes_with_sharepoint_but_not_with_office_for_the_web() {
        let sharepoint = |id: &str, st: &str| AssignedPlan {
            capability_status: Some(st.into()),
            service: Some("SharePoint".into()),
            service_plan_id: Some(id.into()),
        };
        let wac_edu = sharepoint("e03c7e47-402c-463c-ab25-949079bedb21", "Enabled");
        let sp_edu = sharepoint("0a4983bb-d3e5-4a09-95d8-b2d0127b3df5", "Enabled");
        assert_eq!(
            TeamsLicence::of_plans(std::slice::from_ref(&wac_edu), ONEDRIVE_PLANS),
            TeamsLicence::None
        );
        assert_eq!(
            TeamsLicence::of_plans(&[wac_edu, sp_edu], ONEDRIVE_PLANS),
            TeamsLicence::Enabled
        );
        let off = sharepoint("c7699d2e-19aa-44de-8edf-1736da088ca1", "Deleted");
        assert_eq!(
            TeamsLicence::of_plans(&[off], ONEDRIVE_PLANS),
            TeamsLicence::Off
        );
    }

    #[test]
    fn teams_licence_reads_every_cloud_and_every_entry() {
        let gcc_high = "9953b155-8aef-4c56-92f3-72b0487fce41";
        let dod = "fd500458-c24c-478e-856c-a6067a8376cd";
        // A stale Deleted entry before the live one does not hide it.
        assert_eq!(
            TeamsLicence::of(&[plan(TEAMS1_PLAN, "Deleted"), plan(TEAMS1_PLAN, "Enabled")]),
            TeamsLicence::Enabled
        );
        assert_eq!(
            TeamsLicence::of(&[plan(gcc_high, "Enabled")]),
            TeamsLicence::Enabled
        );
        assert_eq!(
            TeamsLicence::of(&[plan(dod, "Warning")]),
            TeamsLicence::Grace
        );
        assert!(TeamsLicence::Grace.usable());
        assert_eq!(
            TeamsLicence::of(&[plan(TEAMS1_PLAN, "Suspended")]),
            TeamsLicence::Suspended
        );
        assert_eq!(
            TeamsLicence::of(&[plan(TEAMS1_PLAN, "LockedOut")]),
            TeamsLicence::LockedOut
        );
        assert!(!TeamsLicence::Suspended.usable());
        assert_eq!(
            TeamsLicence::of(&[plan(TEAMS1_PLAN, "Deleted")]),
            TeamsLicence::Off
        );
        assert_eq!(
            TeamsLicence::of(&[plan("efb87545-963c-4e0d-99df-69c6916d9eb0", "Enabled")]),
            TeamsLicence::None
        );
    }

    #[test]
    fn enums_are_case_insensitive_and_keep_unknown_values() {
        assert_eq!(
            AttendanceRole::parse("presenter"),
            AttendanceRole::Presenter
        );
        assert_eq!(
            AttendanceRole::parse("ORGANIZER"),
            AttendanceRole::Organizer
        );
        assert_eq!(
            AttendanceRole::parse("coOrganizer"),
            AttendanceRole::Unknown("coOrganizer".into())
        );
        let r: AttendanceRecord =
            serde_json::from_str(r#"{"role":null,"attendanceIntervals":[]}"#).unwrap();
        assert_eq!(r.role, AttendanceRole::Unknown(String::new()));
    }

    #[test]
    fn timestamps_take_any_fraction_and_unknown_fields_are_ignored() {
        for ts in [
            "2021-10-05T04:43:49.77Z",
            "2021-10-05T04:38:23.945Z",
            "2021-03-16T18:59:52.2782182Z",
            "2021-03-16T18:59:52Z",
        ] {
            let text =
                format!(r#"{{"id":"r","meetingStartDateTime":"{ts}","somethingNew":{{"x":1}}}}"#);
            let r: AttendanceReport = serde_json::from_str(&text).unwrap();
            assert!(r.meeting_start_date_time.is_some(), "{ts}");
        }
    }

    #[test]
    fn a_zone_we_did_not_ask_for_is_not_trusted() {
        let utc = DateTimeTimeZone {
            date_time: "2025-03-10T08:00:00.0000000".into(),
            time_zone: "UTC".into(),
        };
        assert_eq!(utc.to_utc().unwrap().to_string(), "2025-03-10T08:00:00Z");
        let pst = DateTimeTimeZone {
            date_time: "2025-03-10T08:00:00.0000000".into(),
            time_zone: "Pacific Standard Time".into(),
        };
        assert!(pst.to_utc().is_none());
    }
}

/// A Teams webinar (resources/virtualeventwebinar.md). Unknown fields are ignored and unknown
/// `status` values kept as they are.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualEventWebinar {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub end_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub external_event_information: Vec<VirtualEventExternalInformation>,
}

/// An external system's key for the event (the LMS course), resources/virtualeventexternalinformation.md.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualEventExternalInformation {
    #[serde(default)]
    pub application_id: Option<String>,
    #[serde(default)]
    pub external_event_id: Option<String>,
}

/// A webinar's session (resources/virtualeventsession.md): an online meeting with reports.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualEventSession {
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub end_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub join_web_url: Option<String>,
}

/// A registration record (resources/virtualeventregistration.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualEventRegistration {
    pub id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// registered, canceled, waitlisted, pendingApproval, rejectedByOrganizer (or a newer value).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub registration_date_time: Option<String>,
    #[serde(default)]
    pub cancelation_date_time: Option<String>,
}

/// A webinar's registration set-up (resources/virtualeventwebinarregistrationconfiguration.md).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualEventRegistrationConfiguration {
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub registration_web_url: Option<String>,
    #[serde(default)]
    pub is_manual_approval_enabled: Option<bool>,
    #[serde(default)]
    pub is_waitlist_enabled: Option<bool>,
}
