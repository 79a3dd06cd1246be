#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Teams webinars (virtual events) against the emulator, in both auth modes: the listing with
//! registration set-up and counts, the ledger in every standing with the exact join by
//! `registrationId` (else by e-mail), walk-ins; the refusals Graph makes (no VirtualEvent
//! permission, no access policy, another organizer, an events policy without webinars, create or
//! publish in application mode); the documented 750-GETs-per-30-s throttle.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::Profiles;
use rollcall_core::tenant::secrets::{MemorySecrets, SecretStore};
use rollcall_core::virtual_events::{self, EventStatus, JoinedBy, Standing};
use rollcall_core::ErrorCode;

mod common;

const MARIA: &str = "maria.ortiz@northwind.example";

fn window() -> (Timestamp, Timestamp) {
    let now = Timestamp::now();
    (
        now - SignedDuration::from_hours(24 * 10),
        now + SignedDuration::from_hours(24 * 20),
    )
}

async fn as_maria(emu: &rollcall_emulator::Running) -> Connection {
    let dir = std::env::temp_dir().join(format!("rollcall-ve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = common::delegated_profile(emu, &[MARIA.to_string()]);
    p.teams_webinars = true;
    Profiles::in_dir(&dir).upsert(p.clone()).unwrap();
    let store: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    common::sign_in(&p, &dir, store, MARIA).await.0
}

#[tokio::test]
async fn the_ledger_in_every_standing_joined_exactly_by_registration_id() {
    let emu = common::emulator(&[]).await;
    let conn = common::app_conn(&emu, &[MARIA.to_string()]);
    let (from, to) = window();
    let listed = virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap();
    // Chosen by property: the ended, published one with registrations and a course key.
    let statuses: Vec<EventStatus> = listed.iter().map(|l| l.event.status).collect();
    assert!(
        statuses.contains(&EventStatus::Draft) && statuses.contains(&EventStatus::Published),
        "{statuses:?}"
    );
    let open = listed
        .iter()
        .find(|l| l.event.course_key.is_some() && l.end < Timestamp::now())
        .expect("an ended Teams webinar with an LMS course key");
    assert_eq!(open.event.course_key.as_deref(), Some("LMS-COURSE-1042"));
    assert_eq!(open.event.capacity, Some(30));
    assert!(open
        .event
        .registration_url
        .as_deref()
        .unwrap()
        .starts_with("https://events.teams.microsoft.com/event/"));
    let r = &open.event.registrations;
    assert!(
        r.registered > 0 && r.canceled > 0 && r.waitlisted > 0 && r.pending > 0 && r.rejected > 0,
        "{r:?}"
    );
    assert_eq!(open.event.sessions.len(), 2);

    let ledger = virtual_events::ledger_of(&conn, &open.event, &open.subject, 0.8)
        .await
        .unwrap();
    assert_eq!(ledger.sessions.len(), 2);
    for s in &ledger.sessions {
        assert!(s.reported);
        let c = &s.counts;
        assert!(
            c.registered_attended > 0 && c.registered_no_show > 0 && c.walk_in > 0,
            "{c:?}"
        );
        assert!(
            c.canceled_attended > 0
                && c.canceled > 0
                && c.waitlisted > 0
                && c.pending > 0
                && c.rejected > 0,
            "{c:?}"
        );
        assert!(
            c.by_registration_id > 0 && c.by_email > 0,
            "both joins: {c:?}"
        );
        // Every registration is a row once; walk-ins have none.
        let ids: Vec<&str> = s
            .rows
            .iter()
            .filter_map(|r| r.registration_id.as_deref())
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len());
        assert_eq!(
            ids.len() as u32,
            r.registered + r.canceled + r.waitlisted + r.pending + r.rejected
        );
        for row in &s.rows {
            match row.standing {
                Standing::WalkIn => assert!(row.registration_id.is_none() && row.attended),
                Standing::RegisteredNoShow | Standing::Canceled => assert!(!row.attended),
                Standing::Waitlisted | Standing::Pending | Standing::Rejected => {
                    assert!(!row.attended)
                }
                _ => assert!(row.attended && row.joined_by != JoinedBy::None),
            }
        }
    }
    // Day 2 has fewer walk-ins than day 1 (one came only the first afternoon).
    assert!(ledger.sessions[1].counts.walk_in < ledger.sessions[0].counts.walk_in);

    // The exact join: whatever the e-mail, a row joined by registration id is that registration's.
    let (_, problems) = virtual_events::ledgers(&conn, &[MARIA.to_string()], from, to, 0.8)
        .await
        .unwrap();
    assert!(problems.is_empty());

    // The ledger to CSV and a workbook.
    let dir = std::env::temp_dir().join(format!("rollcall-ledger-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = virtual_events::export::write(
        &dir.join("l.csv"),
        std::slice::from_ref(&ledger),
        "Europe/Vienna",
    )
    .unwrap();
    assert_eq!(
        rows,
        ledger.sessions.iter().map(|s| s.rows.len()).sum::<usize>()
    );
    let text = std::fs::read_to_string(dir.join("l.csv")).unwrap();
    assert!(text.starts_with("\u{feff}webinar,course_key,host,session_start_utc"));
    assert!(
        text.contains(",registered_no_show,")
            && text.contains(",walk_in,")
            && text.contains(",registration_id,")
    );
    virtual_events::export::write(
        &dir.join("l.xlsx"),
        std::slice::from_ref(&ledger),
        "Europe/Vienna",
    )
    .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(dir.join("l.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Registrations").unwrap();
    assert_eq!(sheet.rows().count(), rows + 1);
    std::fs::remove_dir_all(dir).ok();

    // The calendar row of a Teams webinar says `format: webinar`.
    let w = virtual_events::as_webinar(open.clone(), Timestamp::now());
    let v = serde_json::to_value(&w).unwrap();
    assert_eq!(v["format"], "webinar");
    assert_eq!(v["kind"], "singleInstance", "kind keeps its meaning");
}

#[tokio::test]
async fn graph_refuses_without_the_permission_the_policy_or_the_organizer() {
    let (from, to) = window();
    for (scenario, says) in [
        ("no-virtual-events-permission", "VirtualEvent.Read.All"),
        ("missing-access-policy", "application access policy"),
    ] {
        let emu = common::emulator(&[scenario]).await;
        let conn = common::app_conn(&emu, &[MARIA.to_string()]);
        let e = virtual_events::list_host(&conn, MARIA, from, to)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::PermissionMissing, "{scenario}: {e:?}");
        assert!(
            format!("{} {}", e.message, e.hint.clone().unwrap_or_default()).contains(says),
            "{scenario}: {e:?}"
        );
    }
    // An events policy without webinars: none listed; a host's failure is named, not fatal.
    let emu = common::emulator(&["webinars-disabled"]).await;
    let conn = common::app_conn(&emu, &[MARIA.to_string()]);
    assert!(virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap()
        .is_empty());
    // Application mode cannot create or publish: said before anything is sent.
    let e = virtual_events::create_draft(&conn, "x", to, to + SignedDuration::from_hours(1))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionMissing);
    assert!(e
        .hint
        .unwrap()
        .contains("VirtualEvent.ReadWrite is delegated only"));
}

#[tokio::test]
async fn a_signed_in_organizer_lists_creates_publishes_and_cancels() {
    let emu = common::emulator(&[]).await;
    let conn = as_maria(&emu).await;
    let (from, to) = window();
    let before = virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap();
    assert!(!before.is_empty());
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 3);
    let id = virtual_events::create_draft(
        &conn,
        "Writing workshop",
        start,
        start + SignedDuration::from_hours(1),
    )
    .await
    .unwrap();
    let find =
        |l: &[virtual_events::Listed]| l.iter().find(|x| x.event.id == id).map(|x| x.event.status);
    let now = virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap();
    assert_eq!(find(&now), Some(EventStatus::Draft));
    virtual_events::transition(&conn, &id, true).await.unwrap();
    assert_eq!(
        find(
            &virtual_events::list_host(&conn, MARIA, from, to)
                .await
                .unwrap()
        ),
        Some(EventStatus::Published)
    );
    virtual_events::transition(&conn, &id, false).await.unwrap();
    assert_eq!(
        find(
            &virtual_events::list_host(&conn, MARIA, from, to)
                .await
                .unwrap()
        ),
        Some(EventStatus::Canceled)
    );
    // Publishing a cancelled webinar is refused in Graph's words.
    assert!(virtual_events::transition(&conn, &id, true).await.is_err());
    // Another host's webinars are not the signed-in user's to read.
    let e = virtual_events::list_host(&conn, "megan.bowen@northwind.example", from, to)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionMissing);
}

