//! Whole-file writes that either land completely or not at all: write a temporary file in the same
//! folder, flush it to disk, then rename it over the target. A crash leaves the old file intact.

use std::io::Write;
use std::path::Path;

use crate::error::CoreError;

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    let dir = path
        .parent()
        .ok_or_else(|| CoreError::internal(format!("{} has no folder", path.display())))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| CoreError::internal(format!("could not create {}: {e}", dir.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CoreError::internal(format!("could not write {}: {e}", path.display()))
    })
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
}
