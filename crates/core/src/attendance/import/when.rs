//! Dates, times and durations as Teams writes them in the organizer's locale: `9/3/2020, 2:41:55 PM`
//! (US), `27/01/2021, 12:56:45` (UK), `30/03/2021 21:15:48` (Brazil, no comma), `13/04/2021 à
//! 09:01:31` (France), `14/11/22, 09:29:07`, `2/1/25, 9:04:01 pm`; durations as words in the
//! language: `1h 5m 3s`, `2 h 44 m` with no-break spaces, `2 godz. 19 min 19 s`.
//!
//! A date-time is read into its parts first ([`Stamp`]); which part is the day is decided once for
//! the whole file ([`infer_order`]) from what the file itself shows, and never guessed.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Which date part comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    Dmy,
    Mdy,
    Ymd,
}

impl DateOrder {
    /// `dmy`, `mdy`, `ymd` (the `--date-order` values).
    pub fn parse(s: &str) -> Option<DateOrder> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            "ymd" => Some(DateOrder::Ymd),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }
    /// In a sentence: "day/month/year".
    pub fn words(self) -> &'static str {
        match self {
            DateOrder::Dmy => "day/month/year",
            DateOrder::Mdy => "month/day/year",
            DateOrder::Ymd => "year/month/day",
        }
    }
}

/// How the clock is written: what a locale's pattern gives away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// `14:05:09`.
    H24,
    /// `2:05:09 PM`: the en-US pattern.
    UpperAmPm,
    /// `2:05:09 pm`: en-IN, en-AU, en-GB's 12-hour form — day first.
    LowerAmPm,
}

/// A date-time cell read into its parts, before the date order is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The three date numbers as written, and how many digits each had.
    parts: [(u32, usize); 3],
    /// `.` (day first in every locale that writes it), `/`, or `-`.
    sep: char,
    time: (u32, u32, u32),
    clock: Clock,
    pm: bool,
}

impl Stamp {
    /// Read `s`; `None` when it is not a date and a time.
    pub fn read(s: &str) -> Option<Stamp> {
        let s: String = s
            .trim()
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        // The date: three numbers with one separator.
        let date_end = s.find([' ', ',', 'T'])?;
        let (date, rest) = s.split_at(date_end);
        let sep = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
        let nums: Vec<&str> = date.trim_end_matches('.').split(sep).collect();
        let [a, b, c] = nums.as_slice() else {
            return None;
        };
        let num = |p: &str| -> Option<(u32, usize)> {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok().map(|n| (n, p.len())))
                .flatten()
        };
        let parts = [num(a)?, num(b)?, num(c)?];
        // The time: after a comma, a space, `à`, `T`, … — the first h:m[:s].
        let rest = rest.trim_start_matches([',', 'T', ' ']);
        let start = rest.find(|c: char| c.is_ascii_digit())?;
        let words = &rest[..start];
        // Only short joining words stand between date and time (`à`, `um`, `at`).
        if words.chars().filter(|c| c.is_alphabetic()).count() > 3 {
            return None;
        }
        let rest = &rest[start..];
        let time_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ':'))
            .unwrap_or(rest.len());
        let (time, marker) = rest.split_at(time_end);
        let t: Vec<u32> = time
            .split(':')
            .map(|p| {
                (!p.is_empty() && p.len() <= 2)
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect::<Option<_>>()?;
        let (h, m, sec) = match t.as_slice() {
            [h, m] => (*h, *m, 0),
            [h, m, s] => (*h, *m, *s),
            _ => return None,
        };
        // A fraction of a second (`.123`) is dropped.
        let marker = marker
            .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit())
            .trim();
        let compact: String = marker.chars().filter(|c| *c != '.' && *c != ' ').collect();
        let (clock, pm) = match compact.as_str() {
            "" | "Z" => (Clock::H24, false),
            "AM" => (Clock::UpperAmPm, false),
            "PM" => (Clock::UpperAmPm, true),
            "am" => (Clock::LowerAmPm, false),
            "pm" => (Clock::LowerAmPm, true),
            _ => return None,
        };
        if clock != Clock::H24 && !(1..=12).contains(&h) {
            return None;
        }
        Some(Stamp {
            parts,
            sep,
            time: (h, m, sec),
            clock,
            pm,
        })
    }

    /// The date parts in `order`, as (year, month, day); `None` when they make no date.
    fn ymd(&self, order: DateOrder) -> Option<(i16, i8, i8)> {
        let [a, b, c] = self.parts;
        let ((y, ylen), (m, _), (d, _)) = match order {
            DateOrder::Dmy => (c, b, a),
            DateOrder::Mdy => (c, a, b),
            DateOrder::Ymd => (a, b, c),
        };
        let year = match ylen {
            4 => y,
            2 => 2000 + y,
            _ => return None,
        };
        Some((
            i16::try_from(year).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(d).ok()?,
        ))
    }

    /// The local date-time in `order`.
    pub fn civil(&self, order: DateOrder) -> Option<DateTime> {
        let (y, m, d) = self.ymd(order)?;
        let date = Date::new(y, m, d).ok()?;
        let (mut h, mi, s) = self.time;
        if self.clock != Clock::H24 {
            h = match (h, self.pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        let time = Time::new(
            i8::try_from(h).ok()?,
            i8::try_from(mi).ok()?,
            i8::try_from(s).ok()?,
            0,
        )
        .ok()?;
        Some(date.to_datetime(time))
    }

    /// The instant in `tz`, when the date is one (2000–2199: anything else in a download is a
    /// damaged cell, and far instants overflow the arithmetic and the archive's ordering).
    pub fn instant(&self, order: DateOrder, tz: &TimeZone) -> Option<Timestamp> {
        let t = self.civil(order)?.to_zoned(tz.clone()).ok()?.timestamp();
        let year = t.to_zoned(TimeZone::UTC).year();
        (2000..2200).contains(&year).then_some(t)
    }
}

/// How the date order of a file was decided, in the user's words (shown beside the import).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderWhy {
    Given,
    YearFirst,
    /// A number over 12 where the day or the month must be (the cell shown).
    Evidence(String),
    /// Dates written with dots: day first in every locale that writes them.
    Dots,
    /// The clock's style: `14:05` or lower-case `pm` (day first), upper-case `PM` (the US).
    Clock(Clock),
}

