//! Where an archive lives — a profile's file in the data folder, a file named on the command
//! line, or a shared PostgreSQL database — and the run's one connection to each; pointing a profile
//! at a shared archive or back (Settings → Attendance archive, `rollcall archive use`). The shared
//! database's password comes from `ROLLCALL_ARCHIVE_PASSWORD` (a script's), the keychain (bound to
//! the address it was saved for) or PostgreSQL's `~/.pgpass`. This module does not read or write
//! attendance.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{Archive, ServerAddress};
use crate::error::CoreError;
use crate::tenant::connections::{Connections, DEMO_ID};
use crate::tenant::profile::Profiles;
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
        let key = self.shown();
        if let Some(a) = crate::support::lock(open()).get(&key) {
            return Ok(a.clone());
        }
        // Opened outside the map's lock: a server that does not answer holds up only this call.
        let a = Arc::new(self.open(secrets)?);
        Ok(crate::support::lock(open()).entry(key).or_insert(a).clone())
    }
}

/// The run's open archives, by where they are.
fn open() -> &'static Mutex<std::collections::HashMap<String, Arc<Archive>>> {
    static OPEN: std::sync::OnceLock<Mutex<std::collections::HashMap<String, Arc<Archive>>>> =
        std::sync::OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// Close the run's archives before the process exits (the app calls it as it quits): a shared
/// archive's connections end and their threads stop, instead of being torn down by `exit`.
pub fn close_all() {
    let all: Vec<Arc<Archive>> = crate::support::lock(open())
        .drain()
        .map(|(_, a)| a)
        .collect();
    for a in all {
        if let Ok(a) = Arc::try_unwrap(a) {
            a.close();
        }
    }
}

/// A shared archive's password: `ROLLCALL_ARCHIVE_PASSWORD` (for a script), else the keychain's
/// for exactly this address, else PostgreSQL's own password file (`~/.pgpass`, `PGPASSFILE`;
/// `%APPDATA%\postgresql\pgpass.conf` on Windows) — what the nightly job reads where no keychain
/// answers (cron), as every PostgreSQL client does.
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
    let kept = secrets.get_bound(&a.secret_key(), SecretKind::ArchivePassword, &a.binding());
    if let Ok(Some(p)) = kept {
        return Ok(Some(p));
    }
    match pgpass_file().and_then(|f| pgpass(&f, a)) {
        Some(p) => Ok(Some(rollcall_graph::Secret::new(p))),
        // No keychain and no password file: the keychain's own message says what to do.
        None => kept,
    }
}

/// Where libpq looks for its password file.
fn pgpass_file() -> Option<PathBuf> {
    if let Some(f) = std::env::var_os("PGPASSFILE").filter(|f| !f.is_empty()) {
        return Some(PathBuf::from(f));
    }
    if cfg!(windows) {
        dirs::config_dir().map(|d| d.join("postgresql").join("pgpass.conf"))
    } else {
        dirs::home_dir().map(|d| d.join(".pgpass"))
    }
}

/// The password of the first matching line of a libpq password file
/// (`hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaped).
/// As libpq, a file others may read is ignored.
fn pgpass(file: &Path, a: &ServerAddress) -> Option<String> {
    if crate::support::private::others_may_read(file).ok()? {
        tracing::warn!(file = %file.display(), "ignoring a password file others may read (chmod 600 it)");
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let want = [
        a.host.clone(),
        a.port.to_string(),
        a.database.clone(),
        a.user.clone(),
    ];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            (fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(&want)
                    .all(|(f, w)| f == "*" || f == w))
            .then(|| fields[4].clone())
        })
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut chars) = (Vec::new(), String::new(), line.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
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

/// Where the active connection's archive lives (the demo's is always its file on this computer).
pub fn of_active(conns: &Connections) -> Result<Location, CoreError> {
    let key = conns.active_key()?;
    let shared = if key == DEMO_ID {
        None
    } else {
        conns
            .profiles()
            .load()?
            .profiles
            .into_iter()
            .find(|p| p.id == key)
            .and_then(|p| p.archive)
    };
    Location::of_profile(&conns.data_dir(), &key, shared.as_deref())
}

/// The archive as Settings shows it.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ArchiveInfo {
    /// The file's path, or the shared database's address (no password).
    pub shown: String,
    pub shared: bool,
    /// False for a shared archive's reader: the app hides what would write.
    pub writable: bool,
    /// Whether the active connection is the demo (its archive stays a file here).
    pub demo: bool,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub sessions: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub attendees: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub runs: i64,
}

