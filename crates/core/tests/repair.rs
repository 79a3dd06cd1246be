#![allow(clippy::unwrap_used, clippy::expect_used)]
//! "Fix it for me" against the demo tenant over HTTP: an administrator signs in through Microsoft
//! Graph Command Line Tools (playing the browser), the plan shows each change before → after, the
//! changes are made and logged, the steps pass afterwards; a Cloud Application Administrator is
//! refused Graph's application permissions before any request; a secret is renewed within the
//! tenant's policy and the old one retired.

use std::sync::{Arc, Mutex};

use rollcall_core::repair::admin::{AdminSession, AdminSignIn, DEFAULT_ADMIN_CLIENT};
use rollcall_core::repair::log::ChangeLog;
use rollcall_core::repair::{self, secret, FIX_SCOPES};
use rollcall_core::setup::{self, Status};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::ErrorCode;
use rollcall_graph::Secret;

mod common;

async fn admin(conn: &Connection, user: &str, scopes: &[&str]) -> AdminSession {
    let attempt = AdminSignIn::begin(conn, DEFAULT_ADMIN_CLIENT, scopes, None)
        .await
        .unwrap();
    let url = format!("{}&action=consent", attempt.url);
    let waiting = tokio::spawn(async move {
        attempt
            .finish(std::time::Duration::from_secs(30), std::future::pending())
            .await
    });
    common::browser(&url, user).await;
    waiting.await.unwrap().unwrap()
}

