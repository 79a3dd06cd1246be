//! The demo tenant, generated deterministically from a seed and the start time.
//!
//! "Northwind Academy": five hosts (one without Teams, one outside the access policy, one whose mail
//! differs from the UPN), an administrator, ~60 webinars over the last 90 and next 30 days with a
//! weekly series, cancelled and in-progress meetings and a restarted one, and attendance that contains
//! every awkward participant we know of.

use std::collections::BTreeSet;

use base64::Engine;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::model::*;
pub use crate::rng::Rng;

pub const TENANT_DOMAIN: &str = "northwindacademy.onmicrosoft.com";
pub const MAIL_DOMAIN: &str = "northwind.example";
pub const PORTAL_REDIRECT: &str =
    "https://lms.northwind.example/api/v2/webinars/oauth/microsoft-callback";

/// What the seed hands back besides the world: the credentials printed on start.
#[derive(Clone, Debug)]
pub struct DemoCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub admin: String,
    /// The Cloud Application Administrator.
    pub app_admin: String,
    pub hosts: Vec<String>,
}

/// Build the demo world. `now` anchors "last 90 days / next 30 days".
pub fn demo(seed: u64, now: Timestamp) -> (World, DemoCredentials) {
    let mut rng = Rng::new(seed);
    let tenant = Tenant {
        id: rng.guid(),
        display_name: "Northwind Academy".into(),
        domains: vec![TENANT_DOMAIN.into(), MAIL_DOMAIN.into()],
        graph_sp_id: rng.guid(),
    };
    let mut world = World {
        tenant,
        apps: Vec::new(),
        users: Vec::new(),
        events: Default::default(),
        meetings: Vec::new(),
        codes: Default::default(),
        refresh: Default::default(),
        user_consents: Default::default(),
        next_key: 1,
        transactions: Default::default(),
        policy_error: PolicyError::default(),
        quiet_webinar_listing: false,
        user_consent: true,
        large_tokens: false,
        report_delay_minutes: 0,
        virtual_webinars: Vec::new(),
        virtual_event_gets: Default::default(),
        webinars_disabled_for: Default::default(),
        secret_max_days: None,
        replication_delay: std::time::Duration::from_millis(1500),
    };

    // The LMS app registration: two secrets, the one handed out expires within 14 days.
    let soon = PasswordCredential {
        key_id: rng.guid(),
        display_name: "lms-2026".into(),
        value: format!("Q~{}", rng.token(38)),
        start: now - SignedDuration::from_hours(24 * 170),
        end: now + SignedDuration::from_hours(24 * 10),
    };
    let later = PasswordCredential {
        key_id: rng.guid(),
        display_name: "lms-rotation".into(),
        value: format!("x8Z{}", rng.token(37)),
        start: now - SignedDuration::from_hours(24 * 2),
        end: now + SignedDuration::from_hours(24 * 180),
    };
    let client_secret = soon.value.clone();
    let mut app = AppRegistration {
        app_id: rng.guid(),
        object_id: rng.guid(),
        sp_id: rng.guid(),
        display_name: "LMS Teams webinars".into(),
        secrets: vec![soon, later],
        certificates: Vec::new(),
        redirects: vec![
            Redirect {
                uri: PORTAL_REDIRECT.into(),
                platform: Platform::Web,
            },
            Redirect {
                uri: "http://localhost".into(),
                platform: Platform::InstalledClient,
            },
        ],
        app_roles: [
            "User.Read.All",
            "Calendars.ReadWrite",
            "OnlineMeetings.Read.All",
            "OnlineMeetingArtifact.Read.All",
            "Application.Read.All",
            "VirtualEvent.Read.All",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        delegated: [
            "offline_access",
            "openid",
            "profile",
            "email",
            "User.Read",
            "Calendars.ReadWrite",
            "OnlineMeetings.Read",
            "OnlineMeetingArtifact.Read.All",
            "VirtualEvent.ReadWrite",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        granted_roles: Default::default(),
        granted_scopes: Default::default(),
        first_party: false,
        has_sp: true,
        token_version: Some(2),
        replicating_until: None,
        sp_replicating_until: None,
        created: now - SignedDuration::from_hours(24 * 400),
        sign_in_audience: "AzureADandPersonalMicrosoftAccount",
        id_token_issuance: true,
        access_token_issuance: true,
    };
    app.granted_roles = app.app_roles.clone();
    app.granted_scopes = app
        .delegated
        .iter()
        .filter(|d| !["offline_access", "openid", "profile", "email"].contains(&d.as_str()))
        .cloned()
        .collect();
    let client_id = app.app_id.clone();
    world.apps.push(app);
    world.apps.push(graph_command_line_tools(now));

    // Hosts and the administrator.
    // (given, surname, UPN local part, mail local part if different, Teams plan status, policy-covered)
    type Person = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        bool,
    );
    let people: [Person; 5] = [
        ("Megan", "Bowen", "megan.bowen", None, Some("Success"), true),
        ("Adele", "Vance", "adele.vance", None, Some("Success"), true),
        (
            "Lidia",
            "Holloway",
            "lidia.holloway",
            None,
            Some("Success"),
            false,
        ),
        (
            "Diego",
            "Siciliani",
            "diego.siciliani",
            None,
            Some("Disabled"),
            true,
        ),
        (
            "Maria",
            "Ortiz",
            "mortiz",
            Some("maria.ortiz"),
            Some("Success"),
            true,
        ),
    ];
    for (given, surname, local, mail_local, teams, covered) in people {
        let upn = if mail_local.is_some() {
            format!("{local}@{TENANT_DOMAIN}")
        } else {
            format!("{local}@{MAIL_DOMAIN}")
        };
        let mail = format!("{}@{MAIL_DOMAIN}", mail_local.unwrap_or(local));
        world.users.push(User {
            id: rng.guid(),
            upn,
            mail: Some(mail),
            display_name: format!("{given} {surname}"),
            given_name: given.into(),
            surname: surname.into(),
            job_title: Some("Curator".into()),
            has_mailbox: true,
            onedrive: true,
            teams_plan: teams,
            // Maria once had an old licence: its Deleted entry comes first.
            teams_entries: if mail_local.is_some() {
                vec![(TEAMS1_PLAN, "Deleted"), (TEAMS1_PLAN, "Enabled")]
            } else {
                vec![]
            },
            policy_covered: covered,
            mailbox_out_of_scope: false,
            is_admin: false,
            directory_roles: vec![],
            is_host: true,
        });
    }
    world.users.push(User {
        id: rng.guid(),
        upn: format!("admin@{TENANT_DOMAIN}"),
        mail: Some(format!("it.admin@{MAIL_DOMAIN}")),
        display_name: "Ada Admin".into(),
        given_name: "Ada".into(),
        surname: "Admin".into(),
        job_title: Some("IT administrator".into()),
        has_mailbox: true,
        onedrive: true,
        teams_plan: Some("Success"),
        teams_entries: vec![],
        policy_covered: true,
        mailbox_out_of_scope: false,
        is_admin: true,
        directory_roles: vec![GLOBAL_ADMINISTRATOR],
        is_host: false,
    });
    // Students and staff of the directory (attendees), including a user without a mailbox.
    let given = [
        "Alex", "Sam", "Nadia", "Omar", "Li", "Priya", "Jonas", "Zoë", "Mateo", "Aiko", "Fatima",
        "Chen",
    ];
    let family = [
        "Kim", "Novak", "García", "Okafor", "Müller", "Haddad", "Silva", "Tanaka", "Ivanova",
        "Smith",
    ];
    for i in 0..120 {
        let g = given[i % given.len()];
        let f = family[(i / given.len()) % family.len()];
        let local = format!("{}.{}{}", ascii_fold(g), ascii_fold(f), i);
        world.users.push(User {
            id: rng.guid(),
            upn: format!("{local}@{MAIL_DOMAIN}"),
            mail: if i == 7 {
                None
            } else {
                Some(format!("{local}@{MAIL_DOMAIN}"))
            },
            display_name: format!("{g} {f}"),
            given_name: g.into(),
            surname: f.into(),
            job_title: Some(if i % 10 == 0 { "Teacher" } else { "Student" }.into()),
            has_mailbox: i != 7,
            onedrive: i != 7,
            teams_plan: Some("Success"),
            teams_entries: vec![],
            policy_covered: false,
            mailbox_out_of_scope: false,
            is_admin: false,
            directory_roles: vec![],
            is_host: false,
        });
    }

    let hosts: Vec<String> = world
        .users
        .iter()
        .filter(|u| u.is_host)
        .map(|u| u.mail.clone().unwrap_or_else(|| u.upn.clone()))
        .collect();
    let admin = world
        .users
        .iter()
        .find(|u| u.is_admin)
        .map(|u| u.upn.clone())
        .unwrap_or_default();

    seed_webinars(&mut world, &mut rng, now);
    seed_virtual_webinars(&mut world, &mut rng, now);
    // A second administrator who may manage app registrations and grant delegated permissions but
    // not Microsoft Graph's application permissions (added last: the world above is unchanged).
    let app_admin = format!("apps.admin@{TENANT_DOMAIN}");
    world.users.push(User {
        id: rng.guid(),
        upn: app_admin.clone(),
        mail: Some(format!("apps.admin@{MAIL_DOMAIN}")),
        display_name: "Cal Cloudapps".into(),
        given_name: "Cal".into(),
        surname: "Cloudapps".into(),
        job_title: Some("Application administrator".into()),
        has_mailbox: true,
        onedrive: true,
        teams_plan: Some("Success"),
        teams_entries: vec![],
        policy_covered: false,
        mailbox_out_of_scope: false,
        is_admin: true,
        directory_roles: vec![CLOUD_APPLICATION_ADMINISTRATOR],
        is_host: false,
    });
    let creds = DemoCredentials {
        client_id,
        client_secret,
        admin,
        app_admin,
        hosts,
    };
    (world, creds)
}

/// Microsoft Graph Command Line Tools, the first-party public client an administrator signs in
/// through (Microsoft Graph PowerShell's `Connect-MgGraph`): multitenant, `http://localhost` as a
/// "Mobile and desktop" redirect, any Graph scope asked for at sign-in.
pub const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

fn graph_command_line_tools(now: Timestamp) -> AppRegistration {
    AppRegistration {
        app_id: GRAPH_COMMAND_LINE_TOOLS.into(),
        object_id: "5c7d1b2e-0f3a-4b6c-9d8e-1a2b3c4d5e6f".into(),
        sp_id: "8f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0".into(),
        display_name: "Microsoft Graph Command Line Tools".into(),
        secrets: vec![],
        certificates: vec![],
        redirects: vec![Redirect {
            uri: "http://localhost".into(),
            platform: Platform::InstalledClient,
        }],
        app_roles: BTreeSet::new(),
        delegated: BTreeSet::new(),
        granted_roles: BTreeSet::new(),
        granted_scopes: BTreeSet::new(),
        first_party: true,
        has_sp: true,
        token_version: Some(2),
        replicating_until: None,
        sp_replicating_until: None,
        created: now - SignedDuration::from_hours(24 * 900),
        sign_in_audience: "AzureADandPersonalMicrosoftAccount",
        id_token_issuance: false,
        access_token_issuance: false,
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ë' => 'e',
            'í' | 'ï' => 'i',
            'ü' => 'u',
            _ => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

const TOPICS: &[&str] = &[
    "Onboarding for new curators",
    "Assessment design clinic",
    "Data protection basics",
    "Moodle to LMS migration Q&A",
    "Inclusive teaching webinar",
    "Quarterly results for staff",
    "Safeguarding refresher",
    "Spreadsheet skills: pivot tables",
    "Career fair briefing",
    "Open day rehearsal",
];

/// Names nobody should have to handle but everybody eventually does.
const HOSTILE_NAMES: &[&str] = &[
    "Doe, Jane",
    "O'Brien \"Bob\"",
    "Line\nBreak",
    "نور الهدى",
    "🦀 Ferris",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTabbed",
];

fn seed_webinars(world: &mut World, rng: &mut Rng, now: Timestamp) {
    let hosts: Vec<User> = world.users.iter().filter(|u| u.is_host).cloned().collect();
    let directory: Vec<User> = directory_of(world);
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let home = world.tenant.id.clone();

    // 56 single webinars spread over [-90, +30] days at business hours UTC.
    for i in 0..56 {
        let host = &hosts[i % hosts.len()];
        let day = today
            .checked_add((rng.range(-90, 30) as i32).days())
            .unwrap_or(today);
        let hour = rng.range(7, 16) as i8;
        let start = utc_at(day, hour, if rng.chance(0.5) { 0 } else { 30 }, now);
        let minutes = *rng.pick(&[45i64, 60, 60, 90, 120]);
        let end = start + SignedDuration::from_mins(minutes);
        let subject = format!("{} #{}", rng.pick(TOPICS), i + 1);
        let key = add_teams_event(world, rng, host, &subject, start, end, None, now);
        if i == 5 || i == 17 {
            // A meeting another organizer cancelled: the host keeps an attendee copy marked cancelled.
            let admin = world.users.iter().find(|u| u.is_admin).cloned();
            if let (Some(e), Some(admin)) = (world.events.get_mut(&key), admin) {
                e.cancelled = true;
                e.organizer_id = admin.id.clone();
                e.attendees.push(required(host));
                let mid = e.meeting_id.clone();
                if let Some(m) = world.meeting_mut(mid.as_deref()) {
                    m.reports.clear();
                    m.organizer_id = admin.id.clone();
                }
            }
        }
    }

    co_organized_and_channel_meetings(world, rng, &hosts, &directory, now);

    // A meeting in progress right now.
    let live_start = now - SignedDuration::from_mins(25);
    add_teams_event(
        world,
        rng,
        &hosts[0],
        "Live: Exam week Q&A",
        live_start,
        live_start + SignedDuration::from_mins(60),
        None,
        now,
    );

    // A restarted meeting: two sessions on the same link, two reports.
    let restart_start = now - SignedDuration::from_hours(24 * 3 + 5);
    let key = add_teams_event(
        world,
        rng,
        &hosts[1],
        "Parents' evening (restarted)",
        restart_start,
        restart_start + SignedDuration::from_mins(90),
        None,
        now,
    );
    if let Some(meeting_id) = world.events.get(&key).and_then(|e| e.meeting_id.clone()) {
        if let Some(m) = world.meetings.iter_mut().find(|m| m.id == meeting_id) {
            m.reports = vec![
                report(
                    rng,
                    &home,
                    &directory,
                    &hosts[1],
                    restart_start,
                    restart_start + SignedDuration::from_mins(20),
                    40,
                ),
                report(
                    rng,
                    &home,
                    &directory,
                    &hosts[1],
                    restart_start + SignedDuration::from_mins(30),
                    restart_start + SignedDuration::from_mins(90),
                    55,
                ),
            ];
        }
    }

    // A weekly series (Tuesday 14:00 Berlin) from 8 weeks ago for 12 weeks, with a big audience.
    let first = today.checked_sub(56.days()).unwrap_or(today);
    let first = first
        .checked_add(((9 - first.weekday().to_monday_one_offset() as i32) % 7).days())
        .unwrap_or(first);
    let tz_name = "W. Europe Standard Time";
    let start = crate::tz::parse(&format!("{first}T14:00:00"), tz_name).unwrap_or(now);
    let recurrence = Recurrence {
        pattern_type: "weekly".into(),
        interval: 1,
        days_of_week: vec!["tuesday".into()],
        first_day_of_week: "monday".into(),
        day_of_month: 0,
        month: 0,
        index: "first".into(),
        start_date: first.to_string(),
        end_date: None,
        number_of_occurrences: Some(12),
        range_type: "numbered".into(),
        recurrence_time_zone: tz_name.into(),
    };
    let key = add_teams_event(
        world,
        rng,
        &hosts[4],
        "Weekly methods seminar",
        start,
        start + SignedDuration::from_mins(60),
        Some(recurrence),
        now,
    );
    // One report per past occurrence; the series' third occurrence was cancelled.
    let occurrences = world
        .events
        .get(&key)
        .map(crate::model::occurrence_starts)
        .unwrap_or_default();
    if let Some(e) = world.events.get_mut(&key) {
        if let Some(third) = occurrences.get(2) {
            e.cancelled_occurrences.insert(third.as_second());
        }
        e.original_tz = tz_name.into();
    }
    if let Some(meeting_id) = world.events.get(&key).and_then(|e| e.meeting_id.clone()) {
        let reports: Vec<Report> = occurrences
            .iter()
            .enumerate()
            .filter(|(i, s)| *i != 2 && **s + SignedDuration::from_mins(60) < now)
            .map(|(i, s)| {
                report(
                    rng,
                    &home,
                    &directory,
                    &hosts[4],
                    *s,
                    *s + SignedDuration::from_mins(60),
                    if i == 0 { 600 } else { 80 + 20 * i },
                )
            })
            .collect();
        if let Some(m) = world.meetings.iter_mut().find(|m| m.id == meeting_id) {
            m.reports = reports;
        }
    }
}

/// The first host's first ended webinar with a report gets the second host as co-organizer (an
/// attendee copy in their calendar); and the first host has a channel meeting whose reports list
/// holds three meetings of the channel.
fn co_organized_and_channel_meetings(
    world: &mut World,
    rng: &mut Rng,
    hosts: &[User],
    directory: &[User],
    now: Timestamp,
) {
    let (Some(first), Some(second)) = (hosts.first(), hosts.get(1)) else {
        return;
    };
    let key = world
        .events
        .iter()
        .find(|(_, e)| {
            e.organizer_id == first.id
                && e.recurrence.is_none()
                && !e.cancelled
                && e.end < now
                && e.meeting_id.as_ref().is_some_and(|m| {
                    world
                        .meetings
                        .iter()
                        .any(|x| &x.id == m && !x.reports.is_empty())
                })
        })
        .map(|(k, _)| *k);
    if let Some(e) = key.and_then(|k| world.events.get_mut(&k)) {
        e.attendees.push(required(second));
        let mid = e.meeting_id.clone();
        if let Some(m) = world.meeting_mut(mid.as_deref()) {
            m.co_organizers.push(second.id.clone());
        }
    }
    // The channel meeting: one event, but the reports of the channel's last three meetings.
    let home = world.tenant.id.clone();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let start = utc_at(today.checked_sub(3.days()).unwrap_or(today), 14, 0, now);
    let end = start + SignedDuration::from_mins(60);
    let key = add_teams_event(
        world,
        rng,
        first,
        "Staff channel: weekly briefing",
        start,
        end,
        None,
        now,
    );
    let channel = format!("19:{}@thread.tacv2", rng.token(32));
    let join = format!(
        "https://teams.microsoft.com/l/meetup-join/{}/{}?context=%7b%22Tid%22%3a%22{home}%22%2c%22Oid%22%3a%22{}%22%7d",
        channel.replace(':', "%3a").replace('@', "%40"),
        rng.digits(13),
        first.id
    );
    let mid = world.events.get(&key).and_then(|e| e.meeting_id.clone());
    if let Some(e) = world.events.get_mut(&key) {
        e.join_url = Some(join.clone());
        e.body_html = teams_body("The staff channel's weekly briefing.", Some(&join));
    }
    if let Some(m) = world.meeting_mut(mid.as_deref()) {
        m.join_url = join;
        m.thread_id = channel;
        m.reports = (0..3i64)
            .map(|w| {
                let s = start - SignedDuration::from_hours(24 * 7 * w);
                report(
                    rng,
                    &home,
                    directory,
                    first,
                    s,
                    s + SignedDuration::from_mins(60),
                    12,
                )
            })
            .collect();
    }
}

/// `hour:minute` UTC on `day` (`fallback` if that is not a valid instant).
fn utc_at(day: jiff::civil::Date, hour: i8, minute: i8, fallback: Timestamp) -> Timestamp {
    day.at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(fallback)
}

/// A user as a required attendee of an event.
fn required(u: &User) -> Attendee {
    Attendee {
        name: u.display_name.clone(),
        address: u.mail.clone().unwrap_or_else(|| u.upn.clone()),
        kind: "required".into(),
    }
}

/// Create an event with a Teams meeting; past sessions get an attendance report.
#[allow(clippy::too_many_arguments)]
fn add_teams_event(
    world: &mut World,
    rng: &mut Rng,
    host: &User,
    subject: &str,
    start: Timestamp,
    end: Timestamp,
    recurrence: Option<Recurrence>,
    now: Timestamp,
) -> u64 {
    let teams = host.teams_plan == Some("Success");
    let meeting = if teams {
        Some(new_meeting(world, rng, host, subject, start, end, now))
    } else {
        None
    };
    let key = world.next_key;
    world.next_key += 1;
    let (meeting_id, join_url, conference_id) = match &meeting {
        Some(m) => (
            Some(m.id.clone()),
            Some(m.join_url.clone()),
            Some(rng.digits(9)),
        ),
        None => (None, None, None),
    };
    let directory: Vec<User> = directory_of(world);
    let home = world.tenant.id.clone();
    let attendees = (0..rng.range(1, 4))
        .map(|_| {
            let u = rng.pick(&directory);
            Attendee {
                name: u.display_name.clone(),
                address: u.mail.clone().unwrap_or_else(|| u.upn.clone()),
                kind: "required".into(),
            }
        })
        .collect();
    world.events.insert(
        key,
        Event {
            key,
            organizer_id: host.id.clone(),
            subject: subject.into(),
            body_html: teams_body("Webinar for Northwind Academy.", join_url.as_deref()),
            start,
            end,
            original_tz: "UTC".into(),
            attendees,
            is_online: meeting.is_some(),
            meeting_id,
            join_url,
            conference_id,
            cancelled: false,
            recurrence: recurrence.clone(),
            cancelled_occurrences: BTreeSet::new(),
            created: start - SignedDuration::from_hours(24 * 14),
            modified: start - SignedDuration::from_hours(24 * 14),
            transaction_id: None,
            ical_uid: format!(
                "040000008200E00074C5B7101A82E008000000000000000000000000000000001000000{:016X}",
                rng.next_u64()
            ),
            change: 1,
            location: Some("Microsoft Teams Meeting".into()),
            overrides: Default::default(),
            settings: Default::default(),
        },
    );
    if let Some(mut m) = meeting {
        if recurrence.is_none() && end < now {
            let size = match rng.range(0, 9) {
                0 => rng.range(300, 600),
                1..=2 => rng.range(3, 12),
                _ => rng.range(20, 150),
            } as usize;
            m.reports
                .push(report(rng, &home, &directory, host, start, end, size));
        }
        world.meetings.push(m);
    }
    key
}

/// Two ended webinars of the first host yesterday, each with one report: an all-staff town hall
/// (09:00–11:00 UTC) of `size` attendees — the size the charts must stay interactive at — and a
/// curators' briefing (13:00–14:00) of 600, the size they must draw in under 200 ms.
pub fn town_hall(world: &mut World, size: usize, now: Timestamp) {
    let mut rng = Rng::new(0x70A1_4A11);
    let Some(host) = world.users.iter().find(|u| u.is_host).cloned() else {
        return;
    };
    let yesterday = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(1.days())
        .unwrap_or_else(|_| now.to_zoned(jiff::tz::TimeZone::UTC).date());
    let directory: Vec<User> = directory_of(world);
    let home = world.tenant.id.clone();
    for (subject, hour, minutes, attendees) in [
        ("All-staff town hall", 9, 120, size),
        ("Curators' briefing", 13, 60, 600),
    ] {
        let start = utc_at(yesterday, hour, 0, now - SignedDuration::from_hours(26));
        let end = start + SignedDuration::from_mins(minutes);
        let key = add_teams_event(world, &mut rng, &host, subject, start, end, None, now);
        let meeting_id = world.events.get(&key).and_then(|e| e.meeting_id.clone());
        if let Some(m) = world.meeting_mut(meeting_id.as_deref()) {
            let mut r = report(&mut rng, &home, &directory, &host, start, end, 40);
            crowd(&mut rng, &home, &mut r, attendees);
            m.reports = vec![r];
        }
    }
}

/// Fill a report up to `size` records with distinct members of the tenant (the directory alone is
/// too small for a crowd), each joining one to three times.
fn crowd(rng: &mut Rng, home: &str, r: &mut Report, size: usize) {
    let (start, end) = (r.start.as_second(), r.end.as_second());
    let span = (end - start).max(60);
    let first = r.start;
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(first);
    for n in r.records.len()..size {
        let mut intervals = Vec::new();
        let mut cursor = start + rng.range(-300, span / 3);
        for _ in 0..rng.range(1, 3) {
            let leave = (cursor + rng.range(60, span)).min(end + 300);
            intervals.push(Interval {
                join: Some(at(cursor)),
                leave: Some(at(leave)),
            });
            cursor = leave + rng.range(30, 600);
            if cursor >= end {
                break;
            }
        }
        r.records.push(Record {
            id: rng.guid(),
            email: Some(format!("member{n}@northwind.example")),
            display_name: format!("Member {n}"),
            tenant_id: Some(home.to_string()),
            role: "Attendee",
            intervals,
            registration_id: None,
        });
    }
}

/// Teams webinars (virtual events) of the fifth host: one ended over two sessions with
/// registrations in every status — registered and came (joined with the registration, or by
/// another link with the same e-mail), registered and stayed away, cancelled (one came anyway),
/// waitlisted at capacity, pending approval, rejected — and walk-ins who never registered, with an
/// LMS course key; one upcoming and published, one draft, and one cancelled of the first host.
fn seed_virtual_webinars(world: &mut World, rng: &mut Rng, now: Timestamp) {
    let hosts: Vec<User> = world.users.iter().filter(|u| u.is_host).cloned().collect();
    let (Some(first), Some(maria)) = (hosts.first().cloned(), hosts.get(4).cloned()) else {
        return;
    };
    let directory = directory_of(world);
    let tenant = world.tenant.id.clone();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = |d: i32| today.checked_add(d.days()).unwrap_or(today);
    let id = |rng: &mut Rng| format!("{}@{tenant}", rng.guid());
    let open_day_start = utc_at(day(-3), 15, 0, now - SignedDuration::from_hours(72));
    let mut open_day = VirtualWebinar {
        id: id(rng),
        organizer_id: maria.id.clone(),
        co_organizers: Vec::new(),
        display_name: "Open day: study skills".into(),
        description: "Two afternoons on planning, reading and writing for new students.".into(),
        status: "published",
        start: open_day_start,
        end: open_day_start + SignedDuration::from_hours(24) + SignedDuration::from_mins(90),
        time_zone: "W. Europe Standard Time".into(),
        audience: "everyone",
        capacity: Some(30),
        waitlist: true,
        manual_approval: true,
        external_event_id: Some("LMS-COURSE-1042".into()),
        sessions: Vec::new(),
        registrations: Vec::new(),
    };
    // Registrations: 24 registered (capacity 30 less the 6 seats the cancellations gave back).
    let statuses: [(&'static str, usize); 5] = [
        ("registered", 24),
        ("canceled", 4),
        ("waitlisted", 5),
        ("pendingApproval", 3),
        ("rejectedByOrganizer", 2),
    ];
    let mut n = 0;
    for (status, count) in statuses {
        for _ in 0..count {
            n += 1;
            let member = n % 3 != 0;
            let (user_id, first_name, last_name, email) = if member {
                let u = &directory[(n + 11) % directory.len()];
                (
                    Some(u.id.clone()),
                    u.given_name.clone(),
                    u.surname.clone(),
                    u.mail.clone().unwrap_or_else(|| u.upn.clone()),
                )
            } else {
                (
                    None,
                    format!("Visitor{n}"),
                    "Applicant".to_string(),
                    format!("visitor{n}@applicants.example"),
                )
            };
            let registered =
                open_day_start - SignedDuration::from_hours(24 * (20 - (n as i64 % 15)));
            open_day.registrations.push(Registration {
                id: rng.guid(),
                user_id,
                first_name,
                last_name,
                email,
                status,
                registered,
                canceled: (status == "canceled")
                    .then(|| registered + SignedDuration::from_hours(30)),
                preferred_timezone: "W. Europe Standard Time".into(),
                answers: vec![(
                    "Which programme are you interested in?".into(),
                    rng.pick(&["Education", "Nursing", "Computer science"])
                        .to_string(),
                )],
            });
        }
    }
    // Distinct people only (the directory may repeat for large n).
    let mut seen = BTreeSet::new();
    open_day
        .registrations
        .retain(|r| seen.insert(r.email.to_ascii_lowercase()));
    for (i, minutes) in [(0i64, 90i64), (1, 90)] {
        let start = open_day_start + SignedDuration::from_hours(24 * i);
        let end = start + SignedDuration::from_mins(minutes);
        let mut r = report(rng, &tenant, &directory, &maria, start, end, 1);
        r.records.truncate(1); // the organizer
        for (k, reg) in open_day.registrations.iter().enumerate() {
            // Registered: most came (every fourth stayed away on day 1, every third on day 2);
            // of the cancelled the first came anyway; nobody else gets in.
            let came = match reg.status {
                "registered" => k % (if i == 0 { 4 } else { 3 }) != 1,
                "canceled" => k % 4 == 0 || reg.email.contains("visitor"),
                _ => false,
            };
            if !came {
                continue;
            }
            let join = start.as_second() + rng.range(-180, 900);
            let leave = (join + rng.range(20 * 60, minutes * 60)).min(end.as_second() + 120);
            r.records.push(Record {
                id: reg.user_id.clone().unwrap_or_else(|| rng.guid()),
                email: Some(reg.email.clone()),
                display_name: format!("{} {}", reg.first_name, reg.last_name),
                tenant_id: reg.user_id.as_ref().map(|_| tenant.clone()),
                role: "Attendee",
                intervals: vec![Interval {
                    join: Timestamp::from_second(join).ok(),
                    leave: Timestamp::from_second(leave).ok(),
                }],
                // Every fifth joined by the calendar link, not their registration: no registrationId.
                registration_id: (k % 5 != 2).then(|| reg.id.clone()),
            });
        }
        // Walk-ins: a presenter and guests who never registered.
        for (w, (name, email)) in [
            ("Priya Presenter", "priya.presenter@northwind.example"),
            ("Walk-in Guest", "walk.in@fabrikam.example"),
            ("Late Walk-in", "late.walkin@contoso.example"),
        ]
        .into_iter()
        .enumerate()
        {
            if i == 1 && w == 2 {
                continue;
            }
            let join = start.as_second() + 60 * (5 + 10 * w as i64);
            r.records.push(Record {
                id: rng.guid(),
                email: Some(email.into()),
                display_name: name.into(),
                tenant_id: None,
                role: if w == 0 { "Presenter" } else { "Attendee" },
                intervals: vec![Interval {
                    join: Timestamp::from_second(join).ok(),
                    leave: Timestamp::from_second(end.as_second() - 60 * (3 * w as i64)).ok(),
                }],
                registration_id: None,
            });
        }
        open_day.sessions.push(VirtualSession {
            id: format!("{}_{}", rng.token(12), i + 1),
            subject: format!("Open day: study skills — afternoon {}", i + 1),
            start,
            end,
            join_url: format!(
                "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
                rng.token(24)
            ),
            reports: vec![r],
        });
    }
    let upcoming_start = utc_at(day(7), 16, 0, now + SignedDuration::from_hours(24 * 7));
    let upcoming = VirtualWebinar {
        id: id(rng),
        organizer_id: maria.id.clone(),
        co_organizers: Vec::new(),
        display_name: "Career talk: publishing your thesis".into(),
        description: "Editors of two journals on getting a thesis published.".into(),
        status: "published",
        start: upcoming_start,
        end: upcoming_start + SignedDuration::from_mins(60),
        time_zone: "GMT Standard Time".into(),
        audience: "organization",
        capacity: Some(100),
        waitlist: false,
        manual_approval: false,
        external_event_id: None,
        sessions: vec![VirtualSession {
            id: format!("{}_1", rng.token(12)),
            subject: "Career talk: publishing your thesis".into(),
            start: upcoming_start,
            end: upcoming_start + SignedDuration::from_mins(60),
            join_url: format!(
                "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
                rng.token(24)
            ),
            reports: Vec::new(),
        }],
        registrations: directory
            .iter()
            .take(12)
            .map(|u| Registration {
                id: rng.guid(),
                user_id: Some(u.id.clone()),
                first_name: u.given_name.clone(),
                last_name: u.surname.clone(),
                email: u.mail.clone().unwrap_or_else(|| u.upn.clone()),
                status: "registered",
                registered: now - SignedDuration::from_hours(48),
                canceled: None,
                preferred_timezone: "GMT Standard Time".into(),
                answers: Vec::new(),
            })
            .collect(),
    };
    let draft_start = utc_at(day(14), 9, 0, now + SignedDuration::from_hours(24 * 14));
    let draft = VirtualWebinar {
        id: id(rng),
        display_name: "Lab safety refresher".into(),
        description: String::new(),
        status: "draft",
        start: draft_start,
        end: draft_start + SignedDuration::from_mins(45),
        capacity: None,
        registrations: Vec::new(),
        sessions: Vec::new(),
        external_event_id: None,
        ..upcoming.clone()
    };
    let cancelled_start = utc_at(day(-5), 13, 0, now - SignedDuration::from_hours(24 * 5));
    let cancelled = VirtualWebinar {
        id: id(rng),
        organizer_id: first.id.clone(),
        display_name: "Alumni evening".into(),
        status: "canceled",
        start: cancelled_start,
        end: cancelled_start + SignedDuration::from_mins(60),
        registrations: Vec::new(),
        sessions: Vec::new(),
        ..upcoming.clone()
    };
    world
        .virtual_webinars
        .extend([open_day, upcoming, draft, cancelled]);
}

/// The tenant's people who are neither hosts nor admins: who attends.
fn directory_of(world: &World) -> Vec<User> {
    world
        .users
        .iter()
        .filter(|u| !u.is_host && !u.is_admin)
        .cloned()
        .collect()
}

/// A new online meeting; one in four uses the new short join URL.
pub fn new_meeting(
    world: &World,
    rng: &mut Rng,
    host: &User,
    subject: &str,
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
) -> OnlineMeeting {
    let thread = format!(
        "19:meeting_{}@thread.v2",
        base64::engine::general_purpose::STANDARD
            .encode(rng.guid())
            .trim_end_matches('=')
    );
    let id =
        base64::engine::general_purpose::STANDARD.encode(format!("1*{}*0**{}", host.id, thread));
    let join_meeting_id = rng.digits(12);
    let (join_url, passcode) = if rng.chance(0.25) {
        let p = rng.token(12);
        (
            format!("https://teams.microsoft.com/meet/{join_meeting_id}?p={p}"),
            Some(p),
        )
    } else {
        let encoded_thread = thread.replace(':', "%3a").replace('@', "%40");
        (
            format!(
                "https://teams.microsoft.com/l/meetup-join/{encoded_thread}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
                world.tenant.id, host.id
            ),
            None,
        )
    };
    OnlineMeeting {
        id,
        organizer_id: host.id.clone(),
        co_organizers: Vec::new(),
        join_url,
        join_meeting_id,
        passcode,
        thread_id: thread,
        subject: Some(subject.into()),
        start,
        end,
        created: now.min(start),
        reports: Vec::new(),
    }
}

/// An event body (HTML) with Outlook's "Microsoft Teams meeting" join block appended.
pub fn teams_body(html: &str, join_url: Option<&str>) -> String {
    let escaped = html;
    match join_url {
        Some(url) => format!(
            "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n{escaped}\r\n<div style=\"width:100%\">________________________________________________________________________________</div>\r\n<div><b>Microsoft Teams meeting</b><br>Join on your computer, mobile app or room device<br><a href=\"{url}\">Click here to join the meeting</a></div>\r\n</body>\r\n</html>\r\n"
        ),
        None => format!("<html><body>{escaped}</body></html>"),
    }
}

/// One session's attendance: the organizer, a presenter, directory users with re-joins, external
/// guests, anonymous and dial-in participants and hostile display names.
pub fn report(
    rng: &mut Rng,
    home: &str,
    directory: &[User],
    host: &User,
    start: Timestamp,
    end: Timestamp,
    size: usize,
) -> Report {
    let span = (end.as_second() - start.as_second()).max(60);
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(start);
    let mut records = vec![Record {
        id: host.id.clone(),
        email: host.mail.clone(),
        display_name: host.display_name.clone(),
        tenant_id: Some(home.to_string()),
        role: "Organizer",
        intervals: vec![Interval {
            join: Some(at(start.as_second() - 120)),
            leave: Some(at(end.as_second())),
        }],
        registration_id: None,
    }];
    for n in 1..size.max(3) {
        let kind = rng.range(0, 99);
        let (id, email, name, tenant, role) = if n == 1 {
            let u = rng.pick(directory);
            (
                u.id.clone(),
                u.mail.clone(),
                u.display_name.clone(),
                Some(home.to_string()),
                "Presenter",
            )
        } else if kind < 8 {
            let id = rng.guid();
            (
                id,
                Some(format!("guest{n}@fabrikam.example")),
                format!("Guest {n} (Fabrikam)"),
                Some("d2636ec3-22a2-4eaa-8e2a-72f28bfe0fef".into()),
                "Attendee",
            )
        } else if kind < 13 {
            (
                rng.guid(),
                None,
                format!("{} (Unverified)", rng.pick(&["Jordan", "Kai", "Robin"])),
                None,
                "Attendee",
            )
        } else if kind < 16 {
            (
                rng.guid(),
                Some(String::new()),
                format!("+1 425 555 {:04}", rng.range(0, 9999)),
                None,
                "Attendee",
            )
        } else if kind < 22 {
            let u = rng.pick(directory);
            (
                u.id.clone(),
                u.mail.clone().or(Some(u.upn.clone())),
                rng.pick(HOSTILE_NAMES).to_string(),
                Some(home.to_string()),
                "Attendee",
            )
        } else {
            let u = &directory[(n * 7 + rng.range(0, 3) as usize) % directory.len()];
            (
                u.id.clone(),
                u.mail.clone(),
                u.display_name.clone(),
                Some(home.to_string()),
                "Attendee",
            )
        };
        if records.iter().any(|r| r.id == id) {
            continue;
        }
        let joins = if rng.chance(0.2) { rng.range(2, 4) } else { 1 };
        let mut intervals = Vec::new();
        let mut cursor = start.as_second() + rng.range(-300, span / 3);
        for _ in 0..joins {
            let leave = (cursor + rng.range(60, span)).min(end.as_second() + 300);
            intervals.push(Interval {
                join: Some(at(cursor)),
                leave: Some(at(leave)),
            });
            cursor = leave + rng.range(30, 600);
            if cursor >= end.as_second() {
                break;
            }
        }
        if email.as_deref() == Some("") && rng.chance(0.5) {
            intervals = vec![Interval {
                join: None,
                leave: None,
            }];
        }
        records.push(Record {
            id,
            email,
            display_name: name,
            tenant_id: tenant,
            role,
            intervals,
            registration_id: None,
        });
    }
    Report {
        id: rng.guid(),
        start,
        end,
        records,
    }
}

/// `POST /_emulator/bulk`: more ended webinars with attendance, for load tests and benchmarks.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bulk {
    pub count: usize,
    #[serde(default = "default_min")]
    pub min_attendees: usize,
    #[serde(default = "default_max")]
    pub max_attendees: usize,
    /// Spread over this many past days (ending yesterday).
    #[serde(default = "default_days")]
    pub days_back: i64,
    /// Host e-mails; default: the licensed hosts covered by the access policy.
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub seed: u64,
    /// Add this many more licensed hosts covered by the access policy first
    /// (`bulk.host1@…` … `bulk.hostN@…`), for large-tenant benchmarks.
    #[serde(default)]
    pub extra_hosts: usize,
}

fn default_min() -> usize {
    50
}
fn default_max() -> usize {
    600
}
fn default_days() -> i64 {
    60
}

/// Add ended Teams webinars, each with one attendance report of `min..=max` attendees.
pub fn bulk_webinars(world: &mut World, spec: &Bulk, now: Timestamp) -> usize {
    let mut rng = Rng::new(spec.seed ^ 0xB01C_u64 ^ world.next_key);
    for n in 1..=spec.extra_hosts.min(500) {
        let mail = format!("bulk.host{n}@{MAIL_DOMAIN}");
        if world
            .users
            .iter()
            .any(|u| u.mail.as_deref() == Some(mail.as_str()))
        {
            continue;
        }
        world.users.push(User {
            id: rng.guid(),
            upn: format!("bulk.host{n}@{TENANT_DOMAIN}"),
            mail: Some(mail),
            display_name: format!("Bulk Host {n}"),
            given_name: "Bulk".into(),
            surname: format!("Host {n}"),
            job_title: Some("Curator".into()),
            has_mailbox: true,
            onedrive: true,
            teams_plan: Some("Success"),
            teams_entries: vec![],
            policy_covered: true,
            mailbox_out_of_scope: false,
            is_admin: false,
            directory_roles: vec![],
            is_host: true,
        });
    }
    let hosts: Vec<User> = world
        .users
        .iter()
        .filter(|u| {
            if spec.hosts.is_empty() {
                u.is_host && u.policy_covered && u.teams_plan == Some("Success")
            } else {
                spec.hosts
                    .iter()
                    .any(|h| u.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(h)))
            }
        })
        .cloned()
        .collect();
    if hosts.is_empty() {
        return 0;
    }
    let directory: Vec<User> = directory_of(world);
    let home = world.tenant.id.clone();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    for i in 0..spec.count {
        let host = &hosts[i % hosts.len()];
        let day = today
            .checked_add((-(rng.range(1, spec.days_back.max(2)) as i32)).days())
            .unwrap_or(today);
        let start = utc_at(
            day,
            rng.range(6, 18) as i8,
            *rng.pick(&[0i8, 15, 30, 45]),
            now,
        );
        let end = start + SignedDuration::from_mins(60);
        let key = add_teams_event(
            world,
            &mut rng,
            host,
            &format!("Bulk webinar {i}"),
            start,
            end,
            None,
            now,
        );
        let size = rng.range(
            spec.min_attendees as i64,
            spec.max_attendees.max(spec.min_attendees) as i64 + 1,
        ) as usize;
        if let Some(mid) = world.events.get(&key).and_then(|e| e.meeting_id.clone()) {
            if let Some(m) = world.meetings.iter_mut().find(|m| m.id == mid) {
                m.reports = vec![report(&mut rng, &home, &directory, host, start, end, size)];
            }
        }
    }
    spec.count
}
