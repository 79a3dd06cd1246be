#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Importing the Teams client's attendance download into the archive: UTF-16LE with BOM and
//! UTF-8, sections, `1h 5m 3s` durations; malformed files rejected with the line, nothing written.

use jiff::tz::TimeZone;
use rollcall_core::archive::{Archive, Saved};
use rollcall_core::attendance::import::parse_teams_download;

mod common;

const FILE: &str = "1. Summary\r\nMeeting title\tMethods seminar (old)\r\nAttended participants\t3\r\nStart time\t3/14/24, 9:58:12 AM\r\nEnd time\t3/14/24, 11:00:00 AM\r\nMeeting duration\t1h 1m 48s\r\n\r\n2. Participants\r\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\r\nMaria Ortiz\t3/14/24, 9:58:12 AM\t3/14/24, 11:00:00 AM\t1h 1m 48s\tmaria.ortiz@northwind.example\tmortiz@northwindacademy.onmicrosoft.com\tOrganizer\r\nAnn Lee\t3/14/24, 10:00:00 AM\t3/14/24, 10:50:00 AM\t45m\tann.lee@northwind.example\tann.lee@northwind.example\tAttendee\r\n+1 425 555 0100\t3/14/24, 10:05:00 AM\t3/14/24, 10:20:00 AM\t15m\t\t\tAttendee\r\n\r\n3. In-Meeting Activities\r\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\r\nAnn Lee\t3/14/24, 10:00:00 AM\t3/14/24, 10:30:00 AM\t30m\tann.lee@northwind.example\tAttendee\r\nAnn Lee\t3/14/24, 10:35:00 AM\t3/14/24, 10:50:00 AM\t15m\tann.lee@northwind.example\tAttendee\r\n";

fn utf16le(s: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xFE];
    for u in s.encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b
}

common::backends::on_both_backends!(a_utf16_download_is_imported_with_its_intervals);

async fn a_utf16_download_is_imported_with_its_intervals(backend: common::backends::Backend) {
    let tz = TimeZone::get("America/New_York").unwrap();
    let imp = parse_teams_download(&utf16le(FILE), &tz, "northwind.example", 0.8).unwrap();
    assert_eq!(imp.title, "Methods seminar (old)");
    assert_eq!(
        imp.start.to_string(),
        "2024-03-14T13:58:12Z",
        "read in the organizer's zone (EDT)"
    );
    let s = &imp.session;
    assert_eq!(s.participant_count, 3);
    let ann = s.attendees.iter().find(|a| a.name == "Ann Lee").unwrap();
    assert_eq!(
        ann.joins, 2,
        "the activity rows, not first join → last leave"
    );
    assert_eq!(ann.seconds, 45 * 60);
    let phone = s
        .attendees
        .iter()
        .find(|a| a.name.starts_with('+'))
        .unwrap();
    assert_eq!(
        phone.kind,
        rollcall_core::attendance::ParticipantKind::Phone
    );
    // The same file as UTF-8 parses the same.
    let again = parse_teams_download(FILE.as_bytes(), &tz, "northwind.example", 0.8).unwrap();
    assert_eq!(again.session.report_id, s.report_id);

    let Some(fresh) = common::backends::archive(backend) else {
        return;
    };
    let archive = fresh.arch.clone();
    assert_eq!(
        archive
            .import(&imp, "maria.ortiz@northwind.example")
            .unwrap(),
        Saved::New
    );
    assert_eq!(
        archive
            .import(&imp, "maria.ortiz@northwind.example")
            .unwrap(),
        Saved::Unchanged
    );
    let kept = archive
        .range(
            &["maria.ortiz@northwind.example".into()],
            "2024-03-01T00:00:00Z",
            "2024-04-01T00:00:00Z",
            0.8,
        )
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].sessions[0].attendees.len(), 3);
}

#[test]
fn a_malformed_download_names_the_line_and_writes_nothing() {
    let tz = TimeZone::get("UTC").unwrap();
    let bad_duration = FILE.replace("\t45m\t", "\tforty-five\t");
    let e = parse_teams_download(&utf16le(&bad_duration), &tz, "", 0.8).unwrap_err();
    assert!(e.message.starts_with("Line 11:"), "{}", e.message);
    assert!(e.message.contains("forty-five"));
    let short_row = FILE.replace(
        "Attendee\r\nAnn Lee\t3/14/24, 10:35",
        "Attendee\r\nAnn Lee\t3/14/24, 10:35:00 AM\r\nX\t3/14/24, 10:35",
    );
    let e = parse_teams_download(short_row.as_bytes(), &tz, "", 0.8).unwrap_err();
    assert!(
        e.message.starts_with("Line 17:") && e.message.contains("not a date and time"),
        "{}",
        e.message
    );
    let e = parse_teams_download(b"Name\tEmail\nAnn\ta@b.example\n", &tz, "", 0.8).unwrap_err();
    assert!(
        e.message
            .contains("does not start like any Teams attendance file"),
        "{}",
        e.message
    );
    let e = parse_teams_download(&[0xFF, 0xFE, 0x41], &tz, "", 0.8).unwrap_err();
    assert!(e.message.contains("cut off"));
}

