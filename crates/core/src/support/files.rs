//! Reading a file the user chose, whole, with a cap: a file larger than any real one of its kind
//! (a 200 MB "roster") is refused with its size before a byte is read, instead of freezing the
//! app. Callers decode what they read.

use std::io::Read;
use std::path::Path;

use crate::error::{CoreError, ErrorCode};

/// The bytes of `path` when it holds at most `cap` bytes; `what` names the file in messages
/// ("a Teams attendance download").
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, CoreError> {
    let unreadable = |e: std::io::Error| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("Could not read {}: {e}.", path.display()),
            None,
        )
    };
    let too_big = |size: u64| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!(
                "{} is {}; {what} is at most {}.",
                path.display(),
                megabytes(size),
                megabytes(cap)
            ),
            Some(format!(
                "Choose {what}: this file is something else, or several joined together."
            )),
        )
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > cap {
        return Err(too_big(size));
    }
    // The file may grow while it is read: read one byte past the cap at most.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > cap {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn megabytes(n: u64) -> String {
    format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn a_file_over_its_cap_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("rollcall-cap-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("roster.csv");
        std::fs::write(&p, vec![b'x'; 3 * 1024 * 1024]).unwrap();
        let e = super::read_capped(&p, 2 * 1024 * 1024, "an LMS participant list").unwrap_err();
        assert!(
            e.message
                .contains("3.0 MB; an LMS participant list is at most 2.0 MB"),
            "{}",
            e.message
        );
        assert_eq!(
            super::read_capped(&p, 4 * 1024 * 1024, "x").unwrap().len(),
            3 * 1024 * 1024
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
