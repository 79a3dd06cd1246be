//! What the desktop tells the user by a desktop notification, each once: reports that came after
//! the LMS stopped polling, a scheduled run that failed, and the client secret expiring in 30, 14,
//! 7 and 1 days. Owns the rules and `notices.json` (the notices already shown, and the latest
//! ones for Settings to list); showing them is the desktop's (the Tauri notification plugin).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::schedule::ledger::{RunState, ScheduledRun};

/// Days before the secret expires at which a notice is due.
pub const SECRET_WARNINGS: [i64; 4] = [30, 14, 7, 1];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// Shown once per key.
    pub key: String,
    pub title: String,
    pub body: String,
    /// When it was shown (RFC 3339), once it was.
    #[serde(default)]
    pub shown_at: Option<String>,
}

/// The secret-expiry notice due today, if any: the tightest threshold reached (30, 14, 7, 1 days).
pub fn secret_notice(profile: &str, expires: Option<Date>, today: Date) -> Option<Notice> {
    let expires = expires?;
    let left = i64::from(
        today
            .until((jiff::Unit::Day, expires))
            .map(|s| s.get_days())
            .unwrap_or(0),
    );
    let threshold = SECRET_WARNINGS.iter().rev().find(|t| left <= **t)?;
    let body = if left < 0 {
        format!("It expired on {expires}. Create a new secret in Entra (Certificates & secrets) and enter it in Settings → Connections.")
    } else if left == 0 {
        "It expires today. Create a new secret in Entra (Certificates & secrets) and enter it in Settings → Connections.".to_string()
    } else {
        format!("It expires on {expires}, in {left} day(s). Create a new secret in Entra (Certificates & secrets) and enter it in Settings → Connections before then.")
    };
    Some(Notice {
        key: format!("secret:{profile}:{expires}:{threshold}"),
        title: format!("The client secret of \"{profile}\" expires soon"),
        body,
        shown_at: None,
    })
}

/// A scheduled run that failed, was partial, or never finished: once per run. It comes from the
/// runs' own record ([`crate::schedule::ledger`]), so a run that stopped before it reached the
/// archive (a profile gone, no keychain, killed) is told too.
pub fn scheduled_notice(run: &ScheduledRun) -> Option<Notice> {
    if !run.went_wrong() {
        return None;
    }
    let at = &run.record.started_at;
    let body = match (&run.state, &run.record.message) {
        (RunState::DidNotFinish, _) => format!("The nightly sync started at {at} did not finish: it was stopped (or the computer was) before it could record how it ended. The next run catches up."),
        (_, Some(m)) => format!("The nightly sync at {at} failed: {m}"),
        (_, None) => format!("The nightly sync at {at} ended with exit code {}. `rollcall sync --history` has the details.", run.record.exit_code.unwrap_or(-1)),
    };
    Some(Notice {
        key: format!("scheduled:{}", run.id),
        title: "The nightly sync did not complete".into(),
        body,
        shown_at: None,
    })
}

/// Reports that came after the LMS's window in a sync.
pub fn late_notice(profile: &str, run_id: Option<i64>, late_reports: u32) -> Option<Notice> {
    (late_reports > 0).then(|| Notice {
        key: format!("late:{profile}:{}", run_id.unwrap_or_default()),
        title: format!("{late_reports} attendance report(s) came after the LMS stopped polling"),
        body: "Attendance → Credits the LMS missed lists who reached the threshold in them, ready to export for the LMS.".into(),
        shown_at: None,
    })
}

#[derive(Default, Serialize, Deserialize)]
struct Shown {
    keys: BTreeSet<String>,
    recent: Vec<Notice>,
}

/// The notices shown from this data folder.
pub struct NoticeLog {
    path: PathBuf,
}

impl NoticeLog {
    pub fn in_dir(data_dir: &Path) -> Self {
        NoticeLog {
            path: data_dir.join("notices.json"),
        }
    }

    fn read(&self) -> Shown {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The notices not shown before, now recorded as shown (the newest 20 kept for Settings).
    pub fn take_new(&self, candidates: Vec<Notice>) -> Result<Vec<Notice>, CoreError> {
        let mut shown = self.read();
        let now = jiff::Timestamp::now().to_string();
        let fresh: Vec<Notice> = candidates
            .into_iter()
            .filter(|n| !shown.keys.contains(&n.key))
            .map(|mut n| {
                n.shown_at = Some(now.clone());
                n
            })
            .collect();
        if fresh.is_empty() {
            return Ok(fresh);
        }
        for n in &fresh {
            shown.keys.insert(n.key.clone());
            shown.recent.insert(0, n.clone());
        }
        shown.recent.truncate(20);
        let bytes =
            serde_json::to_vec_pretty(&shown).map_err(|e| CoreError::internal(e.to_string()))?;
        crate::support::atomic::write_private(&self.path, &bytes)?;
        Ok(fresh)
    }

    /// The latest notices shown, newest first.
    pub fn recent(&self) -> Vec<Notice> {
        self.read().recent
    }
}

/// A notice's body for a notification server that reads markup (the freedesktop Desktop
/// Notifications spec lets the body carry `<b>`, `<a href>`, `<img>`): `& < >` escaped, so a
/// webinar's title or a profile's name shows as written and cannot add a link or an image.
pub fn markup_escaped(body: &str) -> String {
    body.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_secret_is_announced_at_30_14_7_and_1_days() {
        let exp = date(2027, 3, 31);
        let at = |d: Date| secret_notice("P", Some(exp), d).map(|n| n.key);
        assert_eq!(at(date(2027, 2, 28)), None); // 31 days
        assert_eq!(at(date(2027, 3, 1)).unwrap(), "secret:P:2027-03-31:30");
        assert_eq!(at(date(2027, 3, 17)).unwrap(), "secret:P:2027-03-31:14");
        assert_eq!(at(date(2027, 3, 24)).unwrap(), "secret:P:2027-03-31:7");
        assert_eq!(at(date(2027, 3, 30)).unwrap(), "secret:P:2027-03-31:1");
        assert_eq!(at(date(2027, 4, 5)).unwrap(), "secret:P:2027-03-31:1");
        assert_eq!(secret_notice("P", None, date(2027, 3, 30)), None);
    }

    #[test]
    fn each_notice_is_shown_once() {
        let dir = std::env::temp_dir().join(format!("rollcall-notices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = NoticeLog::in_dir(&dir);
        let n = late_notice("P", Some(3), 2).unwrap();
        assert_eq!(log.take_new(vec![n.clone()]).unwrap().len(), 1);
        assert!(log.take_new(vec![n]).unwrap().is_empty());
        assert_eq!(log.recent().len(), 1);
        assert!(late_notice("P", Some(4), 0).is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_body_for_a_markup_server_shows_names_as_written() {
        assert_eq!(
            super::markup_escaped("\"<a href='x'>R&D</a>\" <img src=y>"),
            "\"&lt;a href='x'&gt;R&amp;D&lt;/a&gt;\" &lt;img src=y&gt;"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_notice_log_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rollcall-notices-{}", uuid::Uuid::new_v4()));
        let n = super::Notice {
            key: "k".into(),
            title: "t".into(),
            body: "b".into(),
            shown_at: None,
        };
        super::NoticeLog::in_dir(&dir).take_new(vec![n]).unwrap();
        let mode = std::fs::metadata(dir.join("notices.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
