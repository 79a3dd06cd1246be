//! Graph's `dateTimeTimeZone`: a wall-clock time without offset plus a zone name.
//!
//! Graph accepts "any of the time zones supported by Windows, as well as" a fixed list of about
//! 100 IANA names (microsoftgraph/microsoft-graph-docs-contrib:
//! api-reference/v1.0/resources/datetimetimezone.md); any other name gets
//! `400 TimeZoneNotSupportedException` (reported: microsoftgraph/microsoft-graph-docs#4758). The
//! emulator accepts exactly that set, from `data/windows-zones.json` (generated from Unicode CLDR by
//! `scripts/gen-windows-zones.mjs`), and computes a Windows zone in its CLDR "001" IANA zone.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::{civil::DateTime, tz::TimeZone, Timestamp};

struct Names {
    /// Windows name (lower case) → the IANA zone it is computed in.
    windows: HashMap<String, String>,
    /// The documented IANA names (lower case) → the IANA zone to compute in.
    iana: HashMap<String, String>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/windows-zones.json"
        )))
        .unwrap_or_default();
        let map = |k: &str| -> HashMap<String, String> {
            v[k].as_object()
                .map(|o| {
                    o.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (windows, to_windows) = (map("windows"), map("iana"));
        let iana = v["graphIana"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str())
            .map(|n| {
                // A listed name the tz database spells differently (Asia/Toshkent) is computed in
                // its Windows zone's IANA zone.
                let compute = if TimeZone::get(n).is_ok() {
                    n.to_string()
                } else {
                    to_windows
                        .get(n)
                        .and_then(|w| windows.get(w))
                        .cloned()
                        .unwrap_or_else(|| n.to_string())
                };
                (n.to_ascii_lowercase(), compute)
            })
            .collect();
        Names {
            windows: windows
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            iana,
        }
    })
}

/// Resolve a zone name Graph accepts (a Windows name or one of the documented IANA names); `None`
/// for anything else, as Graph refuses it.
pub fn zone(name: &str) -> Option<TimeZone> {
    let key = name.trim().to_ascii_lowercase();
    let n = names();
    let iana = n.windows.get(&key).or_else(|| n.iana.get(&key))?;
    TimeZone::get(iana).ok()
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
    fn only_the_names_graph_documents_are_accepted() {
        // Windows names, and the IANA names datetimetimezone.md lists.
        for ok in [
            "W. Europe Standard Time",
            "UTC",
            "Europe/Berlin",
            "Europe/Paris",
            "Asia/Kolkata",
            "Asia/Tashkent",
            "Etc/GMT",
        ] {
            assert!(zone(ok).is_some(), "{ok}");
        }
        // Real IANA zones Graph does not list: refused.
        for no in [
            "Europe/Vienna",
            "Europe/Amsterdam",
            "Europe/Zurich",
            "America/Toronto",
            "Asia/Calcutta",
        ] {
            assert!(zone(no).is_none(), "{no}");
        }
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