fn temp_log() -> (ChangeLog, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("rollcall-repair-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    (ChangeLog::in_dir(&dir), dir)
}

#[tokio::test]
async fn a_global_administrator_repairs_audience_permissions_and_consent() {
    let emu = common::emulator(&[
        "single-tenant-app",
        "missing-permission",
        "no-admin-consent",
    ])
    .await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    let before = setup::check_all(&conn).await;
    let status =
        |l: &setup::Checklist, id: &str| l.steps.iter().find(|s| s.id == id).unwrap().status;
    assert_eq!(status(&before, "consent"), Status::Failed);

    let session = admin(&conn, &emu.info.admin_user, &FIX_SCOPES).await;
    assert_eq!(session.roles, ["Global Administrator"]);
    assert!(session.may_grant_graph_roles());
    let plan = repair::plan(&conn, &session, &[]).await.unwrap();
    let ids: Vec<&str> = plan.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["audience", "permissions-add", "consent-roles"],
        "{plan:#?}"
    );
    let audience = &plan.changes[0];
    assert_eq!(audience.before, "AzureADMyOrg");
    assert!(audience
        .after
        .starts_with("AzureADandPersonalMicrosoftAccount"));
    assert!(plan.changes[1]
        .title
        .contains("OnlineMeetingArtifact.Read.All"));
    assert!(plan.refused_for(&session).is_empty());

    let (log, dir) = temp_log();
    let applied = repair::apply(&conn, &session, &plan, &log).await.unwrap();
    assert!(applied.failed.is_none(), "{:?}", applied.failed);
    assert_eq!(applied.made.len(), 3);
    assert!(applied
        .made
        .iter()
        .all(|m| m.request_id.is_some() && m.by.contains("Global Administrator")));
    for s in &applied.rechecked {
        assert_ne!(s.status, Status::Failed, "{}: {:?}", s.id, s.detail);
    }
    let after = setup::check_all(&conn).await;
    for id in ["permissions", "consent"] {
        assert_eq!(status(&after, id), Status::Passed, "{id}");
    }
    // A second plan has nothing left to do.
    assert!(repair::plan(&conn, &session, &[])
        .await
        .unwrap()
        .changes
        .is_empty());

    // The log has each change, and the audience can be taken back from it.
    let entries = log.read().unwrap();
    assert_eq!(entries.len(), 3);
    repair::undo(&session, &log, 0).await.unwrap();
    let again = repair::plan(&conn, &session, &["audience".into()])
        .await
        .unwrap();
    assert_eq!(again.changes[0].id, "audience");
    assert!(log.read().unwrap()[0].undone_at.is_some());
    let e = repair::undo(&session, &log, 0).await.unwrap_err();
    assert!(e.message.contains("already undone"), "{e:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_cloud_application_administrator_is_told_before_any_change() {
    let emu = common::emulator(&["no-admin-consent"]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    let session = admin(&conn, &emu.info.app_admin_user, &FIX_SCOPES).await;
    assert_eq!(session.roles, ["Cloud Application Administrator"]);
    let plan = repair::plan(&conn, &session, &["consent".into()])
        .await
        .unwrap();
    let refused = plan.refused_for(&session);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0]
            .1
            .contains("Global Administrator or Privileged Role Administrator"),
        "{}",
        refused[0].1
    );
    // Were it tried anyway, Graph refuses it too — and the log says nothing was made.
    let (log, dir) = temp_log();
    let applied = repair::apply(&conn, &session, &plan, &log).await.unwrap();
    let (id, e) = applied.failed.unwrap();
    assert_eq!(id, "consent-roles");
    assert!(e.hint.unwrap().starts_with("Nothing was changed."));
    assert!(log.read().unwrap().is_empty());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_secret_is_renewed_within_the_policy_proven_stored_and_the_old_one_retired() {
    let emu = common::emulator(&["secret-lifetime-policy"]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    let session = admin(&conn, &emu.info.admin_user, &secret::SECRET_SCOPES).await;
    let (log, dir) = temp_log();
    let stored: Arc<Mutex<Option<String>>> = Arc::default();

    // Longer than the tenant allows: refused before anything is added.
    let e = secret::renew(
        &conn,
        &session,
        12,
        conn.secret_hint.as_deref(),
        &log,
        |_, _| Ok(()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("at most 180 days"), "{e:?}");
    assert!(log.read().unwrap().is_empty());

    // A failure after the secret exists (the keychain refusing it) takes the new secret away.
    let e = secret::renew(
        &conn,
        &session,
        5,
        conn.secret_hint.as_deref(),
        &log,
        |_, _| {
            Err(rollcall_core::CoreError::new(
                ErrorCode::KeychainUnavailable,
                "No keychain answered.",
                None,
            ))
        },
    )
    .await
    .unwrap_err();
    assert!(e.hint.unwrap().contains("removed again"));

    let keep = stored.clone();
    let renewed = secret::renew(
        &conn,
        &session,
        5,
        conn.secret_hint.as_deref(),
        &log,
        move |v, _| {
            *keep.lock().unwrap() = Some(v.expose().to_string());
            Ok(())
        },
    )
    .await
    .unwrap();
    let value = stored.lock().unwrap().clone().unwrap();
    assert_eq!(renewed.value.expose(), value);
    assert!(
        renewed.old_key_id.is_some(),
        "the secret in use was recognised by its hint"
    );
    assert_eq!(renewed.policy_max_days, Some(180));
    assert!(
        !serde_json::to_string(&log.read().unwrap())
            .unwrap()
            .contains(&value),
        "the value is never logged"
    );

    let with = |s: &str| {
        Connection::application(
            conn.endpoints.clone(),
            &conn.tenant,
            &conn.client_id,
            Secret::new(s.to_string()),
            vec![],
        )
        .unwrap()
    };
    with(&value).token(true).await.unwrap();
    with(&emu.info.client_secret).token(true).await.unwrap();
    let rec = secret::retire(&conn, &session, &log).await.unwrap();
    assert_eq!(rec.change, "secret-retire");
    let e = with(&emu.info.client_secret).token(true).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSecret, "{e:?}");
    with(&value).token(true).await.unwrap();
    let e = secret::retire(&conn, &session, &log).await.unwrap_err();
    assert!(e.message.contains("already retired"), "{e:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn user_sign_in_mode_gets_its_redirects_checkboxes_and_delegated_consent() {
    let emu = common::emulator(&[
        "lms-redirect-missing",
        "redirect-under-spa",
        "token-checkboxes-off",
        "no-admin-consent",
    ])
    .await;
    let mut p = common::delegated_profile(&emu, &emu.info.hosts);
    p.portal_domain = "lms.northwind.example".into();
    let store: Arc<dyn rollcall_core::tenant::secrets::SecretStore> =
        Arc::new(rollcall_core::tenant::secrets::MemorySecrets::default());
    // Nobody is signed in to the integration yet: the plan and the changes need only the admin.
    let conn = Connection::delegated(&p, Secret::new("none".to_string()), None, store).unwrap();
    let portal = conn.portal_redirect_uri.clone().unwrap();
    let session = admin(
        &conn,
        &emu.info.admin_user,
        &[
            "Application.ReadWrite.All",
            "DelegatedPermissionGrant.ReadWrite.All",
        ],
    )
    .await;
    let plan = repair::plan(&conn, &session, &[]).await.unwrap();
    let ids: Vec<&str> = plan.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "redirect-web",
            "redirect-desktop",
            "token-checkboxes",
            "consent-scopes"
        ],
        "{plan:#?}"
    );
    assert!(plan.changes[0].after.contains(&portal));
    assert!(plan.changes[1].title.contains("Single-page application"));
    assert_eq!(plan.changes[2].before, "ID tokens off, access tokens off");
    let (log, dir) = temp_log();
    let applied = repair::apply(&conn, &session, &plan, &log).await.unwrap();
    assert!(applied.failed.is_none(), "{:?}", applied.failed);
    assert_eq!(applied.made.len(), 4);
    assert!(
        repair::plan(&conn, &session, &[])
            .await
            .unwrap()
            .changes
            .is_empty(),
        "everything repaired"
    );
    // A user of the tenant now signs in without a consent screen (the grant covers everyone).
    let dir2 = std::env::temp_dir().join(format!("rollcall-repair-u-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir2).unwrap();
    rollcall_core::tenant::profile::Profiles::in_dir(&dir2)
        .upsert(p.clone())
        .unwrap();
    let (user_conn, _) = common::sign_in(
        &p,
        &dir2,
        Arc::new(rollcall_core::tenant::secrets::MemorySecrets::default()),
        "adele.vance@northwind.example",
    )
    .await;
    let granted = user_conn.token(false).await.unwrap().permissions();
    assert!(
        granted
            .iter()
            .any(|g| g == "OnlineMeetingArtifact.Read.All"),
        "{granted:?}"
    );
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(dir2).ok();
}

#[tokio::test]
async fn a_failure_between_two_writes_says_what_was_made_and_a_cancelled_sign_in_changes_nothing() {
    let emu = common::emulator(&["single-tenant-app", "no-admin-consent"]).await;
    let conn = common::app_conn(&emu, &emu.info.hosts);
    // The administrator cancels in the browser: no session, nothing changed.
    let attempt = AdminSignIn::begin(&conn, DEFAULT_ADMIN_CLIENT, &FIX_SCOPES, None)
        .await
        .unwrap();
    let url = format!("{}&action=cancel", attempt.url);
    let waiting = tokio::spawn(async move {
        attempt
            .finish(std::time::Duration::from_secs(30), std::future::pending())
            .await
    });
    common::browser(&url, &emu.info.admin_user).await;
    let e = waiting.await.unwrap().unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled, "{e:?}");
    assert!(e.message.contains("Nothing was changed"), "{e:?}");

    // A Cloud Application Administrator may change the audience but not grant Graph's application
    // permissions: made in order, the first change stays, the second is refused by Graph, and the
    // message says what exists now.
    let session = admin(&conn, &emu.info.app_admin_user, &FIX_SCOPES).await;
    let plan = repair::plan(&conn, &session, &["audience".into(), "consent".into()])
        .await
        .unwrap();
    let ids: Vec<&str> = plan.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["audience", "consent-roles"]);
    let (log, dir) = temp_log();
    let applied = repair::apply(&conn, &session, &plan, &log).await.unwrap();
    assert_eq!(applied.made.len(), 1);
    let (id, e) = applied.failed.unwrap();
    assert_eq!(id, "consent-roles");
    assert_eq!(e.code, ErrorCode::PermissionMissing, "{e:?}");
    let hint = e.hint.unwrap();
    assert!(
        hint.starts_with("Made before it: Set the supported account types"),
        "{hint}"
    );
    assert_eq!(log.read().unwrap().len(), 1, "only what was made is logged");
    // The consent step was checked once (not waited on) and still fails.
    let consent = applied
        .rechecked
        .iter()
        .find(|s| s.id == "consent")
        .unwrap();
    assert_eq!(consent.status, Status::Failed);
    std::fs::remove_dir_all(dir).ok();
}
