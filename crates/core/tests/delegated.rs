#![allow(clippy::unwrap_used, clippy::expect_used)]
//! User sign-in (delegated) mode beyond Setup: the calendar, attendance, export and sync read the
//! signed-in host through `/me`, as Graph requires, and say plainly that other hosts need
//! application mode. The emulator refuses what Graph refuses (`/users?$filter` without
//! User.ReadBasic.All, `/users/{id}/onlineMeetings` with a delegated token).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rollcall_core::archive::{sync, Archive};
use rollcall_core::attendance::{self, Availability};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::Profiles;
use rollcall_core::tenant::secrets::{MemorySecrets, SecretStore};
use rollcall_core::webinars::{self, NewWebinar, WebinarEdit, WebinarState};
use rollcall_core::ErrorCode;

mod common;

const ADELE: &str = "adele.vance@northwind.example";

async fn signed_in_as_adele(emu: &rollcall_emulator::Running) -> Connection {
    let dir = std::env::temp_dir().join(format!("rollcall-delegated-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = common::delegated_profile(emu, &emu.info.hosts);
    Profiles::in_dir(&dir).upsert(p.clone()).unwrap();
    let store: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    common::sign_in(&p, &dir, store, ADELE).await.0
}

#[tokio::test]
async fn the_calendar_reads_and_writes_the_signed_in_hosts_own_calendar() {
    let emu = common::emulator(&[]).await;
    let conn = signed_in_as_adele(&emu).await;
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 95),
        Timestamp::now() + SignedDuration::from_hours(24 * 35),
    );
    let range = webinars::list(&conn, &emu.info.hosts, from, to, false)
        .await
        .unwrap();
    assert!(!range.webinars.is_empty());
    assert!(range.webinars.iter().all(|w| w.host == ADELE));
    // Every other host is one clear problem, not a 403 from the directory.
    assert_eq!(range.problems.len(), emu.info.hosts.len() - 1);
    for p in &range.problems {
        assert_eq!(p.error.code, ErrorCode::PermissionMissing);
        assert!(
            p.error.message.contains("Signed in as adele.vance"),
            "{}",
            p.error.message
        );
        assert!(p
            .error
            .hint
            .as_deref()
            .unwrap()
            .contains("application mode"));
    }

    // Create, read, edit and cancel in the signed-in user's calendar.
    let day = (Timestamp::now() + SignedDuration::from_hours(24 * 3))
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let created = webinars::create(
        &conn,
        &NewWebinar {
            host: ADELE.into(),
            subject: "Delegated webinar".into(),
            start: format!("{day}T10:00"),
            time_zone: "UTC".into(),
            duration_minutes: 45,
            description: "Made in user sign-in mode".into(),
            html: false,
            invitees: vec![],
            recurrence: None,
            allow_past: false,
        },
    )
    .await
    .unwrap();
    assert!(created.join_url.is_some());
    let got = webinars::get(&conn, ADELE, &created.id).await.unwrap();
    assert_eq!(got.subject, "Delegated webinar");
    let edited = webinars::update(
        &conn,
        &WebinarEdit {
            host: ADELE.into(),
            id: created.id.clone(),
            subject: Some("Delegated webinar, moved".into()),
            start: None,
            time_zone: None,
            duration_minutes: None,
            description: None,
            html: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(edited.subject, "Delegated webinar, moved");
    webinars::cancel(&conn, ADELE, &created.id, "Sorry")
        .await
        .unwrap();
    // Cancelling removes it from the organizer's calendar, as Outlook does.
    let gone = webinars::get(&conn, ADELE, &created.id).await.unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound);

    // Another host's calendar: refused with the reason, nothing written.
    let megan = &emu.info.hosts[0];
    let err = webinars::get(&conn, megan, &created.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PermissionMissing);
}

#[tokio::test]
async fn attendance_export_and_sync_work_through_me() {
    let emu = common::emulator(&[]).await;
    let conn = signed_in_as_adele(&emu).await;
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 95),
        Timestamp::now(),
    );
    let adele = vec![ADELE.to_string()];
    let range = webinars::list(&conn, &adele, from, to, true).await.unwrap();
    // By properties: an ended Teams webinar Adele organised whose meeting has reports.
    let ended = range
        .webinars
        .iter()
        .filter(|w| w.state == WebinarState::Ended && !w.cancelled && w.is_organizer)
        .find(|w| {
            let world = emu.shared.world();
            world
                .meetings
                .iter()
                .any(|m| Some(&m.join_url) == w.join_url.as_ref() && !m.reports.is_empty())
        })
        .expect("Adele has an ended webinar with a report");
    let wa = attendance::for_webinar(&conn, ended, 0.8).await.unwrap();
    assert_eq!(wa.availability, Availability::Ready, "{:?}", wa.note);
    assert!(!wa.sessions.is_empty());

    // A range over every host: Adele's attendance, the others named as not read.
    let got = attendance::for_range(&conn, &emu.info.hosts, from, to, 0.8)
        .await
        .unwrap();
    assert!(!got.webinars.is_empty());
    assert!(got.webinars.iter().all(|w| w.webinar.host == ADELE));
    assert_eq!(got.unread.len(), emu.info.hosts.len() - 1);

    // Sync: Adele's reports archived; the other hosts listed, not silently skipped.
    let path = std::env::temp_dir().join(format!("rollcall-deleg-{}.sqlite", uuid::Uuid::new_v4()));
    let archive = Arc::new(Archive::open(&path).unwrap());
    let s = sync::sync(
        &conn,
        archive.clone(),
        &emu.info.hosts,
        from,
        to,
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap();
    assert!(s.fetched > 0, "{s:?}");
    assert!(s.failed.is_empty(), "{s:?}");
    assert_eq!(s.hosts_failed.len(), emu.info.hosts.len() - 1);
    assert!(s.hosts_failed.iter().all(|p| p.host != ADELE));
}

