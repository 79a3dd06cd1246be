//! Rollcall's domain, free of Tauri: connections, the tenant summary and (in later modules) setup
//! checks, webinars and attendance. Desktop commands and CLI subcommands are thin calls into here.
//! It does not talk HTTP itself; `rollcall-graph` does.

pub mod advice;
pub mod archive;
pub mod atomic;
pub mod attendance;
pub mod connection;
#[cfg(feature = "demo")]
pub mod demo;
pub mod diagnostics;
pub mod error;
pub mod export;
pub mod hub;
pub mod import;
pub mod logging;
pub mod permissions;
pub mod profile;
pub mod secrets;
pub mod session;
pub mod setup;
pub mod summary;
pub mod sync;
pub mod webinars;

pub use error::{CoreError, ErrorCode};
