#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sync benchmark, same data and same run for every figure.
//!
//! 300 ended webinars over 3 hosts with reports of 50–600 attendees; the emulator adds a 50 ms
//! network round trip to every HTTP request and 30 ms of service time to every request and every
//! `$batch` step (held against Outlook's 4 concurrent requests per mailbox). Prints:
//! - the batched sync's time ÷ the unbatched sync's time at the same number of meetings in flight
//!   (the fair comparison: batching alone), and ÷ the historical unbatched baseline (24 meetings
//!   in flight), with the 429s each met (goal: batched no more);
//! - each run's distance to the physical bound: the larger of the dependency depth × (round trip
//!   and service time) — the longest chain of requests that must follow one another: a host's
//!   calendar pages, the meeting lookup, its report list, the longest report's record pages — and
//!   the Teams steps ÷ Teams' per-app limit (5,000 requests per 10 s,
//!   includes/throttling-skype-calling.md), which counts every `$batch` step as a request
//!   (concepts/json-batching.md: steps are throttled one by one; the answer comes when the
//!   slowest is done — as the emulator serves them);
//! - the CPU floor: the same syncs with no round trip and no service time;
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
    emu: rollcall_emulator::Running,
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
        emu,
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

/// Records per `attendanceRecords` page, as the emulator pages them.
const RECORDS_PAGE: usize = 100;
/// Teams' per-app limit for online meetings and attendance reports: 5,000 requests in any 10 s.
const TEAMS_LIMIT: u64 = 5000;
const TEAMS_WINDOW_SECS: f64 = 10.0;

/// Let the Teams limit's 10-second window empty, so a run does not pay for the one before it.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10_500)).await;
}

/// The physical bound of a sync of the tenant's meetings that ended in the last `days`: the
/// larger of its dependency depth × the cost of one request, and its Teams steps ÷ the rate
/// limit. Returns (depth, depth bound, rate floor), in requests and seconds.
fn bound(t: &Tenant, m: &Measured, days: i64) -> (usize, f64, f64) {
    let (rtt, service) = split();
    let per_request = (rtt + service) as f64 / 1000.0;
    let since = Timestamp::now() - SignedDuration::from_hours(24 * days);
    let world = t.emu.shared.world();
    let deepest_meeting = world
        .meetings
        .iter()
        .filter(|mt| mt.reports.iter().any(|r| r.end >= since))
        .map(|mt| {
            let pages = mt
                .reports
                .iter()
                .map(|r| r.records.len().div_ceil(RECORDS_PAGE).max(1))
                .max()
                .unwrap_or(0);
            2 + pages // the lookup, the report list, then the longest report's pages
        })
        .max()
        .unwrap_or(0);
    drop(world);
    let hosts = t.hosts.len().max(1) as u64;
    let calendar = m.stats["byRoute"]["calendarView"]
        .as_u64()
        .unwrap_or(0)
        .div_ceil(hosts) as usize;
    let depth = 1 + calendar + deepest_meeting; // the host's lookup, its calendar pages, a meeting
                                                // The Teams requests Graph accepted (a refused one is counted by route and as throttled).
    let teams: u64 = ["onlineMeetings", "attendanceReports", "attendanceRecords"]
        .iter()
        .map(|r| m.stats["byRoute"][r].as_u64().unwrap_or(0))
        .sum::<u64>()
        .saturating_sub(m.stats["throttled"].as_u64().unwrap_or(0));
    // In any 10 s at most 5,000 are accepted: the n-th cannot go before ⌊(n−1)/5000⌋ windows
    // have passed, and then costs one request's time.
    let by_rate = (teams.saturating_sub(1) / TEAMS_LIMIT) as f64 * TEAMS_WINDOW_SECS + per_request;
    (depth, depth as f64 * per_request, by_rate)
}

/// One line: the run's time against its physical bound.
fn against_bound(name: &str, t: &Tenant, m: &Measured, days: i64) {
    let (depth, by_depth, by_rate) = bound(t, m, days);
    let physical = by_depth.max(by_rate);
    println!(
        "  {name:>22}: {:>6.2} s = {:.2}× the physical bound {physical:.2} s (depth {depth} requests → {by_depth:.2} s; rate floor {by_rate:.2} s)",
        m.wall.as_secs_f64(),
        m.wall.as_secs_f64() / physical
    );
}