impl OrderWhy {
    pub fn sentence(&self, order: DateOrder) -> String {
        match self {
            OrderWhy::Given => format!("dates read as {} (as given)", order.words()),
            OrderWhy::YearFirst => format!("dates read as {} (year first)", order.words()),
            OrderWhy::Evidence(cell) => {
                format!("dates read as {} (\"{cell}\" can be read no other way)", order.words())
            }
            OrderWhy::Dots => format!("dates read as {} (dates with dots)", order.words()),
            OrderWhy::Clock(Clock::UpperAmPm) => format!(
                "dates read as {}: every date could be either, and the upper-case AM/PM is the US style (give --date-order dmy if the meeting was not in that style)",
                order.words()
            ),
            OrderWhy::Clock(_) => format!(
                "dates read as {}: every date could be either, and the clock style (24-hour or lower-case am/pm) is a day-first locale's (give --date-order mdy if not)",
                order.words()
            ),
        }
    }
}

/// Why the order cannot be decided: every date reads both ways and nothing else tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderProblem {
    /// A cell whose date reads both ways (shown with both readings).
    Ambiguous(String),
    /// One cell says day first, another month first.
    Contradictory(String, String),
}

/// Decide the date order of a file from all its date-time cells.
pub fn infer_order(
    cells: &[(String, Stamp)],
    given: Option<DateOrder>,
) -> Result<(DateOrder, OrderWhy), OrderProblem> {
    if let Some(o) = given {
        return Ok((o, OrderWhy::Given));
    }
    if cells.iter().any(|(_, s)| s.parts[0].1 == 4) {
        return Ok((DateOrder::Ymd, OrderWhy::YearFirst));
    }
    let day_first = cells.iter().find(|(_, s)| s.parts[0].0 > 12);
    let month_first = cells.iter().find(|(_, s)| s.parts[1].0 > 12);
    match (day_first, month_first) {
        (Some((a, _)), Some((b, _))) => {
            return Err(OrderProblem::Contradictory(a.clone(), b.clone()))
        }
        (Some((a, _)), None) => return Ok((DateOrder::Dmy, OrderWhy::Evidence(a.clone()))),
        (None, Some((b, _))) => return Ok((DateOrder::Mdy, OrderWhy::Evidence(b.clone()))),
        (None, None) => {}
    }
    let Some((first, _)) = cells.first() else {
        return Ok((DateOrder::Dmy, OrderWhy::Dots));
    };
    // Nothing over 12: the separator and the clock are the locale's pattern.
    if cells.iter().all(|(_, s)| s.sep == '.') {
        return Ok((DateOrder::Dmy, OrderWhy::Dots));
    }
    let clocks: Vec<Clock> = cells.iter().map(|(_, s)| s.clock).collect();
    let same = clocks.iter().all(|c| *c == clocks[0]);
    if same && cells.iter().all(|(_, s)| s.sep == '/') {
        return Ok(match clocks[0] {
            Clock::UpperAmPm => (DateOrder::Mdy, OrderWhy::Clock(Clock::UpperAmPm)),
            c => (DateOrder::Dmy, OrderWhy::Clock(c)),
        });
    }
    Err(OrderProblem::Ambiguous(first.clone()))
}

