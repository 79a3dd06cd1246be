//! Import the Teams client's own attendance download into the archive, for meetings whose report
//! Graph no longer serves.
//!
//! The file is not specified by Microsoft: tab-separated, usually UTF-16LE with a BOM, in sections
//! "1. Summary", "2. Participants" and "3. In-Meeting Activities"; durations like `1h 5m 3s`; dates in
//! the organizer's locale (read here in the zone the user names). The whole file is parsed before
//! anything is written, and written in one transaction: a malformed file is rejected with its line
//! and the reason, and nothing is half-imported.

use std::collections::HashMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use sha2::Digest;

use crate::attendance::{
    merge_intervals, Attendee, Completion, Counts, Interval, ParticipantKind, Session,
};
use crate::error::{CoreError, ErrorCode};

/// A parsed download: one session.
#[derive(Clone, Debug)]
pub struct Imported {
    pub title: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub session: Session,
}

fn bad(line: usize, why: impl Into<String>) -> CoreError {
    CoreError::new(
        ErrorCode::InvalidInput,
        format!("Line {line}: {}", why.into()),
        Some("Import the file exactly as Teams downloaded it (Attendance → Download).".into()),
    )
}

/// The largest Teams attendance download read: a 20,000-attendee meeting's file in UTF-16 with
/// every join and leave is well under this.
pub const MAX_DOWNLOAD_BYTES: u64 = 64 * 1024 * 1024;

/// A cell as an error message repeats it: at most 60 characters, control characters shown as
/// spaces (a damaged file must not flood the screen or the log).
pub fn echo(cell: &str) -> String {
    let mut out: String = cell
        .chars()
        .take(60)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if cell.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// UTF-16LE/BE with BOM, or UTF-8 (with or without BOM).
pub fn decode(bytes: &[u8]) -> Result<String, CoreError> {
    let utf16 = |le: bool, body: &[u8]| -> Result<String, CoreError> {
        if !body.len().is_multiple_of(2) {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                "The file is cut off (an odd number of bytes in UTF-16).",
                None,
            ));
        }
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "The file is not valid UTF-16 text.",
                None,
            )
        })
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "The file is not valid UTF-8 text.",
                None,
            )
        }),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            CoreError::new(
                ErrorCode::InvalidInput,
                "The file is neither UTF-16 nor UTF-8 text.",
                None,
            )
        }),
    }
}

/// The longest duration read from a file: a year. Longer is not an attendance time but a
/// damaged cell, and refusing it keeps every later sum far from overflow.
pub const MAX_DURATION_SECS: i64 = 366 * 24 * 3600;

/// `1h 5m 3s`, `5m 3s`, `45s`, or `1:05:03` → seconds; `None` for anything else, a negative
/// part, or more than [`MAX_DURATION_SECS`].
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let number = |p: &str| -> Option<i64> {
        let p = p.trim();
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i64>().ok())
            .flatten()
    };
    let total = if s.contains(':') {
        let parts: Vec<i64> = s.split(':').map(number).collect::<Option<_>>()?;
        match parts.as_slice() {
            [h, m, sec] => h
                .checked_mul(3600)?
                .checked_add(m.checked_mul(60)?)?
                .checked_add(*sec)?,
            [m, sec] => m.checked_mul(60)?.checked_add(*sec)?,
            _ => return None,
        }
    } else {
        let mut total: i64 = 0;
        let mut seen = false;
        for part in s.split_whitespace() {
            let (num, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit())?);
            let unit = match unit {
                "h" => 3600,
                "m" | "min" => 60,
                "s" => 1,
                _ => return None,
            };
            total = total.checked_add(number(num)?.checked_mul(unit)?)?;
            seen = true;
        }
        if !seen {
            return None;
        }
        total
    };
    (total <= MAX_DURATION_SECS).then_some(total)
}

/// Local date-times as Teams writes them in common locales, read in `tz`; only instants from
/// 2000 to 2199 (anything else in a download is a damaged cell, and far instants overflow the
/// arithmetic and the archive's text ordering).
pub fn parse_when(s: &str, tz: &TimeZone) -> Option<Timestamp> {
    parse_any_when(s, tz).filter(|t| {
        let year = t.to_zoned(TimeZone::UTC).year();
        (2000..2200).contains(&year)
    })
}