async fn set_network(admin: &str, rtt: u64, service: u64) {
    reqwest::Client::new()
        .put(format!("{admin}/faults"))
        .json(&serde_json::json!({"latencyMs": rtt, "serviceMs": service, "mailboxConcurrency": 4}))
        .send()
        .await
        .unwrap();
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
    settle().await;
    let equal_opts = SyncOptions {
        batch: false,
        ..SyncOptions::default()
    };
    let equal = measure(&t, &open("equal.sqlite"), &equal_opts, 61).await;
    settle().await;
    let batched_archive = open("batched.sqlite");
    let batched = measure(&t, &batched_archive, &SyncOptions::default(), 61).await;
    let s = &batched.summary;
    println!(
        "sync: {} webinars, {} meetings, {} reports, {} records; {} ms round trip + {} ms service, 4 per mailbox",
        s.webinars, s.meetings, s.fetched, s.records, split().0, split().1
    );
    assert_eq!(unbatched.summary.records, batched.summary.records);
    let equal_name = format!("unbatched, {} in flight", sync::BATCHED_IN_FLIGHT);
    let base_name = format!("unbatched, {} in flight", sync::MEETINGS_IN_FLIGHT);
    let batched_name = format!("batched, {} in flight", sync::BATCHED_IN_FLIGHT);
    for (name, m) in [
        (base_name.as_str(), &unbatched),
        (equal_name.as_str(), &equal),
        (batched_name.as_str(), &batched),
    ] {
        println!(
            "  {name:>22}: {:>6.2} s, {:>5} HTTP requests ({} batch steps), {} throttled (429)",
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
    let fair = batched.wall.as_secs_f64() / equal.wall.as_secs_f64();
    let ratio = batched.wall.as_secs_f64() / unbatched.wall.as_secs_f64();
    println!(
        "  batched ÷ unbatched at the same {} meetings in flight: {fair:.2}; ÷ the {}-in-flight baseline: {ratio:.2}; 429s {} vs {} and {} (goal: no more)",
        sync::BATCHED_IN_FLIGHT,
        sync::MEETINGS_IN_FLIGHT,
        batched.throttled(),
        equal.throttled(),
        unbatched.throttled()
    );
    for (name, m) in [
        (base_name.as_str(), &unbatched),
        (equal_name.as_str(), &equal),
        (batched_name.as_str(), &batched),
    ] {
        against_bound(name, &t, m, 61);
    }
    // The CPU floor: the same syncs with no network and no service time.
    set_network(&t.admin, 0, 0).await;
    settle().await;
    let cpu_equal = measure(&t, &open("cpu-equal.sqlite"), &equal_opts, 61).await;
    settle().await;
    let cpu_batched = measure(&t, &open("cpu-batched.sqlite"), &SyncOptions::default(), 61).await;
    println!(
        "  CPU floor (0 ms round trip, 0 ms service): unbatched {:.2} s, batched {:.2} s ({} and {} throttled)",
        cpu_equal.wall.as_secs_f64(),
        cpu_batched.wall.as_secs_f64(),
        cpu_equal.throttled(),
        cpu_batched.throttled()
    );
    let (rtt, service) = split();
    set_network(&t.admin, rtt, service).await;

    settle().await;
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
    settle().await;
    let large_equal = measure(&big, &open("large-equal.sqlite"), &equal_opts, 61).await;
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
        "  batched ÷ unbatched at the same {} meetings in flight: {:.2} (unbatched {:.2} s, {} throttled)",
        sync::BATCHED_IN_FLIGHT,
        large.wall.as_secs_f64() / large_equal.wall.as_secs_f64(),
        large_equal.wall.as_secs_f64(),
        large_equal.throttled()
    );
    against_bound(&equal_name, &big, &large_equal, 61);
    against_bound(&batched_name, &big, &large, 61);
    println!(
        "  memory: resident {floor:.0} MiB before the sync (emulator world included; {before:.0} MiB peak earlier), peak {peak:.0} MiB during it: +{:.0} MiB for {} records ({} meetings in flight)",
        peak - floor,
        large.summary.records,
        sync::BATCHED_IN_FLIGHT
    );
    std::fs::remove_dir_all(dir).unwrap();
}
