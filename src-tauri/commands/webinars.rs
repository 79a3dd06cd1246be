//! The Calendar page: ranges, create, edit, cancel, details.

use rollcall_core::tenant::profile::FieldError;
use rollcall_core::webinars::{
    self, NewWebinar, Webinar, WebinarDetails, WebinarEdit, WebinarRange,
};
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// Webinars of the hosts (default: the connection's) between two RFC 3339 instants.
#[tauri::command]
#[specta::specta]
pub async fn webinars_list(
    state: State<'_, AppState>,
    from: String,
    to: String,
    hosts: Option<Vec<String>>,
    teams_only: bool,
) -> Result<WebinarRange, IpcError> {
    Ok(state
        .hub
        .reads
        .webinars(&state.hub.connections, hosts, &from, &to, teams_only)
        .await?)
}

/// Past webinars from the local archive, at once (the page refreshes from Graph right after).
#[tauri::command]
#[specta::specta]
pub async fn webinars_archived(
    state: State<'_, AppState>,
    from: String,
    to: String,
    hosts: Option<Vec<String>>,
) -> Result<WebinarRange, IpcError> {
    Ok(state
        .hub
        .reads
        .archived_webinars(&state.hub.connections, hosts, &from, &to)?)
}

/// Field problems of a webinar being created.
#[tauri::command]
#[specta::specta]
pub async fn webinar_validate(webinar: NewWebinar) -> Result<Vec<FieldError>, IpcError> {
    Ok(webinars::validate(&webinar, jiff::Timestamp::now()))
}

/// Create the event with its Teams meeting.
#[tauri::command]
#[specta::specta]
pub async fn webinar_create(
    state: State<'_, AppState>,
    webinar: NewWebinar,
) -> Result<Webinar, IpcError> {
    Ok(webinars::create(&state.hub.connections.connection()?, &webinar).await?)
}

/// Change time, subject or description (an occurrence, or the series by its id).
#[tauri::command]
#[specta::specta]
pub async fn webinar_update(
    state: State<'_, AppState>,
    edit: WebinarEdit,
) -> Result<Webinar, IpcError> {
    Ok(webinars::update(&state.hub.connections.connection()?, &edit).await?)
}

/// Cancel with a message to the attendees (organizer only).
#[tauri::command]
#[specta::specta]
pub async fn webinar_cancel(
    state: State<'_, AppState>,
    host: String,
    id: String,
    message: String,
) -> Result<(), IpcError> {
    Ok(state
        .hub
        .reads
        .cancel_webinar(&state.hub.connections, &host, &id, &message)
        .await?)
}

/// The details panel: the event and its online meeting.
#[tauri::command]
#[specta::specta]
pub async fn webinar_details(
    state: State<'_, AppState>,
    host: String,
    id: String,
) -> Result<WebinarDetails, IpcError> {
    Ok(webinars::details(&state.hub.connections.connection()?, &host, &id).await?)
}

/// Open a webinar's Teams join link in the system browser: https on a Teams host only
/// ([`webinars::join_link`]); the window itself opens nothing.
#[tauri::command]
#[specta::specta]
pub async fn webinar_join(url: String) -> Result<(), IpcError> {
    let url = webinars::join_link(&url)?;
    rollcall_core::tenant::session::opener_from_env()
        .open(&url)
        .map_err(|e| {
            rollcall_core::CoreError::new(
                rollcall_core::ErrorCode::Internal,
                format!("The browser did not open: {e}"),
                Some("Copy the link and paste it into your browser.".into()),
            )
        })?;
    Ok(())
}

/// Create a draft Teams webinar for the signed-in organizer at a wall-clock start in a zone (user
/// sign-in mode only: Graph has no application permission for it); its id.
#[tauri::command]
#[specta::specta]
pub async fn event_create(
    state: State<'_, AppState>,
    subject: String,
    start: String,
    time_zone: String,
    duration_minutes: u32,
) -> Result<String, IpcError> {
    Ok(state
        .hub
        .reads
        .event_create(
            &state.hub.connections,
            &subject,
            &start,
            &time_zone,
            duration_minutes,
        )
        .await?)
}

/// Publish (`publish: true`) or cancel a Teams webinar (user sign-in mode only).
#[tauri::command]
#[specta::specta]
pub async fn event_transition(
    state: State<'_, AppState>,
    id: String,
    publish: bool,
) -> Result<(), IpcError> {
    Ok(state
        .hub
        .reads
        .event_transition(&state.hub.connections, &id, publish)
        .await?)
}