#[tokio::test]
async fn virtual_event_reads_are_throttled_at_750_per_30_seconds() {
    let emu = common::emulator(&[]).await;
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emu.info.authority, emu.info.tenant_id
        ))
        .form(&HashMap::from([
            ("client_id", emu.info.client_id.as_str()),
            ("client_secret", emu.info.client_secret.as_str()),
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let http = reqwest::Client::new();
    // The function takes the Entra object id (virtualeventwebinar-getbyuseridandrole.md).
    let maria: serde_json::Value = http
        .get(format!(
            "{}/users?$filter=mail%20eq%20'{MARIA}'",
            emu.info.graph
        ))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!(
        "{}/solutions/virtualEvents/webinars/getByUserIdAndRole(userId='{}',role='organizer')",
        emu.info.graph,
        maria["value"][0]["id"].as_str().unwrap()
    );
    for i in 0..750 {
        let r = http
            .get(&url)
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "request {i}");
    }
    let r = http
        .get(&url)
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
}

common::backends::on_both_backends!(
    sync_archives_each_session_ledger_once_and_a_change_as_a_new_version
);

async fn sync_archives_each_session_ledger_once_and_a_change_as_a_new_version(
    backend: common::backends::Backend,
) {
    use rollcall_core::archive::sync;
    let emu = common::emulator(&[]).await;
    let mut conn = common::app_conn(&emu, &[MARIA.to_string()]);
    conn.teams_webinars = true;
    let Some(fresh) = common::backends::archive(backend) else {
        return;
    };
    let archive = fresh.arch.clone();
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 10),
        Timestamp::now(),
    );
    let hosts = [MARIA.to_string()];
    macro_rules! run {
        () => {
            sync::sync(
                &conn,
                archive.clone(),
                &hosts,
                from,
                to,
                |_| {},
                std::future::pending(),
            )
            .await
            .unwrap()
        };
    }
    let first = run!();
    assert_eq!(
        (first.event_sessions, first.event_sessions_unchanged),
        (2, 0),
        "{first:?}"
    );
    let again = run!();
    assert_eq!(
        (again.event_sessions, again.event_sessions_unchanged),
        (0, 2),
        "exactly once: {again:?}"
    );
    // Read back, offline, at another threshold: the same people, completion recomputed.
    let listed = virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap();
    let open = listed
        .iter()
        .find(|l| l.event.course_key.is_some())
        .unwrap();
    let live = virtual_events::ledger_of(&conn, &open.event, &open.subject, 0.5)
        .await
        .unwrap();
    let kept = archive
        .event_ledger(&open.event.id, 0.5)
        .unwrap()
        .expect("archived");
    assert_eq!(kept.sessions.len(), 2);
    for (a, b) in kept.sessions.iter().zip(&live.sessions) {
        assert_eq!(a.counts, b.counts, "the archive answers as Graph did");
    }
    assert!(archive
        .event_ledger("no-such-webinar", 0.8)
        .unwrap()
        .is_none());
    // A new registration changes the ledger: stored as a new version beside the old one.
    let mut changed = live.clone();
    changed.sessions[0].rows.pop();
    assert_eq!(
        archive
            .save_event_session(&changed, &changed.sessions[0])
            .unwrap(),
        rollcall_core::archive::Saved::NewVersion
    );
}

#[tokio::test]
async fn signed_in_without_the_delegated_permission_asks_for_consent() {
    let emu = common::emulator(&["no-virtual-events-permission"]).await;
    let conn = as_maria(&emu).await;
    let (from, to) = window();
    let e = virtual_events::list_host(&conn, MARIA, from, to)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionMissing, "{e:?}");
    // The sign-in asked for VirtualEvent.ReadWrite, which the app registration lacks: Entra wants
    // consent for it (AADSTS65001), and Rollcall gives the admin-consent URL.
    assert!(e.message.contains("consent"), "{e:?}");
    assert!(
        e.hint.clone().unwrap_or_default().contains("adminconsent"),
        "{e:?}"
    );
}
