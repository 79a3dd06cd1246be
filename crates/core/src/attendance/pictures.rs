//! What the attendance charts show, computed here so the drawing code (the window's SVG, the HTML
//! report) only draws: a session's attendees present per minute with its peak and the share
//! histogram; a series' completed/partial per session with its trend and the attendees × sessions
//! matrix; a period's overview with one bucket per week.
//!
//! Pure functions over [`Session`]s; no I/O, no drawing. The histogram has one bin per whole percent
//! so the window can recount completed/partial at any whole-percent threshold exactly, as the
//! threshold is dragged, without asking again.

use std::collections::{HashMap, HashSet};

use jiff::{tz::TimeZone, SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

use super::{Completion, RosterEntry, Session, WebinarAttendance};

/// The longest axis a session chart draws, in minutes (two days): a report claiming more is
/// clipped there rather than drawn as millions of points.
pub const MAX_MINUTES: usize = 2 * 24 * 60;
/// Share bins: 0 %, 1 %, … 99 %, and "100 % or more".
pub const SHARE_BINS: usize = 101;

/// A session's pictures.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SessionPicture {
    /// The first minute of the axis, RFC 3339 UTC.
    pub axis_start: String,
    /// Attendees present at some moment of each minute from `axis_start` (someone who left and
    /// came back within a minute counts once).
    pub present: Vec<u32>,
    /// Minute index (from `axis_start`) of the scheduled start and end, when known.
    pub scheduled_start: Option<u32>,
    pub scheduled_end: Option<u32>,
    /// The first minute when the most attendees were present.
    pub peak_minute: u32,
    pub peak: u32,
    /// Attendees per whole percent of the scheduled time attended: `shares[p]` counts those with
    /// `p % ≤ share < (p+1) %`, the last bin everyone at 100 % or more.
    pub shares: Vec<u32>,
    /// The axis was cut at [`MAX_MINUTES`].
    pub clipped: bool,
}

/// Minute-resolution ranges `[first, last]` an attendee was present in, merged.
fn minute_ranges(
    intervals: &[super::Interval],
    axis: Timestamp,
    minutes: usize,
) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = intervals
        .iter()
        .filter_map(|i| {
            let a: Timestamp = i.join.as_deref()?.parse().ok()?;
            let b: Timestamp = i.leave.as_deref()?.parse().ok()?;
            if b < a {
                return None;
            }
            let from = a.duration_since(axis).as_secs().max(0) / 60;
            // The minute holding the leave instant (an exact minute boundary ends the minute before).
            let to_secs = b.duration_since(axis).as_secs();
            let to = if to_secs <= 0 { 0 } else { (to_secs - 1) / 60 };
            let from = usize::try_from(from).ok()?;
            let to = usize::try_from(to).ok()?.max(from);
            (from < minutes).then_some((from, to.min(minutes - 1)))
        })
        .collect();
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn floor_minute(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

/// The bin of a share: the largest whole percent `p` with `share ≥ p / 100` — the same comparison
/// the completion status makes, so recounting from the bins agrees with it.
pub fn share_bin(share: f64) -> usize {
    if !share.is_finite() || share <= 0.0 {
        return 0;
    }
    let mut p = ((share * 100.0).floor() as i64).clamp(0, 100) as usize;
    while p < 100 && share >= (p + 1) as f64 / 100.0 {
        p += 1;
    }
    while p > 0 && share < p as f64 / 100.0 {
        p -= 1;
    }
    p
}

/// Completed and partial attendees at a whole-percent threshold, from the bins.
pub fn counts_at(shares: &[u32], threshold_percent: usize) -> (u32, u32) {
    let t = threshold_percent.min(shares.len());
    let partial = shares[..t].iter().sum();
    let completed = shares[t..].iter().sum();
    (completed, partial)
}

/// The pictures of one session. `scheduled` is the occurrence's scheduled start and end when known
/// (the chosen occurrence); otherwise the scheduled length is marked from the session's start.
pub fn session_picture(s: &Session, scheduled: Option<(Timestamp, Timestamp)>) -> SessionPicture {
    let start: Option<Timestamp> = s.start.parse().ok();
    let end: Option<Timestamp> = s.end.parse().ok();
    let joins = s
        .attendees
        .iter()
        .filter_map(|a| a.first_join.as_deref()?.parse::<Timestamp>().ok());
    let leaves = s
        .attendees
        .iter()
        .filter_map(|a| a.last_leave.as_deref()?.parse::<Timestamp>().ok());
    let sched = scheduled
        .or_else(|| start.map(|t| (t, t + SignedDuration::from_secs(s.scheduled_seconds.max(0)))));
    let lo = start
        .into_iter()
        .chain(sched.map(|x| x.0))
        .chain(joins)
        .min();
    let hi = end
        .into_iter()
        .chain(sched.map(|x| x.1))
        .chain(leaves)
        .max();
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return SessionPicture {
            axis_start: s.start.clone(),
            present: Vec::new(),
            scheduled_start: None,
            scheduled_end: None,
            peak_minute: 0,
            peak: 0,
            shares: shares_of(s),
            clipped: false,
        };
    };
    let axis = floor_minute(lo);
    let span = hi.duration_since(axis).as_secs().max(0);
    let wanted = usize::try_from((span + 59) / 60)
        .unwrap_or(usize::MAX)
        .max(1);
    let minutes = wanted.min(MAX_MINUTES);
    let mut diff = vec![0i64; minutes + 1];
    for a in &s.attendees {
        for (from, to) in minute_ranges(&a.intervals, axis, minutes) {
            diff[from] += 1;
            diff[to + 1] -= 1;
        }
    }
    let mut present = Vec::with_capacity(minutes);
    let mut running = 0i64;
    for d in &diff[..minutes] {
        running += d;
        present.push(running.max(0) as u32);
    }
    let (mut peak_minute, mut peak) = (0u32, 0u32);
    for (i, n) in present.iter().enumerate() {
        if *n > peak {
            (peak_minute, peak) = (i as u32, *n);
        }
    }
    let index = |t: Timestamp| -> Option<u32> {
        let m = t.duration_since(axis).as_secs().div_euclid(60);
        u32::try_from(m).ok().filter(|m| (*m as usize) <= minutes)
    };
    SessionPicture {
        axis_start: axis.to_string(),
        present,
        scheduled_start: sched.and_then(|x| index(x.0)),
        scheduled_end: sched.and_then(|x| index(x.1)),
        peak_minute,
        peak,
        shares: shares_of(s),
        clipped: wanted > MAX_MINUTES,
    }
}

