//! Whole-file writes that either land completely or not at all: write a temporary file in the same
//! folder, flush it to disk, then rename it over the target. A crash leaves the old file intact.

use std::io::Write;
use std::path::Path;

use crate::error::CoreError;

/// Write a file the user chose (an export, a report): ordinary permissions.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    write_with(path, bytes, false)
}

/// Write a file of the data folder (profiles, the cancel log): the folder and the file private
/// to the user ([`crate::support::private`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    write_with(path, bytes, true)
}

fn write_with(path: &Path, bytes: &[u8], private: bool) -> Result<(), CoreError> {
    let dir = path
        .parent()
        .ok_or_else(|| CoreError::internal(format!("{} has no folder", path.display())))?;
    if private {
        crate::support::private::create_dir(dir)
    } else {
        std::fs::create_dir_all(dir)
    }
    .map_err(|e| CoreError::internal(format!("could not create {}: {e}", dir.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = if private {
            crate::support::private::new_file_options().open(&tmp)?
        } else {
            std::fs::File::create(&tmp)?
        };
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        sweep_stale(dir, &name, &tmp);
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CoreError::internal(format!("could not write {}: {e}", path.display()))
    })
}

/// Produce `path` through `write`, which fills a temporary file beside it (the name it is given);
/// the file is renamed over `path` only when `write` succeeds, and removed when it fails. For
/// writers that make their own file (an export streamed by a library).
pub fn via_temporary<T>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<T, CoreError>,
    rename_failed: impl FnOnce(std::io::Error) -> CoreError,
) -> Result<T, CoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let result = write(&tmp).and_then(|v| {
        sweep_stale(dir, &name, &tmp);
        std::fs::rename(&tmp, path)
            .map(|()| v)
            .map_err(rename_failed)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A temporary file untouched for this long belongs to a write that was interrupted (killed, power
/// cut); one being written is touched with every buffer it gets.
const STALE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Remove what interrupted writes of `name` left in `dir` (`.NAME.*.tmp`, `.NAME.*.partial`),
/// so they do not pile up beside the user's file. Ages are measured against `ours`, the temporary
/// file this write just made: both times come from the file system's clock, whatever this
/// process's clock says. Best effort: a file that cannot be removed stays.
fn sweep_stale(dir: &Path, name: &str, ours: &Path) {
    let Ok(now) = std::fs::metadata(ours).and_then(|m| m.modified()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let leftover =
            file.starts_with(&prefix) && (file.ends_with(".tmp") || file.ends_with(".partial"));
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE);
        if leftover && stale && entry.path() != ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("rollcall-atomic-{}", uuid::Uuid::new_v4()));
        let p = dir.join("a.json");
        super::write(&p, b"one").unwrap();
        super::write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn what_an_interrupted_write_left_is_cleared_by_the_next_one() {
        let dir = std::env::temp_dir().join(format!("rollcall-atomic-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        // An hour before the file system's own "now" (not this process's clock, which the
        // suite's shifted-date runs move).
        let probe = dir.join("probe");
        std::fs::write(&probe, b"").unwrap();
        let fs_now = std::fs::metadata(&probe).unwrap().modified().unwrap();
        std::fs::remove_file(&probe).unwrap();
        let old = fs_now - std::time::Duration::from_secs(3600);
        let left = |n: &str| {
            let p = dir.join(n);
            let f = std::fs::File::create(&p).unwrap();
            f.set_modified(old).unwrap();
            p
        };
        let stale_tmp = left(".a.json.0123.tmp");
        let stale_partial = left(".export.csv.0123.partial");
        let other = left(".b.json.0123.tmp");
        let fresh = dir.join(".export.csv.4567.partial");
        std::fs::write(&fresh, b"being written").unwrap();
        super::write(&dir.join("a.json"), b"x").unwrap();
        super::via_temporary(
            &dir.join("export.csv"),
            |t| super::write(t, b"y"),
            |e| crate::CoreError::internal(e.to_string()),
        )
        .unwrap();
        assert!(
            !stale_tmp.exists() && !stale_partial.exists(),
            "stale leftovers removed"
        );
        assert!(
            other.exists(),
            "another file's leftovers are its own next write's business"
        );
        assert!(fresh.exists(), "a write still under way is left alone");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
