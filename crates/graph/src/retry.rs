//! When to retry and how long to wait: `Retry-After` (seconds, fractional seconds or an HTTP-date)
//! when Graph sends it, jittered exponential backoff otherwise, with caps on attempts and total delay.

use std::time::{Duration, SystemTime};

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Give up rather than wait beyond this in total.
    pub max_total_delay: Duration,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_total_delay: Duration::from_secs(180),
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// Statuses worth another try: throttling and transient gateway/service errors.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// The longest `Retry-After` taken as said: longer ones (`1e19`) are capped here, so adding one to
/// the clock cannot overflow; the retry caps then decide whether to wait at all.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Parse `Retry-After`: `10`, `2.128` (rounded up) or `Wed, 21 Oct 2026 07:28:00 GMT`; at most
/// [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            let capped = secs.ceil().min(MAX_RETRY_AFTER.as_secs_f64());
            return Some(Duration::from_secs(capped as u64));
        }
        return None;
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

impl RetryPolicy {
    /// Full-jitter exponential backoff for attempt `n` (1-based) given a random `unit` in [0, 1).
    pub fn backoff(&self, attempt: u32, unit: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        Duration::from_secs_f64(capped.as_secs_f64() * (0.5 + unit.clamp(0.0, 1.0) / 2.0))
    }
}

/// A cheap jitter source; retries need spread, not cryptographic randomness.
pub fn jitter_unit() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = nanos as u64 ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_fractions_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(parse_retry_after("10", now), Some(Duration::from_secs(10)));
        assert_eq!(
            parse_retry_after("2.128", now),
            Some(Duration::from_secs(3))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(7)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("1e19", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("inf", now), None);
        let far = httpdate::fmt_http_date(now + Duration::from_secs(9_000_000_000));
        assert_eq!(parse_retry_after(&far, now), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
    }

    #[test]
    fn only_throttling_and_transient_statuses_retry() {
        assert!(retryable_status(429) && retryable_status(503) && retryable_status(504));
        assert!(!retryable_status(500) && !retryable_status(403) && !retryable_status(401));
    }
}