fn shares_of(s: &Session) -> Vec<u32> {
    let mut bins = vec![0u32; SHARE_BINS];
    for a in &s.attendees {
        bins[share_bin(a.share)] += 1;
    }
    bins
}

/// One person across a series' sessions.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SeriesPerson {
    pub key: String,
    pub name: String,
    pub email: Option<String>,
    /// Seconds per session; `None` where they did not come.
    #[cfg_attr(feature = "specta", specta(type = Vec<Option<f64>>))]
    pub seconds: Vec<Option<i64>>,
    /// Share of each session's scheduled time; `None` where they did not come.
    pub shares: Vec<Option<f64>>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub total_seconds: i64,
    /// Sessions attended, and of those completed.
    pub attended: u32,
    pub completed: u32,
}

/// One session of a series, as its bar.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub start: String,
    pub completed: u32,
    pub partial: u32,
}

/// A series' pictures.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SeriesPicture {
    pub points: Vec<SeriesPoint>,
    /// Least-squares line through attendees per session: its value at the first and the last
    /// session (`None` with fewer than two sessions).
    pub trend: Option<(f64, f64)>,
    /// Everyone who came to any session: most sessions first, then most time.
    pub people: Vec<SeriesPerson>,
}

/// The same person across sessions: by e-mail when known (keys differ for guests across
/// reports), else by the attendee key.
fn person_id(a: &super::Attendee) -> String {
    match &a.email {
        Some(e) if !e.trim().is_empty() => e.trim().to_lowercase(),
        _ => a.key.clone(),
    }
}

