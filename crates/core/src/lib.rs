//! Rollcall's domain, free of Tauri: connections, the tenant summary and (in later modules) setup
//! checks, webinars and attendance. Desktop commands and CLI subcommands are thin calls into here.
//! It does not talk HTTP itself; `rollcall-graph` does.

pub mod connection;
pub mod error;
pub mod summary;

pub use error::{CoreError, ErrorCode};
