//! Property tests over every parser of outside data in core — the Teams download import, the
//! roster CSV, durations, instants — and the writers whose output must stay inert (CSV cells,
//! Markdown, PowerShell). Thousands of generated cases each, plus mutations of the real-world-shaped
//! corpus in `tests/corpus/`: no input panics, every failure is a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::tz::TimeZone;
use proptest::prelude::*;
use rollcall_core::attendance::import::{
    decode, parse_duration, parse_teams_download, parse_when, MAX_DURATION_SECS,
};
use rollcall_core::attendance::parse_roster;

const CASES: u32 = 2_000;

fn corpus(dir: &str) -> Vec<(String, Vec<u8>)> {
    let base = format!("{}/../../tests/corpus/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{base}: {e}"))
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A failure says what went wrong, briefly (cells are echoed truncated).
fn clear(message: &str) {
    assert!(!message.trim().is_empty(), "an empty error message");
    assert!(
        message.chars().count() < 400,
        "an error message of {} characters: {message}",
        message.chars().count()
    );
}

#[test]
fn the_download_corpus_parses_or_names_the_problem() {
    let tz = TimeZone::get("Europe/Berlin").unwrap();
    let files = corpus("teams-downloads");
    assert!(files.len() >= 9);
    for (name, bytes) in files {
        let r = parse_teams_download(&bytes, &tz, "northwind.example", 0.8);
        match (name.starts_with("ok-"), r) {
            (true, Ok(imp)) => assert!(imp.session.participant_count > 0, "{name}"),
            (false, Err(e)) => clear(&e.message),
            (true, Err(e)) => panic!("{name}: {}", e.message),
            (false, Ok(_)) => panic!("{name} should be refused"),
        }
    }
}

#[test]
fn the_roster_corpus_parses_or_names_the_problem() {
    for (name, bytes) in corpus("rosters") {
        let r = decode(&bytes).and_then(|t| parse_roster(&t));
        match (name.starts_with("ok-"), r) {
            (true, Ok(list)) => assert!(!list.is_empty(), "{name}"),
            (false, Err(e)) => clear(&e.message),
            (true, Err(e)) => panic!("{name}: {}", e.message),
            (false, Ok(_)) => panic!("{name} should be refused"),
        }
    }
}