/// The people of a series with their time per session (see [`SeriesPicture::people`]).
pub fn series_people(sessions: &[Session]) -> Vec<SeriesPerson> {
    let n = sessions.len();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut people: Vec<SeriesPerson> = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        for a in &s.attendees {
            let slot = *index.entry(person_id(a)).or_insert_with(|| {
                people.push(SeriesPerson {
                    key: a.key.clone(),
                    name: a.name.clone(),
                    email: a.email.clone(),
                    seconds: vec![None; n],
                    shares: vec![None; n],
                    total_seconds: 0,
                    attended: 0,
                    completed: 0,
                });
                people.len() - 1
            });
            let p = &mut people[slot];
            // Two records of one person in one session (two devices) add up.
            let was = p.seconds[i];
            p.seconds[i] = Some(was.unwrap_or(0) + a.seconds);
            p.shares[i] = Some(p.shares[i].unwrap_or(0.0) + a.share);
            p.total_seconds += a.seconds;
            if was.is_none() {
                p.attended += 1;
                p.completed += u32::from(a.status == Completion::Completed);
            }
        }
    }
    people.sort_by(|a, b| {
        b.attended
            .cmp(&a.attended)
            .then(b.total_seconds.cmp(&a.total_seconds))
            .then_with(|| a.name.cmp(&b.name))
    });
    people
}

/// Least squares through `ys` at x = 0, 1, …: the line's values at the first and last x.
pub fn trend(ys: &[f64]) -> Option<(f64, f64)> {
    let n = ys.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean_x = (nf - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    Some((
        mean_y - slope * mean_x,
        mean_y + slope * (nf - 1.0 - mean_x),
    ))
}

/// The pictures of a series (or of a meeting restarted into several sessions).
pub fn series_picture(sessions: &[Session]) -> SeriesPicture {
    let points: Vec<SeriesPoint> = sessions
        .iter()
        .map(|s| SeriesPoint {
            start: s.start.clone(),
            completed: s.counts.completed,
            partial: s.counts.partial,
        })
        .collect();
    let ys: Vec<f64> = points
        .iter()
        .map(|p| f64::from(p.completed + p.partial))
        .collect();
    SeriesPicture {
        trend: trend(&ys),
        points,
        people: series_people(sessions),
    }
}

/// Everything the window shows for one webinar: a picture per session and the series.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Pictures {
    pub sessions: Vec<SessionPicture>,
    /// With two or more sessions.
    pub series: Option<SeriesPicture>,
}

/// The pictures of a webinar's attendance; the chosen occurrence's session is drawn against its
/// scheduled start and end.
pub fn pictures(wa: &WebinarAttendance) -> Pictures {
    let scheduled = wa
        .webinar
        .start
        .parse::<Timestamp>()
        .ok()
        .zip(wa.webinar.end.parse::<Timestamp>().ok());
    Pictures {
        sessions: wa
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let known = if wa.selected == Some(i as u32) || wa.sessions.len() == 1 {
                    scheduled
                } else {
                    None
                };
                session_picture(s, known)
            })
            .collect(),
        series: (wa.sessions.len() > 1).then(|| series_picture(&wa.sessions)),
    }
}

/// One week of a period (Monday to Sunday in the chosen zone).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Week {
    /// The Monday, `YYYY-MM-DD`.
    pub monday: String,
    pub sessions: u32,
    /// Attendances (one person at one session), completed and partial.
    pub completed: u32,
    pub partial: u32,
    /// Different people that week.
    pub people: u32,
}

/// One webinar in a period.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OverviewRow {
    pub subject: String,
    pub host: String,
    /// The first session in the period, RFC 3339 UTC.
    pub first: String,
    pub sessions: u32,
    pub attendances: u32,
    pub completed: u32,
    pub average_share: f64,
}

/// A period at a glance.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub hosts: Vec<String>,
    pub webinars: u32,
    pub sessions: u32,
    /// Different people over the period (by e-mail, else attendee key).
    pub people: u32,
    pub attendances: u32,
    pub completed: u32,
    /// Completed attendances / attendances (0 without any).
    pub completion_rate: f64,
    /// Mean share of the scheduled time over attendances.
    pub average_share: f64,
    /// Participant-list entries who never joined, summed over sessions — `None` when no list was
    /// given.
    pub no_shows: Option<u32>,
    pub weeks: Vec<Week>,
    pub rows: Vec<OverviewRow>,
    /// What the overview could not include (unread hosts, unavailable reports).
    pub notes: Vec<String>,
}

