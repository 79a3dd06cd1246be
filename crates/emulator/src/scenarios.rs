//! Named situations an admin meets in a real tenant (a missing access policy, an expired secret,
//! ...), switchable at start (`--scenario`) and at runtime (`POST /_emulator/scenarios/{name}`).

use jiff::Timestamp;

use crate::model::World;

/// Named situations an admin meets in a real tenant, switchable at start and at runtime.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "missing-access-policy",
        "no host is covered by a Teams application access policy",
    ),
    (
        "missing-access-policy-documented",
        "no host is covered by an access policy, and Teams says so with the documented 403 Unauthorized body",
    ),
    (
        "missing-access-policy-401",
        "no host is covered by an access policy, and Teams answers the documented body with HTTP 401",
    ),
    (
        "missing-access-policy-quiet-webinars",
        "no host is covered by an access policy, and the app-only Teams webinar listing answers an empty list instead of 403 (the quiet failure admins report)",
    ),
    (
        "mailbox-scoped",
        "Exchange limits the app to a mail-enabled group that leaves out the first host (Access to OData is disabled)",
    ),
    (
        "mailbox-scoped-to-hosts",
        "Exchange limits the app to the hosts' mailboxes (least privilege): every other mailbox is refused",
    ),
    (
        "missing-permission",
        "OnlineMeetingArtifact.Read.All is not among the app's permissions",
    ),
    (
        "no-admin-consent",
        "nobody granted admin consent: tokens carry no roles",
    ),
    ("expired-secret", "the demo client secret expired yesterday"),
    (
        "secret-lifetime-policy",
        "the tenant's app management policy allows client secrets of at most 6 months",
    ),
    (
        "host-without-onedrive",
        "the first host's licence has Office for the web but no OneDrive (SharePoint Online)",
    ),
    (
        "lms-redirect-missing",
        "the LMS's web redirect URI is not registered",
    ),
    (
        "secret-renewed",
        "the demo client secret is valid for another 18 months (by default it expires in 10 days)",
    ),
    (
        "unlicensed-host",
        "the first host lost its licence and mailbox",
    ),
    (
        "licence-states",
        "the hosts' Teams plans as other tenants have them: GCC High, a grace period (Warning), a lapsed (Suspended) subscription",
    ),
    (
        "user-consent-disabled",
        "users may not consent to apps: without admin consent the browser stops at \"Need admin approval\" (AADSTS90094)",
    ),
    (
        "single-tenant-app",
        "the app registration accepts accounts of its own tenant only (signInAudience AzureADMyOrg): sign-in through /common fails with AADSTS50194",
    ),
    (
        "work-accounts-only",
        "the app registration accepts work and school accounts of any tenant but no personal Microsoft accounts (signInAudience AzureADMultipleOrgs)",
    ),
    (
        "token-checkboxes-off",
        "Authentication → Implicit grant and hybrid flows: neither ID tokens nor access tokens is ticked",
    ),
    (
        "redirect-under-spa",
        "http://localhost is registered as a single-page application: redeeming the code fails with AADSTS9002327",
    ),
    (
        "large-tokens",
        "refresh tokens of about 4 KB",
    ),
    (
        "no-virtual-events-permission",
        "the app registration lacks VirtualEvent.Read.All (application) and VirtualEvent.ReadWrite (delegated): Teams webinars are refused with 403",
    ),
    (
        "webinars-disabled",
        "the fifth host's Teams events policy does not allow webinars (CsTeamsEventsPolicy -AllowWebinars Disabled): none of theirs are listed and creating one is refused",
    ),
    (
        "town-hall",
        "yesterday the first host held an all-staff town hall of 20,000 attendees and a curators' briefing of 600 (the charts' benchmark)",
    ),
    (
        "late-reports",
        "attendance reports appear 90 minutes after a session ends, after an LMS polling for one hour has stopped (PUT /_emulator/report-delay sets the minutes)",
    ),
    (
        "attendance-summary-hidden",
        "the first host's Teams meeting policy hides attendance times (\"Attendance summary\" not \"Show everything\"): their reports list who came with no join/leave intervals and no durations",
    ),
    (
        "refresh-inactive",
        "refresh tokens are rejected as inactive for 90 days (AADSTS700082)",
    ),
];

/// A scenario name that is not in [`SCENARIOS`]: the name, and the known ones.
#[derive(Debug)]
pub struct UnknownScenario(pub String, pub String);

impl std::fmt::Display for UnknownScenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown scenario '{}'; known: {}", self.0, self.1)
    }
}

