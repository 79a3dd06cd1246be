#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The set-up checklist against each emulator scenario: the right status and the right fix.

use std::sync::Arc;

use rollcall_core::setup::{self, Checklist, Status, Step};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::Profiles;
use rollcall_core::tenant::secrets::{MemorySecrets, SecretStore};
use rollcall_emulator::Running;

mod common;
use common::emulator;

const GOOD_HOSTS: [&str; 3] = [
    "megan.bowen@northwind.example",
    "adele.vance@northwind.example",
    "maria.ortiz@northwind.example",
];

fn app_conn(emu: &Running, hosts: &[&str]) -> Connection {
    let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let mut c = common::app_conn(emu, &hosts);
    c.portal_redirect_uri = Some(emu.info.portal_redirect_uri.clone());
    c
}

fn step<'a>(c: &'a Checklist, id: &str) -> &'a Step {
    c.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn text(s: &Step) -> String {
    s.detail.join("\n")
}

#[tokio::test]
async fn all_good_passes_every_step_in_the_articles_order() {
    let emu = emulator(&["secret-renewed"]).await;
    let c = setup::check_all(&app_conn(&emu, &GOOD_HOSTS)).await;
    let ids: Vec<&str> = c.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tenant",
            "credentials",
            "secret",
            "audience",
            "permissions",
            "consent",
            "accessPolicy",
            "hosts",
            "mailboxScope",
            "smoke"
        ]
    );
    for s in c.steps.iter().filter(|s| !s.on_demand) {
        assert_eq!(s.status, Status::Passed, "{}: {}", s.id, text(s));
        assert!(s.checked_at.is_some());
    }
    assert_eq!(c.failed(), 0);
    assert!(text(step(&c, "secret")).contains("days left"));
    // Evidence keeps Graph's request-id.
    assert!(step(&c, "hosts")
        .evidence
        .iter()
        .any(|e| e.request_id.is_some()));
}

#[tokio::test]
async fn a_secret_expiring_in_ten_days_warns() {
    let emu = emulator(&[]).await;
    let s = setup::check(&app_conn(&emu, &GOOD_HOSTS), "secret")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Warning);
    assert!(text(&s).contains("10 days left"), "{}", text(&s));
    assert!(
        text(&s).contains("lms-2026"),
        "names the matching secret: {}",
        text(&s)
    );
}

#[tokio::test]
async fn an_expired_secret_fails_credentials_and_later_steps_wait() {
    let emu = emulator(&["expired-secret"]).await;
    let c = setup::check_all(&app_conn(&emu, &GOOD_HOSTS)).await;
    assert_eq!(step(&c, "tenant").status, Status::Passed);
    let cred = step(&c, "credentials");
    assert_eq!(cred.status, Status::Failed);
    assert!(text(cred).contains("expired"));
    assert!(text(cred).contains("Certificates & secrets"));
    assert!(
        cred.evidence[0].request_id.is_some(),
        "the trace id is kept"
    );
    for id in ["permissions", "consent", "accessPolicy", "hosts"] {
        assert_eq!(step(&c, id).status, Status::Waiting, "{id}");
        assert!(text(step(&c, id)).contains("Waits for step 2"));
    }
}

#[tokio::test]
async fn a_missing_access_policy_fails_with_a_script_for_this_app() {
    let emu = emulator(&["missing-access-policy", "secret-renewed"]).await;
    let s = setup::check(&app_conn(&emu, &GOOD_HOSTS), "accessPolicy")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Failed);
    assert!(text(&s).contains("megan.bowen@northwind.example"));
    assert!(text(&s).contains("30 minutes"));
    assert_eq!(s.recheck_minutes, Some(5));
    let script = &s.scripts[0].value;
    assert!(script.contains(&format!("-AppIds '{}'", emu.info.client_id)));
    assert!(
        script.contains("Grant-CsApplicationAccessPolicy -PolicyName 'LMS-Teams-Webinars' -Global")
    );
    assert!(s.scripts[1]
        .value
        .contains("-Identity 'maria.ortiz@northwind.example'"));
    assert!(s.scripts[2]
        .value
        .contains(&format!("@{{Add='{}'}}", emu.info.client_id)));
    assert!(s.evidence.iter().any(|e| e.answer.contains("403")));
}

