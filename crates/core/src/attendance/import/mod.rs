//! Import the attendance files Teams itself writes into the archive, for meetings whose report
//! Graph no longer serves: the in-meeting list of 2020–2025, the report of 2021–22 and the
//! sectioned report since 2022, in each language a real file has shown us, in the encodings and
//! shapes people keep them in ([`text`]), recognised by structure ([`formats`]), their words
//! looked up per language ([`labels`]), dates read in the order the file itself proves
//! ([`when`]).
//!
//! The whole file is parsed before anything is written, and written in one transaction: a file
//! that is not understood is refused with what was not understood (format, language, date order)
//! and what to do, and nothing is half-imported. Owns the parsing; not the archive's storage
//! (`archive::Archive::import`) or how the CLI and the app word the outcome.

mod formats;
mod labels;
mod text;
mod when;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use sha2::Digest;

pub use formats::{echo, Format};
pub use labels::LANGUAGES;
pub use text::decode;
pub use when::{parse_duration, DateOrder, MAX_DURATION_SECS};

use crate::attendance::{
    merge_intervals, Attendee, Completion, Counts, Interval, ParticipantKind, Session,
};
use crate::error::{CoreError, ErrorCode};
use labels::Act;
use when::{infer_order, OrderProblem, OrderWhy, Stamp};

/// The largest attendance file read: a 20,000-attendee meeting's file in UTF-16 with every join
/// and leave is well under this.
pub const MAX_DOWNLOAD_BYTES: u64 = 64 * 1024 * 1024;

/// How to read a file.
#[derive(Clone, Debug)]
pub struct Options {
    /// The zone the file's local times are in.
    pub tz: TimeZone,
    /// Its name, and whether the user chose it (`--time-zone`, Settings) rather than it being
    /// this computer's: an assumed zone is said beside the import.
    pub zone: String,
    pub zone_chosen: bool,
    /// The organizer's domain: addresses in it are members, others guests.
    pub home_domain: String,
    pub threshold: f64,
    /// The date order, when the user gave it (`--date-order`); otherwise the file must prove it.
    pub date_order: Option<DateOrder>,
    /// The file's name: an in-meeting list has no title, and is named after its file.
    pub file_name: Option<String>,
}

impl Options {
    /// Read in `tz` (chosen by the user), the organizer's domain, the default threshold.
    pub fn new(tz: TimeZone, home_domain: &str) -> Options {
        Options {
            zone: tz.iana_name().unwrap_or("UTC").to_string(),
            tz,
            zone_chosen: true,
            home_domain: home_domain.to_string(),
            threshold: crate::attendance::DEFAULT_THRESHOLD,
            date_order: None,
            file_name: None,
        }
    }
}

/// A parsed file: one session.
#[derive(Clone, Debug)]
pub struct Imported {
    pub title: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub session: Session,
    pub format: Format,
    /// The language of the file's words (`English`, `Polish`, …).
    pub language: &'static str,
    /// What the reader assumed or could not take from the file, in the user's words: the date
    /// order when only the clock style told it, a zone that was not chosen, a list's meeting
    /// times taken from its first and last entries.
    pub notes: Vec<String>,
}

fn refuse(message: String, hint: &str) -> CoreError {
    CoreError::new(ErrorCode::InvalidInput, message, Some(hint.to_string()))
}

const DOWNLOAD_AGAIN: &str = "Download the attendance file from Teams again.";

/// The file taken apart, and every date-time cell read into its parts.
fn read(bytes: &[u8]) -> Result<(formats::Raw, Vec<(String, Stamp)>), CoreError> {
    let text = decode(bytes)?;
    let rows = text::rows(&text);
    let raw = formats::read(&rows)?;
    let mut cells: Vec<&formats::Cell> = Vec::new();
    cells.extend(raw.start.iter().chain(raw.end.iter()));
    for p in &raw.people {
        for (j, l) in p.spans.iter().chain(p.first_last.iter()) {
            cells.push(j);
            cells.push(l);
        }
        cells.extend(p.acts.iter().map(|(_, c)| c));
    }
    let mut stamps = Vec::with_capacity(cells.len());
    for (line, cell) in &cells {
        let s = Stamp::read(cell).ok_or_else(|| {
            refuse(
                format!("Line {line}: \"{}\" is not a date and time", echo(cell)),
                DOWNLOAD_AGAIN,
            )
        })?;
        stamps.push((cell.clone(), s));
    }
    Ok((raw, stamps))
}