/// One edit of a text: cut a span, insert a string, or repeat a line.
#[derive(Clone, Debug)]
enum Edit {
    Cut(usize, usize),
    Insert(usize, String),
    RepeatLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Cut(a, n)),
        (any::<usize>(), "(\\PC|\t|\r\n|\n|;|,|\"|=|:|-|[0-9]){0,40}")
            .prop_map(|(a, s)| Edit::Insert(a, s)),
        any::<usize>().prop_map(Edit::RepeatLine),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len().max(1);
        match e {
            Edit::Cut(at, len) => {
                let at = at % n;
                let end = (at + len).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Edit::Insert(at, s) => {
                let at = (at % n).min(chars.len());
                chars.splice(at..at, s.chars());
            }
            Edit::RepeatLine(i) => {
                let s: String = chars.iter().collect();
                let lines: Vec<&str> = s.split('\n').collect();
                let i = i % lines.len().max(1);
                let mut out: Vec<&str> = lines.clone();
                out.insert(i, lines[i]);
                chars = out.join("\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_a_download_or_a_clear_error(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let tz = TimeZone::UTC;
        if let Err(e) = parse_teams_download(&bytes, &tz, "northwind.example", 0.8) {
            clear(&e.message);
        }
    }

    #[test]
    fn edited_downloads_never_panic(which in 0usize..3, edits in proptest::collection::vec(edit(), 1..6)) {
        let files: Vec<_> = corpus("teams-downloads").into_iter().filter(|(n, _)| n.starts_with("ok-")).collect();
        let text = decode(&files[which % files.len()].1).unwrap();
        let edited = apply(&text, &edits);
        let tz = TimeZone::get("America/New_York").unwrap();
        match parse_teams_download(edited.as_bytes(), &tz, "northwind.example", 0.8) {
            Ok(imp) => {
                prop_assert!(imp.start <= imp.end || imp.session.attendees.iter().all(|a| a.seconds >= 0));
                for a in &imp.session.attendees {
                    prop_assert!((0..=MAX_DURATION_SECS).contains(&a.seconds), "{a:?}");
                }
            }
            Err(e) => clear(&e.message),
        }
    }

    #[test]
    fn any_text_is_a_roster_or_a_clear_error(text in "(\\PC|\t|\r\n|\n|;|,|\"|@){0,400}") {
        if let Err(e) = parse_roster(&text) {
            clear(&e.message);
        }
    }

    #[test]
    fn edited_rosters_never_panic(which in 0usize..3, edits in proptest::collection::vec(edit(), 1..6)) {
        let files: Vec<_> = corpus("rosters").into_iter().filter(|(n, _)| n.starts_with("ok-")).collect();
        let text = decode(&files[which % files.len()].1).unwrap();
        if let Err(e) = parse_roster(&apply(&text, &edits)) {
            clear(&e.message);
        }
    }

    #[test]
    fn durations_are_bounded(s in "([0-9]{0,25}(h|m|s|min|:| )?){0,5}|\\PC{0,30}") {
        if let Some(n) = parse_duration(&s) {
            prop_assert!((0..=MAX_DURATION_SECS).contains(&n), "{s:?} → {n}");
        }
    }

    #[test]
    fn instants_are_within_the_years_teams_can_have(s in "[-+]?[0-9]{1,6}[-/.][0-9]{1,2}[-/.][0-9]{1,4}(T|, | )[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?( [AP]M|Z|[+-][0-9]{2}:[0-9]{2})?|\\PC{0,30}") {
        let tz = TimeZone::get("Pacific/Kiritimati").unwrap();
        if let Some(t) = parse_when(&s, &tz) {
            let y = t.to_zoned(TimeZone::UTC).year();
            prop_assert!((2000..2200).contains(&y), "{s:?} → {t}");
        }
    }

    #[test]
    fn any_bytes_decode_or_fail_clearly(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = decode(&bytes) {
            clear(&e.message);
        }
    }

    /// A neutralised cell is the cell, or `'` + the cell when its first non-blank character
    /// (or its first, for tab and CR) could start a formula.
    #[test]
    fn csv_cells_never_start_a_formula(cell in "[ \t\r\n\u{3000}]{0,3}[=+\\-@\u{FF1D}\u{FF0B}\u{FF0D}\u{FF20}a-z0-9 ]{0,10}") {
        let out = rollcall_core::attendance::export::neutralise(&cell);
        let first = cell.chars().find(|c| !c.is_whitespace());
        let trigger = matches!(first, Some('=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'))
            || cell.starts_with(['\t', '\r']);
        if trigger {
            prop_assert_eq!(out.as_ref(), format!("'{cell}"));
        } else {
            prop_assert_eq!(out.as_ref(), cell.as_str());
        }
    }

    /// Markdown text stays one line of text; a code span's fence is longer than any run inside.
    #[test]
    fn markdown_values_stay_text(s in "\\PC{0,60}|[`<>\\[\\]\n#*_|]{0,20}") {
        let t = rollcall_core::setup::report::md(&s);
        prop_assert!(!t.contains('\n'));
        for (i, c) in t.char_indices() {
            if matches!(c, '<' | '>' | '[' | ']' | '`' | '*' | '_' | '#' | '|') {
                prop_assert!(t[..i].ends_with('\\'), "unescaped {c} in {t:?}");
            }
        }
        let span = rollcall_core::setup::report::code(&s);
        let fence = span.chars().take_while(|c| *c == '`').count();
        let inner = &span[fence..span.len() - fence];
        prop_assert!(!inner.contains(&"`".repeat(fence)), "{span:?}");
    }

    /// Whatever a host address holds, the generated PowerShell reads it back as one verbatim
    /// string with nothing after it on the line.
    #[test]
    fn powershell_reads_back_exactly_the_host(host in "\\PC{0,30}|['‘’‚‛\"„“”`$;()|&]{0,12}") {
        let scripts = rollcall_core::setup::access_policy_scripts("c0ffee00-0000-4000-8000-000000000001", std::slice::from_ref(&host));
        let per_host = &scripts[1].value;
        let line = per_host.lines().find(|l| l.starts_with("Grant-CsApplicationAccessPolicy") && l.contains("-Identity")).unwrap();
        let literal = line.split_once("-Identity ").unwrap().1;
        let (value, rest) = read_verbatim(literal).expect("a verbatim string");
        prop_assert_eq!(value, host);
        prop_assert_eq!(rest, "");
    }
}

/// PowerShell's single-quoted string: `'` … `'`, where any two consecutive single-quote
/// characters (`'` `‘` `’` `‚` `‛`) stand for the second one.
fn read_verbatim(s: &str) -> Option<(String, &str)> {
    let quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let mut it = s.char_indices().peekable();
    let (_, first) = it.next()?;
    if !quote(first) {
        return None;
    }
    let mut out = String::new();
    while let Some((i, c)) = it.next() {
        if quote(c) {
            match it.peek() {
                Some(&(_, n)) if quote(n) => {
                    out.push(n);
                    it.next();
                }
                _ => return Some((out, &s[i + c.len_utf8()..])),
            }
        } else {
            out.push(c);
        }
    }
    None
}