/// Member or guest by the domain after the last `@`, compared exactly: a look-alike domain that
/// merely ends with the tenant's is a guest.
#[test]
fn a_look_alike_domain_is_a_guest() {
    use rollcall_core::attendance::ParticipantKind;
    let file = FILE
        .replace(
            "ann.lee@northwind.example\tann.lee@northwind.example",
            "ann.lee@evilnorthwind.example\tann.lee@evilnorthwind.example",
        )
        .replace(
            "ann.lee@northwind.example\tAttendee",
            "ann.lee@evilnorthwind.example\tAttendee",
        );
    let tz = TimeZone::get("America/New_York").unwrap();
    let imp = parse_teams_download(file.as_bytes(), &tz, "northwind.example", 0.8).unwrap();
    let kind = |n: &str| {
        imp.session
            .attendees
            .iter()
            .find(|a| a.name == n)
            .unwrap()
            .kind
    };
    assert_eq!(kind("Ann Lee"), ParticipantKind::Guest);
    assert_eq!(kind("Maria Ortiz"), ParticipantKind::Member);
}

/// An archive with many imported sessions, closed (so the WAL is checkpointed into the file).
fn archive_with_sessions(n: usize) -> std::path::PathBuf {
    let tz = TimeZone::get("UTC").unwrap();
    let path =
        std::env::temp_dir().join(format!("rollcall-damaged-{}.sqlite", uuid::Uuid::new_v4()));
    let archive = Archive::open(&path).unwrap();
    for i in 0..n {
        let file = FILE
            .replace("Methods seminar (old)", &format!("Seminar {i}"))
            .replace("3/14/24", &format!("3/{}/24", 1 + i % 28))
            .replace("9:58:12", &format!("9:{:02}:12", i % 60));
        let imp = parse_teams_download(file.as_bytes(), &tz, "northwind.example", 0.8).unwrap();
        archive
            .import(&imp, "maria.ortiz@northwind.example")
            .unwrap();
    }
    drop(archive);
    path
}

/// A damaged archive is said to be damaged (with "make a copy first", not "Graph fetches it
/// again": sessions older than a year exist nowhere else), and recovery keeps what can be read.
#[test]
fn a_damaged_archive_is_recognised_and_its_readable_sessions_recovered() {
    let path = archive_with_sessions(60);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page, "{} bytes", bytes.len());
    // Scribble over one page in the middle of the file.
    let at = (bytes.len() / page / 2) * page;
    for b in &mut bytes[at..at + page] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = Archive::open(&path).expect_err("the damage is noticed on open");
    assert!(e.message.contains("is damaged"), "{}", e.message);
    let hint = e.hint.clone().unwrap_or_default();
    assert!(hint.contains("Make a copy of the file first"), "{hint}");
    assert!(hint.contains("rollcall archive recover"), "{hint}");
    assert!(!hint.contains("fetched again"), "{hint}");
    let before = std::fs::read(&path).unwrap();

    let r = rollcall_core::archive::recover::recover(&path).unwrap();
    assert!(r.sessions > 0 && r.sessions <= 60, "{r:?}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the damaged file is left as it was"
    );
    let recovered = Archive::open(&r.path).expect("the recovered archive is sound");
    let kept = recovered
        .range(
            &["maria.ortiz@northwind.example".into()],
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
            0.8,
        )
        .unwrap();
    assert!(!kept.is_empty());
    drop(recovered);
    for p in [path, r.path] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_file_that_is_no_archive_is_refused_whole() {
    let path =
        std::env::temp_dir().join(format!("rollcall-garbage-{}.sqlite", uuid::Uuid::new_v4()));
    std::fs::write(&path, vec![0x42u8; 10_000]).unwrap();
    let e = Archive::open(&path).expect_err("refused");
    assert!(e.message.contains("is damaged"), "{}", e.message);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        vec![0x42u8; 10_000],
        "not written to"
    );
    let _ = std::fs::remove_file(path);
}

/// An instant at the edge of the clock's range is a clear error, not a panic.
#[test]
fn an_import_at_the_edge_of_time_is_refused_not_a_panic() {
    let tz = TimeZone::get("UTC").unwrap();
    let mut imp = parse_teams_download(FILE.as_bytes(), &tz, "northwind.example", 0.8).unwrap();
    imp.start = jiff::Timestamp::MIN;
    let path = std::env::temp_dir().join(format!("rollcall-edge-{}.sqlite", uuid::Uuid::new_v4()));
    let archive = Archive::open(&path).unwrap();
    let e = archive
        .import(&imp, "maria.ortiz@northwind.example")
        .unwrap_err();
    assert!(
        e.message.contains("not a time a Teams meeting can have"),
        "{}",
        e.message
    );
    let far = FILE.replace(
        "3/14/24, 9:58:12 AM\r\nEnd",
        "-009999-01-02T01:59:59Z\r\nEnd",
    );
    assert!(parse_teams_download(far.as_bytes(), &tz, "", 0.8).is_err());
    drop(archive);
    let _ = std::fs::remove_file(path);
}