/// A file whose dates read two ways: the first such cell's two readings, (day first, month
/// first), for the app to offer side by side. `None` when the file proves its order or cannot be
/// read at all.
pub fn ambiguous_readings(bytes: &[u8]) -> Option<(String, String)> {
    let (_, stamps) = read(bytes).ok()?;
    match infer_order(&stamps, None) {
        Err(OrderProblem::Ambiguous(cell)) => when::both_readings(&cell),
        _ => None,
    }
}

/// Parse a whole file; anything not understood is reported with its line.
pub fn parse(bytes: &[u8], o: &Options) -> Result<Imported, CoreError> {
    let (raw, stamps) = read(bytes)?;
    let lang = raw.language;
    let (order, why) = match infer_order(&stamps, o.date_order) {
        Ok(x) => x,
        Err(OrderProblem::Ambiguous(cell)) => {
            let (dmy, mdy) = when::both_readings(&cell).unwrap_or_default();
            return Err(CoreError::new(
                ErrorCode::AmbiguousDates,
                format!(
                    "The dates in this file read two ways: \"{}\" is {dmy} day first, or {mdy} month first, and nothing else in the file tells which.",
                    echo(&cell)
                ),
                Some("Say which: --date-order dmy (day first) or --date-order mdy (month first).".into()),
            ));
        }
        Err(OrderProblem::Contradictory(a, b)) => {
            return Err(refuse(
                format!(
                    "The file's dates contradict each other: \"{}\" can only be day first, \"{}\" only month first.",
                    echo(&a),
                    echo(&b)
                ),
                DOWNLOAD_AGAIN,
            ))
        }
    };
    let at = |(line, cell): &formats::Cell| -> Result<Timestamp, CoreError> {
        Stamp::read(cell)
            .and_then(|s| s.instant(order, &o.tz))
            .ok_or_else(|| {
                refuse(
                    format!(
                        "Line {line}: \"{}\" is not a date and time when read as {}",
                        echo(cell),
                        order.words()
                    ),
                    "Check --date-order, or download the attendance file from Teams again.",
                )
            })
    };
    let mut notes = Vec::new();
    if !matches!(
        why,
        OrderWhy::Evidence(_) | OrderWhy::YearFirst | OrderWhy::Given
    ) {
        notes.push(why.sentence(order));
    }
    if raw.unmatched > 0 {
        notes.push(format!(
            "{} in-meeting activity row(s) name nobody in the participants table: those people's time runs from their first join to their last leave",
            raw.unmatched
        ));
    }
    if !o.zone_chosen {
        notes.push(format!(
            "times read in {}, this computer's zone: give --time-zone if the meeting was held in another",
            o.zone
        ));
    }

    // Each person's intervals and stated time.
    struct Person {
        name: String,
        email: Option<String>,
        role: String,
        intervals: Vec<(Timestamp, Timestamp)>,
        stated: Option<i64>,
    }
    let mut people = Vec::new();
    let mut list_acts: Vec<(usize, Act, Timestamp)> = Vec::new();
    for (i, p) in raw.people.iter().enumerate() {
        let mut intervals = Vec::new();
        let spans = if p.spans.is_empty() {
            p.first_last.iter().collect::<Vec<_>>()
        } else {
            p.spans.iter().collect()
        };
        for (j, l) in spans {
            let (a, b) = (at(j)?, at(l)?);
            if b < a {
                return Err(refuse(
                    format!("Line {}: the leave time is before the join time", l.0),
                    DOWNLOAD_AGAIN,
                ));
            }
            intervals.push((a, b));
        }
        for (act, cell) in &p.acts {
            list_acts.push((i, *act, at(cell)?));
        }
        let duration = |(line, cell): &formats::Cell| {
            parse_duration(cell).ok_or_else(|| {
                refuse(
                    format!(
                        "Line {line}: \"{}\" is not a duration Rollcall reads in {} (like 1h 5m 3s)",
                        echo(cell),
                        lang.name
                    ),
                    DOWNLOAD_AGAIN,
                )
            })
        };
        let stated = match (&p.total, p.row_totals.is_empty()) {
            (Some(t), _) => Some(duration(t)?),
            (None, false) => {
                let mut sum: i64 = 0;
                for t in &p.row_totals {
                    sum = sum.saturating_add(duration(t)?);
                }
                Some(sum.min(MAX_DURATION_SECS))
            }
            (None, true) => None,
        };
        people.push(Person {
            name: p.name.clone(),
            email: p.email.clone().or_else(|| p.upn.clone()),
            role: p.role.clone().unwrap_or_else(|| "Attendee".into()),
            intervals,
            stated,
        });
    }

    // An in-meeting list: the meeting is its first to last entry; joins and leaves pair up.
    let (start, end) = if raw.format == Format::InMeetingList {
        let first = list_acts.iter().map(|a| a.2).min();
        let last = list_acts.iter().map(|a| a.2).max();
        let (Some(first), Some(last)) = (first, last) else {
            return Err(refuse("The list has no entries.".into(), DOWNLOAD_AGAIN));
        };
        list_acts.sort_by_key(|a| a.2);
        let mut open: Vec<Option<Timestamp>> = vec![None; people.len()];
        for (i, act, t) in list_acts {
            match act {
                Act::JoinedBefore => {
                    open[i].get_or_insert(first);
                }
                Act::Joined => {
                    open[i].get_or_insert(t);
                }
                // A leave with no join before it: present since the list began.
                Act::Left => {
                    let from = open[i].take().unwrap_or(first);
                    people[i].intervals.push((from, t));
                }
            }
        }
        for (i, o) in open.into_iter().enumerate() {
            if let Some(from) = o {
                people[i].intervals.push((from, last));
            }
        }
        notes.push("the meeting's start and end are the list's first and last entries: an in-meeting list records no meeting times".into());
        (first, last)
    } else {
        let start = match &raw.start {
            Some(c) => at(c)?,
            None => {
                return Err(refuse(
                    "The summary has no start time.".into(),
                    DOWNLOAD_AGAIN,
                ))
            }
        };
        let end = match &raw.end {
            Some(c) => at(c)?,
            None => {
                return Err(refuse(
                    "The summary has no end time.".into(),
                    DOWNLOAD_AGAIN,
                ))
            }
        };
        (start, end)
    };
    if people.is_empty() {
        return Err(refuse(
            "The file lists no participants.".into(),
            DOWNLOAD_AGAIN,
        ));
    }
    if end < start || end.duration_since(start).as_secs() > MAX_DURATION_SECS {
        return Err(refuse(
            format!(
                "The summary's start and end times ({start} – {end}) are not those of a meeting."
            ),
            DOWNLOAD_AGAIN,
        ));
    }
    // Joins and leaves lie within the meeting (a day's slack each side for early joins and clock
    // skew): anything else is a damaged file, and would credit years of attendance.
    let slack = jiff::SignedDuration::from_hours(24);
    let (lo, hi) = (
        start.checked_sub(slack).unwrap_or(start),
        end.checked_add(slack).unwrap_or(end),
    );
    for p in &people {
        if let Some((j, l)) = p.intervals.iter().find(|(j, l)| *j < lo || *l > hi) {
            return Err(refuse(
                format!(
                    "{}'s times ({j} – {l}) lie outside the meeting ({start} – {end}).",
                    echo(&p.name)
                ),
                DOWNLOAD_AGAIN,
            ));
        }
    }

    let title = raw.title.clone().unwrap_or_else(|| {
        let stem = o
            .file_name
            .as_deref()
            .map(|n| n.rsplit_once('.').map_or(n, |(s, _)| s).trim().to_string())
            .filter(|s| !s.is_empty());
        match (raw.format, stem) {
            (Format::InMeetingList, Some(s)) => format!("{s} (in-meeting attendance list)"),
            (Format::InMeetingList, None) => "Teams in-meeting attendance list".into(),
            (_, Some(s)) => s,
            (_, None) => "Teams meeting (no title in the file)".into(),
        }
    });
    let scheduled = end.duration_since(start).as_secs().max(0);
    let domain = o.home_domain.trim();
    let mut attendees: Vec<Attendee> = people
        .into_iter()
        .map(|p| {
            let (merged, first, last) = merge_intervals(&p.intervals);
            // The file's own time where it states one (Teams counts sub-seconds the join and
            // leave cells do not show); otherwise the intervals.
            let seconds = p.stated.unwrap_or(merged);
            let share = if scheduled > 0 {
                seconds as f64 / scheduled as f64
            } else {
                0.0
            };
            let kind = match &p.email {
                None if p.name.trim_start().starts_with('+') => ParticipantKind::Phone,
                None if raw.format == Format::InMeetingList => ParticipantKind::Unknown,
                None => ParticipantKind::Anonymous,
                // The domain after the last `@`, compared exactly: "evil-northwind.example" is
                // not "northwind.example".
                Some(a)
                    if !domain.is_empty()
                        && !a
                            .rsplit_once('@')
                            .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain)) =>
                {
                    ParticipantKind::Guest
                }
                Some(_) => ParticipantKind::Member,
            };
            Attendee {
                key: p
                    .email
                    .clone()
                    .unwrap_or_else(|| p.name.clone())
                    .to_lowercase(),
                name: p.name,
                email: p.email,
                kind,
                role: p.role,
                first_join: first.map(|t| t.to_string()),
                last_leave: last.map(|t| t.to_string()),
                seconds,
                reported_seconds: p.stated.unwrap_or(merged),
                share,
                joins: p.intervals.len() as u32,
                intervals: p
                    .intervals
                    .iter()
                    .map(|(a, b)| Interval {
                        join: Some(a.to_string()),
                        leave: Some(b.to_string()),
                        seconds: b.duration_since(*a).as_secs(),
                    })
                    .collect(),
                status: if share >= o.threshold {
                    Completion::Completed
                } else {
                    Completion::Partial
                },
            }
        })
        .collect();
    let times_hidden = super::hide_unknown_times(&mut attendees);
    let counts = Counts::of(&attendees);
    let id = format!(
        "import-{:x}",
        sha2::Sha256::digest(format!("{title}|{start}").as_bytes())
    );
    Ok(Imported {
        title,
        start,
        end,
        session: Session {
            report_id: id[..23].to_string(),
            start: start.to_string(),
            end: end.to_string(),
            scheduled_seconds: scheduled,
            participant_count: attendees.len() as u32,
            attendees,
            counts,
            arrival: None,
            times_hidden,
        },
        format: raw.format,
        language: lang.name,
        notes,
    })
}

