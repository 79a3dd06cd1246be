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
        let from = day_start(&self.from, &zone, "from")?;
        let to = day_start(&self.to, &zone, "to")? + jiff::SignedDuration::from_hours(24);
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

fn day_start(d: &str, tz: &TimeZone, what: &str) -> Result<Timestamp, CoreError> {
    let date: Date = d.parse().map_err(|_| {
        CoreError::new(
            ErrorCode::InvalidInput,
            format!("--{what} must be a date like 2026-12-01."),
            None,
        )
    })?;
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| CoreError::new(ErrorCode::InvalidInput, e.to_string(), None))
}
