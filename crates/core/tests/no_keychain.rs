#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Without a keychain, saving a secret fails with advice and nothing is written anywhere else.
//! Linux only: it hides the Secret Service by pointing D-Bus at nothing (its own test process).

#[cfg(target_os = "linux")]
#[test]
fn no_secret_service_is_a_clear_error_and_no_fallback() {
    use rollcall_core::tenant::profile::{AuthMode, Cloud, Profile, Profiles};
    use rollcall_core::tenant::secrets::{KeyringSecrets, SecretKind, SecretStore};
    use rollcall_core::{tenant::session, ErrorCode};
    use rollcall_graph::Secret;

    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/rollcall-test-bus",
    );
    let dir = std::env::temp_dir().join(format!("rollcall-nokeychain-{}", uuid::Uuid::new_v4()));
    let profiles = Profiles::in_dir(&dir);
    let p = Profile {
        id: "p1".into(),
        name: "Production".into(),
        cloud: Cloud::Global,
        authority: None,
        graph: None,
        tenant: "contoso.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        mode: AuthMode::Application,
        portal_domain: String::new(),
        participant_info: true,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts: vec![],
        secret_hint: None,
        secret_expires: None,
        signed_in_as: None,
        proxy: None,
        proxy_user: None,
        archive: None,
    };
    profiles.upsert(p.clone()).unwrap();
    let store = KeyringSecrets::new("app.rollcall.test-nokeychain");
    let err = session::set_client_secret(&profiles, &store, &p, &Secret::new("Q~secret-value"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert!(
        err.hint.as_deref().unwrap().contains("gnome-keyring"),
        "{err:?}"
    );
    assert!(!err.message.contains("Q~secret-value"));
    assert_eq!(
        store.get("p1", SecretKind::ClientSecret).unwrap_err().code,
        ErrorCode::KeychainUnavailable
    );
    // Nothing fell back to a file: the folder holds only the profiles file, without a hint.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["profiles.json"]);
    let text = std::fs::read_to_string(dir.join("profiles.json")).unwrap();
    assert!(!text.contains("Q~s"));
    std::fs::remove_dir_all(dir).unwrap();
}