/// Apply a named scenario to the world.
pub fn apply_scenario(
    world: &mut World,
    name: &str,
    now: Timestamp,
) -> Result<(), UnknownScenario> {
    let app_id = world
        .apps
        .first()
        .map(|a| a.app_id.clone())
        .unwrap_or_default();
    match name {
        "single-tenant-app" | "work-accounts-only" => {
            if let Some(a) = world.apps.first_mut() {
                a.sign_in_audience = if name == "single-tenant-app" {
                    "AzureADMyOrg"
                } else {
                    "AzureADMultipleOrgs"
                };
                // Made for work accounts, so its tokens are v1 (null): changing the audience back
                // needs `api.requestedAccessTokenVersion` 2 in the same change.
                a.token_version = None;
            }
        }
        "token-checkboxes-off" => {
            if let Some(a) = world.apps.first_mut() {
                a.id_token_issuance = false;
                a.access_token_issuance = false;
            }
        }
        "missing-access-policy" => world
            .users
            .iter_mut()
            .for_each(|u| u.policy_covered = false),
        "missing-access-policy-quiet-webinars" => {
            world
                .users
                .iter_mut()
                .for_each(|u| u.policy_covered = false);
            world.quiet_webinar_listing = true;
        }
        "missing-access-policy-documented" | "missing-access-policy-401" => {
            world
                .users
                .iter_mut()
                .for_each(|u| u.policy_covered = false);
            world.policy_error = if name.ends_with("401") {
                crate::model::PolicyError::Documented401
            } else {
                crate::model::PolicyError::Documented
            };
        }
        "mailbox-scoped" => {
            if let Some(u) = world.users.iter_mut().find(|u| u.is_host) {
                u.mailbox_out_of_scope = true;
            }
        }
        "mailbox-scoped-to-hosts" => world
            .users
            .iter_mut()
            .filter(|u| !u.is_host)
            .for_each(|u| u.mailbox_out_of_scope = true),
        "missing-permission" => {
            if let Some(app) = world.app_mut(&app_id) {
                for set in [
                    &mut app.app_roles,
                    &mut app.delegated,
                    &mut app.granted_roles,
                    &mut app.granted_scopes,
                ] {
                    set.remove("OnlineMeetingArtifact.Read.All");
                }
            }
        }
        "no-admin-consent" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.granted_roles.clear();
                app.granted_scopes.clear();
            }
        }
        "expired-secret" => {
            if let Some(app) = world.app_mut(&app_id) {
                if let Some(s) = app.secrets.first_mut() {
                    s.end = now - jiff::SignedDuration::from_hours(24);
                }
            }
        }
        "secret-renewed" => {
            if let Some(app) = world.app_mut(&app_id) {
                if let Some(s) = app.secrets.first_mut() {
                    s.end = now + jiff::SignedDuration::from_hours(24 * 545);
                }
            }
        }
        "unlicensed-host" => {
            if let Some(u) = world.users.iter_mut().find(|u| u.is_host) {
                u.teams_plan = None;
                u.has_mailbox = false;
                u.onedrive = false;
            }
        }
        "licence-states" => {
            const GCC_HIGH: &str = "9953b155-8aef-4c56-92f3-72b0487fce41";
            let states: [Vec<(&'static str, &'static str)>; 3] = [
                vec![(GCC_HIGH, "Enabled")],
                vec![(crate::model::TEAMS1_PLAN, "Warning")],
                vec![(crate::model::TEAMS1_PLAN, "Suspended")],
            ];
            for (u, entries) in world.users.iter_mut().filter(|u| u.is_host).zip(states) {
                u.teams_entries = entries;
            }
        }
        "user-consent-disabled" => world.user_consent = false,
        // The tenant's default app management policy limits new client secrets to 6 months
        // (resources/tenantappmanagementpolicy.md, `passwordLifetime`).
        "secret-lifetime-policy" => world.secret_max_days = Some(180),
        "host-without-onedrive" => {
            if let Some(u) = world.users.iter_mut().find(|u| u.is_host) {
                u.onedrive = false;
            }
        }
        "lms-redirect-missing" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.redirects
                    .retain(|r| r.uri != crate::seed::PORTAL_REDIRECT);
            }
        }
        "large-tokens" => world.large_tokens = true,
        "town-hall" => crate::seed::town_hall(world, 20_000, now),
        "late-reports" => world.report_delay_minutes = 90,
        "no-virtual-events-permission" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.app_roles.remove("VirtualEvent.Read.All");
                app.granted_roles.remove("VirtualEvent.Read.All");
                app.delegated.remove("VirtualEvent.ReadWrite");
                app.granted_scopes.remove("VirtualEvent.ReadWrite");
            }
        }
        "webinars-disabled" => {
            if let Some(u) = world.users.iter().filter(|u| u.is_host).nth(4) {
                world.webinars_disabled_for.insert(u.id.clone());
            }
        }
        "redirect-under-spa" => {
            if let Some(app) = world.app_mut(&app_id) {
                app.redirects
                    .iter_mut()
                    .filter(|r| r.uri == "http://localhost")
                    .for_each(|r| r.platform = crate::model::Platform::Spa);
            }
        }
        "attendance-summary-hidden" => {
            // MicrosoftDocs/OfficeDocs-SkypeForBusiness#10166: the "Attendance summary" setting
            // controls whether join times, leave times and in-meeting duration are shown.
            if let Some(host) = world.users.iter().find(|u| u.is_host).map(|u| u.id.clone()) {
                for m in world.meetings.iter_mut().filter(|m| m.organizer_id == host) {
                    for r in m.reports.iter_mut().flat_map(|r| r.records.iter_mut()) {
                        r.intervals.clear();
                    }
                }
            }
        }
        "refresh-inactive" => {
            let old = now - jiff::SignedDuration::from_hours(24 * 91);
            world.refresh.values_mut().for_each(|g| g.last_used = old);
        }
        other => {
            let known = SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(UnknownScenario(other.to_string(), known));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_town_hall_has_a_crowd_and_a_briefing_of_600() {
        let now = jiff::Timestamp::now();
        let (mut world, _) = crate::seed::demo(1, now);
        super::apply_scenario(&mut world, "town-hall", now).unwrap();
        let sizes: Vec<(String, usize)> = world
            .meetings
            .iter()
            .filter(|m| {
                matches!(
                    m.subject.as_deref(),
                    Some("All-staff town hall" | "Curators' briefing")
                )
            })
            .map(|m| {
                (
                    m.subject.clone().unwrap_or_default(),
                    m.reports.iter().map(|r| r.records.len()).sum(),
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [
                ("All-staff town hall".to_string(), 20_000),
                ("Curators' briefing".to_string(), 600)
            ]
        );
    }
}