/// Graph says "no access policy" in more than one shape (403 General, the documented 403 and 401
/// Unauthorized "not authorized … on behalf of user"): each is the policy, never "check API
/// permissions", and none aborts the attendance of other webinars.
#[tokio::test]
async fn every_shape_of_a_missing_policy_is_recognised() {
    for scenario in [
        "missing-access-policy",
        "missing-access-policy-documented",
        "missing-access-policy-401",
    ] {
        let emu = emulator(&[scenario, "secret-renewed"]).await;
        let conn = app_conn(&emu, &GOOD_HOSTS);
        let s = setup::check(&conn, "accessPolicy").await.unwrap();
        assert_eq!(s.status, Status::Failed, "{scenario}: {:?}", s.detail);
        assert!(
            text(&s).contains("Not covered: megan.bowen@northwind.example"),
            "{scenario}"
        );
        assert!(!text(&s).contains("API permissions"), "{scenario}");
        let (from, to) = (
            jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 60),
            jiff::Timestamp::now(),
        );
        let got = rollcall_core::attendance::for_range(
            &conn,
            &GOOD_HOSTS.map(String::from),
            from,
            to,
            0.8,
        )
        .await
        .unwrap_or_else(|e| panic!("{scenario}: {e:?}"));
        assert!(
            got.notes
                .iter()
                .any(|n| n.contains("application access policy")),
            "{scenario}: {:?}",
            got.notes
        );
    }
}

/// A real join URL probes the policy; a "not found" style answer still means the policy let the
/// call through, so a covered host is never reported as uncovered.
#[tokio::test]
async fn the_policy_probe_passes_for_covered_hosts_whatever_the_lookup_answers() {
    let emu = emulator(&["secret-renewed"]).await;
    let s = setup::check(&app_conn(&emu, &GOOD_HOSTS), "accessPolicy")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Passed, "{:?}", s.detail);
    // The probe used a meeting of the host's own calendar (a 200 with the meeting).
    assert!(
        s.evidence.iter().any(|e| e.answer.starts_with("200")),
        "{:?}",
        s.evidence
    );
}

#[tokio::test]
async fn the_demo_host_outside_the_policy_is_named() {
    let emu = emulator(&[]).await;
    let s = setup::check(
        &app_conn(
            &emu,
            &[
                "megan.bowen@northwind.example",
                "lidia.holloway@northwind.example",
            ],
        ),
        "accessPolicy",
    )
    .await
    .unwrap();
    assert_eq!(s.status, Status::Failed);
    assert!(text(&s).contains("Not covered: lidia.holloway@northwind.example."));
    assert!(!text(&s).contains("Not covered: megan"));
    assert!(s.scripts[1].value.contains("lidia.holloway") && !s.scripts[1].value.contains("megan"));
}

#[tokio::test]
async fn a_missing_permission_is_named_with_its_type_and_the_consent_url() {
    let emu = emulator(&["missing-permission"]).await;
    let c = setup::check_all(&app_conn(&emu, &GOOD_HOSTS)).await;
    let p = step(&c, "permissions");
    assert_eq!(p.status, Status::Failed);
    assert!(text(p).contains("Missing: OnlineMeetingArtifact.Read.All (Application)."));
    assert!(text(p).contains(&format!(
        "/{}/adminconsent?client_id={}",
        emu.info.tenant_id, emu.info.client_id
    )));
    assert_eq!(step(&c, "consent").status, Status::Warning);
    // Without participant information the artifact permission is not required.
    let mut conn = app_conn(&emu, &GOOD_HOSTS);
    conn.participant_info = false;
    let c = setup::check_all(&conn).await;
    assert_eq!(step(&c, "permissions").status, Status::Passed);
    assert!(
        c.steps.iter().all(|s| s.id != "accessPolicy"),
        "no access policy step without participant information"
    );
}

#[tokio::test]
async fn no_admin_consent_fails_consent_with_the_url() {
    let emu = emulator(&["no-admin-consent"]).await;
    let c = setup::check_all(&app_conn(&emu, &GOOD_HOSTS)).await;
    let s = step(&c, "consent");
    assert_eq!(s.status, Status::Failed);
    assert!(text(s).contains("admin consent has not been granted"));
    assert!(text(s).contains("/adminconsent?client_id="));
    assert_eq!(step(&c, "permissions").status, Status::Failed);
}

