//! Arguments more than one command takes, declared once and flattened into each
//! (`#[command(flatten)]`): the date range with its zone. The connection flags are
//! [`crate::connection::ConnectionArgs`].

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rollcall_core::support::preferences::Preferences;
use rollcall_core::{CoreError, ErrorCode};

/// `--from DAY --to DAY [--time-zone ZONE]`: whole days, both inclusive, in the zone.
#[derive(clap::Args, Clone, Debug)]
pub struct Period {
    /// First day (YYYY-MM-DD), inclusive, in --time-zone.
    #[arg(long)]
    pub from: String,
    /// Last day (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub to: String,
    /// IANA zone of the dates and of local times in the output (default: the zone chosen in the
    /// app's Settings, else this computer's).
    #[arg(long)]
    pub time_zone: Option<String>,
}

/// `rollcall sync`'s range: `--from DAY --to DAY`, or `--days N` (the last N days up to today,
/// what a scheduled job uses).
#[derive(clap::Args, Clone, Debug)]
pub struct SyncPeriod {
    /// First day (YYYY-MM-DD), inclusive, in --time-zone.
    #[arg(long, requires = "to", conflicts_with = "days")]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD), inclusive.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// The last N days, today included (instead of --from/--to).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: Option<u32>,
    /// IANA zone of the dates (default: the zone chosen in the app's Settings, else this
    /// computer's).
    #[arg(long)]
    pub time_zone: Option<String>,
}

impl SyncPeriod {
    pub fn range(&self) -> Result<Range, CoreError> {
        let (from, to) = match (&self.from, &self.to, self.days) {
            (Some(f), Some(t), _) => (f.clone(), t.clone()),
            (_, _, Some(n)) => {
                let (_, zone) = tz_of(&self.time_zone)?;
                let today = Timestamp::now().to_zoned(zone).date();
                let first = today
                    .checked_sub(jiff::Span::new().days(i64::from(n) - 1))
                    .map_err(|e| invalid(e.to_string()))?;
                (first.to_string(), today.to_string())
            }
            _ => {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    "Say which days to sync.",
                    Some("Give --from DAY --to DAY, or --days N for the last N days.".into()),
                ))
            }
        };
        Period {
            from,
            to,
            time_zone: self.time_zone.clone(),
        }
        .range()
    }
}

/// A [`Period`] read: the zone's name and rules, and `[from, to)` as instants.
pub struct Range {
    pub zone_name: String,
    pub zone: TimeZone,
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    pub fn range(&self) -> Result<Range, CoreError> {
        let (zone_name, zone) = tz_of(&self.time_zone)?;
        let from = day_start(day(&self.from, "from")?, &zone)?;
        // The end is the next day's midnight in the zone, not midnight + 24 h: the autumn DST day
        // has 25 hours and the spring one 23.
        let last = day(&self.to, "to")?;
        let to = day_start(last.tomorrow().map_err(|e| invalid(e.to_string()))?, &zone)?;
        Ok(Range {
            zone_name,
            zone,
            from,
            to,
        })
    }
}

/// The preferences the app keeps in the data folder (Settings): the CLI's defaults follow them.
pub fn preferences() -> Preferences {
    rollcall_core::tenant::profile::data_dir()
        .map(|d| Preferences::read(&d))
        .unwrap_or_default()
}

/// A zone by IANA name, else the one chosen in the app's Settings, else this computer's.
pub fn tz_of(name: &Option<String>) -> Result<(String, TimeZone), CoreError> {
    match name {
        Some(n) => TimeZone::get(n).map(|tz| (n.clone(), tz)).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Unknown time zone \"{n}\"."),
                Some("Use an IANA name such as Europe/Berlin.".into()),
            )
        }),
        None => match preferences().time_zone {
            // Preferences hold only zones that resolve (read leniently, validated on save).
            chosen @ Some(_) => tz_of(&chosen),
            None => {
                let tz = TimeZone::system();
                let name = tz.iana_name().unwrap_or("UTC").to_string();
                Ok((name, tz))
            }
        },
    }
}

fn invalid(message: String) -> CoreError {
    CoreError::new(ErrorCode::InvalidInput, message, None)
}

/// A `--from`/`--to` day: a date from 2000 to 2199 (no Teams meeting is outside them, and the
/// instants stay far from the clock's limits).
fn day(d: &str, what: &str) -> Result<Date, CoreError> {
    let date: Date = d.trim().parse().map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("--{what} must be a date like 2026-12-01."),
            None,
        )
    })?;
    if !(2000..2200).contains(&date.year()) {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("--{what} {date} is outside the years 2000 to 2199."),
            Some("Give a date of a webinar, such as 2026-12-01.".into()),
        ));
    }
    Ok(date)
}

/// Midnight of `date` in `tz` (the first instant of the day where midnight does not exist).
fn day_start(date: Date, tz: &TimeZone) -> Result<Timestamp, CoreError> {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(zone: &str, from: &str, to: &str) -> i64 {
        let p = Period {
            from: from.into(),
            to: to.into(),
            time_zone: Some(zone.into()),
        };
        let r = p.range().unwrap();
        r.to.duration_since(r.from).as_hours()
    }

    #[test]
    fn a_day_ends_at_the_next_midnight_on_dst_days() {
        // Autumn: 25 hours (Europe on the last Sunday of October, the US on the first of November).
        assert_eq!(hours("Europe/Berlin", "2026-10-25", "2026-10-25"), 25);
        assert_eq!(hours("America/New_York", "2026-11-01", "2026-11-01"), 25);
        // Spring: 23 hours.
        assert_eq!(hours("Europe/Berlin", "2026-03-29", "2026-03-29"), 23);
        assert_eq!(hours("America/New_York", "2026-03-08", "2026-03-08"), 23);
        // An ordinary week.
        assert_eq!(hours("Europe/Berlin", "2026-11-02", "2026-11-08"), 7 * 24);
    }

    #[test]
    fn far_dates_are_refused_not_a_panic() {
        for (from, to) in [
            ("2026-01-01", "9999-12-30"),
            ("2026-01-01", "9999-12-31"),
            ("-009999-01-01", "2026-01-01"),
            ("1970-01-01", "2026-01-01"),
        ] {
            let p = Period {
                from: from.into(),
                to: to.into(),
                time_zone: Some("Pacific/Kiritimati".into()),
            };
            let e = p.range().err().expect("refused");
            assert!(
                e.message.contains("outside the years") || e.message.contains("must be a date"),
                "{}",
                e.message
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2_000, failure_persistence: None, ..Default::default() })]

        /// Any `--from`/`--to` text and any zone: a range or a clear error, never a panic; a
        /// range is whole days, from before to.
        #[test]
        fn any_dates_are_a_range_or_a_clear_error(
            from in "[-+]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}|\\PC{0,12}",
            to in "[-+]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}|\\PC{0,12}",
            zone in proptest::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago", "Asia/Beirut"]),
        ) {
            let p = Period { from, to, time_zone: Some(zone.into()) };
            match p.range() {
                Ok(r) => {
                    let hours = r.to.duration_since(r.from).as_hours();
                    proptest::prop_assert!(hours >= 23 || r.to < r.from, "{hours} h");
                }
                Err(e) => proptest::prop_assert!(!e.message.is_empty()),
            }
        }
    }
}
