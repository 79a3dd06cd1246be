//! Where an archive lives — a profile's file in the data folder, a file named on the command
//! line, or a shared PostgreSQL database — and the run's one connection to each. The shared
//! database's password comes from `ROLLCALL_ARCHIVE_PASSWORD` (a script's) or the keychain, bound to
//! the address it was saved for. This module does not read or write attendance.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{Archive, ServerAddress};
use crate::error::CoreError;
use crate::tenant::secrets::{SecretKind, SecretStore};

/// An archive's place.
#[derive(Clone, Debug)]
pub enum Location {
    File(PathBuf),
    Server(ServerAddress),
}

impl Location {
    /// A path, or a `postgres://` address.
    pub fn parse(s: &str) -> Result<Location, CoreError> {
        if ServerAddress::is_address(s) {
            ServerAddress::parse(s).map(Location::Server)
        } else {
            Ok(Location::File(PathBuf::from(s)))
        }
    }

    /// A profile's archive: its shared database when it names one, else its file in `data_dir`.
    pub fn of_profile(
        data_dir: &Path,
        profile_id: &str,
        shared: Option<&str>,
    ) -> Result<Location, CoreError> {
        match shared.filter(|s| !s.trim().is_empty()) {
            Some(a) => ServerAddress::parse(a.trim()).map(Location::Server),
            None => Ok(Location::File(Archive::path_for(data_dir, profile_id))),
        }
    }

    /// As the user reads it (a shared database's address without its password).
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Server(a) => a.shown.clone(),
        }
    }

    /// Open it now: the file is created when missing; the server is connected with the saved
    /// password and its tables made or migrated.
    pub fn open(&self, secrets: &dyn SecretStore) -> Result<Archive, CoreError> {
        match self {
            Location::File(p) => Archive::open(p),
            Location::Server(a) => Archive::connect(a, password(secrets, a)?.as_ref()),
        }
    }

    /// The run's one connection to it (see [`Archive::active`]): opened on first use, then shared.
    pub fn shared(&self, secrets: &dyn SecretStore) -> Result<Arc<Archive>, CoreError> {
        use std::collections::HashMap;
        use std::sync::OnceLock;
        static OPEN: OnceLock<Mutex<HashMap<String, Arc<Archive>>>> = OnceLock::new();
        let key = self.shown();
        if let Some(a) = crate::support::lock(OPEN.get_or_init(Default::default)).get(&key) {
            return Ok(a.clone());
        }
        // Opened outside the map's lock: a server that does not answer holds up only this call.
        let a = Arc::new(self.open(secrets)?);
        Ok(crate::support::lock(OPEN.get_or_init(Default::default))
            .entry(key)
            .or_insert(a)
            .clone())
    }
}

/// A shared archive's password: `ROLLCALL_ARCHIVE_PASSWORD` (for a script), else the keychain's
/// for exactly this address.
pub fn password(
    secrets: &dyn SecretStore,
    a: &ServerAddress,
) -> Result<Option<rollcall_graph::Secret>, CoreError> {
    if let Some(p) = std::env::var("ROLLCALL_ARCHIVE_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return Ok(Some(rollcall_graph::Secret::new(p)));
    }
    secrets.get_bound(&a.secret_key(), SecretKind::ArchivePassword, &a.binding())
}

/// Keep a shared archive's password in the keychain once it has been proven by connecting, so a
/// wrong one is said now and not at 2 a.m. Returns the connected archive.
pub fn save_password(
    secrets: &dyn SecretStore,
    a: &ServerAddress,
    pw: &rollcall_graph::Secret,
) -> Result<Archive, CoreError> {
    let archive = Archive::connect(a, Some(pw))?;
    secrets.set_bound(
        &a.secret_key(),
        SecretKind::ArchivePassword,
        &a.binding(),
        pw,
    )?;
    Ok(archive)
}
