//! The demo tenant's directory, calendars, online meetings and attendance, held in memory.
//!
//! Types here are the emulator's own; they are rendered to Graph's JSON shapes in `graph.rs` and are
//! never shared with the client crates, so a field renamed on one side cannot pass unnoticed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use crate::tz;

/// The well-known Teams service plan (`TEAMS1`).
pub const TEAMS1_PLAN: &str = "57ff2da0-773e-42df-b2af-ffb7a2317929";
/// Exchange Online (Plan 2) service plan, used for the mailbox.
pub const EXCHANGE_PLAN: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";
/// Microsoft Graph's own appId, the resource of every app role assignment.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Graph application permissions (app roles) the emulator knows, with their stable ids.
pub const APP_ROLES: &[(&str, &str)] = &[
    ("User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
    ("Calendars.Read", "798ee544-9d2d-430c-a058-570e29e34338"),
    (
        "Calendars.ReadWrite",
        "ef54d2bf-783f-4e0f-bca1-3210c0444d99",
    ),
    (
        "OnlineMeetings.Read.All",
        "c1684f21-1984-47fa-9d61-2dc8c296bb70",
    ),
    (
        "OnlineMeetings.ReadWrite.All",
        "b8bb2037-6e08-44ac-a4ea-4674e010e2a4",
    ),
    (
        "OnlineMeetingArtifact.Read.All",
        "df01ed3b-eb61-4eca-9965-6b3d789751b2",
    ),
    (
        "OnlineMeetingTranscript.Read.All",
        "a4a80d8d-d283-4bd8-8504-555ec3870630",
    ),
    (
        "VirtualEvent.Read.All",
        "1dccb351-c4e4-4e09-a8d1-7a9ecbf027cc",
    ),
    (
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    ),
    ("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
    (
        "Calendars.ReadBasic.All",
        "8ba4a692-bc31-4128-9094-475872af8a53",
    ),
];

/// Graph delegated permissions (`oauth2PermissionScopes`) the emulator knows, with their stable
/// ids as Microsoft Graph's service principal lists them (microsoft-graph-docs-contrib
/// concepts/permissions-reference.md, each permission's "Identifier" row), and whether only an
/// administrator may consent (`Admin`) or a user too (`User`).
pub const DELEGATED_SCOPES: &[(&str, &str, &str)] = &[
    (
        "offline_access",
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        "User",
    ),
    ("openid", "37f7f235-527c-4136-accd-4a02d197296e", "User"),
    ("profile", "14dad69e-099b-42c9-810b-d002981feec1", "User"),
    ("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "User"),
    ("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User"),
    (
        "Calendars.Read",
        "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42",
        "User",
    ),
    (
        "Calendars.ReadWrite",
        "1ec239c2-d7c9-4623-a91a-a9775856bb36",
        "User",
    ),
    (
        "OnlineMeetings.Read",
        "9be106e1-f4e3-4df5-bdff-e4bc531cbe43",
        "User",
    ),
    (
        "OnlineMeetings.ReadWrite",
        "a65f2972-a4f8-4f5e-afd7-69ccb046d5dc",
        "User",
    ),
    (
        "OnlineMeetingArtifact.Read.All",
        "110e5abb-a10c-4b59-8b55-9b4daa4ef743",
        "Admin",
    ),
    // The administrator's sign-in (Rollcall's "Fix it for me"): ids as Microsoft Graph's service
    // principal lists them (concepts/permissions-reference.md).
    (
        "Application.Read.All",
        "c79f8feb-a9db-4090-85f9-90d820caa0eb",
        "Admin",
    ),
    (
        "Application.ReadWrite.All",
        "bdfbf15f-ee85-4955-8675-146e8e5296b5",
        "Admin",
    ),
    (
        "AppRoleAssignment.ReadWrite.All",
        "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
        "Admin",
    ),
    (
        "DelegatedPermissionGrant.Read.All",
        "a197cdc4-a8e8-4d49-9d35-4ca7c83887b4",
        "Admin",
    ),
    (
        "DelegatedPermissionGrant.ReadWrite.All",
        "41ce6ca6-6826-4807-84f1-1c82854f7ee5",
        "Admin",
    ),
    (
        "Policy.Read.All",
        "572fea84-0151-49b2-9301-11cb16974376",
        "Admin",
    ),
    (
        "VirtualEvent.ReadWrite",
        "d38d189c-e29b-4344-8b3b-829bfa81380b",
        "Admin",
    ),
    (
        "Directory.Read.All",
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        "Admin",
    ),
    (
        "Organization.Read.All",
        "4908d5b9-3fb2-4b1e-9336-1888b7937185",
        "Admin",
    ),
];

/// Built-in directory roles an administrator's writes depend on: (display name, role template id)
/// as Entra lists them (entra-docs: docs/identity/role-based-access-control/permissions-reference.md).
pub const GLOBAL_ADMINISTRATOR: &str = "Global Administrator";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "Privileged Role Administrator";
pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "Cloud Application Administrator";
pub const APPLICATION_ADMINISTRATOR: &str = "Application Administrator";
pub const DIRECTORY_ROLES: &[(&str, &str)] = &[
    (GLOBAL_ADMINISTRATOR, "62e90394-69f5-4237-9190-012177145e10"),
    (
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
    ),
    (
        CLOUD_APPLICATION_ADMINISTRATOR,
        "158c047a-c907-4556-b7ef-446551a6b5f7",
    ),
    (
        APPLICATION_ADMINISTRATOR,
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
];

/// A delegated permission's id (`User.Read` → `e1fe6dd8-…`).
pub fn scope_id(name: &str) -> Option<&'static str> {
    DELEGATED_SCOPES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id, _)| *id)
}

pub fn app_role_id(name: &str) -> Option<&'static str> {
    APP_ROLES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}

