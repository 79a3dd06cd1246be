#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sign-in against the emulator over real HTTP: both modes, and every failure the user can meet.
//! Secrets live in an explicitly chosen in-memory store here; `keychain.rs` covers the OS keychain.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::{AuthMode, Cloud, Profile, Profiles};
use rollcall_core::tenant::secrets::{MemorySecrets, SecretKind, SecretStore};
use rollcall_core::tenant::session::{self, SignInAttempt};
use rollcall_core::ErrorCode;
use rollcall_emulator::Running;
use rollcall_graph::Secret;

mod common;
use common::{browser, emulator, http};

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rollcall-signin-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn profile(emu: &Running, mode: AuthMode) -> Profile {
    Profile {
        id: format!("p-{}", uuid::Uuid::new_v4()),
        name: format!(
            "Emulator {mode:?} {}",
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        ),
        cloud: Cloud::Custom,
        authority: Some(emu.info.authority.clone()),
        graph: Some(emu.info.graph.clone()),
        tenant: emu.info.tenant_id.clone(),
        client_id: emu.info.client_id.clone(),
        mode,
        portal_domain: "lms.northwind.example".into(),
        participant_info: true,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts: emu.info.hosts.clone(),
        secret_hint: None,
        secret_expires: Some(jiff::civil::date(2026, 3, 12)),
        signed_in_as: None,
        proxy: None,
        proxy_user: None,
        archive: None,
    }
}

struct Env {
    profiles: Profiles,
    store: Arc<MemorySecrets>,
    dir: std::path::PathBuf,
}

fn env() -> Env {
    let dir = temp_dir();
    Env {
        profiles: Profiles::in_dir(&dir),
        store: Arc::new(MemorySecrets::default()),
        dir,
    }
}

/// An application-level profile saved with a secret.
fn saved_app(e: &Env, emu: &Running, secret: &str) -> Profile {
    let p = profile(emu, AuthMode::Application);
    e.profiles.upsert(p.clone()).unwrap();
    session::set_client_secret(&e.profiles, e.store.as_ref(), &p, &Secret::new(secret)).unwrap();
    e.profiles.find(&p.id).unwrap()
}

/// The client secret saved as if entered for `p`'s endpoints as they are now.
fn bind_secret(e: &Env, p: &Profile, secret: &str) {
    e.store
        .set_bound(
            &p.id,
            SecretKind::ClientSecret,
            &p.binding(),
            &Secret::new(secret),
        )
        .unwrap();
}

async fn token_requests(emu: &Running) -> u64 {
    let v: serde_json::Value = reqwest::get(format!("{}/stats", emu.info.admin))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["tokenRequests"].as_u64().unwrap()
}

fn query(url: &str, key: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn application_mode_signs_in_and_keeps_the_token_cached() {
    let emu = emulator(&[]).await;
    let e = env();
    let p = saved_app(&e, &emu, &emu.info.client_secret);
    assert_eq!(p.secret_hint.as_deref(), Some(&emu.info.client_secret[..3]));
    let conn = Connection::from_profile(&p, e.store.clone()).unwrap();
    let before = token_requests(&emu).await;
    let st = session::status(&conn, false).await.unwrap();
    assert!(st.signed_in_as.contains(&emu.info.client_id));
    assert!(st.permissions.iter().any(|r| r == "Calendars.ReadWrite"));
    assert_eq!(st.secret_expires.as_deref(), Some("2026-03-12"));
    // A clone shares the cache: no second token request.
    session::status(&conn.clone(), false).await.unwrap();
    assert_eq!(token_requests(&emu).await - before, 1);
    session::status(&conn, true).await.unwrap();
    assert_eq!(token_requests(&emu).await - before, 2);
}

#[tokio::test]
async fn expired_secret_says_when_and_where_to_create_a_new_one() {
    let emu = emulator(&["expired-secret"]).await;
    let e = env();
    let p = saved_app(&e, &emu, &emu.info.client_secret);
    let conn = Connection::from_profile(&p, e.store.clone()).unwrap();
    let err = session::status(&conn, true).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ExpiredSecret);
    assert_eq!(err.message, "The client secret expired on 12 March 2026.");
    assert!(err.hint.unwrap().contains("Certificates & secrets"));
    assert!(err.request_id.is_some(), "the trace id is kept for support");
}

