//! The desktop session: a composition of each capability's own long-lived state — the connections
//! ([`Connections`], used directly by the shell), the browser sign-in in progress
//! ([`BrowserSignIn`]), the background sync ([`SyncJob`]), the latest set-up results
//! ([`setup::results::Results`]) and attendance and the calendar read through the archive
//! ([`Reads`], with the attendance fetched this run). Caches empty themselves when the active
//! connection changes. What is left here joins two of them: a sign-in that makes its profile
//! active, a sync of the active connection into its archive. The CLI needs none of this (it holds
//! nothing between runs).

use crate::archive::job::SyncJob;
use crate::archive::read_through::{instant, Reads};
use crate::archive::Archive;
use crate::error::CoreError;
use crate::setup;
use crate::tenant::browser::BrowserSignIn;
use crate::tenant::profile::Profiles;
use crate::tenant::secrets::SecretStore;
use crate::tenant::session::ConnectionStatus;
use crate::tenant::Connection;

pub use crate::archive::job::SyncState;
pub use crate::tenant::connections::{Connections, ProfilesView, DEMO_ID};

pub struct Hub {
    pub connections: Connections,
    sign_in: BrowserSignIn,
    sync: SyncJob,
    pub setup: setup::results::Results,
    /// Attendance and the calendar, read through the archive.
    pub reads: Reads,
    /// "Fix it for me": the administrator signed in for this session, the plan last previewed.
    pub repair: crate::repair::desk::RepairDesk,
}

impl Hub {
    pub fn new(profiles: Profiles, secrets: std::sync::Arc<dyn SecretStore>) -> Self {
        Hub {
            connections: Connections::new(profiles, secrets),
            sign_in: BrowserSignIn::default(),
            sync: SyncJob::default(),
            setup: setup::results::Results::default(),
            reads: Reads::default(),
            repair: Default::default(),
        }
    }

    /// The active connection (see [`Connections::connection`]).
    pub fn connection(&self) -> Result<Connection, CoreError> {
        self.connections.connection()
    }

    // Browser sign-in.

    /// Open the loopback listener for a profile and return the address the browser must open.
    pub async fn begin_sign_in(&self, id: &str) -> Result<String, CoreError> {
        let p = self.connections.profiles().find(id)?;
        self.sign_in.begin(&p).await
    }
    /// Wait for the sign-in begun by [`Hub::begin_sign_in`]; on success the profile becomes active.
    pub async fn finish_sign_in(&self) -> Result<ConnectionStatus, CoreError> {
        let (conn, status) = self
            .sign_in
            .finish(self.connections.profiles(), self.connections.secrets())
            .await?;
        self.connections.signed_in(conn)?;
        Ok(status)
    }
    pub fn cancel_sign_in(&self) {
        self.sign_in.cancel()
    }

    // The archive and its sync.

    /// The active profile's attendance archive.
    pub fn archive(&self) -> Result<std::sync::Arc<Archive>, CoreError> {
        Archive::active(&self.connections)
    }
    /// Start syncing `[from, to)` (RFC 3339) for the connection's hosts in the background.
    pub fn start_sync(&self, from: &str, to: &str) -> Result<SyncState, CoreError> {
        let (from, to) = (instant(from)?, instant(to)?);
        self.sync
            .start(self.connection()?, self.archive()?, from, to)
    }
    pub fn sync_state(&self) -> SyncState {
        self.sync.state()
    }
    pub fn cancel_sync(&self) {
        self.sync.cancel()
    }
}

/// The active connection's run history, late reports and nightly job, for the desktop.
impl Hub {
    /// The newest runs of the active connection's archive (without their items).
    pub fn runs(&self, limit: u32) -> Result<Vec<crate::archive::history::Run>, CoreError> {
        self.archive()?.runs(limit.clamp(1, 100))
    }

    /// One run with its meetings.
    pub fn run(&self, id: i64) -> Result<Option<crate::archive::history::Run>, CoreError> {
        self.archive()?.run(id)
    }

    /// Archived webinars of the connection's hosts in `[from, to)`, sessions judged against the
    /// profile's LMS window.
    fn judged(
        &self,
        from: &str,
        to: &str,
        threshold: f64,
    ) -> Result<Vec<crate::attendance::WebinarAttendance>, CoreError> {
        let conn = self.connection()?;
        let (from, to) = (instant(from)?, instant(to)?);
        let mut list =
            self.archive()?
                .range(&conn.hosts, &from.to_string(), &to.to_string(), threshold)?;
        for wa in &mut list {
            crate::attendance::late::rejudge(&mut wa.sessions, conn.lms_window_minutes);
        }
        Ok(list)
    }

    /// "Credits the LMS missed" in `[from, to)` (RFC 3339).
    pub fn missed_credits(
        &self,
        from: &str,
        to: &str,
        threshold: f64,
        possibly: bool,
    ) -> Result<Vec<crate::attendance::late::MissedCredit>, CoreError> {
        Ok(crate::attendance::late::missed_credits(
            &self.judged(from, to, threshold)?,
            possibly,
        ))
    }

    /// Join links of the webinars in `[from, to)` with a report that came after the LMS's window
    /// (the calendar marks them).
    pub fn late_links(&self, from: &str, to: &str) -> Result<Vec<String>, CoreError> {
        use crate::attendance::late::Lateness;
        Ok(self
            .judged(from, to, crate::attendance::DEFAULT_THRESHOLD)?
            .into_iter()
            .filter(|wa| {
                wa.sessions.iter().any(|s| {
                    s.arrival
                        .as_ref()
                        .is_some_and(|a| a.verdict == Lateness::Late)
                })
            })
            .filter_map(|wa| wa.webinar.join_url)
            .collect())
    }

    /// The active profile's key for jobs and notices (`None` for the demo tenant).
    pub fn profile_name(&self) -> Result<Option<String>, CoreError> {
        let conn = self.connection()?;
        Ok((!conn.demo).then_some(conn.profile))
    }

    /// The active profile's name and id, `None` on the demo tenant (what a nightly job names).
    pub fn job_profile(&self) -> Result<Option<(String, String)>, CoreError> {
        let conn = self.connection()?;
        Ok(conn
            .profile_id
            .clone()
            .filter(|_| !conn.demo)
            .map(|id| (conn.profile.clone(), id)))
    }
}
