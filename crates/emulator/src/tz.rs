//! Graph's `dateTimeTimeZone`: a wall-clock time without offset plus a Windows or IANA zone name.
//!
//! Only the Windows zone names a school or company is likely to use are mapped; an unknown name is an
//! error (as Graph answers `400` for a zone it does not know), never a silent UTC.

use jiff::{civil::DateTime, tz::TimeZone, Timestamp};

const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("UTC", "UTC"),
    ("Coordinated Universal Time", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("India Standard Time", "Asia/Kolkata"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Central Standard Time", "America/Chicago"),
    ("Eastern Standard Time", "America/New_York"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Egypt Standard Time", "Africa/Cairo"),
];

/// Resolve a Windows or IANA zone name.
pub fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
    {
        return TimeZone::get(iana).ok();
    }
    TimeZone::get(name).ok()
}

/// Parse `{dateTime, timeZone}` into an instant. `dateTime` may carry up to 7 fractional digits.
pub fn parse(date_time: &str, time_zone: &str) -> Option<Timestamp> {
    let tz = zone(time_zone)?;
    let trimmed = date_time.trim_end_matches('Z');
    let dt: DateTime = trimmed.parse().ok()?;
    tz.to_ambiguous_zoned(dt)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// Render an instant in the zone the caller asked for, in Graph's 7-digit form.
pub fn render(ts: Timestamp, time_zone: &str) -> serde_json::Value {
    let (tz, label) = match zone(time_zone) {
        Some(tz) => (tz, time_zone.to_string()),
        None => (TimeZone::UTC, "UTC".to_string()),
    };
    let dt = ts.to_zoned(tz).datetime();
    serde_json::json!({
        "dateTime": format!("{}.0000000", dt.strftime("%Y-%m-%dT%H:%M:%S")),
        "timeZone": label,
    })
}

/// A DateTimeOffset as Graph writes it: UTC with `Z` and 7 fractional digits.
pub fn offset(ts: Timestamp) -> String {
    format!(
        "{}.{:07}Z",
        ts.strftime("%Y-%m-%dT%H:%M:%S"),
        ts.subsec_nanosecond() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_resolve_and_dst_is_applied() {
        let summer = parse("2025-07-01T09:00:00", "W. Europe Standard Time").unwrap();
        assert_eq!(summer.to_string(), "2025-07-01T07:00:00Z");
        let winter = parse("2025-01-01T09:00:00.0000000", "W. Europe Standard Time").unwrap();
        assert_eq!(winter.to_string(), "2025-01-01T08:00:00Z");
        assert!(parse("2025-01-01T09:00:00", "Mars Standard Time").is_none());
    }

    #[test]
    fn render_uses_seven_fraction_digits() {
        let ts: Timestamp = "2025-03-10T08:00:00Z".parse().unwrap();
        assert_eq!(render(ts, "UTC")["dateTime"], "2025-03-10T08:00:00.0000000");
        assert_eq!(
            render(ts, "Pacific Standard Time")["dateTime"],
            "2025-03-10T01:00:00.0000000"
        );
    }
}
