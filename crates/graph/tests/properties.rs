//! Property tests over what Graph and the identity platform send: `Retry-After` in any form, and
//! arbitrary JSON — including real-shaped samples with fields changed, dropped or retyped — fed
//! to every model and error body. Thousands of cases each; nothing panics, every parse either
//! succeeds or is an error value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use rollcall_graph::error::GraphErrorBody;
use rollcall_graph::models::{
    AttendanceRecord, AttendanceReport, Event, LicenseDetails, OnlineMeeting, User,
};
use rollcall_graph::retry::{parse_retry_after, MAX_RETRY_AFTER};
use rollcall_graph::AadError;
use serde_json::{json, Value};

const CASES: u32 = 2_000;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,20}".prop_map(Value::String),
        // Values Graph really sends, in the wrong places.
        prop_oneof![
            Just(json!("2026-12-01T10:00:00.0000000")),
            Just(json!("2026-12-01T10:00:00Z")),
            Just(json!("W. Europe Standard Time")),
            Just(json!("-009999-01-02T01:59:59Z")),
            Just(json!(1e300)),
            Just(json!(-1)),
        ],
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((field(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Field names the models read, so generated objects hit the typed paths.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id"),
        Just("subject"),
        Just("start"),
        Just("end"),
        Just("dateTime"),
        Just("timeZone"),
        Just("isOnlineMeeting"),
        Just("onlineMeeting"),
        Just("joinUrl"),
        Just("type"),
        Just("seriesMasterId"),
        Just("isCancelled"),
        Just("organizer"),
        Just("emailAddress"),
        Just("address"),
        Just("attendees"),
        Just("totalParticipantCount"),
        Just("meetingStartDateTime"),
        Just("meetingEndDateTime"),
        Just("attendanceRecords"),
        Just("identity"),
        Just("displayName"),
        Just("role"),
        Just("totalAttendanceInSeconds"),
        Just("attendanceIntervals"),
        Just("joinDateTime"),
        Just("leaveDateTime"),
        Just("durationInSeconds"),
        Just("emailAddress"),
        Just("tenantId"),
        Just("error"),
        Just("code"),
        Just("message"),
        Just("innerError"),
        Just("innererror"),
        Just("request-id"),
        Just("date"),
        Just("error_codes"),
        Just("error_description"),
        Just("suberror"),
        Just("trace_id"),
        Just("correlation_id"),
        Just("servicePlans"),
        Just("servicePlanName"),
        Just("provisioningStatus"),
        Just("assignedPlans"),
        Just("capabilityStatus"),
        Just("mail"),
        Just("userPrincipalName"),
        Just("@odata.type"),
    ]
    .prop_map(str::to_string)
}

fn parse_all(v: &Value) {
    // Each may fail; none may panic.
    let _ = serde_json::from_value::<Event>(v.clone());
    let _ = serde_json::from_value::<OnlineMeeting>(v.clone());
    let _ = serde_json::from_value::<AttendanceReport>(v.clone());
    let _ = serde_json::from_value::<AttendanceRecord>(v.clone());
    let _ = serde_json::from_value::<User>(v.clone());
    let _ = serde_json::from_value::<LicenseDetails>(v.clone());
    let _ = serde_json::from_value::<GraphErrorBody>(v.clone());
    if let Ok(e) = serde_json::from_value::<AadError>(v.clone()) {
        let _ = e.code();
    }
    if let Ok(u) = serde_json::from_value::<User>(v.clone()) {
        let _ = rollcall_graph::models::TeamsLicence::of(
            u.assigned_plans.as_deref().unwrap_or_default(),
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn retry_after_is_bounded_in_every_form(v in "[-+]?[0-9]{0,25}(\\.[0-9]{0,5})?(e[-+]?[0-9]{1,4})?|inf|NaN|\\PC{0,30}|(Mon|Tue|Wed), [0-9]{2} (Jan|Oct|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT") {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        if let Some(d) = parse_retry_after(&v, now) {
            prop_assert!(d <= MAX_RETRY_AFTER, "{v:?} → {d:?}");
        }
    }

    #[test]
    fn any_json_through_every_model_never_panics(v in any_json()) {
        parse_all(&v);
    }

    #[test]
    fn damaged_samples_never_panic(which in 0usize..4, path in proptest::collection::vec(any::<usize>(), 1..4), replacement in any_json()) {
        let samples = [
            json!({"id": "AAMk", "subject": "Seminar", "type": "occurrence", "start": {"dateTime": "2026-12-01T10:00:00.0000000", "timeZone": "UTC"}, "end": {"dateTime": "2026-12-01T11:00:00.0000000", "timeZone": "UTC"}, "isOnlineMeeting": true, "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/x"}, "organizer": {"emailAddress": {"address": "megan@contoso.example", "name": "Megan"}}, "attendees": [{"emailAddress": {"address": "a@contoso.example"}, "type": "required"}]}),
            json!({"id": "r1", "totalParticipantCount": 2, "meetingStartDateTime": "2026-12-01T10:00:00Z", "meetingEndDateTime": "2026-12-01T11:00:00Z", "attendanceRecords": [{"emailAddress": "a@contoso.example", "totalAttendanceInSeconds": 3000, "role": "Attendee", "identity": {"id": "u1", "displayName": "A", "tenantId": "t"}, "attendanceIntervals": [{"joinDateTime": "2026-12-01T10:00:00Z", "leaveDateTime": "2026-12-01T10:50:00Z", "durationInSeconds": 3000}]}]}),
            json!({"error": {"code": "Forbidden", "message": "No", "innerError": {"request-id": "x", "date": "2026-12-01T10:00:00"}}}),
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret.\r\nTrace ID: x", "error_codes": [7000215], "trace_id": "x", "correlation_id": "y"}),
        ];
        let mut v = samples[which % samples.len()].clone();
        replace_at(&mut v, &path, replacement);
        parse_all(&v);
    }
}

/// Replace the value found by following `path` (indices taken modulo each level's size).
fn replace_at(v: &mut Value, path: &[usize], new: Value) {
    let Some((step, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let k = m.keys().nth(step % m.len()).unwrap().clone();
            replace_at(m.get_mut(&k).unwrap(), rest, new);
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            replace_at(&mut a[step % n], rest, new);
        }
        _ => *v = new,
    }
}
