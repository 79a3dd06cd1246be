//! The tenant and how Rollcall reaches it: connection profiles, secrets in the OS keychain, the
//! live connection (endpoints, token provider, one Graph client), sign-in and its status, the Graph
//! permissions each auth mode needs, and AADSTS codes in the admin's words.
//!
//! It does not check the set-up (that is [`crate::setup`]) and knows nothing of webinars; the
//! directory look-ups every capability shares are in [`crate::directory`].

pub mod advice;
pub mod browser;
pub mod certificate;
pub mod connection;
pub mod connections;
pub mod permissions;
pub mod profile;
pub mod secrets;
pub mod session;

pub use connection::Connection;
