#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sync benchmark, same data and same run for every figure.
//!
//! 300 ended webinars over 3 hosts with reports of 50–600 attendees; the emulator adds a 50 ms
//! network round trip to every HTTP request and 30 ms of service time to every request and every
//! `$batch` step (held against Outlook's 4 concurrent requests per mailbox). Prints:
//! - the batched sync's time ÷ the unbatched (one request at a time per step, 4 per mailbox in
//!   flight) sync's time — goal ≤ 0.5 — and the 429s each met (goal: batched no more);
//! - a re-sync with nothing new: every HTTP request it cost (calendar pages and user lookups
//!   included) ÷ meetings — goal ≤ 0.1;
//! - 3,000 webinars over 20 hosts, batched: time, requests, and the peak resident memory the sync
//!   added (at most 320 meetings in flight keep it bounded).
//!
//! Run: `cargo bench -p rollcall-core --bench sync`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use rollcall_core::archive::sync::{self, SyncOptions};
use rollcall_core::archive::Archive;
use rollcall_core::tenant::connection::Connection;
use rollcall_graph::{Endpoints, Secret};

/// The split (override with `ROLLCALL_BENCH_RTT_MS` / `ROLLCALL_BENCH_SERVICE_MS` to see how the
/// ratio depends on it).
fn split() -> (u64, u64) {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    (
        env("ROLLCALL_BENCH_RTT_MS", 50),
        env("ROLLCALL_BENCH_SERVICE_MS", 30),
    )
}
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

async fn reset(admin: &str) {
    reqwest::Client::new()
        .delete(format!("{admin}/stats"))
        .send()
        .await
        .unwrap();
}

/// Peak resident set size of this process so far, in MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Reset the peak so the next reading is this phase's (Linux: write 5 to clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Tenant {
    _emu: rollcall_emulator::Running,
    admin: String,
    conn: Connection,
    hosts: Vec<String>,
}

async fn tenant(bulk: serde_json::Value, hosts: Vec<String>) -> Tenant {
    let emu = rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
        .await
        .unwrap();
    let admin = emu.info.admin.clone();
    let http = reqwest::Client::new();
    http.post(format!("{admin}/bulk"))
        .json(&bulk)
        .send()
        .await
        .unwrap();
    http.put(format!("{admin}/faults"))
        .json(&serde_json::json!({"latencyMs": split().0, "serviceMs": split().1, "mailboxConcurrency": 4}))
        .send()
        .await
        .unwrap();
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
    Tenant {
        _emu: emu,
        admin,
        conn,
        hosts,
    }
}

struct Measured {
    wall: Duration,
    summary: sync::SyncSummary,
    stats: serde_json::Value,
}

impl Measured {
    fn throttled(&self) -> u64 {
        self.stats["throttled"].as_u64().unwrap_or(0)
            + self.stats["mailboxThrottled"].as_u64().unwrap_or(0)
    }
}