#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    /// Verified domains; the first is the initial `*.onmicrosoft.com` domain.
    pub domains: Vec<String>,
    pub graph_sp_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Platform {
    /// "Web": a confidential client that must send its secret.
    Web,
    /// "Mobile and desktop applications": a public client that must not.
    InstalledClient,
    /// "Single-page application": tokens only for cross-origin (browser) requests.
    Spa,
}

#[derive(Clone, Debug)]
pub struct Redirect {
    pub uri: String,
    pub platform: Platform,
}

#[derive(Clone, Debug)]
pub struct PasswordCredential {
    pub key_id: String,
    pub display_name: String,
    pub value: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl PasswordCredential {
    pub fn hint(&self) -> String {
        self.value.chars().take(3).collect()
    }
}

/// A certificate uploaded under "Certificates & secrets" (Graph's `keyCredential` of type
/// `AsymmetricX509Cert`, usage `Verify`): what a client assertion is checked against.
#[derive(Clone, Debug)]
pub struct KeyCredential {
    pub key_id: String,
    /// The certificate's subject, as the portal names it.
    pub display_name: String,
    pub der: Vec<u8>,
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Debug)]
pub struct AppRegistration {
    pub app_id: String,
    pub object_id: String,
    pub sp_id: String,
    pub display_name: String,
    pub secrets: Vec<PasswordCredential>,
    pub certificates: Vec<KeyCredential>,
    pub redirects: Vec<Redirect>,
    /// Application permissions configured under "API permissions".
    pub app_roles: BTreeSet<String>,
    /// Delegated permissions configured under "API permissions".
    pub delegated: BTreeSet<String>,
    /// Application permissions granted (app role assignments to Microsoft Graph's service
    /// principal): what reaches an app-only token, whether or not still configured.
    pub granted_roles: BTreeSet<String>,
    /// Delegated permissions granted for all users (the `AllPrincipals` oauth2PermissionGrant).
    pub granted_scopes: BTreeSet<String>,
    /// A Microsoft first-party public client (Microsoft Graph Command Line Tools): not one of the
    /// tenant's registrations; any Graph scope may be asked for (dynamic consent).
    pub first_party: bool,
    /// Has its service principal ("Enterprise application") in the tenant: a registration made
    /// through `POST /applications` has none until `POST /servicePrincipals`.
    pub has_sp: bool,
    /// `api.requestedAccessTokenVersion` (`None` = null, which Entra reads as 1).
    pub token_version: Option<i64>,
    /// Until when a new object is not yet visible to reads (directory replication).
    pub replicating_until: Option<std::time::Instant>,
    /// Until when its new service principal is not yet visible.
    pub sp_replicating_until: Option<std::time::Instant>,
    pub created: Timestamp,
    /// "Supported account types" (`signInAudience`); the LMS article prescribes
    /// `AzureADandPersonalMicrosoftAccount`.
    pub sign_in_audience: &'static str,
    /// Authentication → "Implicit grant and hybrid flows": the ID tokens and access tokens
    /// checkboxes (`web.implicitGrantSettings`), which the article asks to tick.
    pub id_token_issuance: bool,
    pub access_token_issuance: bool,
}