fn parse_any_when(s: &str, tz: &TimeZone) -> Option<Timestamp> {
    let s = s.trim().replace('\u{202f}', " ");
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    const FORMATS: [&str; 10] = [
        "%m/%d/%y, %I:%M:%S %p",
        "%m/%d/%Y, %I:%M:%S %p",
        "%m/%d/%y, %H:%M:%S",
        "%d/%m/%Y, %H:%M:%S",
        "%d/%m/%y, %H:%M:%S",
        "%d.%m.%y, %H:%M:%S",
        "%d.%m.%Y, %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d, %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
    ];
    FORMATS
        .iter()
        .find_map(|f| DateTime::strptime(f, &s).ok())
        .and_then(|dt| dt.to_zoned(tz.clone()).ok())
        .map(|z| z.timestamp())
}

fn section(line: &str) -> Option<u8> {
    let l = line.trim().to_lowercase();
    if l.starts_with("1. summary") {
        Some(1)
    } else if l.starts_with("2. participants") {
        Some(2)
    } else if l.starts_with("3. in-meeting activities") {
        Some(3)
    } else {
        None
    }
}

/// Parse a whole download; any problem is reported with its line.
pub fn parse_teams_download(
    bytes: &[u8],
    tz: &TimeZone,
    home_domain: &str,
    threshold: f64,
) -> Result<Imported, CoreError> {
    let text = decode(bytes)?;
    let lines: Vec<&str> = text.lines().collect();
    let (mut title, mut start, mut end) = (None, None, None);
    let mut current = 0u8;
    let mut header: Vec<String> = Vec::new();
    struct Person {
        name: String,
        email: Option<String>,
        upn: Option<String>,
        role: String,
        reported: i64,
        /// First join → last leave from the participants section.
        span: Option<(Timestamp, Timestamp)>,
        /// Join/leave rows from the activities section (preferred when present).
        activity: Vec<(Timestamp, Timestamp)>,
    }
    let mut people: Vec<Person> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (n, raw) in lines.iter().enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(sec) = section(line) {
            current = sec;
            header.clear();
            continue;
        }
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        match current {
            0 => {
                return Err(bad(
                    line_no,
                    "the file does not start with the section \"1. Summary\"",
                ))
            }
            1 => {
                let key = cells[0].to_lowercase();
                let value = cells.get(1).copied().unwrap_or_default();
                if key.contains("title") {
                    title = Some(value.to_string());
                } else if key == "start time" || key == "meeting start time" {
                    start = Some(parse_when(value, tz).ok_or_else(|| {
                        bad(
                            line_no,
                            format!("\"{}\" is not a date and time", echo(value)),
                        )
                    })?);
                } else if key == "end time" || key == "meeting end time" {
                    end = Some(parse_when(value, tz).ok_or_else(|| {
                        bad(
                            line_no,
                            format!("\"{}\" is not a date and time", echo(value)),
                        )
                    })?);
                }
            }
            2 | 3 => {
                if header.is_empty() {
                    header = cells.iter().map(|c| c.to_lowercase()).collect();
                    if !header.iter().any(|h| h == "name") {
                        return Err(bad(line_no, "the section has no \"Name\" column"));
                    }
                    continue;
                }
                if cells.len() != header.len() {
                    return Err(bad(
                        line_no,
                        format!(
                            "{} columns where the header has {}",
                            cells.len(),
                            header.len()
                        ),
                    ));
                }
                let col = |name: &str| header.iter().position(|h| h == name).map(|i| cells[i]);
                let name = col("name").unwrap_or_default().to_string();
                let email = col("email").filter(|e| !e.is_empty()).map(str::to_string);
                let upn = col("participant id (upn)")
                    .filter(|e| !e.is_empty())
                    .map(str::to_string);
                let key = email
                    .clone()
                    .or_else(|| upn.clone())
                    .unwrap_or_else(|| name.clone())
                    .to_lowercase();
                let slot = *index.entry(key).or_insert_with(|| {
                    people.push(Person {
                        name: name.clone(),
                        email: email.clone(),
                        upn: upn.clone(),
                        role: col("role").unwrap_or("Attendee").to_string(),
                        reported: 0,
                        span: None,
                        activity: Vec::new(),
                    });
                    people.len() - 1
                });
                let when = |v: &str| {
                    parse_when(v, tz).ok_or_else(|| {
                        bad(line_no, format!("\"{}\" is not a date and time", echo(v)))
                    })
                };
                if current == 2 {
                    let d = col("in-meeting duration").unwrap_or("");
                    people[slot].reported = parse_duration(d).ok_or_else(|| {
                        bad(
                            line_no,
                            format!("\"{}\" is not a duration like 1h 5m 3s", echo(d)),
                        )
                    })?;
                    if let (Some(j), Some(l)) = (col("first join"), col("last leave")) {
                        people[slot].span = Some((when(j)?, when(l)?));
                    }
                } else {
                    let (j, l) = (
                        when(col("join time").unwrap_or(""))?,
                        when(col("leave time").unwrap_or(""))?,
                    );
                    if l < j {
                        return Err(bad(line_no, "the leave time is before the join time"));
                    }
                    people[slot].activity.push((j, l));
                }
            }
            _ => {}
        }
    }
    let title = title.ok_or_else(|| {
        CoreError::new(
            ErrorCode::InvalidInput,
            "The summary has no meeting title.",
            None,
        )
    })?;
    let start = start.ok_or_else(|| {
        CoreError::new(
            ErrorCode::InvalidInput,
            "The summary has no start time.",
            None,
        )
    })?;
    let end = end.ok_or_else(|| {
        CoreError::new(
            ErrorCode::InvalidInput,
            "The summary has no end time.",
            None,
        )
    })?;
    if people.is_empty() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "The file lists no participants.",
            None,
        ));
    }
    if end < start || end.duration_since(start).as_secs() > MAX_DURATION_SECS {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!(
                "The summary's start and end times ({start} – {end}) are not those of a meeting."
            ),
            Some("Download the attendance report from Teams again.".into()),
        ));
    }
    // Joins and leaves lie within the meeting (a day's slack each side for early joins and
    // clock skew): anything else is a damaged file, and would credit years of attendance.
    let slack = jiff::SignedDuration::from_hours(24);
    let (lo, hi) = (
        start.checked_sub(slack).unwrap_or(start),
        end.checked_add(slack).unwrap_or(end),
    );
    for p in &people {
        let times = p.span.iter().chain(&p.activity);
        if let Some((j, l)) = times.copied().find(|(j, l)| *j < lo || *l > hi) {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{}'s times ({j} – {l}) lie outside the meeting ({start} – {end}).",
                    echo(&p.name)
                ),
                Some("Download the attendance report from Teams again.".into()),
            ));
        }
    }
    let scheduled = end.duration_since(start).as_secs().max(0);
    let mut attendees: Vec<Attendee> = people
        .into_iter()
        .map(|p| {
            let Person {
                name,
                email,
                upn,
                role,
                reported,
                span,
                activity,
            } = p;
            let iv: Vec<(Timestamp, Timestamp)> = if activity.is_empty() {
                span.into_iter().collect()
            } else {
                activity
            };
            let (seconds, first, last) = merge_intervals(&iv);
            let seconds = if iv.is_empty() { reported } else { seconds };
            let share = if scheduled > 0 {
                seconds as f64 / scheduled as f64
            } else {
                0.0
            };
            let address = email.clone().or(upn.clone());
            let kind = match &address {
                None if name.trim_start().starts_with('+') => ParticipantKind::Phone,
                None => ParticipantKind::Anonymous,
                // The domain after the last `@`, compared exactly: "evil-northwind.example"
                // is not "northwind.example".
                Some(a)
                    if !home_domain.is_empty()
                        && !a
                            .rsplit_once('@')
                            .is_some_and(|(_, d)| d.eq_ignore_ascii_case(home_domain.trim())) =>
                {
                    ParticipantKind::Guest
                }
                Some(_) => ParticipantKind::Member,
            };
            Attendee {
                key: address
                    .clone()
                    .unwrap_or_else(|| name.clone())
                    .to_lowercase(),
                name,
                email: address,
                kind,
                role,
                first_join: first.map(|t| t.to_string()),
                last_leave: last.map(|t| t.to_string()),
                seconds,
                reported_seconds: reported,
                share,
                joins: iv.len() as u32,
                intervals: iv
                    .iter()
                    .map(|(a, b)| Interval {
                        join: Some(a.to_string()),
                        leave: Some(b.to_string()),
                        seconds: b.duration_since(*a).as_secs(),
                    })
                    .collect(),
                status: if share >= threshold {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_locale_dates() {
        assert_eq!(parse_duration("1h 5m 3s"), Some(3903));
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("1:05:03"), Some(3903));
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration("99999999999999999h"), None, "overflow");
        assert_eq!(parse_duration("9223372036854775807:0:0"), None, "overflow");
        assert_eq!(parse_duration("-1:00"), None, "negative");
        assert_eq!(parse_duration("9000h"), None, "over a year");
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
    }
}
