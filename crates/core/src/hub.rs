//! The connections a running app knows: saved profiles, the active one, its live connection (built
//! lazily, so its token cache lives as long as the app), the demo tenant, and a browser sign-in in
//! progress. The desktop state wraps one `Hub`; the CLI does not need it.

use std::sync::{Arc, Mutex};

use rollcall_graph::Secret;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::profile::{FieldError, Profile, Profiles};
use crate::tenant::secrets::SecretStore;
use crate::tenant::session::{self, ConnectionStatus, SignInAttempt};

/// The id under which the demo tenant appears among the profiles.
pub const DEMO_ID: &str = "demo";

/// What Settings → Connections lists.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfilesView {
    /// The active profile's id (`"demo"` for the demo tenant), if any.
    pub active: Option<String>,
    /// Whether the demo tenant is available in this run.
    pub demo_available: bool,
    pub profiles: Vec<Profile>,
}

struct Pending {
    attempt: SignInAttempt,
    cancel: oneshot::Receiver<()>,
}

pub struct Hub {
    profiles: Profiles,
    secrets: Arc<dyn SecretStore>,
    active: Mutex<Option<Connection>>,
    demo: Mutex<Option<Connection>>,
    demo_active: Mutex<bool>,
    pending: tokio::sync::Mutex<Option<Pending>>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    /// The latest result of each set-up step for the active connection (for the report).
    setup: Mutex<std::collections::HashMap<String, crate::setup::Step>>,
    /// Attendance fetched this run, by webinar id (exports and roster matching reuse it).
    attendance: Mutex<std::collections::HashMap<String, crate::attendance::WebinarAttendance>>,
    /// The background sync, if one ran this session.
    sync: Arc<Mutex<SyncState>>,
    sync_cancel: Mutex<Option<oneshot::Sender<()>>>,
}

/// What the UI polls while a sync runs.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub running: bool,
    pub progress: crate::archive::sync::SyncProgress,
    pub summary: Option<crate::archive::sync::SyncSummary>,
    pub error: Option<CoreError>,
}