/// A cell's two readings, for the message that asks.
pub fn both_readings(cell: &str) -> Option<(String, String)> {
    let s = Stamp::read(cell)?;
    let show = |o: DateOrder| {
        s.civil(o)
            .map(|dt| dt.date().strftime("%-d %B %Y").to_string())
            .unwrap_or_else(|| "no date".into())
    };
    Some((show(DateOrder::Dmy), show(DateOrder::Mdy)))
}

/// The longest duration read from a file: a year. Longer is not an attendance time but a
/// damaged cell, and refusing it keeps every later sum far from overflow.
pub const MAX_DURATION_SECS: i64 = 366 * 24 * 3600;

/// Duration units as the files write them, with the file that shows each: `h`, `m`, `s`
/// (English: `1h 5m 3s`, dvaneynde/teams-attendance data/IDL-14-11-22.csv), `h` and `m` apart
/// from the number (French: `2 h 44 m`, Necrelox/Auto_Presence meetingAttendanceReport.csv),
/// `godz.`, `min`, `s` (Polish: `2 godz. 19 min 19 s`, mlodyjesienin/teams-attendance
/// example-files).
const UNITS: &[(&str, i64)] = &[
    ("h", 3600),
    ("godz.", 3600),
    ("m", 60),
    ("min", 60),
    ("s", 1),
];

