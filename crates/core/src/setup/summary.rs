//! The tenant summary: who the app is, what it may do, and each host's Teams readiness and upcoming
//! webinars. The first real path through core → graph → tenant; the Setup checklist builds on it.

use jiff::{SignedDuration, Timestamp};
use rollcall_graph::models::{Event, TeamsLicence};
use rollcall_graph::Request;
use serde::Serialize;

use crate::directory::{enc, find_mailbox, Mailbox};
use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::profile::AuthMode;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    pub tenant_id: String,
    pub client_id: String,
    pub demo: bool,
    /// Application permissions carried by the token.
    pub permissions: Vec<String>,
    pub hosts: Vec<HostSummary>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostSummary {
    pub email: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    /// `enabled`, `disabled`, `none` or `unknown`.
    pub teams: String,
    pub upcoming: Vec<WebinarBrief>,
    /// Teams webinars that ended in the last 30 days.
    pub recent: Vec<WebinarBrief>,
    /// Why the host could not be read, in the user's words.
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WebinarBrief {
    pub subject: String,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    pub cancelled: bool,
}

impl TenantSummary {
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "Tenant {}{}\nApp {}\nPermissions: {}\n",
            self.tenant_id,
            if self.demo { " (DEMO)" } else { "" },
            self.client_id,
            self.permissions.join(", ")
        );
        for h in &self.hosts {
            s.push_str(&format!(
                "- {} ({}): Teams {}, {} upcoming webinar(s)\n",
                h.email,
                h.display_name.as_deref().unwrap_or("?"),
                h.teams,
                h.upcoming.len()
            ));
            if let Some(p) = &h.problem {
                s.push_str(&format!("  ! {p}\n"));
            }
        }
        s
    }
}

impl HostSummary {
    /// A host that could not be read, and why.
    fn unread(email: String, problem: String) -> Self {
        HostSummary {
            email,
            display_name: None,
            user_principal_name: None,
            teams: "unknown".into(),
            upcoming: vec![],
            recent: vec![],
            problem: Some(problem),
        }
    }
}

async fn host_summary(
    conn: &Connection,
    email: String,
    now: Timestamp,
) -> Result<HostSummary, CoreError> {
    let graph = conn.graph()?;
    let found = match find_mailbox(conn, &email).await {
        // User sign-in mode and another host: say so for this host, keep the others.
        Err(e) if e.code == ErrorCode::PermissionMissing && conn.mode == AuthMode::Delegated => {
            return Ok(HostSummary::unread(email, e.message))
        }
        r => r?,
    };
    let Some(Mailbox { user, base, .. }) = found else {
        return Ok(HostSummary::unread(
            email,
            "No user with this e-mail exists in the tenant.".into(),
        ));
    };
    let teams = TeamsLicence::of(user.assigned_plans.as_deref().unwrap_or_default()).word();
    let from = now - SignedDuration::from_hours(24 * 30);
    let to = now + SignedDuration::from_hours(24 * 30);
    let url = format!(
        "{base}/calendarView?startDateTime={}&endDateTime={}&$top=100&$select={}",
        enc(&from.to_string()),
        enc(&to.to_string()),
        enc("subject,start,end,isOnlineMeeting,onlineMeetingProvider,onlineMeeting,isCancelled,type,seriesMasterId")
    );
    let (all, problem): (Vec<(Timestamp, WebinarBrief)>, _) = match graph
        .get_all::<Event>(Request::get(url).mailbox(&user.id))
        .await
    {
        Ok(events) => (
            events
                .iter()
                .filter(|e| e.is_teams())
                .filter_map(|e| {
                    let (start, end) = (e.start.to_utc()?, e.end.to_utc()?);
                    let brief = WebinarBrief {
                        subject: e.subject.clone().unwrap_or_default(),
                        start: start.to_string(),
                        end: end.to_string(),
                        cancelled: e.is_cancelled.unwrap_or(false),
                    };
                    Some((end, brief))
                })
                .collect(),
            None,
        ),
        Err(e) => (vec![], Some(CoreError::from(e).user_message())),
    };
    let (recent, upcoming): (Vec<_>, Vec<_>) = all.into_iter().partition(|(end, _)| *end <= now);
    let (recent, upcoming) = (
        recent.into_iter().map(|(_, w)| w).collect(),
        upcoming.into_iter().map(|(_, w)| w).collect(),
    );
    Ok(HostSummary {
        email,
        display_name: user.display_name,
        user_principal_name: Some(user.user_principal_name),
        teams: teams.into(),
        upcoming,
        recent,
        problem,
    })
}

/// Fetch the summary: a token first (so sign-in problems surface as such), then each host concurrently.
pub async fn fetch(conn: &Connection) -> Result<TenantSummary, CoreError> {
    if conn.tenant.trim().is_empty() || conn.client_id.trim().is_empty() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Tenant and client ID are required.",
            None,
        ));
    }
    let graph = conn.graph()?;
    let token = graph.tokens().token(false).await?;
    let now = Timestamp::now();
    let tasks = conn
        .hosts
        .iter()
        .map(|h| host_summary(conn, h.clone(), now));
    let mut hosts = Vec::new();
    for r in futures_join_all(tasks).await {
        hosts.push(r?);
    }
    Ok(TenantSummary {
        tenant_id: conn.tenant.clone(),
        client_id: conn.client_id.clone(),
        demo: conn.demo,
        permissions: token.permissions(),
        hosts,
    })
}

/// Run futures concurrently, keeping order (a tiny `join_all` so core needs no futures crate).
async fn futures_join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futs.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                outputs[*i] = Some(v);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
