//! The token requests as they go through the `oauth2` crate: what is sent, and that Entra's error
//! body arrives whole (every field the advice reads) with its HTTP status. Against a tiny local
//! server on 127.0.0.1 that answers the way Entra and a proxy do.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use rollcall_graph::delegated::{RefreshSink, RefreshingTokens, TenantAuthority};
use rollcall_graph::{ClientCredentials, GraphError, Secret, TokenProvider};

/// What the server saw: the form of each request, and what it answers next.
#[derive(Default)]
struct Seen {
    forms: Vec<Vec<(String, String)>>,
    auth_headers: Vec<Option<String>>,
}

type Shared = Arc<Mutex<Seen>>;

/// AADSTS7000215 as Entra sends it (MicrosoftDocs/entra-docs:
/// docs/identity-platform/v2-oauth2-client-creds-grant-flow.md, "Error response"): parts of the
/// description separated by CRLF, and the fields `oauth2`'s standard error type has no place for.
const ENTRA_ERROR: &str = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'c0ffee00-0000-4000-8000-000000000001'.\r\nTrace ID: 0c3f-trace\r\nCorrelation ID: 9a1e-correlation\r\nTimestamp: 2026-12-01 10:00:00Z","error_codes":[7000215],"timestamp":"2026-12-01 10:00:00Z","trace_id":"0c3f-trace","correlation_id":"9a1e-correlation","error_uri":"https://login.microsoftonline.com/error?code=7000215","suberror":"bad_token"}"#;