#[tokio::test]
async fn a_wrong_secret_or_its_id_is_explained() {
    let emu = emulator(&[]).await;
    let e = env();
    let p = saved_app(&e, &emu, "Q~not-the-right-value");
    let err = session::status(
        &Connection::from_profile(&p, e.store.clone()).unwrap(),
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSecret);
    assert!(err.hint.unwrap().contains("not its Secret ID"));
    // The Secret ID (a GUID) is refused before it reaches the keychain.
    let err = session::set_client_secret(
        &e.profiles,
        e.store.as_ref(),
        &p,
        &Secret::new("8d3f0b8e-4c1a-4a57-9d7e-3f5b2c1a9e10"),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("Secret ID"));
    assert_eq!(
        e.store
            .get_bound(&p.id, SecretKind::ClientSecret, &p.binding())
            .unwrap()
            .unwrap()
            .expose(),
        "Q~not-the-right-value",
        "a refused value does not replace the saved one"
    );
}

#[tokio::test]
async fn unknown_tenant_and_unknown_app_are_named() {
    let emu = emulator(&[]).await;
    let e = env();
    let mut p = saved_app(&e, &emu, &emu.info.client_secret);
    p.tenant = "nosuchschool.onmicrosoft.com".into();
    // The secret as if entered for this tenant (a changed profile would have removed it).
    bind_secret(&e, &p, &emu.info.client_secret);
    let err = session::status(
        &Connection::from_profile(&p, e.store.clone()).unwrap(),
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::TenantNotFound);
    assert!(err.message.contains("nosuchschool.onmicrosoft.com"));
    let mut p = saved_app(&e, &emu, &emu.info.client_secret);
    p.client_id = "99999999-9999-4999-8999-999999999999".into();
    bind_secret(&e, &p, &emu.info.client_secret);
    let err = session::status(
        &Connection::from_profile(&p, e.store.clone()).unwrap(),
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::AppNotFound);
    assert!(err.message.contains("99999999-9999-4999-8999-999999999999"));
}

