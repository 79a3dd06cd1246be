//! What every capability leans on and none owns: the redacted daily log, "Copy diagnostics",
//! whole-file atomic writes, the user's preferences file and a cache that follows the active
//! connection. Nothing here talks to Graph or knows a webinar.

pub mod atomic;
pub mod cache;
pub mod diagnostics;
pub mod files;
pub mod html;
pub mod lockfile;
pub mod logging;
pub mod notices;
pub mod preferences;
pub mod private;

/// Lock a mutex; a poisoned one (a panic elsewhere) is recovered rather than taking the app down.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
