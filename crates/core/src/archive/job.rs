//! The background sync the desktop runs ("Save the period to the archive"): at most one at a time,
//! its progress for the UI to poll, its summary or error, and Cancel. The sync itself is
//! [`super::sync::sync`]; the CLI calls that directly and needs none of this.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::oneshot;

use super::sync::{SyncProgress, SyncSummary};
use super::Archive;
use crate::error::{CoreError, ErrorCode};
use crate::support::lock;
use crate::tenant::Connection;

/// What the UI polls while a sync runs.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub running: bool,
    pub progress: SyncProgress,
    pub summary: Option<SyncSummary>,
    pub error: Option<CoreError>,
}

#[derive(Default)]
pub struct SyncJob {
    state: Arc<Mutex<SyncState>>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
}

impl SyncJob {
    /// Start syncing `[from, to)` for the connection's hosts in the background.
    pub fn start(
        &self,
        conn: Connection,
        archive: Arc<Archive>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SyncState, CoreError> {
        if lock(&self.state).running {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "A sync is already running.",
                None,
            ));
        }
        let (tx, rx) = oneshot::channel::<()>();
        *lock(&self.cancel) = Some(tx);
        *lock(&self.state) = SyncState {
            running: true,
            ..Default::default()
        };
        let state = self.state.clone();
        tokio::spawn(async move {
            let hosts = conn.hosts.clone();
            let progress = {
                let state = state.clone();
                move |p: &SyncProgress| lock(&state).progress = p.clone()
            };
            let cancel = async {
                let _ = rx.await;
            };
            let r = super::sync::sync(&conn, archive, &hosts, from, to, progress, cancel).await;
            let mut s = lock(&state);
            s.running = false;
            match r {
                Ok(summary) => s.summary = Some(summary),
                Err(e) => s.error = Some(e),
            }
        });
        Ok(self.state())
    }

    pub fn state(&self) -> SyncState {
        lock(&self.state).clone()
    }

    pub fn cancel(&self) {
        if let Some(tx) = lock(&self.cancel).take() {
            let _ = tx.send(());
        }
    }
}
