//! Where client secrets and refresh tokens live: the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux) through `keyring`.
//!
//! There is deliberately no fallback: when no keychain answers, the caller gets
//! `keychainUnavailable` with what to install or unlock, and nothing is written anywhere else.
//! [`MemorySecrets`] exists for tests that select it explicitly.

use std::collections::HashMap;
use std::sync::Mutex;

use rollcall_graph::Secret;

use crate::error::{CoreError, ErrorCode};

/// Which secret of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretKind {
    ClientSecret,
    RefreshToken,
}

impl SecretKind {
    fn suffix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client-secret",
            SecretKind::RefreshToken => "refresh-token",
        }
    }
}

pub trait SecretStore: Send + Sync {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>, CoreError>;
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<(), CoreError>;
    /// Removing what is not there is not an error.
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), CoreError>;
}

/// The OS keychain. Entries are `service` + `{profile id}/{kind}`.
pub struct KeyringSecrets {
    service: String,
}

/// The keychain service name used by the app and the CLI.
pub const SERVICE: &str = "app.rollcall.desktop";

impl KeyringSecrets {
    pub fn new(service: impl Into<String>) -> Self {
        KeyringSecrets {
            service: service.into(),
        }
    }
    fn entry(&self, profile: &str, kind: SecretKind) -> Result<keyring::Entry, CoreError> {
        keyring::Entry::new(&self.service, &format!("{profile}/{}", kind.suffix()))
            .map_err(keychain_error)
    }
}

impl Default for KeyringSecrets {
    fn default() -> Self {
        KeyringSecrets::new(
            std::env::var("ROLLCALL_KEYRING_SERVICE").unwrap_or_else(|_| SERVICE.to_string()),
        )
    }
}

impl SecretStore for KeyringSecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>, CoreError> {
        match self.entry(profile, kind)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<(), CoreError> {
        // One keychain item is replaced in a single call: readers see the old or the new value.
        self.entry(profile, kind)?
            .set_password(value.expose())
            .map_err(keychain_error)
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), CoreError> {
        match self.entry(profile, kind)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// What to do when the keychain does not answer, per OS. The error text from the platform never
/// contains the secret (keyring does not echo values).
fn keychain_error(e: keyring::Error) -> CoreError {
    let what = match &e {
        keyring::Error::TooLong(..) => {
            return CoreError::new(
                ErrorCode::KeychainUnavailable,
                "The value is too long for the system keychain.",
                Some("This is a Rollcall bug; please report it.".into()),
            )
        }
        keyring::Error::NoStorageAccess(_) => "The system keychain is locked or refused access.",
        _ => "The system keychain is not available.",
    };
    let hint = if cfg!(target_os = "macos") {
        "Unlock the login keychain in Keychain Access and allow Rollcall when asked."
    } else if cfg!(target_os = "windows") {
        "Rollcall stores secrets in Windows Credential Manager; sign in with a normal (not temporary) Windows profile."
    } else {
        "Install and unlock a Secret Service keyring (GNOME Keyring: `gnome-keyring`, or KWallet) in your desktop session. Rollcall never stores secrets in plain files."
    };
    CoreError::new(
        ErrorCode::KeychainUnavailable,
        format!("{what} ({e})"),
        Some(hint.into()),
    )
}

/// An in-memory store for tests that ask for it by name. Never chosen automatically.
#[derive(Default)]
pub struct MemorySecrets {
    map: Mutex<HashMap<(String, SecretKind), String>>,
}

impl SecretStore for MemorySecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>, CoreError> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map.get(&(profile.to_string(), kind)).map(Secret::new))
    }
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<(), CoreError> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.insert((profile.to_string(), kind), value.expose().to_string());
        Ok(())
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), CoreError> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(profile.to_string(), kind));
        Ok(())
    }
}
