//! Microsoft identity platform + Graph client.
//!
//! The request pipeline runs in a fixed, visible order (see [`client::GraphClient::send`]):
//! origin check (the bearer token goes only to the configured Graph host) → per-mailbox
//! concurrency gate → token → `client-request-id` → send → 401 refresh-once → retry of
//! 429/503/504/truncated bodies with `Retry-After` or jittered backoff → typed error.
//! It knows nothing of webinars; that is `rollcall-core`'s job.

pub mod auth;
pub mod batch;
pub mod certificate;
pub mod client;
pub mod delegated;
pub mod error;
pub mod models;
pub mod oauth;
pub mod retry;
pub mod secret;
pub mod tls;
pub mod token;
pub mod zones;

pub use auth::{AccessToken, ClientCredentials, TokenProvider};
pub use client::{Endpoints, GraphClient, Request};
pub use error::{AadError, GraphError};
pub use secret::Secret;
