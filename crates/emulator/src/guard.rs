//! What keeps the demo tenant a local thing: requests must name the emulator by an IP address,
//! `localhost` or its public URL's host (a DNS name that merely resolves to 127.0.0.1 is a DNS
//! rebinding attempt from a web page), and the admin API refuses requests a browser sends on
//! behalf of another site (a cross-origin "simple" POST needs no preflight, so `Origin` decides).
//!
//! It does not authenticate anyone: the demo secret is printed on purpose, for local tests.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Shared;

/// Refuse a `Host` that is neither an IP literal, `localhost`, nor the public URL's host.
pub async fn host_check(State(s): State<Arc<Shared>>, req: Request<Body>, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_string();
    if host_allowed(&host, &s.base) {
        return next.run(req).await;
    }
    tracing::warn!(host = %host, "refused a request naming another host (DNS rebinding?)");
    (
        StatusCode::MISDIRECTED_REQUEST,
        axum::Json(serde_json::json!({"error": {"code": "MisdirectedRequest", "message": format!("This emulator answers as {} or on a local address, not as {host}.", s.base)}})),
    )
        .into_response()
}

/// The admin API (`/_emulator/…`) answers only requests that carry no `Origin` or its own.
pub async fn same_origin_admin(
    State(s): State<Arc<Shared>>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/_emulator/") {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site" || v == "same-site");
        if cross_site || origin.is_some_and(|o| o.trim_end_matches('/') != s.base) {
            return (
                StatusCode::FORBIDDEN,
                axum::Json(serde_json::json!({"error": {"code": "Forbidden", "message": "The emulator's admin API answers its own origin only."}})),
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// `host[:port]` is an IP literal, `localhost`, or the host of `base`.
pub fn host_allowed(host_header: &str, base: &str) -> bool {
    let host = match host_header.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host_header.rsplit_once(':').map_or(host_header, |(h, _)| h),
    }
    .to_ascii_lowercase();
    if host.is_empty() {
        return false;
    }
    let public = url::Url::parse(base).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    });
    host == "localhost"
        || host.parse::<IpAddr>().is_ok()
        || public.as_deref() == Some(host.as_str())
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn only_local_names_and_the_public_host_are_answered() {
        let base = "https://login.northwind.test:8443";
        for ok in [
            "127.0.0.1:5000",
            "localhost:5000",
            "[::1]:5000",
            "192.168.1.20:5000",
            "login.northwind.test:8443",
            "LOCALHOST",
        ] {
            assert!(host_allowed(ok, base), "{ok}");
        }
        for bad in [
            "evil.example:5000",
            "127.0.0.1.nip.io:5000",
            "localhost.evil.example",
            "",
        ] {
            assert!(!host_allowed(bad, base), "{bad}");
        }
    }
}