#[tokio::test]
async fn an_unlicensed_host_and_a_disabled_teams_plan_fail_the_hosts_step() {
    let emu = emulator(&["unlicensed-host"]).await;
    let s = setup::check(
        &app_conn(
            &emu,
            &[
                "megan.bowen@northwind.example",
                "diego.siciliani@northwind.example",
                "nobody@northwind.example",
            ],
        ),
        "hosts",
    )
    .await
    .unwrap();
    assert_eq!(s.status, Status::Failed);
    let t = text(&s);
    assert!(t.contains("megan.bowen@northwind.example (Megan Bowen): has no licence that includes Microsoft Teams"), "{t}");
    assert!(t.contains("no Exchange Online mailbox"), "{t}");
    assert!(t.contains("Microsoft Teams service is turned off"), "{t}");
    assert!(
        t.contains("nobody@northwind.example: no user with this e-mail"),
        "{t}"
    );
}

/// The article's licence "in which Teams and OneDrive services are available": Office for the web
/// alone (also reported as the service "SharePoint") is not OneDrive.
#[tokio::test]
async fn a_host_without_onedrive_fails_the_hosts_step() {
    let emu = emulator(&["host-without-onedrive"]).await;
    let hosts = [
        "megan.bowen@northwind.example",
        "adele.vance@northwind.example",
    ];
    let s = setup::check(&app_conn(&emu, &hosts), "hosts")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Failed);
    let t = text(&s);
    assert!(t.contains("megan.bowen@northwind.example (Megan Bowen): Teams licensed; has no licence that includes OneDrive"), "{t}");
    assert!(
        t.contains("Adele Vance): Teams licensed; OneDrive licensed"),
        "{t}"
    );
    let fine = emulator(&[]).await;
    let s = setup::check(&app_conn(&fine, &hosts[..1]), "hosts")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Passed, "{}", text(&s));
}

#[tokio::test]
async fn a_host_typed_with_the_sign_in_name_gets_the_mail_to_use() {
    let emu = emulator(&["secret-renewed"]).await;
    let s = setup::check(
        &app_conn(&emu, &["mortiz@northwindacademy.onmicrosoft.com"]),
        "hosts",
    )
    .await
    .unwrap();
    assert_eq!(s.status, Status::Warning);
    assert!(
        text(&s).contains(
            "its e-mail is maria.ortiz@northwind.example: use maria.ortiz@northwind.example"
        ),
        "{}",
        text(&s)
    );
}

#[tokio::test]
async fn reports_hold_every_step_and_never_a_secret() {
    let emu = emulator(&["missing-access-policy"]).await;
    let c = setup::check_all(&app_conn(
        &emu,
        &[
            "megan.bowen@northwind.example",
            "<b>x</b>@northwind.example",
        ],
    ))
    .await;
    let md = setup::report_markdown(&c, "2026-11-26T10:00:00Z");
    let html = setup::report_html(&c, "2026-11-26T10:00:00Z");
    for r in [&md, &html] {
        assert!(
            !r.contains(&emu.info.client_secret),
            "no secret in a report"
        );
        assert!(r.contains(&emu.info.client_id));
        assert!(r.contains("Teams application access policy"));
        assert!(r.contains("Grant-CsApplicationAccessPolicy"));
    }
    assert!(md.contains("## 7. Teams application access policy — failed"));
    assert!(
        html.contains("&lt;b&gt;x&lt;/b&gt;@northwind.example") && !html.contains("<b>x</b>"),
        "HTML is escaped"
    );
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'\""),
        "the set-up report carries the reports' content policy"
    );
}

#[tokio::test]
async fn unknown_tenant_fails_the_first_step() {
    let emu = emulator(&[]).await;
    let mut conn = app_conn(&emu, &GOOD_HOSTS);
    conn.tenant = "nosuchschool.onmicrosoft.com".into();
    let s = setup::check(&conn, "tenant").await.unwrap();
    assert_eq!(s.status, Status::Failed);
    assert!(text(&s).contains("nosuchschool.onmicrosoft.com"));
    assert!(s.evidence[0].answer.contains("AADSTS90002"));
}

#[tokio::test]
async fn the_smoke_test_creates_finds_and_deletes_a_meeting() {
    let emu = emulator(&[]).await;
    let s = setup::check(&app_conn(&emu, &["megan.bowen@northwind.example"]), "smoke")
        .await
        .unwrap();
    assert_eq!(s.status, Status::Passed, "{}", text(&s));
    assert!(s.evidence.iter().any(|e| e.request.starts_with("POST ")));
    assert!(s.evidence.iter().any(|e| e.request.starts_with("DELETE ")));
    let s = setup::check(
        &app_conn(&emu, &["lidia.holloway@northwind.example"]),
        "smoke",
    )
    .await
    .unwrap();
    assert_eq!(s.status, Status::Failed);
    assert!(
        text(&s).contains("Deleted the test meeting"),
        "cleans up even when it fails"
    );
}