/// The overview of the sessions that started in `[from, to)`, weeks in `zone`; `roster` counts
/// no-shows against a participant list (with remembered manual matches).
pub fn overview(
    data: &[WebinarAttendance],
    from: Timestamp,
    to: Timestamp,
    zone: &TimeZone,
    zone_name: &str,
    roster: Option<(&[RosterEntry], &HashMap<String, String>)>,
) -> Overview {
    let mut weeks: Vec<(jiff::civil::Date, Week, HashSet<String>)> = Vec::new();
    let mut everyone: HashSet<String> = HashSet::new();
    let mut rows = Vec::new();
    let (mut sessions, mut attendances, mut completed, mut share_sum) = (0u32, 0u32, 0u32, 0f64);
    let mut no_shows = roster.map(|_| 0u32);
    let mut hosts: Vec<String> = Vec::new();
    for wa in data {
        let mut row = OverviewRow {
            subject: wa.webinar.subject.clone(),
            host: wa.webinar.host.clone(),
            first: String::new(),
            sessions: 0,
            attendances: 0,
            completed: 0,
            average_share: 0.0,
        };
        let mut row_share = 0.0;
        for s in &wa.sessions {
            let Ok(start) = s.start.parse::<Timestamp>() else {
                continue;
            };
            if start < from || start >= to {
                continue;
            }
            if row.first.is_empty() || s.start < row.first {
                row.first = s.start.clone();
            }
            row.sessions += 1;
            sessions += 1;
            let day = start.to_zoned(zone.clone()).date();
            let monday = day
                .checked_sub((day.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(day);
            let at = match weeks.iter().position(|w| w.0 == monday) {
                Some(i) => i,
                None => {
                    weeks.push((
                        monday,
                        Week {
                            monday: monday.to_string(),
                            sessions: 0,
                            completed: 0,
                            partial: 0,
                            people: 0,
                        },
                        HashSet::new(),
                    ));
                    weeks.len() - 1
                }
            };
            let week = &mut weeks[at];
            week.1.sessions += 1;
            for a in &s.attendees {
                let id = person_id(a);
                everyone.insert(id.clone());
                week.2.insert(id);
                attendances += 1;
                row.attendances += 1;
                let share = if a.share.is_finite() { a.share } else { 0.0 };
                share_sum += share;
                row_share += share;
                if a.status == Completion::Completed {
                    completed += 1;
                    row.completed += 1;
                    week.1.completed += 1;
                } else {
                    week.1.partial += 1;
                }
            }
            if let (Some(n), Some((list, manual))) = (no_shows.as_mut(), roster) {
                *n += super::match_roster(&s.attendees, list, manual)
                    .no_shows
                    .len() as u32;
            }
        }
        if row.sessions > 0 {
            row.average_share = if row.attendances > 0 {
                row_share / f64::from(row.attendances)
            } else {
                0.0
            };
            if !hosts.iter().any(|h| h.eq_ignore_ascii_case(&row.host)) {
                hosts.push(row.host.clone());
            }
            rows.push(row);
        }
    }
    weeks.sort_by_key(|w| w.0);
    rows.sort_by(|a, b| {
        a.first
            .cmp(&b.first)
            .then_with(|| a.subject.cmp(&b.subject))
    });
    hosts.sort();
    let ratio = |a: f64, b: u32| if b > 0 { a / f64::from(b) } else { 0.0 };
    Overview {
        from: from.to_string(),
        to: to.to_string(),
        time_zone: zone_name.to_string(),
        hosts,
        webinars: rows.len() as u32,
        sessions,
        people: everyone.len() as u32,
        attendances,
        completed,
        completion_rate: ratio(f64::from(completed), attendances),
        average_share: ratio(share_sum, attendances),
        no_shows,
        weeks: weeks
            .into_iter()
            .map(|(_, mut w, people)| {
                w.people = people.len() as u32;
                w
            })
            .collect(),
        rows,
        notes: Vec::new(),
    }
}

/// The overview of a range as read (Graph or the archive): [`overview`], the hosts asked for when
/// none had a session, and what it could not include — unread hosts first, then webinars without
/// attendance (as the export says them).
pub fn overview_of_range(
    got: &super::RangeAttendance,
    hosts: &[String],
    from: Timestamp,
    to: Timestamp,
    zone: &TimeZone,
    zone_name: &str,
    roster: Option<(&[RosterEntry], &HashMap<String, String>)>,
) -> Overview {
    let mut o = overview(&got.webinars, from, to, zone, zone_name, roster);
    if o.hosts.is_empty() {
        o.hosts = hosts.to_vec();
    }
    o.notes = got
        .unread
        .iter()
        .map(|p| {
            format!(
                "Not included — {} could not be read: {}",
                p.host, p.error.message
            )
        })
        .chain(got.notes.iter().cloned())
        .collect();
    o
}

#[cfg(test)]
#[path = "pictures_tests.rs"]
mod tests;
