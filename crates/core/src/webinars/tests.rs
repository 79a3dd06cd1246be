use super::*;

#[test]
fn only_https_teams_links_are_opened() {
    let ok =
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d";
    assert!(join_link(ok).is_ok());
    assert!(join_link("https://gov.teams.microsoft.us/l/meetup-join/x").is_ok());
    for bad in [
        "http://teams.microsoft.com/l/meetup-join/x",
        "https://teams.microsoft.com.evil.example/l/x",
        "https://evil.example/?teams.microsoft.com",
        "https://user@teams.microsoft.com/l/x",
        "https://teams.microsoft.com:8443/l/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "msteams://teams.microsoft.com/l/x",
        "",
    ] {
        assert!(join_link(bad).is_err(), "{bad}");
    }
}

fn new(start: &str, tz: &str) -> NewWebinar {
    NewWebinar {
        host: "megan@contoso.example".into(),
        subject: "Methods".into(),
        start: start.into(),
        time_zone: tz.into(),
        duration_minutes: 60,
        description: String::new(),
        html: false,
        invitees: vec![],
        recurrence: None,
        allow_past: false,
    }
}

#[test]
fn wall_clock_times_become_the_right_instants() {
    assert_eq!(
        local_to_utc("2026-03-28T09:00", "Europe/Berlin")
            .unwrap()
            .to_string(),
        "2026-03-28T08:00:00Z"
    );
    assert_eq!(
        local_to_utc("2026-03-30T09:00", "Europe/Berlin")
            .unwrap()
            .to_string(),
        "2026-03-30T07:00:00Z"
    );
    assert_eq!(
        local_to_utc("2026-03-08T09:00", "America/New_York")
            .unwrap()
            .to_string(),
        "2026-03-08T13:00:00Z"
    );
    let gap = local_to_utc("2026-03-29T02:30", "Europe/Berlin").unwrap_err();
    assert!(gap.message.contains("skip that hour"));
    assert_eq!(
        end_local("2026-10-25T02:30", "Europe/Berlin", 60).unwrap(),
        "2026-10-25T02:30:00",
        "the repeated hour: 60 minutes later is the second 02:30"
    );
}

#[test]
fn validation_names_each_field() {
    let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
    assert!(validate(&new("2026-12-01T14:00", "Europe/Berlin"), now).is_empty());
    let mut w = new("2026-11-01T14:00", "Mars/Olympus");
    w.subject = " ".into();
    w.duration_minutes = 0;
    w.invitees = vec!["not-an-email".into()];
    w.recurrence = Some(RecurrenceInput {
        repeat: Repeat::Weekly,
        interval: 1,
        count: None,
        until: None,
    });
    let fields: Vec<String> = validate(&w, now).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        ["subject", "timeZone", "duration", "invitees", "recurrence"]
    );
    let past = new("2026-11-01T14:00", "Europe/Berlin");
    assert_eq!(validate(&past, now)[0].field, "start");
    assert!(validate(
        &NewWebinar {
            allow_past: true,
            ..past
        },
        now
    )
    .is_empty());
}

#[test]
fn a_meeting_in_two_hosts_calendars_is_listed_once_as_the_organizers() {
    let copy = |host: &str, organizer: bool, join: Option<&str>| Webinar {
        id: format!("{host}-id"),
        host: host.into(),
        subject: "Methods".into(),
        start: "2026-03-02T10:00:00Z".into(),
        end: "2026-03-02T11:00:00Z".into(),
        teams: join.is_some(),
        cancelled: false,
        state: WebinarState::Ended,
        kind: "singleInstance".into(),
        series_id: None,
        join_url: join.map(String::from),
        organizer: Some("maria@contoso.example".into()),
        is_organizer: organizer,
        invitees: vec![],
        web_link: None,
        format: WebinarFormat::Meeting,
        event: None,
        channel: false,
    };
    let link = Some("https://teams.microsoft.com/l/meetup-join/19%3ameeting_a%40thread.v2/0");
    let out = one_per_meeting(vec![
        copy("adele@contoso.example", false, link),
        copy("maria@contoso.example", true, link),
        // Not Teams meetings: nothing to tell them apart by, both stay.
        copy("adele@contoso.example", false, None),
        copy("maria@contoso.example", false, None),
    ]);
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].host, "maria@contoso.example");
    assert!(out[0].is_organizer);
}

#[test]
fn a_channel_meeting_is_known_by_its_join_link() {
    assert!(is_channel_meeting(
        "https://teams.microsoft.com/l/meetup-join/19%3aabc%40thread.tacv2/1?context=%7b%7d"
    ));
    assert!(!is_channel_meeting(
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    ));
}