/// [`parse`] with the zone chosen, the organizer's domain and a threshold (the form the archive
/// and older callers use).
pub fn parse_teams_download(
    bytes: &[u8],
    tz: &TimeZone,
    home_domain: &str,
    threshold: f64,
) -> Result<Imported, CoreError> {
    let mut o = Options::new(tz.clone(), home_domain);
    o.threshold = threshold;
    parse(bytes, &o)
}

/// One date-time cell in `tz`, its order decided from the cell alone (RFC 3339 too); `None` when
/// it is not one or reads two ways.
pub fn parse_when(s: &str, tz: &TimeZone) -> Option<Timestamp> {
    if let Ok(t) = s.trim().parse::<Timestamp>() {
        let year = t.to_zoned(TimeZone::UTC).year();
        return (2000..2200).contains(&year).then_some(t);
    }
    let stamp = Stamp::read(s)?;
    let (order, _) = infer_order(&[(s.to_string(), stamp)], None).ok()?;
    stamp.instant(order, tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_cells_and_their_bounds() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            parse_when("3/14/24, 9:58:12 AM", &tz).unwrap().to_string(),
            "2024-03-14T08:58:12Z"
        );
        assert_eq!(
            parse_when("14.03.24, 09:58:12", &tz).unwrap().to_string(),
            "2024-03-14T08:58:12Z"
        );
        assert!(parse_when("yesterday", &tz).is_none());
        assert!(parse_when("-009999-01-02T01:59:59Z", &tz).is_none());
        assert!(parse_when("9999-12-31T23:59:59Z", &tz).is_none());
        assert!(parse_when("1999-12-31T23:59:59Z", &tz).is_none());
        assert_eq!(parse_duration("-1:00"), None, "negative");
        assert_eq!(parse_duration("9000h"), None, "over a year");
        assert_eq!(parse_duration("9223372036854775807:0:0"), None, "overflow");
    }
}
