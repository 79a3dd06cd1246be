//! The runtime admin API under `/_emulator/`: faults, scenarios, bulk webinars and the counters
//! tests and benchmarks read. Not part of Microsoft's surface; nothing in Graph's handlers calls it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::faults::{Faults, Stats};
use crate::Shared;

pub fn admin_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/faults", get(get_faults).put(put_faults))
        .route("/_emulator/scenarios/{name}", post(enable_scenario))
        .route("/_emulator/stats", get(get_stats).delete(reset_stats))
        .route("/_emulator/bulk", post(add_bulk))
        .route(
            "/_emulator/applications/{app_id}/certificates",
            post(upload_certificate),
        )
        .route(
            "/_emulator/report-delay",
            axum::routing::put(put_report_delay),
        )
}

async fn add_bulk(
    State(s): State<Arc<Shared>>,
    Json(spec): Json<crate::seed::Bulk>,
) -> Json<serde_json::Value> {
    let added = crate::seed::bulk_webinars(&mut s.world(), &spec, jiff::Timestamp::now());
    Json(serde_json::json!({ "added": added }))
}

/// What an administrator does in the Entra admin centre (App registrations → Certificates &
/// secrets → Upload certificate): the body is the certificate, PEM or base64 DER.
async fn upload_certificate(
    State(s): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    body: String,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    use axum::http::StatusCode;
    let cert = match crate::certificates::parse_upload(&body) {
        Ok(c) => c,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": e })),
            )
        }
    };
    let mut world = s.world();
    let Some(app) = world.app_mut(&app_id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no application {app_id}") })),
        );
    };
    let key_id = cert.key_id.clone();
    app.certificates.push(cert);
    (
        StatusCode::CREATED,
        Json(serde_json::json!({ "keyId": key_id })),
    )
}

/// `{"minutes": N}`: reports appear N minutes after their session ends (0: at once).
async fn put_report_delay(
    State(s): State<Arc<Shared>>,
    Json(v): Json<serde_json::Value>,
) -> Json<serde_json::Value> {
    let minutes = v["minutes"].as_u64().unwrap_or(0).min(366 * 24 * 60);
    s.world().report_delay_minutes = minutes;
    Json(serde_json::json!({ "minutes": minutes }))
}

async fn get_faults(State(s): State<Arc<Shared>>) -> Json<Faults> {
    Json(s.faults.config())
}

async fn put_faults(State(s): State<Arc<Shared>>, Json(f): Json<Faults>) -> Json<Faults> {
    s.faults.set(f);
    Json(s.faults.config())
}

async fn enable_scenario(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    let result = crate::apply_scenario(&mut s.world(), &name, jiff::Timestamp::now());
    match result {
        Ok(()) => {
            if name == "refresh-inactive" {
                s.faults.set_refresh_inactive(true);
            }
            (
                axum::http::StatusCode::OK,
                Json(serde_json::json!({ "enabled": name })),
            )
        }
        Err(e) => (
            axum::http::StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        ),
    }
}

async fn get_stats(State(s): State<Arc<Shared>>) -> Json<Stats> {
    Json(s.faults.stats())
}

async fn reset_stats(State(s): State<Arc<Shared>>) -> Json<Stats> {
    s.faults.count(|st| *st = Stats::default());
    Json(s.faults.stats())
}
