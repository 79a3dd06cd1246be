//! Where client secrets and refresh tokens live: the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux) through `keyring`.
//!
//! There is deliberately no fallback: when no keychain answers, the caller gets
//! `keychainUnavailable` with what to install or unlock, and nothing is written anywhere else.
//! [`MemorySecrets`] exists for tests that select it explicitly.
//!
//! Long values are split ([`chunked`]): `keyring` on Windows stores UTF-16 and refuses more than
//! 1,280 characters per credential, while Entra's refresh tokens are 1.1–2 KB (and can be 4 KB). A
//! value up to [`CHUNK`] characters is one item as before; a longer one is written as numbered
//! chunk items of one generation (`a` or `b`) first, then the head item — one replace, the commit
//! point — names the generation, the count and a SHA-256 of the whole, and only then are the old
//! generation's chunks removed. A reader sees the old value or the new one, never a mix; a
//! half-written value is never read (its head does not exist yet, or the checksum fails).
//!
//! On Windows the entries roam with a roaming profile (`keyring` writes them with
//! `CRED_PERSIST_ENTERPRISE`), and that is kept on purpose: the curators and admins of a school
//! move between staff and lab PCs with one roaming profile and expect to stay signed in; the
//! credential is protected by the user's own logon (DPAPI) wherever it lands, never readable by
//! other accounts; and chunking keeps every item under the 2,560-byte limit that roaming imposes
//! too. A shared machine's user signs out (Settings → Connections), which deletes every chunk.

use std::collections::HashMap;
use std::sync::Mutex;

use rollcall_graph::Secret;

use crate::error::{CoreError, ErrorCode};

/// Which secret of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretKind {
    ClientSecret,
    RefreshToken,
    /// The password of the profile's own proxy.
    ProxyPassword,
    /// The password of a shared archive's database user (keyed by its address).
    ArchivePassword,
}

impl SecretKind {
    fn suffix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client-secret",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::ProxyPassword => "proxy-password",
            SecretKind::ArchivePassword => "archive-password",
        }
    }
}

/// How a stored secret names the endpoints it was entered for.
const BOUND: &str = "rollcall-bound:v1:";

pub trait SecretStore: Send + Sync {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>, CoreError>;
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<(), CoreError>;
    /// Removing what is not there is not an error.
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), CoreError>;

    /// Store a secret with the fingerprint of the endpoints it is for
    /// ([`crate::tenant::profile::Profile::binding`]).
    fn set_bound(
        &self,
        profile: &str,
        kind: SecretKind,
        binding: &str,
        value: &Secret,
    ) -> Result<(), CoreError> {
        let v = format!("{BOUND}{binding}:{}", value.expose());
        self.set(profile, kind, &Secret::new(v))
    }

    /// The secret, only when it was stored for these endpoints: a secret entered for one tenant,
    /// app or host is never sent to another (a changed or hand-edited profile).
    fn get_bound(
        &self,
        profile: &str,
        kind: SecretKind,
        binding: &str,
    ) -> Result<Option<Secret>, CoreError> {
        let Some(v) = self.get(profile, kind)? else {
            return Ok(None);
        };
        match v.expose().strip_prefix(BOUND).and_then(|r| r.split_once(':')) {
            Some((b, secret)) if b == binding => Ok(Some(Secret::new(secret))),
            _ => Err(CoreError::new(
                ErrorCode::SignInRequired,
                match kind {
                    SecretKind::ClientSecret => "The saved client secret was entered for another cloud, tenant or app than this profile now names, so Rollcall does not send it.",
                    SecretKind::RefreshToken => "The saved sign-in belongs to another cloud, tenant or app than this profile now names, so Rollcall does not use it.",
                    SecretKind::ProxyPassword => "The saved proxy password was entered for another proxy than this profile now names, so Rollcall does not send it.",
                    SecretKind::ArchivePassword => "The saved database password was entered for another archive server than this one, so Rollcall does not send it.",
                },
                Some(match kind {
                    SecretKind::ClientSecret => "Paste the client secret's Value again in Settings → Connections.".into(),
                    SecretKind::RefreshToken => "Sign in again in Settings → Connections (or `rollcall login`).".into(),
                    SecretKind::ProxyPassword => "Enter the proxy password again in Settings → Connections.".into(),
                    SecretKind::ArchivePassword => "Save the password again: `rollcall archive password --archive ADDRESS`.".into(),
                }),
            )),
        }
    }
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
    fn item(&self, name: &str) -> Result<keyring::Entry, CoreError> {
        keyring::Entry::new(&self.service, name).map_err(keychain_error)
    }
}