async fn token(
    State(seen): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let secret = get("client_secret");
    let grant = get("grant_type");
    {
        let mut s = seen.lock().unwrap();
        s.auth_headers.push(
            headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        s.forms.push(form.clone());
    }
    let json = [("content-type", "application/json; charset=utf-8")];
    match (grant.as_deref(), secret.as_deref()) {
        (Some("client_credentials"), Some("wrong")) => {
            (StatusCode::UNAUTHORIZED, json, ENTRA_ERROR).into_response()
        }
        (Some("client_credentials"), Some("proxy")) => (
            StatusCode::PROXY_AUTHENTICATION_REQUIRED,
            [("content-type", "text/html")],
            "<html><body>Proxy Authentication Required</body></html>",
        )
            .into_response(),
        (Some("client_credentials"), Some("forever")) => (
            StatusCode::OK,
            json,
            r#"{"token_type":"Bearer","expires_in":18446744073709551615,"access_token":"eyJ0eXAi.app.sig"}"#,
        )
            .into_response(),
        (Some("client_credentials"), Some("garbled")) => {
            (StatusCode::OK, json, "{\"access_token\": 12").into_response()
        }
        (Some("client_credentials"), _) => (
            StatusCode::OK,
            json,
            r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAi.app.sig"}"#,
        )
            .into_response(),
        (Some("refresh_token"), _) => (
            StatusCode::OK,
            json,
            r#"{"token_type":"Bearer","scope":"User.Read offline_access","expires_in":4472,"ext_expires_in":4472,"access_token":"eyJ0eXAi.user.sig","refresh_token":"1.AQ-rotated"}"#,
        )
            .into_response(),
        _ => (StatusCode::BAD_REQUEST, json, "{}").into_response(),
    }
}

async fn server() -> (String, Shared) {
    let seen = Shared::default();
    let app = Router::new()
        .route("/tenant-1/oauth2/v2.0/token", post(token))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn app(authority: &str, secret: &str) -> ClientCredentials {
    ClientCredentials::new(
        reqwest::Client::new(),
        authority,
        "tenant-1",
        "c0ffee00-0000-4000-8000-000000000001",
        Secret::new(secret),
        "https://graph.microsoft.com",
    )
}

#[tokio::test]
async fn client_credentials_send_the_secret_in_the_body_and_the_default_scope() {
    let (url, seen) = server().await;
    let t = app(&url, "right").token(false).await.unwrap();
    assert_eq!(t.value.expose(), "eyJ0eXAi.app.sig");
    assert_eq!(t.lifetime.as_secs(), 3599);
    let s = seen.lock().unwrap();
    let form = &s.forms[0];
    let has = |k: &str, v: &str| form.iter().any(|(n, x)| n == k && x == v);
    assert!(has("grant_type", "client_credentials"), "{form:?}");
    assert!(has("client_id", "c0ffee00-0000-4000-8000-000000000001"));
    assert!(has("client_secret", "right"), "AuthType::RequestBody");
    assert!(has("scope", "https://graph.microsoft.com/.default"));
    assert_eq!(
        s.auth_headers[0], None,
        "no Basic header next to the body secret"
    );
}

#[tokio::test]
async fn entras_error_body_arrives_whole_with_its_status() {
    let (url, _) = server().await;
    let Err(GraphError::Token(aad)) = app(&url, "wrong").token(false).await else {
        panic!("expected the token endpoint's error");
    };
    assert_eq!(aad.status, 401);
    assert_eq!(aad.error, "invalid_client");
    assert_eq!(aad.error_codes, vec![7000215]);
    assert_eq!(aad.code(), Some(7000215));
    assert_eq!(aad.suberror.as_deref(), Some("bad_token"));
    assert_eq!(aad.trace_id.as_deref(), Some("0c3f-trace"));
    assert_eq!(aad.correlation_id.as_deref(), Some("9a1e-correlation"));
    assert_eq!(aad.timestamp.as_deref(), Some("2026-12-01 10:00:00Z"));
    assert!(aad.error_description.contains("\r\nTrace ID: 0c3f-trace"));
}

#[tokio::test]
async fn an_answer_without_an_error_body_keeps_its_status() {
    let (url, _) = server().await;
    let Err(GraphError::Token(aad)) = app(&url, "proxy").token(false).await else {
        panic!("expected an error naming the status");
    };
    assert_eq!(
        aad.status, 407,
        "a proxy's refusal is recognisable by its status"
    );
    assert_eq!(aad.error, "unexpected_response");
    assert!(aad.error_description.contains("HTTP 407"));
}

#[tokio::test]
async fn a_garbled_token_is_a_decode_error_not_a_refusal() {
    let (url, _) = server().await;
    match app(&url, "garbled").token(false).await {
        Err(GraphError::Decode { context, .. }) => assert_eq!(context, "token response"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error_naming_the_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    match app(&url, "right").token(false).await {
        Err(GraphError::Transport { host, .. }) => assert_eq!(host, "127.0.0.1"),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

struct Keep(Arc<Mutex<Vec<String>>>);

impl RefreshSink for Keep {
    fn save(&self, refresh: &Secret) -> Result<(), String> {
        self.0.lock().unwrap().push(refresh.expose().to_string());
        Ok(())
    }
}

#[tokio::test]
async fn a_refresh_is_a_public_client_request_and_the_rotated_token_is_saved_first() {
    let (url, seen) = server().await;
    let saved = Arc::new(Mutex::new(Vec::new()));
    let tokens = RefreshingTokens::new(
        reqwest::Client::new(),
        &TenantAuthority::new(&url, "tenant-1"),
        "c0ffee00-0000-4000-8000-000000000001",
        &["User.Read".to_string(), "offline_access".to_string()],
        Secret::new("1.AQ-first"),
        None,
        Box::new(Keep(saved.clone())),
    );
    let t = tokens.token(false).await.unwrap();
    assert_eq!(t.value.expose(), "eyJ0eXAi.user.sig");
    assert_eq!(*saved.lock().unwrap(), vec!["1.AQ-rotated".to_string()]);
    let s = seen.lock().unwrap();
    let form = &s.forms[0];
    let has = |k: &str, v: &str| form.iter().any(|(n, x)| n == k && x == v);
    assert!(has("grant_type", "refresh_token"), "{form:?}");
    assert!(has("refresh_token", "1.AQ-first"));
    assert!(has("scope", "User.Read offline_access"));
    assert!(
        !form.iter().any(|(n, _)| n == "client_secret"),
        "public client"
    );
}

#[tokio::test]
async fn an_endless_expires_in_is_taken_as_entras_longest_lifetime() {
    let (url, _) = server().await;
    let t = app(&url, "forever").token(false).await.unwrap();
    assert_eq!(t.lifetime.as_secs(), 24 * 3600);
}
