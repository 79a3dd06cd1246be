//! Folders and files that hold names and e-mails — the data folder, the archive, the logs, the
//! profiles — are the user's alone: folders 0700 and files 0600 where the OS has modes (Unix,
//! macOS). On Windows the data folder lives in the user's profile (`%APPDATA%`), whose inherited
//! ACL already admits only the user, SYSTEM and administrators, so nothing is changed there.
//!
//! The one place that knows file modes; callers say "private", not how.

use std::path::Path;

/// Create `dir` and its missing parents, each private, and make `dir` itself private. Parents
/// that already existed are left as they are (they are the user's, e.g. `~/.local/share`).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .collect();
    std::fs::create_dir_all(dir)?;
    for d in missing {
        set_mode(d, 0o700)?;
    }
    set_mode(dir, 0o700)
}

/// Make an existing file private.
pub fn restrict_file(path: &Path) -> std::io::Result<()> {
    set_mode(path, 0o600)
}

/// Open options that create a new file private from its first byte (no window in which another
/// user could open it).
pub fn new_file_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Whether users other than the owner may read the file (never on Windows, where the profile
/// folder's ACL decides). A password file like that is ignored, as libpq ignores `~/.pgpass`.
pub fn others_may_read(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|_| false)
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn folders_and_files_are_the_users_alone() {
        let base = std::env::temp_dir().join(format!("rollcall-private-{}", uuid::Uuid::new_v4()));
        let dir = base.join("data").join("logs");
        super::create_dir(&dir).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(
            mode(&base.join("data")),
            0o700,
            "a parent it created is private too"
        );
        let f = dir.join("x");
        std::io::Write::write_all(&mut super::new_file_options().open(&f).unwrap(), b"x").unwrap();
        assert_eq!(mode(&f), 0o600);
        std::fs::remove_dir_all(base).unwrap();
    }
}
