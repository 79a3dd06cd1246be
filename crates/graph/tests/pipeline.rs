//! The pipeline rules, each against the emulator or a tiny local server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rollcall_emulator::{start, Config, Faults, RetryAfterForm};
use rollcall_graph::retry::RetryPolicy;
use rollcall_graph::{
    AccessToken, ClientCredentials, Endpoints, GraphClient, GraphError, Request, Secret,
    TokenProvider,
};
use serde_json::Value;

fn fast() -> RetryPolicy {
    RetryPolicy {
        base_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_millis(50),
        ..Default::default()
    }
}

async fn client(
    faults: Faults,
) -> (
    rollcall_emulator::Running,
    GraphClient,
    Arc<ClientCredentials>,
) {
    let emu = start(
        "127.0.0.1:0",
        Config {
            faults,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let i = emu.info.clone();
    let tokens = Arc::new(ClientCredentials::new(
        http.clone(),
        &i.authority,
        &i.tenant_id,
        &i.client_id,
        Secret::new(i.client_secret.clone()),
        "https://graph.microsoft.com",
    ));
    let endpoints = Endpoints {
        authority: i.authority.clone(),
        graph: i.graph.clone(),
    };
    let g = GraphClient::new(http, endpoints, tokens.clone())
        .unwrap()
        .with_policy(fast());
    (emu, g, tokens)
}

#[tokio::test]
async fn throttled_requests_wait_for_retry_after_and_succeed() {
    let (emu, g, _) = client(Faults {
        throttle_rate: 0.5,
        retry_after: RetryAfterForm::Mixed,
        retry_after_secs: 0,
        ..Default::default()
    })
    .await;
    for _ in 0..6 {
        let v: Value = g.get_json(Request::get("/users?$top=5")).await.unwrap();
        assert_eq!(v["value"].as_array().unwrap().len(), 5);
    }
    assert!(g.counters().throttled_waits > 0);
    assert!(emu.shared.faults.stats().throttled > 0);
}

#[tokio::test]
async fn server_errors_and_truncated_bodies_are_retried_for_replayable_requests() {
    let (emu, g, _) = client(Faults {
        server_error_rate: 0.3,
        truncate_rate: 0.3,
        ..Default::default()
    })
    .await;
    let users: Vec<Value> = g.get_all(Request::get("/users?$top=7")).await.unwrap();
    // Every user of the demo directory, page by page (the Cloud Application Administrator made it 127).
    assert_eq!(users.len(), 127);
    let st = emu.shared.faults.stats();
    assert!(st.server_errors + st.truncated > 0, "{st:?}");
}

/// Three attempts in all, with millisecond backoffs: retry caps are reached at once.
fn three_quick_attempts(g: rollcall_graph::GraphClient) -> rollcall_graph::GraphClient {
    g.with_policy(RetryPolicy {
        max_attempts: 3,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(2),
        ..Default::default()
    })
}

/// A GET whose answers stay cut off is a transient network failure (a sync lists it and goes on),
/// not "an unexpected answer".
#[tokio::test]
async fn answers_cut_off_after_every_retry_are_a_network_failure() {
    let (_emu, g, _) = client(Faults {
        truncate_rate: 1.0,
        ..Default::default()
    })
    .await;
    let g = three_quick_attempts(g);
    match g.send(Request::get("/users")).await {
        Err(GraphError::Transport { detail, .. }) => {
            assert!(detail.contains("cut off 3 times"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn retries_are_capped() {
    let (_emu, g, _) = client(Faults {
        server_error_rate: 1.0,
        ..Default::default()
    })
    .await;
    let g = three_quick_attempts(g);
    match g.send(Request::get("/users")).await {
        Err(GraphError::RetriesExhausted {
            attempts, status, ..
        }) => assert_eq!((attempts, status >= 503), (3, true)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_token_never_goes_to_another_host() {
    let (_emu, g, _) = client(Faults::default()).await;
    let err = g
        .send(Request::get("https://evil.example/v1.0/users"))
        .await
        .unwrap_err();
    assert!(matches!(err, GraphError::ForeignHost(h) if h == "evil.example"));
}

/// Hands out a revoked token until forced, then a real one.
struct RevokedFirst {
    real: Arc<ClientCredentials>,
    forced: AtomicU32,
}

impl TokenProvider for RevokedFirst {
    fn token(&self, force: bool) -> rollcall_graph::auth::TokenFuture<'_> {
        Box::pin(async move {
            if force {
                self.forced.fetch_add(1, Ordering::SeqCst);
            }
            if self.forced.load(Ordering::SeqCst) == 0 {
                return Ok(AccessToken {
                    value: Secret::new("revoked.token.value"),
                    expires_at: jiff::Timestamp::MAX,
                    lifetime: jiff::SignedDuration::from_hours(1),
                });
            }
            self.real.token(force).await
        })
    }
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries() {
    let (emu, _, real) = client(Faults::default()).await;
    let provider = Arc::new(RevokedFirst {
        real,
        forced: AtomicU32::new(0),
    });
    let i = &emu.info;
    let g = GraphClient::new(
        reqwest::Client::new(),
        Endpoints {
            authority: i.authority.clone(),
            graph: i.graph.clone(),
        },
        provider.clone(),
    )
    .unwrap();
    let v: Value = g.get_json(Request::get("/users?$top=1")).await.unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(provider.forced.load(Ordering::SeqCst), 1);
    assert_eq!(g.counters().token_refreshes, 1);
}

#[tokio::test]
async fn graph_errors_keep_code_message_and_request_id() {
    let (_emu, g, _) = client(Faults::default()).await;
    match g.send(Request::get("/users/nobody@nowhere.example")).await {
        Err(GraphError::Api {
            status,
            code,
            request_id,
            ..
        }) => {
            assert_eq!((status, code.as_str()), (404, "Request_ResourceNotFound"));
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_mailbox_gate_keeps_four_in_flight_so_outlook_never_throttles() {
    let (emu, g, _) = client(Faults {
        service_ms: 100,
        ..Default::default()
    })
    .await;
    let g = Arc::new(g);
    let user: Value = g
        .get_json(Request::get(format!(
            "/users?$filter=mail%20eq%20'{}'",
            emu.info.hosts[0]
        )))
        .await
        .unwrap();
    let id = user["value"][0]["id"].as_str().unwrap().to_string();
    let now = jiff::Timestamp::now();
    let url = format!(
        "/users/{id}/calendarView?startDateTime={now}&endDateTime={}",
        now + jiff::SignedDuration::from_hours(48)
    );
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let g = g.clone();
            let r = Request::get(url.clone()).mailbox(id.clone());
            tokio::spawn(async move { g.send(r).await.map(|_| ()) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let st = emu.shared.faults.stats();
    assert_eq!(st.mailbox_throttled, 0);
    assert_eq!(st.max_in_flight_per_mailbox, 4);
}

/// Serve `app` on `listener` and a client for it with a fixed token.
fn serve_local(listener: tokio::net::TcpListener, app: axum::Router, base: &str) -> GraphClient {
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    GraphClient::new(
        reqwest::Client::new(),
        Endpoints {
            authority: base.to_string(),
            graph: format!("{base}/v1.0"),
        },
        Arc::new(Fixed),
    )
    .unwrap()
}

struct Fixed;
impl TokenProvider for Fixed {
    fn token(&self, _force: bool) -> rollcall_graph::auth::TokenFuture<'_> {
        Box::pin(async {
            Ok(AccessToken {
                value: Secret::new("t"),
                expires_at: jiff::Timestamp::MAX,
                lifetime: jiff::SignedDuration::from_hours(1),
            })
        })
    }
}

#[tokio::test]
async fn pager_detects_loops_refuses_foreign_links_and_follows_expanded_next_links() {
    use axum::{routing::get, Json, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let b2 = base.clone();
    let b3 = base.clone();
    let app = Router::new()
        .route("/v1.0/loop", get(move || { let b = b2.clone(); async move { Json(serde_json::json!({"value": [1], "@odata.nextLink": format!("{b}/v1.0/loop?x=1")})) } }))
        .route("/v1.0/foreign", get(|| async { Json(serde_json::json!({"value": [1], "@odata.nextLink": "https://elsewhere.example/v1.0/x"})) }))
        .route("/v1.0/records", get(|| async { Json(serde_json::json!({"value": [3, 4]})) }))
        .route("/v1.0/report", get(move || { let b = b3.clone(); async move { Json(serde_json::json!({"attendanceRecords": [1, 2], "attendanceRecords@odata.nextLink": format!("{b}/v1.0/records")})) } }));
    let g = serve_local(listener, app, &base);
    assert!(matches!(
        g.get_all::<Value>(Request::get("/loop")).await,
        Err(GraphError::Paging(_))
    ));
    assert!(matches!(
        g.get_all::<Value>(Request::get("/foreign")).await,
        Err(GraphError::ForeignHost(_))
    ));
    let first: Value = g.get_json(Request::get("/report")).await.unwrap();
    let all: Vec<i64> = g
        .collect_pages(
            Request::get("/report"),
            "attendanceRecords",
            "attendanceRecords@odata.nextLink",
            Some(first),
        )
        .await
        .unwrap();
    assert_eq!(all, vec![1, 2, 3, 4]);
}

#[tokio::test]
async fn a_retry_after_we_give_up_on_neither_panics_nor_holds_up_the_mailbox() {
    use axum::http::StatusCode;
    use axum::{routing::get, Json, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        // 1e19 seconds overflowed the clock; a day is over the 180-s retry budget.
        .route(
            "/v1.0/huge",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1e19")],
                    "{}",
                )
            }),
        )
        .route(
            "/v1.0/day",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "86400")],
                    "{}",
                )
            }),
        )
        .route(
            "/v1.0/fine",
            get(|| async { Json(serde_json::json!({"ok": true})) }),
        );
    let g = serve_local(listener, app, &base);
    for path in ["/huge", "/day"] {
        let err = g
            .send(Request::get(path).mailbox("maria@contoso.example"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, GraphError::RetriesExhausted { status: 429, .. }),
            "{path}: {err:?}"
        );
    }
    // The mailbox's gate stays open: the next request is answered at once, not in a day.
    let next = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        g.get_json::<Value>(Request::get("/fine").mailbox("maria@contoso.example")),
    )
    .await
    .expect("the refused Retry-After must not close the mailbox's gate")
    .unwrap();
    assert_eq!(next["ok"], true);
}

async fn first_host(emu: &rollcall_emulator::Running, g: &GraphClient) -> String {
    let user: Value = g
        .get_json(Request::get(format!(
            "/users?$filter=mail%20eq%20'{}'",
            emu.info.hosts[0]
        )))
        .await
        .unwrap();
    user["value"][0]["id"].as_str().unwrap().to_string()
}

fn day_views(id: &str, n: usize) -> Vec<Request> {
    let now = jiff::Timestamp::now();
    (0..n)
        .map(|k| {
            let from = now - jiff::SignedDuration::from_hours(24 * (k as i64 + 1));
            Request::get(format!(
                "/users/{id}/calendarView?startDateTime={from}&endDateTime={}",
                from + jiff::SignedDuration::from_hours(24)
            ))
            .mailbox(id)
        })
        .collect()
}

/// 50 GETs to one mailbox as batches: every answer in the caller's order and the same as the
/// single request's, in far fewer round trips (chains of up to 20), and Outlook's limit never met.
#[tokio::test]
async fn batches_answer_in_order_in_few_round_trips_without_meeting_the_mailbox_limit() {
    let (emu, g, _) = client(Faults {
        service_ms: 5,
        ..Default::default()
    })
    .await;
    let id = first_host(&emu, &g).await;
    let requests = day_views(&id, 50);
    emu.shared.faults.count(|s| *s = Default::default());
    let g = Arc::new(g);
    let answers = rollcall_graph::batch::Batcher::new(g.clone())
        .send_all(requests.clone())
        .await;
    let st = emu.shared.faults.stats();
    assert!(st.graph_requests <= 12, "{st:?}");
    assert_eq!(st.sub_requests, 50);
    assert_eq!(st.mailbox_throttled, 0);
    for (r, a) in requests.iter().zip(&answers) {
        let single = g.send(r.clone()).await.unwrap().body.unwrap();
        assert_eq!(
            a.as_ref().unwrap().body.as_ref().unwrap()["value"],
            single["value"]
        );
    }
}

/// Partial throttling: a third of the steps come back `429` with their own `Retry-After` inside
/// `200` batches. Only they (and the steps after them in their chain, answered `424`) are sent
/// again: the service sees each successful step exactly once.
#[tokio::test]
async fn only_the_failed_steps_of_a_batch_are_sent_again() {
    let (emu, g, _) = client(Faults::default()).await;
    let id = first_host(&emu, &g).await;
    emu.shared.faults.set(Faults {
        throttle_rate: 0.3,
        retry_after_secs: 0,
        ..Default::default()
    });
    let requests = day_views(&id, 40);
    emu.shared.faults.count(|s| *s = Default::default());
    let g = Arc::new(g);
    let answers = rollcall_graph::batch::Batcher::new(g.clone())
        .send_all(requests)
        .await;
    let st = emu.shared.faults.stats();
    assert!(answers.iter().all(|a| a.is_ok()));
    assert!(st.throttled > 0, "{st:?}");
    // Each step reached the service once plus once per 429 it got; 424 bystanders never did.
    assert_eq!(st.sub_requests, 40 + st.throttled);
    assert!(g.counters().throttled_waits >= st.throttled);
}

/// A step Graph refuses is that step's error (with its request-id); the others succeed, also the
/// steps after it in its chain (sent again after their 424).
#[tokio::test]
async fn a_refused_step_is_its_own_error() {
    let (emu, g, _) = client(Faults::default()).await;
    let id = first_host(&emu, &g).await;
    let mut requests = day_views(&id, 6);
    requests.insert(
        2,
        Request::get(format!("/users/{id}/onlineMeetings/nope/attendanceReports")).mailbox(&id),
    );
    let answers = rollcall_graph::batch::Batcher::new(Arc::new(g))
        .send_all(requests)
        .await;
    for (k, a) in answers.iter().enumerate() {
        if k == 2 {
            match a {
                Err(GraphError::Api {
                    status, request_id, ..
                }) => {
                    assert_eq!(*status, 404);
                    assert!(request_id.is_some());
                }
                other => panic!("{other:?}"),
            }
        } else {
            assert!(a.is_ok(), "{k}: {a:?}");
        }
    }
    let _ = emu;
}

#[tokio::test]
async fn a_batch_whose_every_step_comes_back_424_gives_up_within_the_retry_caps() {
    use axum::{routing::post, Json, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let batches = Arc::new(AtomicU32::new(0));
    let seen = batches.clone();
    // A proxy that rewrites every step's answer to 424: no step ever really failed.
    let app = Router::new().route(
        "/v1.0/$batch",
        post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                let responses: Vec<Value> = body["requests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| serde_json::json!({"id": r["id"], "status": 424, "body": {}}))
                    .collect();
                Json(serde_json::json!({ "responses": responses }))
            }
        }),
    );
    let g = Arc::new(serve_local(listener, app, &base).with_policy(fast()));
    let batcher = rollcall_graph::batch::Batcher::new(g);
    let started = std::time::Instant::now();
    let r: Result<Value, _> = batcher
        .get_json(Request::get("/users/u1/events/e1").mailbox("u1"))
        .await;
    assert!(
        matches!(r, Err(GraphError::RetriesExhausted { status: 424, .. })),
        "{r:?}"
    );
    let sent = batches.load(Ordering::SeqCst);
    assert!(
        sent <= fast().max_attempts,
        "{sent} batches for one step (attempts are capped at {})",
        fast().max_attempts
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn a_dot_segment_never_reaches_another_resource() {
    let (_emu, g, _) = client(Faults::default()).await;
    for id in ["..", ".", "%2e%2E", ".%2e"] {
        let r = g
            .send(Request::get(format!("/users/u1/events/{id}/cancel")))
            .await;
        assert!(
            matches!(r, Err(GraphError::Config(ref m)) if m.contains("'.' or '..'")),
            "{id}: {r:?}"
        );
    }
    // Dots inside a segment are ordinary characters.
    assert!(g.resolve("/users/a.b@c.example/events/x..y").is_ok());
}
