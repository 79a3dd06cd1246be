//! Rollcall's domain, free of Tauri. Desktop commands and CLI subcommands are thin calls into here;
//! it does not talk HTTP itself (`rollcall-graph` does) and does not start the demo tenant (the
//! shells do). One folder per capability — see ARCHITECTURE.md at the repository root for the map:
//!
//! - [`tenant`]: profiles, secrets, the connection, sign-in, permissions, advice
//! - [`directory`]: the user and meeting look-ups every capability shares
//! - [`setup`]: the set-up checklist, its reports and the tenant summary
//! - [`webinars`]: the calendar — list, create, edit, cancel
//! - [`attendance`]: sessions and completion, roster matching, CSV export, Teams-download import
//! - [`archive`]: the local SQLite archive and the sync into it
//! - [`hub`]: the desktop session's long-lived state, composed of each capability's own
//! - [`support`]: logging, diagnostics, atomic files
//! - [`error`]: the one error type that crosses to the shells

pub mod archive;
pub mod attendance;
pub mod directory;
pub mod error;
pub mod hub;
pub mod repair;
pub mod schedule;
pub mod setup;
pub mod support;
pub mod tenant;
pub mod virtual_events;
pub mod webinars;

pub use error::{CoreError, ErrorCode};
