//! The desktop's "Fix it for me" session: the administrator's sign-in waiting for the browser,
//! the signed-in administrator (in memory until the app closes or they sign out), and the plan
//! last shown, so the window confirms exactly what it previewed. The CLI holds none of this.

use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::oneshot;

use super::admin::{AdminIdentity, AdminSession, AdminSignIn};
use super::log::{ChangeLog, ChangeRecord};
use super::{secret, Applied, Plan};
use crate::error::{CoreError, ErrorCode};
use crate::setup::CopyValue;
use crate::tenant::connection::Connection;

#[derive(Default)]
pub struct RepairDesk {
    pending: tokio::sync::Mutex<Option<(AdminSignIn, oneshot::Receiver<()>)>>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    session: Mutex<Option<(String, AdminSession)>>,
    plan: Mutex<Option<Plan>>,
}

/// A renewed secret as the window shows it: once, with what to paste where. The only secret that
/// ever crosses to the window — the administrator must paste it into the LMS.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RenewedView {
    pub value: String,
    pub hint: String,
    pub key_id: String,
    pub expires: String,
    pub old_key_id: Option<String>,
    pub handoff: Vec<CopyValue>,
    pub policy_max_days: Option<u32>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RepairDesk {
    /// Start an administrator's sign-in for `scopes` on `conn`'s tenant; the browser's address.
    pub async fn begin(
        &self,
        conn: &Connection,
        client_id: &str,
        scopes: &[&str],
    ) -> Result<String, CoreError> {
        self.cancel();
        let attempt = AdminSignIn::begin(conn, client_id, scopes, None).await?;
        let url = attempt.url.clone();
        let (tx, rx) = oneshot::channel();
        *lock(&self.cancel) = Some(tx);
        *self.pending.lock().await = Some((attempt, rx));
        Ok(url)
    }

    /// [`RepairDesk::begin`] where no registration exists yet (creating one).
    pub async fn begin_at(
        &self,
        conn: &Connection,
        scopes: &[&str],
        client_id: &str,
    ) -> Result<String, CoreError> {
        self.cancel();
        let attempt = AdminSignIn::begin_at(
            &conn.endpoints,
            &conn.tenant,
            conn.http(),
            client_id,
            scopes,
            None,
        )
        .await?;
        let url = attempt.url.clone();
        let (tx, rx) = oneshot::channel();
        *lock(&self.cancel) = Some(tx);
        *self.pending.lock().await = Some((attempt, rx));
        Ok(url)
    }

    /// Create the registration with the signed-in administrator; the secret is in `Created`.
    pub async fn create(
        &self,
        conn: &Connection,
        spec: &super::create::NewRegistration,
        log: &ChangeLog,
    ) -> Result<super::create::Created, CoreError> {
        let session = self.session(conn)?;
        super::create::create(conn, &session, spec, log).await
    }

    /// Wait for the browser; the administrator and their roles, kept for the sign-in's tenant only.
    pub async fn finish(&self) -> Result<AdminIdentity, CoreError> {
        let (attempt, rx) = self.pending.lock().await.take().ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "No administrator sign-in is waiting.",
                None,
            )
        })?;
        let tenant = attempt.tenant().to_string();
        let cancel = async {
            let _ = rx.await;
        };
        let session = attempt
            .finish(rollcall_graph::delegated::SIGN_IN_TIMEOUT, cancel)
            .await?;
        let who = session.identity();
        *lock(&self.session) = Some((tenant, session));
        Ok(who)
    }

    pub fn cancel(&self) {
        if let Some(tx) = lock(&self.cancel).take() {
            let _ = tx.send(());
        }
    }

    /// Forget the administrator (their tokens go with the session).
    pub fn sign_out(&self) {
        *lock(&self.session) = None;
        *lock(&self.plan) = None;
    }

    /// The signed-in administrator for this tenant, if any.
    pub fn who(&self, tenant: &str) -> Option<AdminIdentity> {
        lock(&self.session)
            .as_ref()
            .filter(|(t, _)| t == tenant)
            .map(|(_, s)| s.identity())
    }

    fn session(&self, conn: &Connection) -> Result<AdminSession, CoreError> {
        lock(&self.session)
            .as_ref()
            .filter(|(t, _)| *t == conn.tenant)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::SignInRequired,
                    "No administrator is signed in for this tenant.",
                    Some("Sign in as an administrator first.".into()),
                )
            })
    }

    /// The changes that would repair `steps`; kept so [`RepairDesk::apply`] makes exactly these.
    pub async fn plan(&self, conn: &Connection, steps: &[String]) -> Result<Plan, CoreError> {
        let session = self.session(conn)?;
        let plan = super::plan(conn, &session, steps).await?;
        *lock(&self.plan) = Some(plan.clone());
        Ok(plan)
    }

    /// Make the previewed changes the administrator kept (`ids`), those their roles allow.
    pub async fn apply(
        &self,
        conn: &Connection,
        ids: &[String],
        log: &ChangeLog,
    ) -> Result<Applied, CoreError> {
        let session = self.session(conn)?;
        let mut plan = lock(&self.plan).take().ok_or_else(|| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "There is no previewed change to make.",
                Some("Preview the changes again.".into()),
            )
        })?;
        let refused: Vec<String> = plan
            .refused_for(&session)
            .into_iter()
            .map(|(c, _)| c.id.clone())
            .collect();
        plan.changes
            .retain(|c| ids.contains(&c.id) && !refused.contains(&c.id));
        super::apply(conn, &session, &plan, log).await
    }

    pub async fn renew(
        &self,
        conn: &Connection,
        months: u32,
        log: &ChangeLog,
        store: impl FnOnce(&rollcall_graph::Secret, jiff::civil::Date) -> Result<(), CoreError>,
    ) -> Result<RenewedView, CoreError> {
        let session = self.session(conn)?;
        let r = secret::renew(
            conn,
            &session,
            months,
            conn.secret_hint.as_deref(),
            log,
            store,
        )
        .await?;
        Ok(RenewedView {
            value: r.value.expose().to_string(),
            hint: r.hint,
            key_id: r.key_id,
            expires: r.expires.to_string(),
            old_key_id: r.old_key_id,
            handoff: r.handoff,
            policy_max_days: r.policy_max_days.and_then(|d| u32::try_from(d).ok()),
        })
    }

    pub async fn retire(
        &self,
        conn: &Connection,
        log: &ChangeLog,
    ) -> Result<ChangeRecord, CoreError> {
        let session = self.session(conn)?;
        secret::retire(conn, &session, log).await
    }

    pub async fn undo(
        &self,
        conn: &Connection,
        log: &ChangeLog,
        index: usize,
    ) -> Result<ChangeRecord, CoreError> {
        let session = self.session(conn)?;
        super::undo(&session, log, index).await
    }
}