#[tokio::test]
async fn delegated_mode_checks_redirect_uris_and_its_own_permission_list() {
    let emu = emulator(&[]).await;
    let dir = std::env::temp_dir().join(format!("rollcall-setup-{}", uuid::Uuid::new_v4()));
    let profiles = Profiles::in_dir(&dir);
    let store: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let p = common::delegated_profile(&emu, &["megan.bowen@northwind.example".into()]);
    profiles.upsert(p.clone()).unwrap();
    let (conn, _) = common::sign_in(&p, &dir, store, "megan.bowen@northwind.example").await;

    let c = setup::check_all(&conn).await;
    let ids: Vec<&str> = c.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tenant",
            "credentials",
            "secret",
            "audience",
            "redirect",
            "permissions",
            "consent",
            "hosts",
            "smoke"
        ],
        "delegated: redirect URIs, no access policy"
    );
    // The signed-in host may not read the app registration (no Application.Read.All): said so.
    let a = step(&c, "audience");
    assert_eq!(a.status, Status::CannotCheck, "{}", text(a));
    assert!(text(a).contains("Supported account types"), "{}", text(a));
    let r = step(&c, "redirect");
    assert_eq!(r.status, Status::CannotCheck, "{}", text(r));
    assert!(text(r).contains("came back through it"));
    assert!(
        text(r).contains("https://lms.northwind.example/api/v2/webinars/oauth/microsoft-callback")
    );
    assert!(r.values.iter().any(
        |v| v.value == "https://lms.northwind.example/api/v2/webinars/oauth/microsoft-callback"
    ));
    assert_eq!(
        step(&c, "permissions").status,
        Status::Passed,
        "{}",
        text(step(&c, "permissions"))
    );
    assert_eq!(step(&c, "consent").status, Status::Passed);
    let h = step(&c, "hosts");
    assert_eq!(h.status, Status::Passed, "{}", text(h));
    assert!(text(h).contains(
        "megan.bowen@northwind.example (Megan Bowen): Teams licensed; OneDrive licensed; calendar readable."
    ));
    let _ = std::fs::remove_dir_all(dir);
}

/// Teams licences as other tenants have them: a government plan is a Teams licence, a grace period
/// is usable (said as such), a lapsed subscription is named, and a stale Deleted entry before the
/// live one (Maria's old licence) does not hide it.
#[tokio::test]
async fn teams_licences_of_every_cloud_and_state() {
    let emu = emulator(&["licence-states", "secret-renewed"]).await;
    let hosts = [
        "megan.bowen@northwind.example",
        "adele.vance@northwind.example",
        "lidia.holloway@northwind.example",
        "maria.ortiz@northwind.example",
    ];
    let s = setup::check(&app_conn(&emu, &hosts), "hosts")
        .await
        .unwrap();
    let line = |h: &str| {
        s.detail
            .iter()
            .find(|d| d.starts_with(h))
            .unwrap_or_else(|| panic!("{h}: {:?}", s.detail))
            .clone()
    };
    assert!(
        line(hosts[0]).contains("Teams licensed"),
        "GCC High: {}",
        line(hosts[0])
    );
    assert!(
        line(hosts[1]).contains("grace period"),
        "{}",
        line(hosts[1])
    );
    assert!(line(hosts[2]).contains("suspended"), "{}", line(hosts[2]));
    assert!(
        line(hosts[3]).contains("Teams licensed"),
        "stale entry: {}",
        line(hosts[3])
    );
    assert_eq!(
        s.status,
        Status::Failed,
        "the suspended host fails the step"
    );
    let summary = rollcall_core::setup::summary::fetch(&app_conn(&emu, &hosts))
        .await
        .unwrap();
    let teams: Vec<&str> = summary.hosts.iter().map(|h| h.teams.as_str()).collect();
    assert_eq!(teams, ["enabled", "grace period", "suspended", "enabled"]);
}

