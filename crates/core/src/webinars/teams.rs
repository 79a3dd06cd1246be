//! What the calendar shows of a Teams webinar (a virtual event): its status, registration page,
//! capacity, counts and sessions. The data only; listing and reading them is `virtual_events`,
//! which depends on this module, not the other way round.

use serde::{Deserialize, Serialize};

/// A Teams webinar's state (virtualEventStatus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum EventStatus {
    Draft,
    Published,
    Canceled,
    Other,
}

impl EventStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "draft" => Self::Draft,
            "published" => Self::Published,
            "canceled" => Self::Canceled,
            _ => Self::Other,
        }
    }
}

/// Registrations by status.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RegistrationCounts {
    pub registered: u32,
    pub canceled: u32,
    pub waitlisted: u32,
    pub pending: u32,
    pub rejected: u32,
}

/// What the calendar shows of a Teams webinar.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TeamsWebinar {
    pub id: String,
    /// The host (as configured) who organizes it.
    pub host: String,
    pub status: EventStatus,
    pub registration_url: Option<String>,
    pub capacity: Option<u32>,
    pub registrations: RegistrationCounts,
    /// The LMS course key (`externalEventInformation.externalEventId`).
    pub course_key: Option<String>,
    /// `everyone` or `organization`.
    pub audience: Option<String>,
    pub sessions: Vec<EventSession>,
}

/// One session of a Teams webinar.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EventSession {
    pub id: String,
    pub subject: String,
    /// RFC 3339 UTC.
    pub start: String,
    pub end: String,
    pub join_url: Option<String>,
}
