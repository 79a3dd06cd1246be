//! What Rollcall cancelled, kept per profile so the calendar still shows it struck through
//! (Outlook removes an organizer-cancelled meeting from the organizer's calendar).

use super::*;

/// What Rollcall cancelled. Outlook removes a cancelled meeting from its organizer's calendar; the
/// curator still wants to see it (struck through) where it was. One JSON file per profile, written
/// atomically; only what the calendar shows (no tokens, no message bodies beyond the user's note).
pub struct CancelLog {
    path: std::path::PathBuf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cancelled {
    host: String,
    id: String,
    subject: String,
    start: String,
    end: String,
    series_id: Option<String>,
    cancelled_at: String,
}

impl CancelLog {
    pub fn new(path: std::path::PathBuf) -> Self {
        CancelLog { path }
    }

    fn load(&self) -> Vec<Cancelled> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn record(&self, w: &Webinar) -> Result<(), CoreError> {
        let mut all = self.load();
        all.retain(|c| c.id != w.id);
        all.push(Cancelled {
            host: w.host.clone(),
            id: w.id.clone(),
            subject: w.subject.clone(),
            start: w.start.clone(),
            end: w.end.clone(),
            series_id: w.series_id.clone(),
            cancelled_at: Timestamp::now().to_string(),
        });
        let bytes =
            serde_json::to_vec_pretty(&all).map_err(|e| CoreError::internal(e.to_string()))?;
        crate::support::atomic::write_private(&self.path, &bytes)
    }

    /// Add the logged cancellations of these hosts in `[from, to)` that Graph no longer returns.
    pub fn merge(
        &self,
        range: &mut WebinarRange,
        hosts: &[String],
        from: Timestamp,
        to: Timestamp,
    ) {
        let now = Timestamp::now();
        for c in self.load() {
            let (Ok(start), Ok(end)) = (c.start.parse::<Timestamp>(), c.end.parse::<Timestamp>())
            else {
                continue;
            };
            let visible =
                start < to && end > from && hosts.iter().any(|h| h.eq_ignore_ascii_case(&c.host));
            if !visible || range.webinars.iter().any(|w| w.id == c.id) {
                continue;
            }
            range.webinars.push(Webinar {
                id: c.id,
                host: c.host,
                subject: c.subject,
                start: c.start,
                end: c.end,
                teams: true,
                cancelled: true,
                state: WebinarState::at(&start, &end, &now),
                kind: if c.series_id.is_some() {
                    "occurrence".into()
                } else {
                    "singleInstance".into()
                },
                series_id: c.series_id,
                join_url: None,
                organizer: None,
                is_organizer: true,
                invitees: vec![],
                web_link: None,
                format: Default::default(),
                event: None,
                channel: false,
            });
        }
        range.webinars.sort_by(|a, b| a.start.cmp(&b.start));
    }
}