#[tokio::test]
async fn delegated_sign_in_refreshes_with_rotation_and_signs_out() {
    let emu = emulator(&[]).await;
    let e = env();
    let p = profile(&emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let attempt = SignInAttempt::begin(&p).await.unwrap();
    assert!(attempt.redirect_uri.starts_with("http://localhost:"));
    assert_eq!(query(&attempt.url, "code_challenge_method"), "S256");
    let url = attempt.url.clone();
    let store: Arc<dyn SecretStore> = e.store.clone();
    let waiting = tokio::spawn({
        let dir = e.dir.clone();
        async move {
            attempt
                .finish(&Profiles::in_dir(&dir), store, std::future::pending())
                .await
        }
    });
    let page = browser(&url, "adele.vance@northwind.example").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("return to Rollcall"));
    assert!(
        !html.contains("code="),
        "nothing from the request is echoed"
    );
    let (conn, st) = waiting.await.unwrap().unwrap();
    assert_eq!(st.signed_in_as, "adele.vance@northwind.example");
    assert!(st.permissions.iter().any(|s| s == "OnlineMeetings.Read"));
    assert_eq!(
        e.profiles.find(&p.id).unwrap().signed_in_as.as_deref(),
        Some("adele.vance@northwind.example")
    );
    let first = e
        .store
        .get(&p.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    // The listener closed with the first answer: a second callback finds nobody.
    let port = query(&url, "redirect_uri")
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert!(http()
        .get(format!("http://127.0.0.1:{port}/?code=again&state=x"))
        .send()
        .await
        .is_err());
    // Forcing a refresh rotates the refresh token and saves the new one.
    session::status(&conn, true).await.unwrap();
    let second = e
        .store
        .get(&p.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert_ne!(first.expose(), second.expose());
    // A new connection from the profile uses the saved refresh token.
    let again =
        Connection::from_profile(&e.profiles.find(&p.id).unwrap(), e.store.clone()).unwrap();
    session::status(&again, true).await.unwrap();
    session::sign_out(&e.profiles, e.store.as_ref(), &p.id).unwrap();
    assert!(e
        .store
        .get(&p.id, SecretKind::RefreshToken)
        .unwrap()
        .is_none());
    let err =
        Connection::from_profile(&e.profiles.find(&p.id).unwrap(), e.store.clone()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInRequired);
}

/// Start a sign-in, let `act` play the browser (or press Cancel first), and return how it ended.
async fn sign_in_with<F, Fut>(
    emu: &Running,
    timeout: Duration,
    press_cancel: bool,
    act: F,
) -> rollcall_core::CoreError
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let e = env();
    let p = profile(emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let attempt = SignInAttempt::begin(&p).await.unwrap();
    let url = attempt.url.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let store: Arc<dyn SecretStore> = e.store.clone();
    let dir = e.dir.clone();
    let waiting = tokio::spawn(async move {
        let cancel = async {
            let _ = rx.await;
        };
        attempt
            .finish_within(&Profiles::in_dir(&dir), store, cancel, timeout)
            .await
    });
    let mut tx = Some(tx);
    if press_cancel {
        tx.take().unwrap().send(()).unwrap();
    }
    act(url).await;
    let err = waiting.await.unwrap().map(|_| ()).unwrap_err();
    drop(tx);
    assert!(e
        .store
        .get(&p.id, SecretKind::RefreshToken)
        .unwrap()
        .is_none());
    err
}

fn loopback(url: &str) -> String {
    query(url, "redirect_uri").replace("localhost", "127.0.0.1")
}

/// A forged or stale answer (wrong `state`) and an idle connection are ignored: the real callback
/// still completes the sign-in, through `localhost` on either loopback address.
#[tokio::test]
async fn forged_answers_and_idle_sockets_do_not_stop_the_real_callback() {
    let emu = emulator(&[]).await;
    let e = env();
    let p = profile(&emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let attempt = SignInAttempt::begin(&p).await.unwrap();
    let url = attempt.url.clone();
    let store: Arc<dyn SecretStore> = e.store.clone();
    let dir = e.dir.clone();
    let waiting = tokio::spawn(async move {
        attempt
            .finish(&Profiles::in_dir(&dir), store, std::future::pending())
            .await
    });
    let port = query(&url, "redirect_uri")
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    // An idle connection that never sends a request line, held open throughout.
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap()))
        .await
        .unwrap();
    // A probe and a forged answer: static pages, and the wait goes on.
    http()
        .get(format!("{}/favicon.ico", loopback(&url)))
        .send()
        .await
        .unwrap();
    let forged = http()
        .get(format!("{}/?code=stolen&state=not-yours", loopback(&url)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    // The real answer arrives on [::1] — where browsers go first for `localhost`.
    let back = common::authorize(&url, "adele.vance@northwind.example").await;
    assert!(back.starts_with("http://localhost:"));
    let page = http()
        .get(back.replace("localhost", "[::1]"))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("return to Rollcall"));
    let (_, st) = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("the real callback completes the sign-in")
        .unwrap()
        .unwrap();
    assert_eq!(st.signed_in_as, "adele.vance@northwind.example");
}

#[tokio::test]
async fn an_error_in_the_callback_is_explained() {
    let emu = emulator(&[]).await;
    let err = sign_in_with(&emu, Duration::from_secs(20), false, |url| async move {
        let state = query(&url, "state");
        http()
            .get(format!(
                "{}/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent+to+access+the+app.&error_subcode=cancel&state={state}",
                loopback(&url)
            ))
            .send()
            .await
            .unwrap();
    })
    .await;
    assert_eq!(err.code, ErrorCode::PermissionMissing);
    assert_eq!(err.message, "Consent was declined.");
}

/// Consent the way Entra shows it with `prompt=select_account`: a consent screen the user accepts
/// (then the sign-in completes), or — when users may not consent — "Need admin approval", which
/// never comes back; Rollcall's wait then ends with advice that names that page and the
/// admin-consent URL.
#[tokio::test]
async fn consent_is_shown_in_the_browser_and_admin_approval_is_explained() {
    let emu = emulator(&["no-admin-consent"]).await;
    let e = env();
    let p = profile(&emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let attempt = SignInAttempt::begin(&p).await.unwrap();
    let url = attempt.url.clone();
    let (store, dir): (Arc<dyn SecretStore>, _) = (e.store.clone(), e.dir.clone());
    let waiting = tokio::spawn(async move {
        attempt
            .finish(&Profiles::in_dir(&dir), store, std::future::pending())
            .await
    });
    // The consent screen, not a redirect.
    let page = http()
        .get(format!("{url}&login_hint=megan.bowen@northwind.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Permissions requested"));
    // Accept (the form posts the same request with action=consent).
    let mut form: Vec<(String, String)> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    form.push(("login_hint".into(), "megan.bowen@northwind.example".into()));
    form.push(("action".into(), "consent".into()));
    let authorize = url.split('?').next().unwrap().to_string();
    let r = http().post(&authorize).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    http()
        .get(r.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    let (_, st) = waiting.await.unwrap().unwrap();
    assert_eq!(st.signed_in_as, "megan.bowen@northwind.example");

    // Users may not consent: the browser stops at "Need admin approval" and never comes back.
    let emu = emulator(&["no-admin-consent", "user-consent-disabled"]).await;
    let tenant = emu.info.tenant_id.clone();
    let err = sign_in_with(&emu, Duration::from_secs(2), false, |url| async move {
        let page = http()
            .get(format!("{url}&login_hint=megan.bowen@northwind.example"))
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Need admin approval") && html.contains("90094"),
            "{html}"
        );
    })
    .await;
    assert_eq!(err.code, ErrorCode::SignInFailed);
    let hint = err.hint.unwrap();
    assert!(hint.contains("Need admin approval"), "{hint}");
    assert!(
        hint.contains(&format!("/{tenant}/adminconsent?client_id=")),
        "{hint}"
    );
}

/// http://localhost registered as a single-page application: redeeming fails with AADSTS9002327,
/// explained as the admin's registration to move (Setup's reading of spa.redirectUris is tested
/// with the step's rules in `setup`).
#[tokio::test]
async fn a_redirect_registered_as_a_single_page_app_is_explained() {
    let emu = emulator(&["redirect-under-spa"]).await;
    let err = sign_in_with(&emu, Duration::from_secs(20), false, |url| async move {
        browser(&url, "megan.bowen@northwind.example").await;
    })
    .await;
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("single-page application"),
        "{}",
        err.message
    );
    assert!(err
        .hint
        .unwrap()
        .contains("Mobile and desktop applications"));
}
#[tokio::test]
async fn no_answer_times_out_with_advice_and_cancel_stops_waiting() {
    let emu = emulator(&[]).await;
    let err = sign_in_with(&emu, Duration::from_secs(1), false, |_url| async {}).await;
    assert_eq!(err.code, ErrorCode::SignInFailed);
    assert!(err.message.contains("within 1 seconds"));
    assert!(err.hint.unwrap().contains("AADSTS50011"));
    let err = sign_in_with(&emu, Duration::from_secs(60), true, |_url| async {}).await;
    assert_eq!(err.code, ErrorCode::Cancelled);
}

#[tokio::test]
async fn an_inactive_refresh_token_asks_to_sign_in_again() {
    let emu = emulator(&[]).await;
    let e = env();
    let p = profile(&emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let (conn, _) =
        common::sign_in(&p, &e.dir, e.store.clone(), "megan.bowen@northwind.example").await;
    http()
        .post(format!("{}/scenarios/refresh-inactive", emu.info.admin))
        .send()
        .await
        .unwrap();
    let err = session::status(&conn, true).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInRequired);
    assert!(err.hint.unwrap().contains("Sign in again"));
}

/// Collects every log line of the test, at the most verbose level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_and_tokens_reach_neither_the_profiles_file_nor_the_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = emulator(&[]).await;
    let e = env();
    let app = saved_app(&e, &emu, &emu.info.client_secret);
    let app_conn = Connection::from_profile(&app, e.store.clone()).unwrap();
    let app_token = app_conn.token(true).await.unwrap();
    rollcall_core::setup::summary::fetch(&app_conn)
        .await
        .unwrap();

    let p = profile(&emu, AuthMode::Delegated);
    e.profiles.upsert(p.clone()).unwrap();
    let (conn, code) =
        common::sign_in(&p, &e.dir, e.store.clone(), "megan.bowen@northwind.example").await;
    let user_token = conn.token(true).await.unwrap();
    let refresh = e
        .store
        .get(&p.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();

    let file = std::fs::read_to_string(e.profiles.path()).unwrap();
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.len() > 1000,
        "the test captured the logs ({} bytes)",
        log.len()
    );
    for (what, value) in [
        ("client secret", emu.info.client_secret.as_str()),
        ("app access token", app_token.value.expose()),
        ("user access token", user_token.value.expose()),
        ("refresh token", refresh.expose()),
        ("authorization code", code.as_str()),
    ] {
        assert!(!file.contains(value), "the {what} is in the profiles file");
        assert!(!log.contains(value), "the {what} is in the logs");
    }
    assert!(
        file.contains(&emu.info.client_secret[..3]),
        "only the hint is kept"
    );
}

/// A secret and a sign-in stay with the endpoints they were entered for: changing the profile's
/// Graph URL (or cloud, authority, tenant, client id) removes both, a hand-edited profiles.json
/// that points elsewhere gets a refusal instead of the secret, plain http:// is for this computer
/// only, and the file's profiles are validated when read.
#[tokio::test]
async fn secrets_stay_with_the_endpoints_they_were_entered_for() {
    use rollcall_core::tenant::connections::Connections;
    let emu = emulator(&[]).await;
    let e = env();
    let conns = Connections::new(Profiles::in_dir(&e.dir), e.store.clone());
    let p = profile(&emu, AuthMode::Application);
    conns
        .save(p.clone(), Some(Secret::new(emu.info.client_secret.clone())))
        .unwrap();
    assert!(Connection::from_profile(&e.profiles.find(&p.id).unwrap(), e.store.clone()).is_ok());

    // Hand-edit profiles.json: the same profile now names another Graph host.
    let path = e.profiles.path().to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    let graph = emu.info.graph.clone();
    std::fs::write(&path, text.replace(&graph, "http://127.0.0.2:9/v1.0")).unwrap();
    let edited = e.profiles.find(&p.id).unwrap();
    let err = Connection::from_profile(&edited, e.store.clone()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInRequired);
    assert!(err.message.contains("does not send it"), "{}", err.message);
    std::fs::write(&path, &text).unwrap();

    // Changing it through the form removes the saved secret (and any sign-in) for good.
    let mut moved = e.profiles.find(&p.id).unwrap();
    moved.tenant = "fabrikam.onmicrosoft.com".into();
    conns.save(moved.clone(), None).unwrap();
    assert!(e
        .store
        .get(&p.id, SecretKind::ClientSecret)
        .unwrap()
        .is_none());
    assert_eq!(e.profiles.find(&p.id).unwrap().secret_hint, None);
    let err =
        Connection::from_profile(&e.profiles.find(&p.id).unwrap(), e.store.clone()).unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::InvalidSecret,
        "asks for the secret again"
    );

    // Plain http to another machine is refused by the form.
    let mut remote = p.clone();
    remote.id = "remote".into();
    remote.name = "Remote".into();
    remote.graph = Some("http://graph.example.org/v1.0".into());
    let err = conns.save(remote, None).unwrap_err();
    assert!(err.message.contains("https://"), "{}", err.message);

    // A profiles.json entry the form would not accept (a bad id) is named when the file is read.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(&format!("\"id\": \"{}\"", p.id), "\"id\": \"../../x\"", 1),
    )
    .unwrap();
    let err = e.profiles.load().unwrap_err();
    assert!(
        err.message.contains("not valid") && err.message.contains("id"),
        "{}",
        err.message
    );
}