impl AppRegistration {
    /// Application permissions that actually reach a token: the granted ones.
    pub fn token_roles(&self) -> Vec<String> {
        self.granted_roles.iter().cloned().collect()
    }
    /// Tenant-wide consent covers everything configured (the portal's green ticks).
    pub fn fully_consented(&self) -> bool {
        self.app_roles.is_subset(&self.granted_roles)
            && self
                .delegated
                .iter()
                .filter(|d| needs_admin_scope(d))
                .all(|d| self.granted_scopes.contains(d))
    }
    /// Not yet replicated: reads by id answer 404 for a few seconds after creation.
    pub fn replicating(&self) -> bool {
        self.replicating_until
            .is_some_and(|t| std::time::Instant::now() < t)
    }
    pub fn sp_replicating(&self) -> bool {
        !self.has_sp
            || self
                .sp_replicating_until
                .is_some_and(|t| std::time::Instant::now() < t)
    }
}

/// Delegated permissions that only an administrator can consent to (the directory-wide ones; the
/// administrator's own sign-in asks for the last five).
pub fn needs_admin_scope(scope: &str) -> bool {
    [
        "User.Read.All",
        "Application.Read.All",
        "Directory.Read.All",
        "User.ReadWrite.All",
        "Application.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
        "DelegatedPermissionGrant.Read.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        "Policy.Read.All",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(scope))
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub upn: String,
    pub mail: Option<String>,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    pub job_title: Option<String>,
    /// Has an Exchange mailbox (calendar).
    pub has_mailbox: bool,
    /// Has OneDrive (a SharePoint Online plan beside Office for the web in `assignedPlans`).
    pub onedrive: bool,
    /// Teams service plan status: `None` = no Teams plan at all.
    pub teams_plan: Option<&'static str>,
    /// The user's `assignedPlans` for Teams when they are not the plain one TEAMS1 entry that
    /// `teams_plan` implies: (service plan id, capabilityStatus), in the order Graph lists them.
    /// A removed licence leaves a `Deleted` entry beside the live one; government clouds use their
    /// own plans (resources/assignedplan.md; eligible-teams-licenses.md).
    pub teams_entries: Vec<(&'static str, &'static str)>,
    /// Covered by the Teams application access policy for the demo app.
    pub policy_covered: bool,
    /// Exchange Online scopes the app's mailbox access (RBAC for Applications or an Exchange
    /// application access policy) and this user is outside the scope.
    pub mailbox_out_of_scope: bool,
    pub is_admin: bool,
    /// Directory roles, by display name ("Global Administrator", …): what an administrator's
    /// delegated writes are allowed by, beside the token's scopes.
    pub directory_roles: Vec<&'static str>,
    pub is_host: bool,
}

#[derive(Clone, Debug)]
pub struct Attendee {
    pub name: String,
    pub address: String,
    pub kind: String,
}

#[derive(Clone, Debug)]
pub struct Recurrence {
    /// recurrencePatternType: `daily`, `weekly`, `absoluteMonthly`, `relativeMonthly`,
    /// `absoluteYearly`, `relativeYearly`.
    pub pattern_type: String,
    pub interval: u32,
    pub days_of_week: Vec<String>,
    pub first_day_of_week: String,
    /// absoluteMonthly / absoluteYearly: the day of the month (1–31).
    pub day_of_month: u8,
    /// absoluteYearly / relativeYearly: the month (1–12).
    pub month: u8,
    /// relativeMonthly / relativeYearly: which of the days (`first` … `fourth`, `last`).
    pub index: String,
    /// Range: start date (YYYY-MM-DD), end date, time zone as given.
    pub start_date: String,
    pub end_date: Option<String>,
    pub number_of_occurrences: Option<u32>,
    pub range_type: String,
    pub recurrence_time_zone: String,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub key: u64,
    pub organizer_id: String,
    pub subject: String,
    pub body_html: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The zone the organizer entered times in (for display and recurrence expansion).
    pub original_tz: String,
    pub attendees: Vec<Attendee>,
    pub is_online: bool,
    pub meeting_id: Option<String>,
    pub join_url: Option<String>,
    pub conference_id: Option<String>,
    pub cancelled: bool,
    pub recurrence: Option<Recurrence>,
    /// Occurrences (by start) cancelled individually.
    pub cancelled_occurrences: BTreeSet<i64>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub transaction_id: Option<String>,
    pub ical_uid: String,
    pub change: u64,
    pub location: Option<String>,
    /// Occurrences of a series edited on their own (`type: exception`), by original start.
    pub overrides: BTreeMap<i64, OccurrenceOverride>,
    pub settings: EventSettings,
}

/// What a client may write on an event and must read back as written (event resource:
/// categories, importance, sensitivity, showAs, isReminderOn, reminderMinutesBeforeStart,
/// allowNewTimeProposals, responseRequested, hideAttendees). Defaults are Outlook's.
#[derive(Clone, Debug)]
pub struct EventSettings {
    pub categories: Vec<String>,
    pub importance: String,
    pub sensitivity: String,
    pub show_as: String,
    pub is_reminder_on: bool,
    pub reminder_minutes: i64,
    pub allow_new_time_proposals: bool,
    pub response_requested: bool,
    pub hide_attendees: bool,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            categories: Vec::new(),
            importance: "normal".into(),
            sensitivity: "normal".into(),
            show_as: "busy".into(),
            is_reminder_on: true,
            reminder_minutes: 15,
            allow_new_time_proposals: true,
            response_requested: true,
            hide_attendees: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct OccurrenceOverride {
    pub subject: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Interval {
    pub join: Option<Timestamp>,
    pub leave: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    pub email: Option<String>,
    pub display_name: String,
    pub tenant_id: Option<String>,
    pub role: &'static str,
    pub intervals: Vec<Interval>,
    /// A Teams webinar's registration this attendee joined with (`attendanceRecord.registrationId`,
    /// resources/attendancerecord.md); `None` for a meeting, or a walk-in.
    pub registration_id: Option<String>,
}

impl Record {
    pub fn total_seconds(&self) -> i64 {
        self.intervals.iter().map(interval_seconds).sum()
    }
}

pub fn interval_seconds(i: &Interval) -> i64 {
    match (i.join, i.leave) {
        (Some(j), Some(l)) => (l.as_second() - j.as_second()).max(0),
        _ => 0,
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub id: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub records: Vec<Record>,
}

#[derive(Clone, Debug)]
pub struct OnlineMeeting {
    pub id: String,
    pub organizer_id: String,
    /// Co-organizers may read the meeting's reports too ("Only the meeting/webinar organizer or
    /// co-organizer can access this API": api-reference/v1.0/api/meetingattendancereport-get.md).
    pub co_organizers: Vec<String>,
    pub join_url: String,
    pub join_meeting_id: String,
    pub passcode: Option<String>,
    pub thread_id: String,
    pub subject: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub created: Timestamp,
    pub reports: Vec<Report>,
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub app_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub challenge_method: String,
    pub scopes: Vec<String>,
    pub issued: Timestamp,
    pub redeemed: bool,
    /// The OpenID Connect `nonce` of the authorize request, echoed in the id token.
    pub nonce: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub app_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub last_used: Timestamp,
}

/// Everything the emulator knows. Guarded by one mutex in `Shared`.
#[derive(Debug)]
pub struct World {
    pub tenant: Tenant,
    pub apps: Vec<AppRegistration>,
    pub users: Vec<User>,
    pub events: BTreeMap<u64, Event>,
    pub meetings: Vec<OnlineMeeting>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// Delegated consents given by individual users: (app, user) → scopes.
    pub user_consents: HashMap<(String, String), BTreeSet<String>>,
    pub next_key: u64,
    /// `transactionId` → event key, so a retried POST does not create a second meeting.
    pub transactions: HashMap<(String, String), u64>,
    /// How Teams says "no application access policy" (Graph uses more than one shape).
    pub policy_error: PolicyError,
    /// The app-only webinar listing of a host the access policy does not cover answers an empty
    /// list instead of a 403: Graph's quiet failure, as admins report it (the listing looks
    /// like a host without webinars).
    pub quiet_webinar_listing: bool,
    /// The tenant lets users consent to apps themselves (Entra's default for low-risk permissions);
    /// off, the browser stops at "Need admin approval".
    pub user_consent: bool,
    /// Refresh tokens of about 4 KB (the size that breaks a naive Windows Credential Manager store).
    pub large_tokens: bool,
    /// A session's attendance report appears this many minutes after it ends: Teams can take
    /// hours, which is how an LMS that polls for one hour misses attendance (`late-reports`).
    pub report_delay_minutes: u64,
    /// Teams webinars (virtual events).
    pub virtual_webinars: Vec<VirtualWebinar>,
    /// Per app, when its recent virtual-event GETs were made (Graph's documented limit: 750 per
    /// 30 seconds per app, concepts/throttling-limits.md "Virtual events service limits").
    pub virtual_event_gets: HashMap<String, std::collections::VecDeque<Timestamp>>,
    /// Hosts whose Teams events policy does not allow webinars (`CsTeamsEventsPolicy
    /// -AllowWebinars Disabled`): Graph answers their webinars with 403.
    pub webinars_disabled_for: BTreeSet<String>,
    /// The tenant's default app management policy: the longest a new client secret may live, in
    /// days (`passwordLifetime` restriction), when one is set.
    pub secret_max_days: Option<i64>,
    /// How long a new application or service principal stays invisible to reads by id (Entra's
    /// directory replication; the client must ride it out).
    pub replication_delay: std::time::Duration,
}

/// A Teams webinar (a virtual event, resources/virtualeventwebinar.md): its sessions carry the
/// attendance reports, its registrations the registration page's records.
#[derive(Clone, Debug)]
pub struct VirtualWebinar {
    /// `{guid}@{tenantId}`, as Graph shows them.
    pub id: String,
    pub organizer_id: String,
    pub co_organizers: Vec<String>,
    pub display_name: String,
    pub description: String,
    /// `draft`, `published` or `canceled` (virtualEventStatus).
    pub status: &'static str,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Windows zone name of start/end (dateTimeTimeZone).
    pub time_zone: String,
    /// `everyone` or `organization` (meetingAudience).
    pub audience: &'static str,
    pub capacity: Option<u32>,
    pub waitlist: bool,
    pub manual_approval: bool,
    /// The LMS course key (`externalEventInformation.externalEventId`).
    pub external_event_id: Option<String>,
    pub sessions: Vec<VirtualSession>,
    pub registrations: Vec<Registration>,
}

#[derive(Clone, Debug)]
pub struct VirtualSession {
    pub id: String,
    pub subject: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub join_url: String,
    pub reports: Vec<Report>,
}

/// One registration record (resources/virtualeventregistration.md).
#[derive(Clone, Debug)]
pub struct Registration {
    pub id: String,
    pub user_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// `registered`, `canceled`, `waitlisted`, `pendingApproval` or `rejectedByOrganizer`.
    pub status: &'static str,
    pub registered: Timestamp,
    pub canceled: Option<Timestamp>,
    pub preferred_timezone: String,
    /// (question, answer) pairs.
    pub answers: Vec<(String, String)>,
}

/// The shapes of Teams' "no application access policy" answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PolicyError {
    /// 403 `General` "No application access policy found for this app." — seen in the field
    /// (microsoftgraph/msgraph-sdk-dotnet#2350, microsoft-graph-docs-contrib#470).
    #[default]
    General,
    /// 403 `Unauthorized` "App <id> is not authorized to … on behalf of user <id>" — the documented
    /// body (concepts/cloud-communication-online-meeting-application-access-policy.md, "Errors").
    Documented,
    /// The documented body with HTTP 401.
    Documented401,
}

impl OnlineMeeting {
    /// The organizer or a co-organizer.
    pub fn organised_by(&self, user_id: &str) -> bool {
        self.organizer_id.eq_ignore_ascii_case(user_id)
            || self
                .co_organizers
                .iter()
                .any(|c| c.eq_ignore_ascii_case(user_id))
    }

    /// A channel meeting: its chat is the channel's thread (`@thread.tacv2`), and its reports list
    /// holds the reports of every meeting in the channel (the warning on Learn's
    /// meetingattendancereport-list page).
    pub fn is_channel(&self) -> bool {
        self.thread_id.ends_with("@thread.tacv2")
    }
}

impl World {
    /// The online meeting with this id, to change it.
    pub fn meeting_mut(&mut self, id: Option<&str>) -> Option<&mut OnlineMeeting> {
        let id = id?;
        self.meetings.iter_mut().find(|m| m.id == id)
    }

    pub fn knows_tenant(&self, t: &str) -> bool {
        let tenant = &self.tenant;
        tenant.id.eq_ignore_ascii_case(t)
            || tenant.domains.iter().any(|d| d.eq_ignore_ascii_case(t))
    }

    pub fn app(&self, app_id: &str) -> Option<&AppRegistration> {
        self.apps
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    pub fn app_mut(&mut self, app_id: &str) -> Option<&mut AppRegistration> {
        self.apps
            .iter_mut()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    /// A user by object id, UPN or (for convenience of `/users/{x}`) nothing else.
    pub fn user(&self, key: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(key) || u.upn.eq_ignore_ascii_case(key))
    }

    pub fn user_by_mail(&self, mail: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.mail
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(mail))
                || u.upn.eq_ignore_ascii_case(mail)
        })
    }

    pub fn meeting_by_join_url(&self, url: &str) -> Option<&OnlineMeeting> {
        self.meetings.iter().find(|m| m.join_url == url)
    }
}

/// All occurrence starts of a recurring event (at most 500), in its recurrence time zone.
/// Whether `day` is an occurrence of a monthly or yearly pattern starting on `start`
/// (microsoft-graph-docs-contrib: api-reference/v1.0/resources/recurrencepattern.md). An
/// absolute day past the month's end falls on its last day, as Outlook schedules it.
fn patterned_day(r: &Recurrence, start: jiff::civil::Date, day: jiff::civil::Date) -> bool {
    let yearly = r.pattern_type.ends_with("Yearly");
    let years = i32::from(day.year()) - i32::from(start.year());
    let months = years * 12 + (i32::from(day.month()) - i32::from(start.month()));
    let interval = r.interval.max(1) as i32;
    let due = if yearly {
        years % interval == 0 && day.month() == r.month as i8
    } else {
        months % interval == 0
    };
    if day < start || !due {
        return false;
    }
    if r.pattern_type.starts_with("absolute") {
        let last = day.days_in_month();
        return day.day() == (r.day_of_month as i8).clamp(1, last);
    }
    let named = |d: jiff::civil::Date| {
        let n = format!("{:?}", d.weekday()).to_ascii_lowercase();
        r.days_of_week.iter().any(|x| x.eq_ignore_ascii_case(&n))
            || (r
                .days_of_week
                .iter()
                .any(|x| x.eq_ignore_ascii_case("weekday"))
                && d.weekday().to_monday_one_offset() <= 5)
    };
    if !named(day) {
        return false;
    }
    let in_month = |d: &jiff::civil::Date| d.month() == day.month() && d.year() == day.year();
    let before = (1..day.day())
        .filter_map(|n| day.with().day(n).build().ok())
        .filter(|d| named(*d))
        .count();
    let later = ((day.day() + 1)..=day.days_in_month())
        .filter_map(|n| day.with().day(n).build().ok())
        .filter(|d| in_month(d) && named(*d))
        .count();
    match r.index.as_str() {
        "first" => before == 0,
        "second" => before == 1,
        "third" => before == 2,
        "fourth" => before == 3,
        "last" => later == 0,
        _ => false,
    }
}

pub fn occurrence_starts(e: &Event) -> Vec<Timestamp> {
    let Some(r) = &e.recurrence else {
        return vec![e.start];
    };
    let zone = tz::zone(&r.recurrence_time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = e.start.to_zoned(zone.clone());
    let time = local.time();
    let Ok(mut day) = r.start_date.parse::<jiff::civil::Date>() else {
        return vec![e.start];
    };
    let end_date = r
        .end_date
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let limit = r
        .number_of_occurrences
        .map(|n| n as usize)
        .unwrap_or(500)
        .min(500);
    let interval = r.interval.max(1) as i64;
    let weekday_name = |d: jiff::civil::Date| format!("{:?}", d.weekday()).to_ascii_lowercase();
    let mut out = Vec::new();
    let first_week = day
        .checked_sub(jiff::Span::new().days(day.weekday().to_monday_zero_offset() as i64))
        .unwrap_or(day);
    let first_day = day;
    let mut guard = 0;
    // Yearly patterns need years of days to reach their count.
    let days = if r.pattern_type.ends_with("Yearly") {
        40_000
    } else {
        5000
    };
    while out.len() < limit && guard < days {
        guard += 1;
        if end_date.is_some_and(|e| day > e) {
            break;
        }
        let matches = match r.pattern_type.as_str() {
            "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly" => {
                patterned_day(r, first_day, day)
            }
            "daily" => {
                (day - r.start_date.parse::<jiff::civil::Date>().unwrap_or(day)).get_days() as i64
                    % interval
                    == 0
            }
            _ => {
                let week = (day.since(first_week).map(|s| s.get_days()).unwrap_or(0) as i64) / 7;
                week % interval == 0
                    && r.days_of_week
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(&weekday_name(day)))
            }
        };
        if matches {
            if let Ok(z) = day.to_datetime(time).to_zoned(zone.clone()) {
                out.push(z.timestamp());
            }
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}
