#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Roster matching benchmark: a 10,000-attendee town hall against a 10,000-row LMS roster (8,000
//! matched by e-mail, 2,000 attendees joined under another address and matched only by name
//! suggestions, 2,000 registered people who never came) through `match_roster`, and — as the
//! baseline in the same run — the previous nested-loop matcher (kept below) on 2,000 × 2,000, where
//! it still finishes, next to `match_roster` on the same 2,000 × 2,000. Prints both and the ratio.
//! Run: `cargo bench -p rollcall-core --bench roster`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rollcall_core::attendance::roster::name_tokens;
use rollcall_core::attendance::{match_roster, Attendee, Completion, ParticipantKind, RosterEntry};

fn people(n: usize) -> (Vec<Attendee>, Vec<RosterEntry>) {
    let first = [
        "Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    ];
    let mut attendees = Vec::with_capacity(n);
    let mut roster = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{} Person{i}", first[i % first.len()]);
        let email = format!("person{i}@school.example");
        // 80 % came under their roster address; 20 % under a private one (name match only).
        let came_as = if i % 5 == 4 {
            format!("p{i}@private.example")
        } else {
            email.clone()
        };
        // The last 20 % of the roster never came: attendees i ≥ 0.8 n are walk-ins instead.
        let on_roster = i < n * 8 / 10;
        attendees.push(Attendee {
            key: format!("key-{i}"),
            name: if on_roster {
                name.clone()
            } else {
                format!("Walk In{i}")
            },
            email: Some(if on_roster {
                came_as
            } else {
                format!("walkin{i}@guest.example")
            }),
            kind: ParticipantKind::Member,
            role: "Attendee".into(),
            first_join: None,
            last_leave: None,
            seconds: 3600,
            reported_seconds: 3600,
            share: 1.0,
            joins: 1,
            intervals: Vec::new(),
            status: Completion::Completed,
        });
        roster.push(RosterEntry {
            email,
            name: Some(name),
        });
    }
    (attendees, roster)
}

/// The matcher before this round: for each unmatched attendee, every roster row, checked against
/// every match so far (roughly cubic). Same outputs, kept here only as the baseline.
fn previous(attendees: &[Attendee], roster: &[RosterEntry]) -> (usize, usize, usize) {
    let by_email: HashMap<String, &RosterEntry> =
        roster.iter().map(|r| (r.email.to_lowercase(), r)).collect();
    let mut matched: Vec<(String, String)> = Vec::new();
    let mut unmatched = 0;
    for a in attendees {
        match a
            .email
            .as_ref()
            .and_then(|e| by_email.get(&e.to_lowercase()))
        {
            Some(r) => matched.push((r.email.clone(), a.key.clone())),
            None => {
                let mine = name_tokens(&a.name);
                let mut scored: Vec<(usize, &RosterEntry)> = roster
                    .iter()
                    .filter(|r| {
                        !matched
                            .iter()
                            .any(|(m, _)| m.eq_ignore_ascii_case(&r.email))
                    })
                    .map(|r| {
                        let theirs = name_tokens(r.name.as_deref().unwrap_or(""));
                        (mine.iter().filter(|t| theirs.contains(t)).count(), r)
                    })
                    .filter(|(s, _)| *s > 0)
                    .collect();
                scored.sort_by_key(|s| std::cmp::Reverse(s.0));
                std::hint::black_box(scored.iter().take(3).count());
                unmatched += 1;
            }
        }
    }
    let no_shows = roster
        .iter()
        .filter(|r| {
            !matched
                .iter()
                .any(|(m, _)| m.eq_ignore_ascii_case(&r.email))
        })
        .count();
    (matched.len(), no_shows, unmatched)
}

fn time<T>(f: impl Fn() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn main() {
    let manual = HashMap::new();
    let (a, r) = people(10_000);
    let (t_big, m) = time(|| match_roster(&a, &r, &manual));
    assert_eq!(
        m.matched.len(),
        6_400,
        "8,000 on the roster came, 1,600 of them under another address"
    );
    assert_eq!(m.unmatched.len(), 3_600);
    assert!(m
        .unmatched
        .iter()
        .filter(|u| u.name.contains("Person"))
        .all(|u| !u.suggestions.is_empty()));
    println!(
        "match_roster 10,000 attendees × 10,000 roster rows: {:.1} ms",
        t_big.as_secs_f64() * 1e3
    );

    let (a, r) = people(2_000);
    let (t_new, m) = time(|| match_roster(&a, &r, &manual));
    let (t_old, (matched, no_shows, unmatched)) = time(|| previous(&a, &r));
    assert_eq!(
        (m.matched.len(), m.no_shows.len(), m.unmatched.len()),
        (matched, no_shows, unmatched),
        "same outcome as before"
    );
    println!(
        "2,000 × 2,000: match_roster {:.2} ms, previous matcher {:.1} ms: {:.0}× faster",
        t_new.as_secs_f64() * 1e3,
        t_old.as_secs_f64() * 1e3,
        t_old.as_secs_f64() / t_new.as_secs_f64()
    );
}
