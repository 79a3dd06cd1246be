//! What every capability leans on and none owns: the redacted daily log, "Copy diagnostics" and
//! whole-file atomic writes. Nothing here talks to Graph or knows a webinar.

pub mod atomic;
pub mod cache;
pub mod diagnostics;
pub mod logging;
