//! Rollcall's own certificate credential for a profile, for the nightly job: a key pair made on
//! this computer, the private key in a file only this user can read (`credentials/ID.key.pem` in
//! the data folder, 0600 in a 0700 folder; on Windows the data folder's ACL admits only the user),
//! the public certificate beside it (`credentials/ID.cer`) for an administrator to upload to the
//! app registration (Entra admin centre → App registrations → the app → Certificates & secrets →
//! Certificates → Upload certificate).
//!
//! Why a file and not the keychain: a job started by cron has no session bus, so no Secret
//! Service; the key file is what such a job can read and nobody else can. It is never a client
//! secret in a file: the key signs a short-lived assertion and cannot be replayed as a password.
//!
//! Owns those two files. The cryptography is `rollcall_graph::certificate`'s.

use std::path::{Path, PathBuf};

use rollcall_graph::Secret;

use crate::error::{CoreError, ErrorCode};
use crate::tenant::profile::{file_key, Profile};

/// How long a made certificate is valid: the job works until then (Entra shows the date).
pub const VALID_DAYS: u32 = 730;

/// A profile's key and certificate, read from their files.
pub struct Loaded {
    pub key_pem: Secret,
    pub cert_der: Vec<u8>,
}

/// Where a profile's certificate files are.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Files {
    pub key: PathBuf,
    pub certificate: PathBuf,
    /// `x5t#S256`, what Entra lists as the certificate's thumbprint is its SHA-1; this one names it
    /// in the assertion.
    pub thumbprint_s256: String,
    pub expires: String,
}

fn paths(data_dir: &Path, profile_id: &str) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("credentials");
    let key = file_key(profile_id);
    (
        dir.join(format!("{key}.key.pem")),
        dir.join(format!("{key}.cer")),
    )
}

/// Make a key pair and certificate for a profile, replacing any it had.
pub fn create(data_dir: &Path, profile: &Profile) -> Result<Files, CoreError> {
    create_for(data_dir, &profile.id, &profile.name)
}

fn create_for(data_dir: &Path, profile_id: &str, name: &str) -> Result<Files, CoreError> {
    let made =
        rollcall_graph::certificate::make(&format!("Rollcall nightly job {name}"), VALID_DAYS)
            .map_err(CoreError::internal)?;
    let (key, certificate) = paths(data_dir, profile_id);
    // The certificate first: a key without its certificate is of no use to anyone.
    crate::support::atomic::write_private(&certificate, &made.cert_der)?;
    crate::support::atomic::write_private(&key, made.key_pem.expose().as_bytes())?;
    Ok(Files {
        key,
        certificate,
        thumbprint_s256: rollcall_graph::certificate::thumbprint_s256(&made.cert_der),
        expires: rollcall_graph::certificate::not_after(&made.cert_der)
            .map_err(CoreError::internal)?,
    })
}

/// The profile's certificate, if it has one.
pub fn load(data_dir: &Path, profile_id: &str) -> Result<Option<Loaded>, CoreError> {
    let (key, certificate) = paths(data_dir, profile_id);
    let (Ok(key_pem), Ok(cert_der)) = (std::fs::read_to_string(&key), std::fs::read(&certificate))
    else {
        return Ok(None);
    };
    if rollcall_graph::certificate::not_after(&cert_der).is_err() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("{} is not a certificate Rollcall can read.", certificate.display()),
            Some("Make a new one with `rollcall certificate create --profile NAME` and upload it again.".into()),
        ));
    }
    Ok(Some(Loaded {
        key_pem: Secret::new(key_pem),
        cert_der,
    }))
}

/// The files of the profile's certificate, if it has one (for `rollcall certificate show`).
pub fn describe(data_dir: &Path, profile_id: &str) -> Result<Option<Files>, CoreError> {
    let Some(l) = load(data_dir, profile_id)? else {
        return Ok(None);
    };
    let (key, certificate) = paths(data_dir, profile_id);
    Ok(Some(Files {
        key,
        certificate,
        thumbprint_s256: rollcall_graph::certificate::thumbprint_s256(&l.cert_der),
        expires: rollcall_graph::certificate::not_after(&l.cert_der)
            .map_err(CoreError::internal)?,
    }))
}

/// Remove the profile's certificate files (deleting the profile, or replacing the certificate).
pub fn remove(data_dir: &Path, profile_id: &str) {
    let (key, certificate) = paths(data_dir, profile_id);
    let _ = std::fs::remove_file(key);
    let _ = std::fs::remove_file(certificate);
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_key_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rollcall-cert-{}", uuid::Uuid::new_v4()));
        let f = super::create_for(&dir, "p1", "North").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&f.key), 0o600);
        assert_eq!(mode(f.key.parent().unwrap()), 0o700);
        let l = super::load(&dir, "p1").unwrap().unwrap();
        assert!(l.key_pem.expose().contains("BEGIN PRIVATE KEY"));
        assert_eq!(
            super::describe(&dir, "p1")
                .unwrap()
                .unwrap()
                .thumbprint_s256,
            f.thumbprint_s256
        );
        super::remove(&dir, "p1");
        assert!(super::load(&dir, "p1").unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
