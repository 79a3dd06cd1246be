#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real OS keychain (Secret Service here; the README's test command starts an unlocked
//! gnome-keyring in a private D-Bus session on Linux). A unique service name keeps it apart from
//! a developer's own Rollcall entries.

use rollcall_core::tenant::secrets::{KeyringSecrets, SecretKind, SecretStore};

mod common;
use rollcall_graph::Secret;

#[test]
fn secrets_round_trip_through_the_os_keychain() {
    let service = format!("app.rollcall.test-{}", uuid::Uuid::new_v4().simple());
    let store = KeyringSecrets::new(&service);
    let profile = "profile-1";
    // Store a value and read it back whole.
    let round_trip = |kind: SecretKind, value: &str| {
        store.set(profile, kind, &Secret::new(value)).unwrap();
        assert_eq!(store.get(profile, kind).unwrap().unwrap().expose(), value);
    };
    assert!(store
        .get(profile, SecretKind::ClientSecret)
        .unwrap()
        .is_none());
    round_trip(SecretKind::ClientSecret, "Q~first");
    round_trip(SecretKind::ClientSecret, "Q~second");
    round_trip(SecretKind::RefreshToken, "1.refresh");
    // Refresh tokens of realistic size (Entra's are 1.1-2 KB, some 4 KB) fit: stored in chunks
    // that each stay under Windows Credential Manager's 1,280 characters. Replaced by a shorter
    // one, then a long one again: each read sees a whole value.
    let big = format!("1.A{}", "x".repeat(4093));
    round_trip(SecretKind::RefreshToken, &big);
    round_trip(SecretKind::RefreshToken, "1.short");
    round_trip(SecretKind::RefreshToken, &big);
    store.delete(profile, SecretKind::ClientSecret).unwrap();
    store.delete(profile, SecretKind::RefreshToken).unwrap();
    store.delete(profile, SecretKind::RefreshToken).unwrap();
    assert!(store
        .get(profile, SecretKind::ClientSecret)
        .unwrap()
        .is_none());
}

/// A user-delegated sign-in whose refresh token is about 4 KB (what breaks a naive Windows
/// Credential Manager store) is kept in the real keychain and used again.
#[tokio::test]
async fn a_four_kilobyte_refresh_token_survives_the_os_keychain() {
    use rollcall_core::tenant::connection::Connection;
    use rollcall_core::tenant::profile::Profiles;
    use std::sync::Arc;
    let emu = common::emulator(&["large-tokens"]).await;
    let dir = std::env::temp_dir().join(format!("rollcall-kc-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = common::delegated_profile(&emu, &emu.info.hosts);
    Profiles::in_dir(&dir).upsert(p.clone()).unwrap();
    let service = format!("app.rollcall.test-{}", uuid::Uuid::new_v4().simple());
    let store: Arc<dyn SecretStore> = Arc::new(KeyringSecrets::new(&service));
    common::sign_in(&p, &dir, store.clone(), "megan.bowen@northwind.example").await;
    let saved = store
        .get_bound(&p.id, SecretKind::RefreshToken, &p.binding())
        .unwrap()
        .unwrap();
    assert_eq!(saved.expose().len(), 4096);
    // A new connection from the keychain refreshes with it (and stores the rotated one).
    let again =
        Connection::from_profile(&Profiles::in_dir(&dir).find(&p.id).unwrap(), store.clone())
            .unwrap();
    rollcall_core::tenant::session::status(&again, true)
        .await
        .unwrap();
    store.delete(&p.id, SecretKind::RefreshToken).unwrap();
}
