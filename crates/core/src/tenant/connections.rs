//! The connections a running app knows: the saved profiles, the active one's live connection
//! (built lazily and kept, so its token cache and Graph client live as long as the app), and the
//! demo tenant when the shell started one.
//!
//! It does not sign in through the browser ([`super::browser::BrowserSignIn`]) and keeps no caches
//! of other capabilities; instead every change of the active connection bumps a
//! [`Connections::generation`], which those caches compare against.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rollcall_graph::Secret;
use serde::Serialize;

use super::connection::Connection;
use super::profile::{FieldError, Profile, Profiles};
use super::secrets::{SecretKind, SecretStore};
use super::session::{self, ConnectionStatus};
use crate::error::{CoreError, ErrorCode};
use crate::support::lock;

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

pub struct Connections {
    profiles: Profiles,
    secrets: Arc<dyn SecretStore>,
    active: Mutex<Option<Connection>>,
    demo: Mutex<Option<Connection>>,
    demo_active: Mutex<bool>,
    /// Bumped whenever the active connection may have changed.
    generation: AtomicU64,
}

impl Connections {
    pub fn new(profiles: Profiles, secrets: Arc<dyn SecretStore>) -> Self {
        Connections {
            profiles,
            secrets,
            active: Mutex::new(None),
            demo: Mutex::new(None),
            demo_active: Mutex::new(false),
            generation: AtomicU64::new(0),
        }
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    /// Changes whenever the active connection may have changed: caches keyed by it start empty.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The folder of the profiles file, where archives and logs of this app live too.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.profiles.dir()
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
    pub fn save(&self, p: Profile, secret: Option<Secret>) -> Result<ProfilesView, CoreError> {
        self.save_with_proxy(p, secret, None)
    }

    /// [`Connections::save`] with, when given, the password of the profile's own proxy (to the
    /// keychain, bound to the proxy's address).
    pub fn save_with_proxy(
        &self,
        mut p: Profile,
        secret: Option<Secret>,
        proxy_password: Option<Secret>,
    ) -> Result<ProfilesView, CoreError> {
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
            if old.binding() != p.binding() {
                // Another cloud, authority, Graph URL, tenant or app: the saved secret and sign-in
                // were entered for the old endpoints and must not be sent to the new ones.
                self.secrets.delete(&p.id, SecretKind::ClientSecret)?;
                self.secrets.delete(&p.id, SecretKind::RefreshToken)?;
                p.secret_hint = None;
                p.signed_in_as = None;
            } else {
                p.secret_hint = old.secret_hint;
                p.signed_in_as = if old.mode != p.mode {
                    None
                } else {
                    old.signed_in_as
                };
            }
        } else {
            p.secret_hint = None;
            p.signed_in_as = None;
        }
        let id = p.id.clone();
        let first = self.profiles.load()?.profiles.is_empty();
        if let Some(s) = secret.filter(|s| !s.expose().trim().is_empty()) {
            // Keychain first: if it fails, the profile is not written either.
            session::set_client_secret(&self.profiles, self.secrets.as_ref(), &p, &s)?;
            p.secret_hint = Some(Secret::new(s.expose().trim()).hint());
        }
        match (
            p.proxy.as_deref().map(str::trim).filter(|u| !u.is_empty()),
            proxy_password,
        ) {
            (Some(url), Some(pw)) if !pw.expose().is_empty() => self.secrets.set_bound(
                &id,
                SecretKind::ProxyPassword,
                &super::connection::proxy_binding(url),
                &pw,
            )?,
            // No proxy any more: its password goes too.
            (None, _) => self.secrets.delete(&id, SecretKind::ProxyPassword)?,
            _ => {}
        }
        self.profiles.upsert(p)?;
        if first && !*lock(&self.demo_active) {
            self.profiles.activate(&id)?;
        }
        self.forget_if_active(&id);
        self.list()
    }

    /// A profile changed or went away: drop its live connection if it is the active one.
    fn forget_if_active(&self, id: &str) {
        let mut active = lock(&self.active);
        if active.as_ref().and_then(|c| c.profile_id.as_deref()) == Some(id) {
            *active = None;
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub fn delete(&self, id: &str) -> Result<ProfilesView, CoreError> {
        session::delete_profile(&self.profiles, self.secrets.as_ref(), id)?;
        self.forget_if_active(id);
        self.list()
    }

    pub fn sign_out(&self, id: &str) -> Result<ProfilesView, CoreError> {
        session::sign_out(&self.profiles, self.secrets.as_ref(), id)?;
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

    /// A browser sign-in finished: its profile and connection become the active ones.
    pub fn signed_in(&self, conn: Connection) -> Result<(), CoreError> {
        if let Some(id) = conn.profile_id.clone() {
            self.profiles.activate(&id)?;
            *lock(&self.demo_active) = false;
        }
        *lock(&self.active) = Some(conn);
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// A client secret renewed for the active connection (`repair::secret::renew`): kept in the
    /// keychain for its profile (the demo tenant's only for this run), and the connection rebuilt
    /// on it, so nothing uses the old secret once it is retired.
    pub fn secret_renewed(
        &self,
        value: &Secret,
        expires: jiff::civil::Date,
    ) -> Result<(), CoreError> {
        let conn = self.connection()?;
        match conn.profile_id.clone() {
            Some(id) => {
                let p = self.profiles.find(&id)?;
                session::keep_renewed_secret(
                    &self.profiles,
                    self.secrets.as_ref(),
                    &p,
                    value,
                    expires,
                )?;
                self.reset_active();
            }
            None => {
                let mut demo = Connection::application_via(
                    conn.http().clone(),
                    conn.endpoints.clone(),
                    &conn.tenant,
                    &conn.client_id,
                    value.clone(),
                    conn.hosts.clone(),
                )?;
                demo.demo = true;
                demo.teams_webinars = conn.teams_webinars;
                demo.profile = conn.profile.clone();
                demo.portal_redirect_uri = conn.portal_redirect_uri.clone();
                demo.secret_expires = Some(expires);
                *lock(&self.demo) = Some(demo);
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
        }
        Ok(())
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

    /// The id files of the active connection are named by: its profile, or `demo`.
    pub fn active_key(&self) -> Result<String, CoreError> {
        Ok(self
            .connection()?
            .profile_id
            .unwrap_or_else(|| DEMO_ID.into()))
    }

    /// "Test connection": a fresh token for the active profile, described.
    pub async fn test(&self) -> Result<ConnectionStatus, CoreError> {
        session::status(&self.connection()?, true).await
    }

    fn reset_active(&self) {
        *lock(&self.active) = None;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}