fn info_of(conns: &Connections, a: &Archive) -> Result<ArchiveInfo, CoreError> {
    let (sessions, attendees, _) = a.counts()?;
    Ok(ArchiveInfo {
        shown: a.path().display().to_string(),
        shared: a.is_shared(),
        writable: a.writable(),
        demo: conns.active_key()? == DEMO_ID,
        sessions,
        attendees,
        runs: a.run_count()?,
    })
}

/// The active connection's archive, opened (a server that cannot be reached is said, and why).
pub fn info(conns: &Connections) -> Result<ArchiveInfo, CoreError> {
    info_of(conns, &*Archive::active(conns)?)
}

/// Point the active profile at a shared archive (see [`use_shared_for`]).
pub fn use_shared(
    conns: &Connections,
    address: &str,
    password: &rollcall_graph::Secret,
    move_here: bool,
) -> Result<ArchiveInfo, CoreError> {
    let key = conns.active_key()?;
    if key == DEMO_ID {
        return Err(CoreError::new(
            crate::error::ErrorCode::InvalidInput,
            "The demo tenant's archive stays on this computer.",
            Some("Connect to your school's tenant in Settings → Connections first.".into()),
        ));
    }
    use_shared_for(
        conns.profiles(),
        conns.secrets().as_ref(),
        &key,
        address,
        Some(password),
        move_here,
    )?;
    info(conns)
}

/// Point a profile at a shared archive. A password given is proven by connecting and kept in the
/// keychain (else the saved one is used). With `move_here`, the profile's archive file is first
/// copied into the database (which must be empty; verified per table) — "Move this archive to a
/// shared database…"; without, an archive already there is used as it is (another curator set it
/// up). The file is left as it was either way. Returns the shared archive.
pub fn use_shared_for(
    profiles: &Profiles,
    secrets: &dyn SecretStore,
    profile_id: &str,
    address: &str,
    password: Option<&rollcall_graph::Secret>,
    move_here: bool,
) -> Result<Archive, CoreError> {
    let a = ServerAddress::parse(address.trim())?;
    let server = match password {
        Some(pw) => save_password(secrets, &a, pw)?,
        None => Location::Server(a).open(secrets)?,
    };
    if move_here {
        server.check_writable()?;
        Location::of_profile(&profiles.dir(), profile_id, None)?
            .shared(secrets)?
            .copy_to(&server)?;
    }
    profiles.update(profile_id, |p| p.archive = Some(address.trim().to_string()))?;
    Ok(server)
}

/// Point the active profile back at its file on this computer (the shared archive is untouched).
pub fn use_file(conns: &Connections) -> Result<ArchiveInfo, CoreError> {
    let key = conns.active_key()?;
    if key != DEMO_ID {
        conns.profiles().update(&key, |p| p.archive = None)?;
    }
    info(conns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it() {
        let dir = std::env::temp_dir().join(format!("rollcall-pgpass-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pgpass");
        std::fs::write(
            &f,
            "# comment\nother.example:5432:*:rollcall_writer:not-this\ndb.school.example:6432:rollcall:rollcall_reader:nor-this\n*:6432:rollcall:rollcall_writer:pa\\:ss\\\\word\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let a = ServerAddress::parse("postgres://rollcall_writer@db.school.example:6432/rollcall")
            .unwrap();
        assert_eq!(pgpass(&f, &a).as_deref(), Some("pa:ss\\word"));
        let b = ServerAddress::parse("postgres://rollcall_writer@db.school.example:5432/rollcall")
            .unwrap();
        assert_eq!(pgpass(&f, &b), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(pgpass(&f, &a), None, "a file others may read is ignored");
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
