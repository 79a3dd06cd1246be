#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real OS keychain (Secret Service here; the README's test command starts an unlocked
//! gnome-keyring in a private D-Bus session on Linux). A unique service name keeps it apart from
//! a developer's own Rollcall entries.

use rollcall_core::tenant::secrets::{KeyringSecrets, SecretKind, SecretStore};
use rollcall_graph::Secret;

#[test]
fn secrets_round_trip_through_the_os_keychain() {
    let service = format!("app.rollcall.test-{}", uuid::Uuid::new_v4().simple());
    let store = KeyringSecrets::new(&service);
    let profile = "profile-1";
    assert!(store
        .get(profile, SecretKind::ClientSecret)
        .unwrap()
        .is_none());
    store
        .set(profile, SecretKind::ClientSecret, &Secret::new("Q~first"))
        .unwrap();
    store
        .set(profile, SecretKind::ClientSecret, &Secret::new("Q~second"))
        .unwrap();
    store
        .set(profile, SecretKind::RefreshToken, &Secret::new("1.refresh"))
        .unwrap();
    assert_eq!(
        store
            .get(profile, SecretKind::ClientSecret)
            .unwrap()
            .unwrap()
            .expose(),
        "Q~second"
    );
    assert_eq!(
        store
            .get(profile, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        "1.refresh"
    );
    // A refresh token of realistic size (Entra's are ~1.5-2 KB) fits.
    let big = "x".repeat(2000);
    store
        .set(profile, SecretKind::RefreshToken, &Secret::new(big.clone()))
        .unwrap();
    assert_eq!(
        store
            .get(profile, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        big
    );
    store.delete(profile, SecretKind::ClientSecret).unwrap();
    store.delete(profile, SecretKind::RefreshToken).unwrap();
    store.delete(profile, SecretKind::RefreshToken).unwrap();
    assert!(store
        .get(profile, SecretKind::ClientSecret)
        .unwrap()
        .is_none());
}
