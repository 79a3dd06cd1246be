//! Files that say "a process is doing this now": held with an OS file lock (the OS releases it
//! when the process ends, however it ends) and holding a small record of who and since when.
//! `archive::lock` (one sync per archive) and `schedule::ledger` (a scheduled run under way) both
//! keep theirs this way. Owns no paths and no record format; callers do.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;

use crate::error::CoreError;

/// Open `path` for reading and writing, creating it private to the user when missing; its
/// contents are kept (the holder's record, for a reader).
pub fn open(path: &Path) -> Result<File, CoreError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| CoreError::internal(format!("could not open {}: {e}", path.display())))?;
    let _ = crate::support::private::restrict_file(path);
    Ok(file)
}

/// Replace the file's contents with `bytes` and flush them to disk.
pub fn rewrite(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Whether another open file description holds the lock (probed with a shared lock that is
/// let go at once).
pub fn held(file: &File) -> bool {
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}