/// `1h 5m 3s`, `2 h 44 m`, `2 godz. 19 min 19 s`, `48m 59s`, `14s`, or `1:05:03` → seconds;
/// `None` for anything else, a negative part, or more than [`MAX_DURATION_SECS`]. An empty cell
/// is 0.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    let number = |p: &str| -> Option<i64> {
        (!p.is_empty() && p.len() <= 12 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i64>().ok())
            .flatten()
    };
    let total = if s.contains(':') {
        let parts: Vec<i64> = s
            .split(':')
            .map(|p| number(p.trim()))
            .collect::<Option<_>>()?;
        match parts.as_slice() {
            [h, m, sec] => h
                .checked_mul(3600)?
                .checked_add(m.checked_mul(60)?)?
                .checked_add(*sec)?,
            [m, sec] => m.checked_mul(60)?.checked_add(*sec)?,
            _ => return None,
        }
    } else {
        // Numbers each followed by a unit, joined or apart: "1h 5m", "2 h 44 m".
        let mut total: i64 = 0;
        let mut seen = false;
        let mut rest = s.trim();
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let n = number(&rest[..digits])?;
            rest = rest[digits..].trim_start();
            let end = rest
                .find(|c: char| c.is_ascii_digit() || c == ' ')
                .unwrap_or(rest.len());
            let unit = &rest[..end];
            let (_, secs) = UNITS.iter().find(|(u, _)| *u == unit)?;
            total = total.checked_add(n.checked_mul(*secs)?)?;
            seen = true;
            rest = rest[end..].trim_start();
        }
        if !seen {
            return None;
        }
        total
    };
    (total <= MAX_DURATION_SECS).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, o: DateOrder) -> String {
        Stamp::read(s).unwrap().civil(o).unwrap().to_string()
    }

    #[test]
    fn every_style_the_files_show_reads() {
        assert_eq!(
            at("9/3/2020, 2:41:55 PM", DateOrder::Mdy),
            "2020-09-03T14:41:55"
        );
        assert_eq!(
            at("27/01/2021, 12:56:45", DateOrder::Dmy),
            "2021-01-27T12:56:45"
        );
        assert_eq!(
            at("30/03/2021 21:15:48", DateOrder::Dmy),
            "2021-03-30T21:15:48"
        );
        assert_eq!(
            at("13/04/2021 à 09:01:31", DateOrder::Dmy),
            "2021-04-13T09:01:31"
        );
        assert_eq!(
            at("14/11/22, 09:29:07", DateOrder::Dmy),
            "2022-11-14T09:29:07"
        );
        assert_eq!(
            at("2/1/25, 9:04:01 pm", DateOrder::Dmy),
            "2025-01-02T21:04:01"
        );
        assert_eq!(
            at("3/10/25, 12:00:48 AM", DateOrder::Mdy),
            "2025-03-10T00:00:48"
        );
        assert_eq!(
            at("2021-03-30 21:15:48", DateOrder::Ymd),
            "2021-03-30T21:15:48"
        );
        assert_eq!(
            at("18/2/2021 8:36:48", DateOrder::Dmy),
            "2021-02-18T08:36:48"
        );
        assert!(Stamp::read("forty-five").is_none());
        assert!(Stamp::read("3/14/24").is_none(), "a date alone");
        assert!(Stamp::read("3/14/24, 13:00:00 PM").is_none());
    }

    fn stamps(cells: &[&str]) -> Vec<(String, Stamp)> {
        cells
            .iter()
            .map(|c| (c.to_string(), Stamp::read(c).unwrap()))
            .collect()
    }

    #[test]
    fn the_order_comes_from_the_file_or_is_asked_for() {
        let o = |c: &[&str]| infer_order(&stamps(c), None).map(|x| x.0);
        assert_eq!(
            o(&["1/2/2021, 10:00:00", "13/2/2021, 10:00:00"]),
            Ok(DateOrder::Dmy)
        );
        assert_eq!(
            o(&["1/2/2021, 10:00:00 AM", "2/13/2021, 10:00:00 AM"]),
            Ok(DateOrder::Mdy)
        );
        assert_eq!(
            o(&["11/12/2020, 12:27:24"]),
            Ok(DateOrder::Dmy),
            "24-hour clock"
        );
        assert_eq!(
            o(&["2/1/25, 9:04:01 pm"]),
            Ok(DateOrder::Dmy),
            "lower-case pm"
        );
        assert_eq!(
            o(&["3/10/25, 8:00:48 AM"]),
            Ok(DateOrder::Mdy),
            "upper-case AM"
        );
        assert_eq!(o(&["1.2.2021, 10:00:00"]), Ok(DateOrder::Dmy));
        assert!(matches!(
            o(&["13/2/2021, 10:00:00", "2/13/2021, 10:00:00"]),
            Err(OrderProblem::Contradictory(..))
        ));
        assert!(matches!(
            o(&["1/2/2021, 10:00:00", "1/2/2021, 10:00:00 PM"]),
            Err(OrderProblem::Ambiguous(_))
        ));
        assert_eq!(
            infer_order(&stamps(&["1/2/2021, 10:00:00"]), Some(DateOrder::Mdy)).map(|x| x.0),
            Ok(DateOrder::Mdy)
        );
    }

    #[test]
    fn durations_in_every_language_the_files_show() {
        assert_eq!(parse_duration("1h 5m 3s"), Some(3903));
        assert_eq!(parse_duration("2\u{a0}h 44\u{a0}m"), Some(9840));
        assert_eq!(parse_duration("2 godz. 19 min 19 s"), Some(8359));
        assert_eq!(parse_duration("48m 59s"), Some(2939));
        assert_eq!(parse_duration("14s"), Some(14));
        assert_eq!(parse_duration("1:05:03"), Some(3903));
        assert_eq!(parse_duration(""), Some(0));
        assert_eq!(parse_duration("forty-five"), None);
        assert_eq!(parse_duration("5 jours"), None);
        assert_eq!(parse_duration("99999999999h"), None);
    }
}