/// An RFC 3339 instant from the UI, or a clear error.
fn instant(t: &str) -> Result<jiff::Timestamp, CoreError> {
    t.parse().map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("\"{t}\" is not an RFC 3339 instant."),
            None,
        )
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new(profiles: Profiles, secrets: Arc<dyn SecretStore>) -> Self {
        Hub {
            profiles,
            secrets,
            active: Mutex::new(None),
            demo: Mutex::new(None),
            demo_active: Mutex::new(false),
            pending: tokio::sync::Mutex::new(None),
            cancel: Mutex::new(None),
            setup: Mutex::new(Default::default()),
            attendance: Mutex::new(Default::default()),
            sync: Arc::new(Mutex::new(SyncState::default())),
            sync_cancel: Mutex::new(None),
        }
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The folder of the profiles file, where archives and logs of this app live too.
    fn data_dir(&self) -> std::path::PathBuf {
        self.profiles
            .path()
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Make the demo tenant available and active.
    pub fn set_demo(&self, conn: Connection) {
        *lock(&self.demo) = Some(conn);
        *lock(&self.demo_active) = true;
        self.reset_active();
    }

    pub fn list(&self) -> Result<ProfilesView, CoreError> {
        let f = self.profiles.load()?;
        let demo_active = *lock(&self.demo_active);
        Ok(ProfilesView {
            active: if demo_active {
                Some(DEMO_ID.into())
            } else {
                f.active
            },
            demo_available: lock(&self.demo).is_some(),
            profiles: f.profiles,
        })
    }

    pub fn validate(&self, p: &Profile) -> Vec<FieldError> {
        p.validate()
    }

    /// Save a profile and, when given, its new client secret (the secret goes to the keychain first,
    /// so a keychain failure leaves the profile unchanged). An empty id creates a profile.
    pub fn save(&self, mut p: Profile, secret: Option<Secret>) -> Result<ProfilesView, CoreError> {
        if p.id.trim().is_empty() {
            p.id = uuid::Uuid::new_v4().to_string();
        }
        p.name = p.name.trim().to_string();
        p.tenant = p.tenant.trim().to_string();
        p.client_id = p.client_id.trim().to_lowercase();
        p.portal_domain = p.portal_domain.trim().trim_end_matches('/').to_string();
        p.hosts = p
            .hosts
            .iter()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect();
        if let Some(first) = p.validate().first() {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                first.message.clone(),
                Some(format!("Field: {}", first.field)),
            ));
        }
        // Keep what only the backend sets.
        if let Ok(old) = self.profiles.find(&p.id) {
            p.secret_hint = old.secret_hint;
            if old.tenant != p.tenant || old.client_id != p.client_id || old.mode != p.mode {
                p.signed_in_as = None;
            } else {
                p.signed_in_as = old.signed_in_as;
            }
        } else {
            p.secret_hint = None;
            p.signed_in_as = None;
        }
        let id = p.id.clone();
        let first = self.profiles.load()?.profiles.is_empty();
        if let Some(s) = secret.filter(|s| !s.expose().trim().is_empty()) {
            // Keychain first: if it fails, the profile is not written either.
            session::set_client_secret(&self.profiles, self.secrets.as_ref(), &id, &s)?;
            p.secret_hint = Some(Secret::new(s.expose().trim()).hint());
        }
        self.profiles.upsert(p)?;
        if first && !*lock(&self.demo_active) {
            self.profiles.activate(&id)?;
        }
        self.forget_if_active(&id);
        self.list()
    }

    fn forget_if_active(&self, id: &str) {
        let mut active = lock(&self.active);
        if active.as_ref().and_then(|c| c.profile_id.as_deref()) == Some(id) {
            *active = None;
            lock(&self.setup).clear();
        }
    }

    pub fn delete(&self, id: &str) -> Result<ProfilesView, CoreError> {
        session::delete_profile(&self.profiles, self.secrets.as_ref(), id)?;
        self.forget_if_active(id);
        self.list()
    }

    pub fn activate(&self, id: &str) -> Result<ProfilesView, CoreError> {
        if id == DEMO_ID {
            if lock(&self.demo).is_none() {
                return Err(CoreError::new(
                    ErrorCode::NotFound,
                    "The demo tenant is not running.",
                    Some("Choose \"Explore the demo tenant\" on the welcome screen or in Settings → Connections.".into()),
                ));
            }
            *lock(&self.demo_active) = true;
        } else {
            self.profiles.activate(id)?;
            *lock(&self.demo_active) = false;
        }
        self.reset_active();
        self.list()
    }

    /// The active connection, built on first use and then kept (with its token cache).
    pub fn connection(&self) -> Result<Connection, CoreError> {
        if *lock(&self.demo_active) {
            if let Some(c) = lock(&self.demo).clone() {
                return Ok(c);
            }
        }
        if let Some(c) = lock(&self.active).clone() {
            return Ok(c);
        }
        let f = self.profiles.load()?;
        let p = f
            .active
            .as_ref()
            .and_then(|id| f.profiles.iter().find(|p| &p.id == id))
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::InvalidInput,
                    "No tenant is connected yet.",
                    Some(
                        "Add a connection in Settings → Connections, or explore the demo tenant."
                            .into(),
                    ),
                )
            })?;
        let c = Connection::from_profile(p, self.secrets.clone())?;
        *lock(&self.active) = Some(c.clone());
        Ok(c)
    }

    /// "Test connection": a fresh token for the active profile, described.
    pub async fn test(&self) -> Result<ConnectionStatus, CoreError> {
        let c = self.connection()?;
        session::status(&c, true).await
    }

    /// Open the loopback listener for a profile and return the address the browser must open.
    /// A sign-in already waiting is cancelled first.
    pub async fn begin_sign_in(&self, id: &str) -> Result<String, CoreError> {
        self.cancel_sign_in();
        let p = self.profiles.find(id)?;
        let attempt = SignInAttempt::begin(&p).await?;
        let url = attempt.url.clone();
        let (tx, rx) = oneshot::channel();
        *lock(&self.cancel) = Some(tx);
        *self.pending.lock().await = Some(Pending {
            attempt,
            cancel: rx,
        });
        Ok(url)
    }

    /// Wait for the sign-in begun by [`Hub::begin_sign_in`]; on success the profile becomes active.
    pub async fn finish_sign_in(&self) -> Result<ConnectionStatus, CoreError> {
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
        let (conn, status) = pending
            .attempt
            .finish(&self.profiles, self.secrets.clone(), cancel)
            .await?;
        if let Some(id) = conn.profile_id.clone() {
            self.profiles.activate(&id)?;
            *lock(&self.demo_active) = false;
        }
        lock(&self.setup).clear();
        *lock(&self.active) = Some(conn);
        Ok(status)
    }

    fn reset_active(&self) {
        *lock(&self.active) = None;
        lock(&self.setup).clear();
        lock(&self.attendance).clear();
    }

    /// Start syncing `[from, to)` (RFC 3339) for the connection's hosts in the background.
    pub fn start_sync(&self, from: &str, to: &str) -> Result<SyncState, CoreError> {
        if lock(&self.sync).running {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "A sync is already running.",
                None,
            ));
        }
        let (from, to) = (instant(from)?, instant(to)?);
        let conn = self.connection()?;
        let archive = Arc::new(self.archive()?);
        let (tx, rx) = oneshot::channel::<()>();
        *lock(&self.sync_cancel) = Some(tx);
        *lock(&self.sync) = SyncState {
            running: true,
            ..Default::default()
        };
        let state = self.sync.clone();
        tokio::spawn(async move {
            let hosts = conn.hosts.clone();
            let progress = {
                let state = state.clone();
                move |p: &crate::archive::sync::SyncProgress| lock(&state).progress = p.clone()
            };
            let cancel = async {
                let _ = rx.await;
            };
            let r = crate::archive::sync::sync(&conn, archive, &hosts, from, to, progress, cancel)
                .await;
            let mut s = lock(&state);
            s.running = false;
            match r {
                Ok(summary) => s.summary = Some(summary),
                Err(e) => s.error = Some(e),
            }
        });
        Ok(lock(&self.sync).clone())
    }

    pub fn sync_state(&self) -> SyncState {
        lock(&self.sync).clone()
    }

    pub fn cancel_sync(&self) {
        if let Some(tx) = lock(&self.sync_cancel).take() {
            let _ = tx.send(());
        }
    }

    /// The active profile's attendance archive.
    pub fn archive(&self) -> Result<crate::archive::Archive, CoreError> {
        let dir = self.data_dir();
        let conn = self.connection()?;
        let id = conn.profile_id.clone().unwrap_or_else(|| DEMO_ID.into());
        crate::archive::Archive::open(&crate::archive::Archive::path_for(&dir, &id))
    }

    /// The attendance of a webinar: read from Graph and archived; sessions Graph no longer lists
    /// (older than a year, beyond the newest 50) come from the archive; without Graph (offline,
    /// refused) the archive alone answers. Kept for export and roster matching.
    pub async fn attendance(
        &self,
        webinar: &crate::webinars::Webinar,
        threshold: f64,
    ) -> Result<crate::attendance::WebinarAttendance, CoreError> {
        let archive = self.archive().ok();
        let live = crate::attendance::for_webinar(&self.connection()?, webinar, threshold).await;
        let wa = match (live, &archive) {
            (Ok(mut wa), Some(a)) => {
                if let Some(join) = &webinar.join_url {
                    let _ = a.save_webinar(webinar);
                    for s in &wa.sessions {
                        if let Err(e) = a.save_session(join, s) {
                            tracing::warn!("archive: {}", e.message);
                        }
                    }
                    // Add what only the archive still has.
                    if let Ok(kept) = a.sessions(join, wa.threshold) {
                        let extra: Vec<_> = kept
                            .into_iter()
                            .filter(|k| !wa.sessions.iter().any(|s| s.report_id == k.report_id))
                            .collect();
                        if !extra.is_empty() {
                            wa.sessions.extend(extra);
                            wa.sessions.sort_by(|x, y| x.start.cmp(&y.start));
                            wa.note = Some(
                                "Includes sessions Teams no longer lists, from the local archive."
                                    .into(),
                            );
                            wa.availability = crate::attendance::Availability::Ready;
                            let scheduled = wa.sessions.first().map_or(0, |s| s.scheduled_seconds);
                            wa.selected = crate::attendance::select_session(
                                &wa.sessions,
                                &webinar.start,
                                scheduled,
                            );
                        }
                    }
                }
                wa
            }
            (Ok(wa), None) => wa,
            (Err(e), Some(a)) => match a.attendance(webinar, threshold)? {
                Some(mut kept) => {
                    kept.note = Some(format!(
                        "From the local archive: Graph could not be reached ({}).",
                        e.message
                    ));
                    kept
                }
                None => return Err(e),
            },
            (Err(e), None) => return Err(e),
        };
        lock(&self.attendance).insert(webinar.id.clone(), wa.clone());
        Ok(wa)
    }

    fn fetched(
        &self,
        webinar_id: &str,
        session: Option<u32>,
    ) -> Result<crate::attendance::WebinarAttendance, CoreError> {
        let mut wa = lock(&self.attendance)
            .get(webinar_id)
            .cloned()
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::NotFound,
                    "Open the webinar's attendance first.",
                    None,
                )
            })?;
        if let Some(i) = session {
            let s = wa.sessions.get(i as usize).cloned().ok_or_else(|| {
                CoreError::new(ErrorCode::NotFound, "That session does not exist.", None)
            })?;
            wa.sessions = vec![s];
        }
        Ok(wa)
    }

    /// Export one session (`Some(i)`) or all sessions (the series) of a fetched webinar.
    pub fn export_attendance(
        &self,
        webinar_id: &str,
        session: Option<u32>,
        level: crate::attendance::export::Level,
        options: &crate::attendance::export::CsvOptions,
        path: &std::path::Path,
    ) -> Result<u32, CoreError> {
        let wa = self.fetched(webinar_id, session)?;
        crate::attendance::export::export_to_file(path, std::slice::from_ref(&wa), level, options)
            .map(|n| n as u32)
    }

    /// Export every session of the hosts' ended webinars in `[from, to)` (RFC 3339); returns the rows
    /// written and notes on webinars whose attendance was not available.
    pub async fn export_range(
        &self,
        from: &str,
        to: &str,
        level: crate::attendance::export::Level,
        options: &crate::attendance::export::CsvOptions,
        path: &std::path::Path,
    ) -> Result<(u32, Vec<String>), CoreError> {
        let conn = self.connection()?;
        let hosts = conn.hosts.clone();
        let (data, notes) = crate::attendance::for_range(
            &conn,
            &hosts,
            instant(from)?,
            instant(to)?,
            crate::attendance::DEFAULT_THRESHOLD,
        )
        .await?;
        let rows = crate::attendance::export::export_to_file(path, &data, level, options)?;
        Ok((rows as u32, notes))
    }

    fn manual_matches(&self) -> std::collections::HashMap<String, String> {
        self.archive()
            .and_then(|a| a.roster_matches())
            .unwrap_or_default()
    }

    /// Match a session's attendees against the LMS participant list (CSV text).
    pub fn roster_match(
        &self,
        webinar_id: &str,
        session: u32,
        roster_csv: &str,
    ) -> Result<crate::attendance::RosterMatch, CoreError> {
        let roster = crate::attendance::parse_roster(roster_csv)?;
        let wa = self.fetched(webinar_id, Some(session))?;
        Ok(crate::attendance::match_roster(
            &wa.sessions[0].attendees,
            &roster,
            &self.manual_matches(),
        ))
    }

    /// Remember that an attendee (by key) is this roster person, for this and later sessions.
    pub fn remember_match(&self, attendee_key: &str, roster_email: &str) -> Result<(), CoreError> {
        self.archive()?.remember_match(attendee_key, roster_email)
    }

    /// Import a Teams attendance download (the file's bytes) into the archive; local times are read in
    /// `time_zone`. Returns a one-line summary.
    pub fn import_download(
        &self,
        bytes: &[u8],
        host: &str,
        time_zone: &str,
    ) -> Result<String, CoreError> {
        let tz = jiff::tz::TimeZone::get(time_zone).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown time zone \"{time_zone}\"."),
                None,
            )
        })?;
        let domain = host.rsplit('@').next().unwrap_or_default();
        let imported = crate::attendance::import::parse_teams_download(
            bytes,
            &tz,
            domain,
            crate::attendance::DEFAULT_THRESHOLD,
        )?;
        let saved = self.archive()?.import(&imported, host)?;
        Ok(format!(
            "{}: {} participants {}.",
            imported.title,
            imported.session.participant_count,
            match saved {
                crate::archive::Saved::New => "imported",
                crate::archive::Saved::Unchanged => "were already in the archive",
                crate::archive::Saved::NewVersion => "imported as a new version",
            }
        ))
    }

    /// What the archive holds for a webinar, at once (the page then refreshes from Graph).
    pub fn archived_attendance(
        &self,
        webinar: &crate::webinars::Webinar,
        threshold: f64,
    ) -> Result<Option<crate::attendance::WebinarAttendance>, CoreError> {
        let found = self.archive()?.attendance(webinar, threshold)?;
        if let Some(wa) = &found {
            lock(&self.attendance).insert(webinar.id.clone(), wa.clone());
        }
        Ok(found)
    }

    /// The checklist for the active connection, with the latest result of each step checked so far.
    pub fn setup_plan(&self) -> Result<crate::setup::Checklist, CoreError> {
        let mut list = crate::setup::plan(&self.connection()?);
        let done = lock(&self.setup);
        for s in list.steps.iter_mut() {
            if let Some(r) = done.get(&s.id) {
                *s = r.clone();
            }
        }
        Ok(list)
    }

    /// Check one step now and remember the result.
    pub async fn setup_check(&self, id: &str) -> Result<crate::setup::Step, CoreError> {
        let step = crate::setup::check(&self.connection()?, id).await?;
        lock(&self.setup).insert(step.id.clone(), step.clone());
        Ok(step)
    }

    /// The report of the latest results (`html` or Markdown), written atomically to `path`.
    pub fn save_setup_report(&self, path: &std::path::Path) -> Result<(), CoreError> {
        crate::setup::write_report(&self.setup_plan()?, path)
    }

    /// Where Rollcall remembers what it cancelled for the active connection.
    fn cancel_log(&self, conn: &Connection) -> crate::webinars::CancelLog {
        let dir = self.data_dir();
        let id = conn.profile_id.clone().unwrap_or_else(|| DEMO_ID.into());
        crate::webinars::CancelLog::new(dir.join(format!("cancelled-{id}.json")))
    }

    /// The calendar range for the given hosts (default: the connection's), with what Rollcall
    /// cancelled still shown.
    pub async fn webinars(
        &self,
        hosts: Option<Vec<String>>,
        from: &str,
        to: &str,
        teams_only: bool,
    ) -> Result<crate::webinars::WebinarRange, CoreError> {
        let conn = self.connection()?;
        let (from, to) = (instant(from)?, instant(to)?);
        let hosts = hosts
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| conn.hosts.clone());
        let mut range = match crate::webinars::list(&conn, &hosts, from, to, teams_only).await {
            Ok(r) => r,
            // Offline or refused: past webinars the archive knows still show, with the reason.
            Err(e) => {
                let kept = self
                    .archive()
                    .and_then(|a| a.webinars(&hosts, &from.to_string(), &to.to_string()))
                    .unwrap_or_default();
                if kept.is_empty() {
                    return Err(e);
                }
                crate::webinars::WebinarRange {
                    webinars: kept,
                    problems: vec![crate::webinars::HostProblem {
                        host: "Microsoft Graph".into(),
                        error: CoreError::new(
                            e.code,
                            format!("{} Showing the webinars in the local archive.", e.message),
                            e.hint,
                        ),
                    }],
                }
            }
        };
        self.cancel_log(&conn).merge(&mut range, &hosts, from, to);
        Ok(range)
    }

    /// Past webinars the archive holds for the range, at once (the calendar then refreshes from Graph).
    pub fn archived_webinars(
        &self,
        hosts: Option<Vec<String>>,
        from: &str,
        to: &str,
    ) -> Result<crate::webinars::WebinarRange, CoreError> {
        let conn = self.connection()?;
        let hosts = hosts
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| conn.hosts.clone());
        let webinars = self.archive()?.webinars(
            &hosts,
            &instant(from)?.to_string(),
            &instant(to)?.to_string(),
        )?;
        Ok(crate::webinars::WebinarRange {
            webinars,
            problems: Vec::new(),
        })
    }

    /// Cancel, and remember it so the calendar keeps showing it struck through.
    pub async fn cancel_webinar(
        &self,
        host: &str,
        id: &str,
        message: &str,
    ) -> Result<(), CoreError> {
        let conn = self.connection()?;
        let w = crate::webinars::get(&conn, host, id).await?;
        crate::webinars::cancel(&conn, host, id, message).await?;
        self.cancel_log(&conn).record(&w)
    }

    pub fn cancel_sign_in(&self) {
        if let Some(tx) = lock(&self.cancel).take() {
            let _ = tx.send(());
        }
    }

    pub fn sign_out(&self, id: &str) -> Result<ProfilesView, CoreError> {
        session::sign_out(&self.profiles, self.secrets.as_ref(), id)?;
        self.forget_if_active(id);
        self.list()
    }
}
