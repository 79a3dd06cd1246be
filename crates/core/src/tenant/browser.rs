//! The browser sign-in the desktop has in progress: at most one, begun by opening the loopback
//! listener and finished when the browser comes back, or cancelled by the user.
//!
//! It only holds the attempt; signing in itself is [`super::session::SignInAttempt`], and what
//! becomes active afterwards is [`super::connections::Connections`]' business.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::connection::Connection;
use super::profile::{Profile, Profiles};
use super::secrets::SecretStore;
use super::session::{ConnectionStatus, SignInAttempt};
use crate::error::{CoreError, ErrorCode};
use crate::support::lock;

struct Pending {
    attempt: SignInAttempt,
    cancel: oneshot::Receiver<()>,
}

#[derive(Default)]
pub struct BrowserSignIn {
    pending: tokio::sync::Mutex<Option<Pending>>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
}

impl BrowserSignIn {
    /// Open the loopback listener for a profile and return the address the browser must open.
    /// A sign-in already waiting is cancelled first.
    pub async fn begin(&self, profile: &Profile) -> Result<String, CoreError> {
        self.cancel();
        let attempt = SignInAttempt::begin(profile).await?;
        let url = attempt.url.clone();
        let (tx, rx) = oneshot::channel();
        *lock(&self.cancel) = Some(tx);
        *self.pending.lock().await = Some(Pending {
            attempt,
            cancel: rx,
        });
        Ok(url)
    }

    /// Wait for the sign-in begun by [`BrowserSignIn::begin`].
    pub async fn finish(
        &self,
        profiles: &Profiles,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<(Connection, ConnectionStatus), CoreError> {
        let pending = self.pending.lock().await.take().ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "No sign-in is waiting.",
                Some("Click Sign in first.".into()),
            )
        })?;
        let cancel = async {
            let _ = pending.cancel.await;
        };
        pending.attempt.finish(profiles, secrets, cancel).await
    }

    pub fn cancel(&self) {
        if let Some(tx) = lock(&self.cancel).take() {
            let _ = tx.send(());
        }
    }
}