/// The optional mailbox-scope step: open to every mailbox is a warning with the PowerShell to scope
/// it, a host outside the scope fails by name, a scope of exactly the hosts passes.
#[tokio::test]
async fn the_mailbox_scope_step_recommends_least_privilege_and_verifies_it() {
    for (scenario, status, says) in [
        ("secret-renewed", Status::Warning, "every other mailbox"),
        (
            "mailbox-scoped",
            Status::Failed,
            "megan.bowen@northwind.example",
        ),
        ("mailbox-scoped-to-hosts", Status::Passed, "Scoped"),
    ] {
        let emu = emulator(&[scenario, "secret-renewed"]).await;
        let hosts: Vec<&str> = emu.info.hosts.iter().map(String::as_str).collect();
        let s = setup::check(&app_conn(&emu, &hosts), "mailboxScope")
            .await
            .unwrap();
        assert_eq!(s.status, status, "{scenario}: {:?}", s.detail);
        assert!(text(&s).contains(says), "{scenario}: {}", text(&s));
        let rbac = &s.scripts[0].value;
        assert!(rbac.contains(&format!(
            "New-ManagementRoleAssignment -App '{}' -Role 'Application Calendars.ReadWrite'",
            emu.info.client_id
        )));
        assert!(rbac.contains("'maria.ortiz@northwind.example'"));
        assert!(s.scripts[1].value.contains("New-ApplicationAccessPolicy"));
        // The saved report carries the scripts of a warning as of a failure.
        let list = Checklist {
            steps: vec![s.clone()],
            ..setup::plan(&app_conn(&emu, &hosts))
        };
        let md = setup::report_markdown(&list, "2026-11-26T10:00:00Z");
        let html = setup::report_html(&list, "2026-11-26T10:00:00Z");
        for r in [&md, &html] {
            assert_eq!(
                r.contains("New-ManagementRoleAssignment"),
                status != Status::Passed,
                "{scenario}: the report's scripts"
            );
        }
    }
    // A calendar call for a host outside the scope says so in the user's words.
    let emu = emulator(&["mailbox-scoped"]).await;
    let conn = app_conn(&emu, &GOOD_HOSTS);
    let (from, to) = (
        jiff::Timestamp::now(),
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
    );
    let range =
        rollcall_core::webinars::list(&conn, &GOOD_HOSTS.map(String::from), from, to, false)
            .await
            .unwrap();
    let p = &range.problems[0];
    assert_eq!(p.host, "megan.bowen@northwind.example");
    assert!(
        p.error
            .message
            .contains("Exchange Online keeps this app out"),
        "{}",
        p.error.message
    );
    assert!(p.error.hint.as_deref().unwrap().contains("Mailbox scope"));
}

/// An empty app-only webinar listing is suspect: where Graph answers an empty list instead of a
/// 403 for a host the access policy does not cover, the Teams webinars step cross-checks with
/// one of the host's meetings and names the likely cause; where the policy covers the host, it
/// says the host has none or the Teams events policy forbids them.
#[tokio::test]
async fn an_empty_webinar_listing_is_cross_checked_with_a_meeting() {
    for (scenario, want) in [
        (
            "missing-access-policy-quiet-webinars",
            "most likely means the policy",
        ),
        (
            "webinars-disabled",
            "Teams events policy does not allow webinars",
        ),
    ] {
        let emu = emulator(&[scenario]).await;
        let hosts: Vec<&str> = emu.info.hosts.iter().map(String::as_str).collect();
        let mut conn = app_conn(&emu, &hosts);
        conn.teams_webinars = true;
        let c = setup::check_all(&conn).await;
        let s = step(&c, "teamsWebinars");
        assert!(text(s).contains(want), "{scenario}: {}", text(s));
        if scenario.starts_with("missing") {
            assert_ne!(s.status, Status::Passed, "{scenario}: {}", text(s));
        }
    }
}

/// The article's account types pass; work accounts only warn (personal accounts are turned away);
/// this tenant only warns for application-level sign-in (its own endpoint still works). Read from
/// the registration as Graph lists it (signInAudience).
#[tokio::test]
async fn the_account_types_are_checked_against_the_article() {
    for (scenario, status, says) in [
        (
            "secret-renewed",
            Status::Passed,
            "as the article prescribes",
        ),
        ("work-accounts-only", Status::Warning, "personal account"),
        ("single-tenant-app", Status::Warning, "AADSTS50194"),
    ] {
        let emu = emulator(&[scenario]).await;
        let s = setup::check(&app_conn(&emu, &GOOD_HOSTS), "audience")
            .await
            .unwrap();
        assert_eq!(s.status, status, "{scenario}: {}", text(&s));
        assert!(text(&s).contains(says), "{scenario}: {}", text(&s));
        assert!(s
            .evidence
            .iter()
            .any(|e| e.request.contains("/applications")));
    }
}