async fn measure(t: &Tenant, archive: &Arc<Archive>, opts: &SyncOptions, days: i64) -> Measured {
    // The bulk webinars only: the window starts after the demo's own meetings of the last days.
    let (from, to) = (
        Timestamp::now() - SignedDuration::from_hours(24 * days),
        Timestamp::now(),
    );
    reset(&t.admin).await;
    let started = Instant::now();
    let summary = sync::sync_with(
        &t.conn,
        archive.clone(),
        &t.hosts,
        from,
        to,
        opts,
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap();
    let wall = started.elapsed();
    Measured {
        wall,
        summary,
        stats: stats(&t.admin).await,
    }
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("rollcall-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let open = |name: &str| Arc::new(Archive::open(&dir.join(name)).unwrap());

    let t = tenant(
        serde_json::json!({"count": 300, "minAttendees": 50, "maxAttendees": 600, "daysBack": 60, "seed": 11}),
        HOSTS.map(String::from).to_vec(),
    )
    .await;
    let unbatched_opts = SyncOptions::unbatched();
    let unbatched = measure(&t, &open("unbatched.sqlite"), &unbatched_opts, 61).await;
    let batched_archive = open("batched.sqlite");
    let batched = measure(&t, &batched_archive, &SyncOptions::default(), 61).await;
    let s = &batched.summary;
    println!(
        "sync: {} webinars, {} meetings, {} reports, {} records; {} ms round trip + {} ms service, 4 per mailbox",
        s.webinars, s.meetings, s.fetched, s.records, split().0, split().1
    );
    assert_eq!(unbatched.summary.records, batched.summary.records);
    for (name, m) in [("unbatched", &unbatched), ("batched", &batched)] {
        println!(
            "  {name:>9}: {:>6.2} s, {:>5} HTTP requests ({} batch steps), {} throttled (429)",
            m.wall.as_secs_f64(),
            m.stats["graphRequests"],
            m.stats["subRequests"],
            m.throttled()
        );
    }
    // What both pay before the first meeting: the hosts' calendars (not batched: a few pages).
    let listed = Instant::now();
    rollcall_core::webinars::list(
        &t.conn,
        &t.hosts,
        Timestamp::now() - SignedDuration::from_hours(24 * 61),
        Timestamp::now(),
        true,
    )
    .await
    .unwrap();
    println!(
        "  of which the calendars: {:.2} s",
        listed.elapsed().as_secs_f64()
    );
    let ratio = batched.wall.as_secs_f64() / unbatched.wall.as_secs_f64();
    println!(
        "  batched ÷ unbatched time: {ratio:.2} (goal ≤ 0.50); 429s {} vs {} (goal: no more)",
        batched.throttled(),
        unbatched.throttled()
    );

    let again = measure(&t, &batched_archive, &SyncOptions::default(), 61).await;
    let total = again.stats["graphRequests"].as_u64().unwrap_or(0);
    println!(
        "  re-sync, nothing new: {:.2} s, {total} HTTP requests in all ({} calendar pages, {} user lookups, {} batches) for {} meetings ({} settled): {:.3} per meeting (goal ≤ 0.10)",
        again.wall.as_secs_f64(),
        again.stats["byRoute"]["calendarView"].as_u64().unwrap_or(0),
        again.stats["byRoute"]["users"].as_u64().unwrap_or(0),
        again.stats["byRoute"]["batch"].as_u64().unwrap_or(0),
        again.summary.meetings,
        again.summary.settled,
        total as f64 / f64::from(again.summary.meetings.max(1))
    );
    drop(t);

    // A large tenant: 3,000 webinars over 20 hosts, batched.
    let hosts: Vec<String> = (1..=20)
        .map(|n| format!("bulk.host{n}@northwind.example"))
        .collect();
    let big = tenant(
        serde_json::json!({"count": 3000, "minAttendees": 20, "maxAttendees": 300, "daysBack": 60, "seed": 5, "extraHosts": 20, "hosts": hosts}),
        hosts.clone(),
    )
    .await;
    let before = peak_rss_mib();
    reset_peak();
    let floor = peak_rss_mib();
    let large = measure(&big, &open("large.sqlite"), &SyncOptions::default(), 61).await;
    let peak = peak_rss_mib();
    println!(
        "large: {} webinars over {} hosts, {} reports, {} records: {:.2} s, {} HTTP requests ({} steps), {} throttled",
        large.summary.webinars,
        hosts.len(),
        large.summary.fetched,
        large.summary.records,
        large.wall.as_secs_f64(),
        large.stats["graphRequests"],
        large.stats["subRequests"],
        large.throttled()
    );
    println!(
        "  memory: resident {floor:.0} MiB before the sync (emulator world included; {before:.0} MiB peak earlier), peak {peak:.0} MiB during it: +{:.0} MiB for {} records ({} meetings in flight)",
        peak - floor,
        large.summary.records,
        sync::BATCHED_IN_FLIGHT
    );
    std::fs::remove_dir_all(dir).unwrap();
}
