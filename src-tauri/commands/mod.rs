//! Tauri commands: one-line delegations to `rollcall-core`, each in a tracing span.

pub mod archive;
pub mod attendance;
pub mod connections;
pub mod history;
pub mod preferences;
pub mod repair;
pub mod setup;
pub mod tenant;
pub mod webinars;
