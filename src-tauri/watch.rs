//! While the app runs: every 10 minutes, re-check the active connection's recent webinars for
//! reports (a sync of the last 3 days: settled meetings cost nothing), then show each notice due
//! (late reports, a failed scheduled run, the client secret expiring) once as a desktop
//! notification. The rules are `rollcall_core::support::notices`; this only runs them.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rollcall_core::support::notices::{self, NoticeLog};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(600);

/// How long after start-up the first check runs. The end-to-end build runs it only when a test
/// asks (`ROLLCALL_TEST_WATCH_SECS`), so it never syncs behind another test's back.
fn first_delay() -> Option<Duration> {
    #[cfg(feature = "test-seams")]
    return std::env::var("ROLLCALL_TEST_WATCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    #[cfg(not(feature = "test-seams"))]
    Some(Duration::from_secs(90))
}

pub fn start(app: AppHandle) {
    let Some(delay) = first_delay() else { return };
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(delay).await;
        loop {
            tick(&app).await;
            tokio::time::sleep(EVERY).await;
        }
    });
}

async fn tick(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(conn) = state.hub.connection() else {
        return;
    };
    let name = conn.profile.clone();
    let mut due = Vec::new();
    // Re-check the late window (the profile's hours plus a day of margin), unless a sync runs.
    if !state.hub.sync_state().running {
        let to = Timestamp::now();
        let from = to - SignedDuration::from_hours(i64::from(conn.recheck_hours) + 24);
        if state
            .hub
            .start_sync(&from.to_string(), &to.to_string())
            .is_ok()
        {
            for _ in 0..1800 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if !state.hub.sync_state().running {
                    break;
                }
            }
            if let Some(s) = state.hub.sync_state().summary {
                due.extend(notices::late_notice(&name, s.run_id, s.late_reports));
            }
        }
    }
    for r in rollcall_core::schedule::ledger::recent(&state.data_dir, 5) {
        due.extend(notices::scheduled_notice(&r));
    }
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date();
    due.extend(notices::secret_notice(&name, conn.secret_expires, today));
    let fresh = match NoticeLog::in_dir(&state.data_dir).take_new(due) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e.user_message(), "could not record notices");
            return;
        }
    };
    for n in fresh {
        tracing::info!(key = %n.key, "notice");
        if let Err(e) = app
            .notification()
            .builder()
            .title(&n.title)
            .body(if crate::platform::NOTIFICATION_BODY_IS_MARKUP {
                notices::markup_escaped(&n.body)
            } else {
                n.body.clone()
            })
            .show()
        {
            // No notification service (a bare session): Settings still lists it.
            tracing::warn!(error = %e, "desktop notification not shown");
        }
    }
}
