//! What every capability leans on and none owns: the redacted daily log, "Copy diagnostics",
//! whole-file atomic writes, the user's preferences file and a cache that follows the active
//! connection. Nothing here talks to Graph or knows a webinar.

pub mod atomic;
pub mod cache;
pub mod diagnostics;
pub mod logging;
pub mod preferences;