#[tokio::test]
async fn the_emulator_refuses_delegated_calls_graph_refuses() {
    let emu = common::emulator(&[]).await;
    let conn = signed_in_as_adele(&emu).await;
    let token = conn.token(false).await.unwrap();
    let me = conn
        .graph()
        .unwrap()
        .get_json::<serde_json::Value>(rollcall_graph::Request::get("/me?$select=id"))
        .await
        .unwrap();
    let id = me["id"].as_str().unwrap();
    let http = reqwest::Client::new();
    let get = |path: String| {
        http.get(format!(
            "{}{path}",
            emu.info.graph.trim_end_matches("/v1.0")
        ))
        .bearer_auth(token.value.expose())
        .send()
    };
    let filter = "$filter=JoinWebUrl%20eq%20'x'";
    // /users/{own id}/onlineMeetings with a delegated token: only /me is supported.
    let r = get(format!("/v1.0/users/{id}/onlineMeetings?{filter}"))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only /me endpoint is supported"));
    // The directory search needs User.ReadBasic.All, which the LMS's delegated scopes do not hold.
    let r = get("/v1.0/users?$filter=mail%20eq%20'x'".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // /me is fine (an unknown join URL is Graph's 400, not an empty 200).
    let r = get(format!("/v1.0/me/onlineMeetings?{filter}"))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// Who is a member and who a guest comes from the tenant's verified domains where the connection
/// may read them (`/organization`, User.Read when signed in): the initial `*.onmicrosoft.com`
/// domain counts though no host's address uses it. An app without Organization.Read.All (the
/// LMS's) falls back to the hosts' domains, as it must in a tenant.
#[tokio::test]
async fn members_are_told_by_the_tenants_verified_domains() {
    let emu = common::emulator(&[]).await;
    let signed_in = signed_in_as_adele(&emu).await;
    let home = attendance::home_of(&signed_in).await;
    assert_eq!(
        home.domains,
        ["northwind.example", "northwindacademy.onmicrosoft.com"]
    );
    let app = common::app_conn(&emu, &[ADELE.to_string()]);
    assert_eq!(
        attendance::home_of(&app).await.domains,
        ["northwind.example"]
    );
}
