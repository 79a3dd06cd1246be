#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The attendance files people have published (`tests/corpus/teams-downloads/ok-real-*`, each
//! with its source in `SOURCES.md`), imported and checked against the files themselves: the
//! format and language, the meeting's day, the number of people, and one person's time and first
//! join as the file states them. The real files Rollcall refuses (`refused-real-*`) are refused
//! with a message that names what was not understood.

use jiff::tz::TimeZone;
use rollcall_core::attendance::import::{parse, Format, Imported, Options};

fn dir() -> String {
    format!(
        "{}/../../tests/corpus/teams-downloads",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Read as written: in UTC, so local times come out unchanged.
fn import(name: &str) -> Result<Imported, rollcall_core::CoreError> {
    let bytes = std::fs::read(format!("{}/{name}", dir())).unwrap();
    let mut o = Options::new(TimeZone::UTC, "example.com");
    o.file_name = Some(name.into());
    parse(&bytes, &o)
}

struct Expect {
    file: &'static str,
    format: Format,
    language: &'static str,
    day: &'static str,
    people: u32,
    /// A person, their time in seconds as the file states it (or as its joins and leaves add
    /// up, for a list), their first join as written.
    person: Option<(&'static str, i64, &'static str)>,
}

const E: &[Expect] = &[
    Expect {
        file: "ok-real-list-en-dmy-dominikhoebert.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-12-11",
        people: 5,
        person: Some(("Mustermann Max", 2115, "2020-12-11T12:27:24")),
    },
    Expect {
        file: "ok-real-list-en-gb-niccologranieri.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2021-01-27",
        people: 47,
        person: None,
    },
    Expect {
        file: "ok-real-list-en-us-arabic-names-mohamed-mahdy7.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2026-02-07",
        people: 7,
        person: Some(("Sami", 6440, "2026-02-07T20:05:06")),
    },
    Expect {
        file: "ok-real-list-en-us-guests-masif411.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-11-18",
        people: 40,
        person: Some(("QURBAN.ALI.EE.353 (Guest)", 1348, "2020-11-18T13:01:43")),
    },
    Expect {
        file: "ok-real-list-en-us-2digit-shravani764.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2022-11-22",
        people: 57,
        person: Some((
            "T.21.16 CHIDUMALLA RAMYA SRIDHAR",
            849,
            "2022-11-22T11:30:56",
        )),
    },
    Expect {
        file: "ok-real-list-en-us-ascii-unsorted-uderbashi.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-06-26",
        people: 33,
        person: None,
    },
    Expect {
        file: "ok-real-list-en-us-darker-space.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-09-22",
        people: 61,
        person: Some(("UTKARSH KOUSHIK", 594, "2020-09-22T10:36:11")),
    },
    Expect {
        file: "ok-real-list-en-us-excel-comma-bharath945.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-09-04",
        people: 32,
        person: Some(("19215a0402", 845, "2020-09-04T11:59:38")),
    },
    Expect {
        file: "ok-real-list-en-us-excel-comma-gspahlin.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2020-11-04",
        people: 38,
        person: Some(("Carry Ram", 977, "2020-11-04T09:50:30")),
    },
    Expect {
        file: "ok-real-list-en-us-sachins1995.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2022-03-11",
        people: 6,
        person: None,
    },
    Expect {
        file: "ok-real-list-en-us-smarjapure.csv",
        format: Format::InMeetingList,
        language: "English",
        day: "2021-10-05",
        people: 52,
        person: Some(("72017873J", 11, "2021-10-05T10:43:30")),
    },
    Expect {
        file: "ok-real-list-pt-renatojardimparducci.csv",
        format: Format::InMeetingList,
        language: "Portuguese",
        day: "2021-03-30",
        people: 38,
        person: Some(("Igor de Oliveira Martins", 5783, "2021-03-30T21:21:35")),
    },
    // Spain: day first, no comma, 24-hour. Saray joins and never leaves: present to the end.
    Expect {
        file: "ok-real-list-es-restevean-0218.csv",
        format: Format::InMeetingList,
        language: "Spanish",
        day: "2021-02-18",
        people: 14,
        person: Some(("SARAY GOMEZ ROMAN", 20991, "2021-02-18T08:36:48")),
    },
    Expect {
        file: "ok-real-list-es-restevean-0223.csv",
        format: Format::InMeetingList,
        language: "Spanish",
        day: "2021-02-23",
        people: 15,
        person: Some(("ANDREA LOPEZ RIBES", 11490, "2021-02-23T08:30:33")),
    },
    // "Se unió antes" (joined before): present from the list's first entry.
    Expect {
        file: "ok-real-list-es-restevean-0225.csv",
        format: Format::InMeetingList,
        language: "Spanish",
        day: "2021-02-25",
        people: 15,
        person: Some(("ANDREA LOPEZ RIBES", 14555, "2021-02-25T08:31:06")),
    },
    Expect {
        file: "ok-real-report2021-en-us-crlf-raikonif-0425.csv",
        format: Format::Report2021,
        language: "English",
        day: "2022-04-25",
        people: 10,
        person: Some(("Maria Marquina Guevara", 6840, "2022-04-25T08:22:11")),
    },
    Expect {
        file: "ok-real-report2021-en-us-raikonif-0909.csv",
        format: Format::Report2021,
        language: "English",
        day: "2022-09-09",
        people: 9,
        person: Some(("Diego Jauregui Salvatierra", 6060, "2022-09-09T08:28:10")),
    },
    Expect {
        file: "ok-real-report2021-fr-necrelox.csv",
        format: Format::Report2021,
        language: "French",
        day: "2021-04-13",
        people: 6,
        person: Some(("********* *****", 9840, "2021-04-13T09:01:31")),
    },
    Expect {
        file: "ok-real-report-en-utf16be-dvaneynde-14.csv",
        format: Format::Report,
        language: "English",
        day: "2022-11-14",
        people: 7,
        person: Some(("Johnny Walker", 1160, "2022-11-14T09:30:52")),
    },
    Expect {
        file: "ok-real-report-en-utf16be-dvaneynde-15.csv",
        format: Format::Report,
        language: "English",
        day: "2022-11-15",
        people: 8,
        person: Some(("ROBUST Razvan", 286, "2022-11-15T09:37:01")),
    },
    Expect {
        file: "ok-real-report-en-utf8-dvaneynde-15.csv",
        format: Format::Report,
        language: "English",
        day: "2022-11-15",
        people: 8,
        person: Some(("ROBUST Razvan", 286, "2022-11-15T09:37:01")),
    },
    Expect {
        file: "ok-real-report-en-utf16be-dvaneynde-16.csv",
        format: Format::Report,
        language: "English",
        day: "2022-11-16",
        people: 8,
        person: Some(("Jacek Woityla", 949, "2022-11-16T09:30:30")),
    },
    Expect {
        file: "ok-real-report-pl-mlodyjesienin.csv",
        format: Format::Report,
        language: "Polish",
        day: "2025-03-10",
        people: 7,
        person: Some(("uczestnik jakis1", 8288, "2025-03-10T08:02:00")),
    },
];

#[test]
fn every_real_file_imports_as_the_file_says() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ok-real-"))
        .collect();
    names.sort();
    assert_eq!(names.len(), E.len(), "every real file has its expectation");
    for e in E {
        let imp = import(e.file).unwrap_or_else(|err| panic!("{}: {}", e.file, err.message));
        assert_eq!(
            (imp.format, imp.language),
            (e.format, e.language),
            "{}",
            e.file
        );
        assert_eq!(imp.start.to_string()[..10], *e.day, "{}", e.file);
        assert_eq!(imp.session.participant_count, e.people, "{}", e.file);
        assert!(imp.start <= imp.end);
        if let Some((name, seconds, first)) = e.person {
            let a = imp
                .session
                .attendees
                .iter()
                .find(|a| a.name == name)
                .unwrap_or_else(|| panic!("{}: no {name}", e.file));
            assert_eq!(a.seconds, seconds, "{}: {name}", e.file);
            assert_eq!(
                a.first_join.as_deref().map(|f| &f[..19]),
                Some(first),
                "{}: {name}",
                e.file
            );
        }
        for a in &imp.session.attendees {
            assert!(
                a.seconds >= 0 && !a.intervals.is_empty(),
                "{}: {}",
                e.file,
                a.name
            );
        }
    }
}

#[test]
fn what_is_assumed_is_said() {
    // Only the clock style tells the order of "3/10/25, 8:00:48 AM" (a US-style file).
    let pl = import("ok-real-report-pl-mlodyjesienin.csv").unwrap();
    assert!(
        pl.notes
            .iter()
            .any(|n| n.contains("month/day/year") && n.contains("--date-order dmy")),
        "{:?}",
        pl.notes
    );
    // A list has no meeting times; the French report's title is "null".
    let list = import("ok-real-list-pt-renatojardimparducci.csv").unwrap();
    assert!(list
        .notes
        .iter()
        .any(|n| n.contains("first and last entries")));
    assert!(list.title.contains("in-meeting attendance list"));
    let fr = import("ok-real-report2021-fr-necrelox.csv").unwrap();
    assert_eq!(fr.title, "ok-real-report2021-fr-necrelox");
    // A file that proves its order says nothing about it.
    let gb = import("ok-real-report-en-utf16be-dvaneynde-14.csv").unwrap();
    assert!(gb.notes.is_empty(), "{:?}", gb.notes);
}

#[test]
fn real_files_rollcall_refuses_say_why() {
    for (file, words) in [
        (
            "refused-real-report-pl-cp1250-excel-mlodyjesienin.csv",
            "code page",
        ),
        (
            "refused-real-table-only-edited-hamonangann.csv",
            "meeting summary",
        ),
        (
            "refused-real-list-header-only-cognizance-amrita.csv",
            "no entries",
        ),
    ] {
        let e = import(file)
            .err()
            .unwrap_or_else(|| panic!("{file} imported"));
        assert!(e.message.contains(words), "{file}: {}", e.message);
        assert!(e.hint.is_some(), "{file}: what to do");
    }
}

#[test]
fn an_unknown_language_and_an_unprovable_date_order_are_named() {
    // Words no language table holds (not claimed to be what Teams writes in any language).
    let unknown = "Nama lengkap\tTindakan\tWaktu\r\nAna\tX\t18/2/2021 8:36:48\r\n";
    let e = parse(unknown.as_bytes(), &Options::new(TimeZone::UTC, "")).unwrap_err();
    assert!(
        e.message.contains("Nama lengkap")
            && e.message
                .contains("English, French, Polish, Portuguese and Spanish"),
        "{}",
        e.message
    );
    // Every date ≤ 12 and a 24-hour clock beside a 12-hour one: nothing tells the order.
    let list = "Full Name\tUser Action\tTimestamp\r\nAna\tJoined\t1/2/2021, 10:00:00\r\nAna\tLeft\t1/2/2021, 10:30:00 AM\r\n";
    let e = parse(list.as_bytes(), &Options::new(TimeZone::UTC, "")).unwrap_err();
    assert_eq!(e.code, rollcall_core::ErrorCode::AmbiguousDates);
    assert!(
        e.message.contains("1 February 2021") && e.message.contains("2 January 2021"),
        "{}",
        e.message
    );
    assert!(e.hint.unwrap().contains("--date-order"));
    let mut o = Options::new(TimeZone::UTC, "");
    o.date_order = rollcall_core::attendance::import::DateOrder::parse("mdy");
    let imp = parse(list.as_bytes(), &o).unwrap();
    assert_eq!(imp.start.to_string()[..10], *"2021-01-02");
}
