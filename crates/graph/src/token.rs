//! An access token as Entra issued it: its value, when it expires, and what it carries. Shared by
//! the token providers ([`crate::auth`], [`crate::delegated`]) and the token endpoint's client
//! ([`crate::oauth`]); it depends on neither.

use base64::Engine;
use jiff::{SignedDuration, Timestamp};

use crate::secret::Secret;

/// Renew this long before `expires_in` runs out.
pub const RENEW_EARLY: SignedDuration = SignedDuration::from_secs(300);

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub value: Secret,
    pub expires_at: Timestamp,
    /// How long it was valid when issued (`expires_in`).
    pub lifetime: SignedDuration,
}

impl AccessToken {
    /// The payload claims, decoded without verification (Graph tokens are opaque to clients; this is
    /// for diagnostics such as "which roles were granted").
    pub fn claims(&self) -> Option<serde_json::Value> {
        let payload = self.value.expose().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
    /// Application permissions (`roles`) or delegated scopes (`scp`) carried by the token.
    pub fn permissions(&self) -> Vec<String> {
        let Some(c) = self.claims() else {
            return Vec::new();
        };
        if let Some(roles) = c["roles"].as_array() {
            return roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
        }
        c["scp"]
            .as_str()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }
    /// Still worth using: renew 5 minutes early, or after half its life for short-lived tokens
    /// (a 60-second token would otherwise never count as fresh).
    pub(crate) fn fresh(&self, now: Timestamp) -> bool {
        let early = if self.lifetime < RENEW_EARLY * 2 {
            self.lifetime / 2
        } else {
            RENEW_EARLY
        };
        now + early < self.expires_at
    }
}
