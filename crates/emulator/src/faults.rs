//! Fault injection (latency, throttling, 5xx, truncated bodies, token lifetime, the Outlook
//! per-mailbox concurrency limit): the settings and the state Graph's handlers consult. The admin
//! API that changes them at runtime is `admin.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::rng::Rng;
use crate::Shared;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RetryAfterForm {
    /// `Retry-After: 2`
    #[default]
    Seconds,
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`
    HttpDate,
    /// Alternate between the two.
    Mixed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Network round trip of every HTTP request to Graph (half before the service sees it, half
    /// after it answers): a `$batch` pays it once for all its sub-requests.
    pub latency_ms: u64,
    /// Service time of every request and of every `$batch` sub-request, spent holding the mailbox's
    /// concurrency slot (the network round trip is not).
    pub service_ms: u64,

    /// Share of Graph requests answered `429 TooManyRequests`.
    pub throttle_rate: f64,
    pub retry_after: RetryAfterForm,
    pub retry_after_secs: u64,
    /// Outlook's limit of concurrent requests per mailbox (`None` = unlimited). It holds for
    /// Outlook's resources (events, calendars), not for Teams' online meetings.
    pub mailbox_concurrency: Option<usize>,
    /// Requests to online meetings and attendance reports per app in any 10 seconds (Graph's
    /// "Skype calling" limits: 5,000; `None` = unlimited).
    pub teams_requests_per_10s: Option<usize>,
    /// Share of Graph requests answered `503`/`504`.
    pub server_error_rate: f64,
    /// Share of successful Graph responses cut in half.
    pub truncate_rate: f64,
    /// `expires_in` of issued access tokens.
    pub token_lifetime_secs: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            service_ms: 0,
            throttle_rate: 0.0,
            retry_after: RetryAfterForm::Seconds,
            retry_after_secs: 1,
            mailbox_concurrency: Some(4),
            teams_requests_per_10s: Some(5000),
            server_error_rate: 0.0,
            truncate_rate: 0.0,
            token_lifetime_secs: 3599,
        }
    }
}

/// Counters the benchmarks and tests read back.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// HTTP requests (a `$batch` counts once).
    pub graph_requests: u64,
    /// `$batch` sub-requests (each also counted by route in `by_route`).
    pub sub_requests: u64,
    pub token_requests: u64,
    pub throttled: u64,
    pub mailbox_throttled: u64,
    pub server_errors: u64,
    pub truncated: u64,
    pub max_in_flight_per_mailbox: u64,
    /// Requests (and sub-requests) by route family (`calendarView`, `onlineMeetings`, `attendanceReports`, ...).
    pub by_route: BTreeMap<String, u64>,
}

pub struct FaultState {
    config: Mutex<Faults>,
    /// When the Teams requests of the last 10 seconds came (per app: the emulator has one).
    teams_window: Mutex<std::collections::VecDeque<std::time::Instant>>,
    rng: Mutex<Rng>,
    in_flight: Mutex<HashMap<String, usize>>,
    stats: Mutex<Stats>,
    retry_toggle: AtomicU64,
    refresh_inactive: AtomicBool,
}

/// What the fault layer decided for one request.
pub enum Injected {
    Throttle { retry_after: String },
    ServerError { status: u16 },
}

/// Releases a mailbox slot when the request finishes, however it finishes.
pub struct MailboxSlot {
    state: Arc<Shared>,
    mailbox: String,
}

impl Drop for MailboxSlot {
    fn drop(&mut self) {
        let mut map = self
            .state
            .faults
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.mailbox) {
            *n = n.saturating_sub(1);
        }
    }
}

impl FaultState {
    pub fn new(config: Faults, seed: u64) -> Self {
        FaultState {
            config: Mutex::new(config),
            teams_window: Mutex::new(std::collections::VecDeque::new()),
            rng: Mutex::new(Rng::new(seed.wrapping_mul(31).wrapping_add(7))),
            in_flight: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            retry_toggle: AtomicU64::new(0),
            refresh_inactive: AtomicBool::new(false),
        }
    }

    pub fn config(&self) -> Faults {
        self.config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set(&self, f: Faults) {
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = f;
    }

    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn refresh_inactive(&self) -> bool {
        self.refresh_inactive.load(Ordering::Relaxed)
    }

    pub fn set_refresh_inactive(&self, on: bool) {
        self.refresh_inactive.store(on, Ordering::Relaxed);
    }

    fn roll(&self, p: f64) -> bool {
        p > 0.0 && self.rng.lock().unwrap_or_else(|e| e.into_inner()).chance(p)
    }

    /// Decide throttling or a server error for one Graph request.
    pub fn inject(&self) -> Option<Injected> {
        let cfg = self.config();
        if self.roll(cfg.throttle_rate) {
            self.count(|s| s.throttled += 1);
            return Some(Injected::Throttle {
                retry_after: self.retry_after_value(&cfg),
            });
        }
        if self.roll(cfg.server_error_rate) {
            self.count(|s| s.server_errors += 1);
            let status = if self.roll(0.5) { 503 } else { 504 };
            return Some(Injected::ServerError { status });
        }
        None
    }

    pub fn truncate(&self) -> bool {
        let hit = self.roll(self.config().truncate_rate);
        if hit {
            self.count(|s| s.truncated += 1);
        }
        hit
    }

    fn retry_after_value(&self, cfg: &Faults) -> String {
        let use_date = match cfg.retry_after {
            RetryAfterForm::Seconds => false,
            RetryAfterForm::HttpDate => true,
            RetryAfterForm::Mixed => self.retry_toggle.fetch_add(1, Ordering::Relaxed) % 2 == 1,
        };
        if use_date {
            // An HTTP-date has one-second resolution: round up so the client waits at least as asked.
            let at = jiff::Timestamp::now()
                + jiff::SignedDuration::from_secs(cfg.retry_after_secs as i64 + 1);
            at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
        } else {
            cfg.retry_after_secs.to_string()
        }
    }

    /// Count a Teams request against the per-app limit; `Some(seconds)` to wait when over it.
    pub fn teams_request(&self) -> Option<u64> {
        let limit = self.config().teams_requests_per_10s?;
        let now = std::time::Instant::now();
        let window = std::time::Duration::from_secs(10);
        let mut w = self.teams_window.lock().unwrap_or_else(|e| e.into_inner());
        while w.front().is_some_and(|t| now.duration_since(*t) >= window) {
            w.pop_front();
        }
        if w.len() >= limit {
            let wait = w
                .front()
                .map_or(window, |t| window.saturating_sub(now.duration_since(*t)));
            drop(w);
            self.count(|s| s.throttled += 1);
            return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        w.push_back(now);
        None
    }

    /// Take one of the mailbox's concurrent-request slots, or `None` when it is over its limit.
    pub fn enter_mailbox(state: &Arc<Shared>, mailbox: &str) -> Option<MailboxSlot> {
        let limit = state.faults.config().mailbox_concurrency;
        let mut map = state
            .faults
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let n = map.entry(mailbox.to_ascii_lowercase()).or_insert(0);
        if limit.is_some_and(|l| *n >= l) {
            drop(map);
            state.faults.count(|s| s.mailbox_throttled += 1);
            return None;
        }
        *n += 1;
        let now_in = *n as u64;
        drop(map);
        state
            .faults
            .count(|s| s.max_in_flight_per_mailbox = s.max_in_flight_per_mailbox.max(now_in));
        Some(MailboxSlot {
            state: state.clone(),
            mailbox: mailbox.to_ascii_lowercase(),
        })
    }
}
