#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sync benchmark: 300 ended webinars with reports of 50–600 attendees, the emulator adding 80 ms to
//! every Graph request and allowing 4 concurrent requests per mailbox. Prints wall time, the lower
//! bound `requests × latency ÷ allowed concurrency` (4 per mailbox × 3 mailboxes), their ratio (goal
//! ≤ 1.25), the ratio to a sequential sync of the same data in the same run, and the cost of a
//! re-sync with nothing new. Run: `cargo bench -p rollcall-core --bench sync`.

use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use rollcall_core::archive::sync;
use rollcall_core::archive::Archive;
use rollcall_core::tenant::connection::Connection;
use rollcall_graph::{Endpoints, Secret};

const LATENCY_MS: u64 = 80;
const HOSTS: [&str; 3] = [
    "megan.bowen@northwind.example",
    "adele.vance@northwind.example",
    "maria.ortiz@northwind.example",
];

async fn stats(admin: &str) -> serde_json::Value {
    reqwest::get(format!("{admin}/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    let emu = rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
        .await
        .unwrap();
    let admin = emu.info.admin.clone();
    let http = reqwest::Client::new();
    http.post(format!("{admin}/bulk"))
        .json(&serde_json::json!({"count": 300, "minAttendees": 50, "maxAttendees": 600, "daysBack": 60, "seed": 11}))
        .send()
        .await
        .unwrap();
    http.put(format!("{admin}/faults"))
        .json(&serde_json::json!({"latencyMs": LATENCY_MS, "mailboxConcurrency": 4}))
        .send()
        .await
        .unwrap();
    let hosts: Vec<String> = HOSTS.map(String::from).to_vec();
    let conn = Connection::application(
        Endpoints {
            authority: emu.info.authority.clone(),
            graph: emu.info.graph.clone(),
        },
        &emu.info.tenant_id,
        &emu.info.client_id,
        Secret::new(emu.info.client_secret.clone()),
        hosts.clone(),
    )
    .unwrap();
    // The bulk webinars only: the window starts after the demo's own meetings of the last days.
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * 61),
        Timestamp::now(),
    );
    let dir = std::env::temp_dir().join(format!("rollcall-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let run = |in_flight: usize, name: &'static str| {
        let (conn, hosts, admin, dir) = (conn.clone(), hosts.clone(), admin.clone(), dir.clone());
        async move {
            let archive = Arc::new(Archive::open(&dir.join(name)).unwrap());
            reqwest::Client::new()
                .delete(format!("{admin}/stats"))
                .send()
                .await
                .unwrap();
            let t = Instant::now();
            let s = sync::sync_with(
                &conn,
                archive.clone(),
                &hosts,
                from,
                to,
                in_flight,
                |_| {},
                std::future::pending(),
            )
            .await
            .unwrap();
            let wall = t.elapsed();
            let st = stats(&admin).await;
            (wall, s, st, archive)
        }
    };

    let (wall, s, st, archive) = run(sync::MEETINGS_IN_FLIGHT, "concurrent.sqlite").await;
    let requests = st["graphRequests"].as_u64().unwrap();
    let allowed = 4 * HOSTS.len() as u64;
    let bound = requests as f64 * LATENCY_MS as f64 / 1000.0 / allowed as f64;
    println!(
        "sync: {} webinars, {} meetings, {} reports, {} records",
        s.webinars, s.meetings, s.fetched, s.records
    );
    println!("  concurrent: {:>7.2} s, {requests} Graph requests, max {} in flight per mailbox, {} throttled", wall.as_secs_f64(), st["maxInFlightPerMailbox"], st["mailboxThrottled"]);
    println!("  lower bound requests × {LATENCY_MS} ms ÷ {allowed}: {bound:.2} s; ratio {:.2} (goal ≤ 1.25)", wall.as_secs_f64() / bound);

    // Re-sync with nothing new.
    reqwest::Client::new()
        .delete(format!("{admin}/stats"))
        .send()
        .await
        .unwrap();
    let t = Instant::now();
    let again = sync::sync(
        &conn,
        archive,
        &hosts,
        from,
        to,
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap();
    let st2 = stats(&admin).await;
    let cal = st2["byRoute"]["calendarView"].as_u64().unwrap_or(0);
    println!(
        "  re-sync: {:.2} s, {} requests ({} calendarView pages, {} user lookups, {} beyond: {:.2} per meeting), {} fetched",
        t.elapsed().as_secs_f64(),
        st2["graphRequests"],
        cal,
        st2["byRoute"]["users"].as_u64().unwrap_or(0),
        again.requests,
        again.requests as f64 / again.meetings.max(1) as f64,
        again.fetched
    );

    let (seq_wall, _, seq_st, _) = run(1, "sequential.sqlite").await;
    println!(
        "  sequential baseline: {:>7.2} s ({} requests); concurrent is {:.1}x faster",
        seq_wall.as_secs_f64(),
        seq_st["graphRequests"],
        seq_wall.as_secs_f64() / wall.as_secs_f64()
    );
    std::fs::remove_dir_all(dir).unwrap();
}