impl Default for KeyringSecrets {
    fn default() -> Self {
        KeyringSecrets::new(
            std::env::var("ROLLCALL_KEYRING_SERVICE").unwrap_or_else(|_| SERVICE.to_string()),
        )
    }
}

impl chunked::Items for KeyringSecrets {
    fn read(&self, name: &str) -> Result<Option<String>, CoreError> {
        match self.item(name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }
    fn write(&self, name: &str, value: &str) -> Result<(), CoreError> {
        // One keychain item is replaced in a single call: readers see the old or the new value.
        self.item(name)?.set_password(value).map_err(keychain_error)
    }
    fn remove(&self, name: &str) -> Result<(), CoreError> {
        match self.item(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

impl SecretStore for KeyringSecrets {
    fn get(&self, profile: &str, kind: SecretKind) -> Result<Option<Secret>, CoreError> {
        chunked::get(self, &item_name(profile, kind))
    }
    fn set(&self, profile: &str, kind: SecretKind, value: &Secret) -> Result<(), CoreError> {
        chunked::set(self, &item_name(profile, kind), value)
    }
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), CoreError> {
        chunked::delete(self, &item_name(profile, kind))
    }
}

fn item_name(profile: &str, kind: SecretKind) -> String {
    format!("{profile}/{}", kind.suffix())
}

/// The most characters one keychain item holds here: under Windows' 1,280 (UTF-16) with room.
pub const CHUNK: usize = 1000;

/// Values longer than one keychain item allows, as a head item and numbered chunks (see the module
/// documentation for the protocol).
pub mod chunked {
    use sha2::Digest;

    use super::{CoreError, ErrorCode, Secret, CHUNK};

    /// Named items of one keychain service.
    pub trait Items {
        fn read(&self, name: &str) -> Result<Option<String>, CoreError>;
        fn write(&self, name: &str, value: &str) -> Result<(), CoreError>;
        fn remove(&self, name: &str) -> Result<(), CoreError>;
    }

    /// Chunks per value at most: 16 × 1,000 characters.
    pub const MAX_CHUNKS: usize = 16;
    const HEAD: &str = "rollcall-chunks:v1:";

    struct Head {
        generation: char,
        count: usize,
        digest: String,
    }

    fn parse_head(v: &str) -> Option<Head> {
        let rest = v.strip_prefix(HEAD)?;
        let mut p = rest.split(':');
        let generation = p.next()?.chars().next()?;
        let count = p.next()?.parse().ok()?;
        let digest = p.next()?.to_string();
        (matches!(generation, 'a' | 'b') && (1..=MAX_CHUNKS).contains(&count)).then_some(Head {
            generation,
            count,
            digest,
        })
    }

    fn chunk_name(name: &str, generation: char, i: usize) -> String {
        format!("{name}#{generation}{i}")
    }

    fn digest(v: &str) -> String {
        let d = sha2::Sha256::digest(v.as_bytes());
        d.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }

    fn damaged() -> CoreError {
        CoreError::new(
            ErrorCode::SignInRequired,
            "A saved secret in the system keychain is incomplete (it was being replaced when Rollcall stopped).",
            Some("Enter the secret or sign in again in Settings → Connections; the damaged entry is replaced.".into()),
        )
    }

    pub fn get(items: &impl Items, name: &str) -> Result<Option<Secret>, CoreError> {
        let Some(head) = items.read(name)? else {
            return Ok(None);
        };
        let Some(h) = parse_head(&head) else {
            return Ok(Some(Secret::new(head)));
        };
        let mut value = String::with_capacity(h.count * CHUNK);
        for i in 0..h.count {
            match items.read(&chunk_name(name, h.generation, i))? {
                Some(c) => value.push_str(&c),
                None => return Err(damaged()),
            }
        }
        if digest(&value) != h.digest {
            return Err(damaged());
        }
        Ok(Some(Secret::new(value)))
    }

    pub fn set(items: &impl Items, name: &str, value: &Secret) -> Result<(), CoreError> {
        let v = value.expose();
        let old = items.read(name)?.as_deref().and_then(parse_head);
        let chars: Vec<char> = v.chars().collect();
        if chars.len() <= CHUNK && !v.starts_with(HEAD) {
            items.write(name, v)?;
        } else {
            let parts: Vec<String> = chars.chunks(CHUNK).map(|c| c.iter().collect()).collect();
            if parts.len() > MAX_CHUNKS {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    format!("The value is longer than the {} characters Rollcall keeps in the keychain.", CHUNK * MAX_CHUNKS),
                    None,
                ));
            }
            let generation = match &old {
                Some(h) if h.generation == 'a' => 'b',
                _ => 'a',
            };
            for (i, part) in parts.iter().enumerate() {
                items.write(&chunk_name(name, generation, i), part)?;
            }
            // Leftovers of an earlier, longer value of this generation.
            for i in parts.len()..MAX_CHUNKS {
                items.remove(&chunk_name(name, generation, i))?;
            }
            items.write(
                name,
                &format!("{HEAD}{generation}:{}:{}", parts.len(), digest(v)),
            )?;
        }
        if let Some(h) = old {
            for i in 0..h.count {
                items.remove(&chunk_name(name, h.generation, i))?;
            }
        }
        Ok(())
    }

    pub fn delete(items: &impl Items, name: &str) -> Result<(), CoreError> {
        let old = items.read(name)?.as_deref().and_then(parse_head);
        // The head goes first: from then on nothing reads the chunks.
        items.remove(name)?;
        if let Some(h) = old {
            for i in 0..h.count {
                items.remove(&chunk_name(name, h.generation, i))?;
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::chunked::{self, Items};
    use super::*;

    /// Items as Windows Credential Manager takes them: at most 1,280 characters each.
    #[derive(Default)]
    struct WindowsLike(Mutex<HashMap<String, String>>);

    impl Items for WindowsLike {
        fn read(&self, name: &str) -> Result<Option<String>, CoreError> {
            Ok(self
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(name)
                .cloned())
        }
        fn write(&self, name: &str, value: &str) -> Result<(), CoreError> {
            if value.encode_utf16().count() > 1280 {
                return Err(CoreError::new(
                    ErrorCode::KeychainUnavailable,
                    "too long",
                    None,
                ));
            }
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.into(), value.into());
            Ok(())
        }
        fn remove(&self, name: &str) -> Result<(), CoreError> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(name);
            Ok(())
        }
    }

    #[test]
    fn four_kilobyte_values_fit_a_windows_sized_keychain_and_replace_cleanly() {
        let w = WindowsLike::default();
        let big = "1.A".to_string() + &"x".repeat(4093);
        chunked::set(&w, "p/refresh-token", &Secret::new(big.clone())).unwrap();
        assert_eq!(
            chunked::get(&w, "p/refresh-token")
                .unwrap()
                .unwrap()
                .expose(),
            big
        );
        // Replace with another long value, then a short one: nothing of the old one is left.
        let other = "0.A".to_string() + &"y".repeat(2500);
        chunked::set(&w, "p/refresh-token", &Secret::new(other.clone())).unwrap();
        assert_eq!(
            chunked::get(&w, "p/refresh-token")
                .unwrap()
                .unwrap()
                .expose(),
            other
        );
        assert_eq!(
            w.0.lock().unwrap().len(),
            1 + 3,
            "head and three chunks of the new value"
        );
        chunked::set(&w, "p/refresh-token", &Secret::new("short")).unwrap();
        assert_eq!(w.0.lock().unwrap().len(), 1);
        chunked::set(&w, "p/refresh-token", &Secret::new(big.clone())).unwrap();
        chunked::delete(&w, "p/refresh-token").unwrap();
        assert!(w.0.lock().unwrap().is_empty(), "delete removes every chunk");
        assert!(chunked::get(&w, "p/refresh-token").unwrap().is_none());
    }

    #[test]
    fn a_half_written_value_is_never_read() {
        let w = WindowsLike::default();
        let first = "a".repeat(3000);
        chunked::set(&w, "n", &Secret::new(first.clone())).unwrap();
        // A replacement that stopped after writing its chunks: the head still names the old ones.
        w.write("n#b0", &"z".repeat(1000)).unwrap();
        assert_eq!(chunked::get(&w, "n").unwrap().unwrap().expose(), first);
        // A chunk lost under the head: an error that says what to do, never a truncated secret.
        w.remove("n#a1").unwrap();
        let e = chunked::get(&w, "n").unwrap_err();
        assert_eq!(e.code, ErrorCode::SignInRequired);
    }
}
