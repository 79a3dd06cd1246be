#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Calendar fetch benchmark: one host with 2,000 Teams events in the visible month, read through
//! Rollcall's pipeline (`webinars::list_host`: token, mailbox gate, paging, typed models, UTC) and,
//! as the baseline in the same run, by a bare HTTP loop that only follows `@odata.nextLink` and
//! parses JSON. Prints both and their ratio. Run: `cargo bench -p rollcall-core --bench calendar`.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::webinars;
use rollcall_graph::{Endpoints, Secret};

const EVENTS: usize = 2_000;
const RUNS: usize = 5;
const HOST: &str = "adele.vance@northwind.example";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let emu = rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
        .await
        .expect("emulator");
    let conn = Connection::application(
        Endpoints {
            authority: emu.info.authority.clone(),
            graph: emu.info.graph.clone(),
        },
        &emu.info.tenant_id,
        &emu.info.client_id,
        Secret::new(emu.info.client_secret.clone()),
        vec![HOST.into()],
    )
    .expect("connection");
    let from: Timestamp = "2027-01-01T00:00:00Z".parse().expect("date");
    let to = from + SignedDuration::from_hours(24 * 31);

    // Seed 2,000 events in January 2027 straight through Graph.
    let graph = conn.graph().expect("graph");
    let user = rollcall_core::directory::find_user(&graph, HOST)
        .await
        .expect("lookup")
        .expect("host");
    let mut set = tokio::task::JoinSet::new();
    for i in 0..EVENTS {
        let g = conn.graph().expect("graph");
        let id = user.id.clone();
        set.spawn(async move {
            let start = from + SignedDuration::from_mins((i as i64 * 22) % (31 * 24 * 60 - 60));
            let body = serde_json::json!({
                "subject": format!("Load test {i}"),
                "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
                "end": {"dateTime": (start + SignedDuration::from_mins(45)).strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
                "isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness",
            });
            g.send(rollcall_graph::Request::new(reqwest::Method::POST, format!("/users/{id}/events"), Some(body)).mailbox(&id))
                .await
                .expect("create");
        });
    }
    while set.join_next().await.is_some() {}

    let token = conn.token(false).await.expect("token").value;
    let http = reqwest::Client::new();
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    let mut count = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let list = webinars::list_host(&conn, HOST, from, to, true)
            .await
            .expect("list");
        ours.push(t.elapsed());
        count = list.len();

        let t = Instant::now();
        let mut url = format!(
            "{}/users/{}/calendarView?startDateTime={}&endDateTime={}&$top=100",
            emu.info.graph, user.id, from, to
        );
        let mut n = 0;
        loop {
            let v: serde_json::Value = http
                .get(&url)
                .bearer_auth(token.expose())
                .header("Prefer", "outlook.timezone=\"UTC\"")
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            n += v["value"].as_array().map_or(0, Vec::len);
            match v["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => break,
            }
        }
        bare.push(t.elapsed());
        assert!(n >= EVENTS);
    }
    assert!(count >= EVENTS, "all {EVENTS} events read, got {count}");
    let (o, b) = (median(ours), median(bare));
    println!("calendar fetch, one host, {count} events in the range, median of {RUNS} runs");
    println!(
        "  rollcall pipeline (list_host): {:>8.1} ms  ({:.0} events/s)",
        o.as_secs_f64() * 1e3,
        count as f64 / o.as_secs_f64()
    );
    println!(
        "  baseline bare paging loop:     {:>8.1} ms",
        b.as_secs_f64() * 1e3
    );
    println!(
        "  ratio pipeline / baseline:     {:>8.2}",
        o.as_secs_f64() / b.as_secs_f64()
    );
}
