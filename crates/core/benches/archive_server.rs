#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shared archive's benchmark: the same sync into the file and into a real PostgreSQL server
//! (tests/common/pg.rs: its own cluster, TLS, on this machine), and ten readers during a sync.
//!
//! The sync benchmark's large tenant — 3,000 ended webinars over 20 hosts, 20–300 attendees each —
//! synced, batched, into a new SQLite file and into a new PostgreSQL database, twice: with the
//! sync benchmark's Graph (50 ms round trip, 30 ms service time per request and step: what a real
//! tenant costs) and with no Graph cost at all (the archive's own cost shows). Prints each time and
//! the ratio server ÷ file. Then, at no Graph cost (the writer at its fastest, the worst case for
//! readers), ten readers — ten curators, each with their own connection — ask for one host's week
//! every 50 ms while a sync writes: their p50/p95 per query on each backend, and the sync's time
//! with them ÷ without them.
//!
//! Run: `cargo bench -p rollcall-core --bench archive_server` (Linux, PostgreSQL installed).

#[path = "../tests/common/pg.rs"]
mod pg;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use rollcall_core::archive::sync::{self, SyncOptions};
use rollcall_core::archive::{Archive, ServerAddress};
use rollcall_core::tenant::connection::Connection;
use rollcall_graph::{Endpoints, Secret};

async fn set_network(admin: &str, rtt: u64, service: u64) {
    reqwest::Client::new()
        .put(format!("{admin}/faults"))
        .json(&serde_json::json!({"latencyMs": rtt, "serviceMs": service, "mailboxConcurrency": 4}))
        .send()
        .await
        .unwrap();
}

/// Let Teams' 10-second rate window empty between runs.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10_500)).await;
}

fn window() -> (Timestamp, Timestamp) {
    (
        Timestamp::now() - SignedDuration::from_hours(24 * 61),
        Timestamp::now(),
    )
}

async fn timed_sync(
    conn: &Connection,
    hosts: &[String],
    archive: Arc<Archive>,
) -> (Duration, sync::SyncSummary) {
    let (from, to) = window();
    let started = Instant::now();
    let s = sync::sync_with(
        conn,
        archive,
        hosts,
        from,
        to,
        &SyncOptions::default(),
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap();
    (started.elapsed(), s)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Ten readers, each on its own connection, query one host's week (a curator's view) until the
/// sync ends; their latencies in ms, sorted.
fn readers(
    open: impl Fn() -> Archive + Send + Sync + 'static,
    hosts: Vec<String>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<f64>> {
    let open = Arc::new(open);
    std::thread::spawn(move || {
        let threads: Vec<_> = (0..10)
            .map(|i| {
                let (open, hosts, done) = (open.clone(), hosts.clone(), done.clone());
                std::thread::spawn(move || {
                    let a = open();
                    let mut lat = Vec::new();
                    let mut n = i;
                    while !done.load(Ordering::Relaxed) {
                        let host = hosts[n % hosts.len()].clone();
                        let end =
                            Timestamp::now() - SignedDuration::from_hours(24 * (n % 50) as i64);
                        let start = end - SignedDuration::from_hours(24 * 7);
                        let t = Instant::now();
                        let _ = a
                            .range(&[host], &start.to_string(), &end.to_string(), 0.8)
                            .unwrap();
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        n += 7;
                        // A person reads what came back before asking again (20 a second each is
                        // still far more than ten curators click).
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    lat
                })
            })
            .collect();
        let mut all: Vec<f64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        all
    })
}

#[tokio::main]
async fn main() {
    let Some(server) = pg::PgCluster::start() else {
        println!("no PostgreSQL server here: the shared-archive benchmark needs Linux with postgresql installed");
        return;
    };
    let dir = std::env::temp_dir().join(format!("rollcall-bench-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hosts: Vec<String> = (1..=20)
        .map(|n| format!("bulk.host{n}@northwind.example"))
        .collect();
    let emu = rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
        .await
        .unwrap();
    reqwest::Client::new()
        .post(format!("{}/bulk", emu.info.admin))
        .json(&serde_json::json!({"count": 3000, "minAttendees": 20, "maxAttendees": 300, "daysBack": 60, "seed": 5, "extraHosts": 20, "hosts": hosts}))
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
    let mut n = 0;
    let mut fresh_db = || {
        n += 1;
        let name = format!("bench{n}");
        server.create_database(&name);
        server.address(&server.user, &name)
    };
    let connect = {
        let password = server.password.clone();
        move |addr: &str| {
            Archive::connect(
                &ServerAddress::parse(addr).unwrap(),
                Some(&Secret::new(password.clone())),
            )
            .unwrap()
        }
    };
    let file = |name: &str| dir.join(name);

    println!("shared archive: 3,000 webinars over 20 hosts, batched sync, file (SQLite) vs server (PostgreSQL {} on 127.0.0.1, TLS)", server.psql("SHOW server_version"));
    for (label, rtt, service) in [("Graph at 50 ms + 30 ms", 50, 30), ("no Graph cost", 0, 0)] {
        set_network(&emu.info.admin, rtt, service).await;
        settle().await;
        let (file_time, s) = timed_sync(
            &conn,
            &hosts,
            Arc::new(Archive::open(&file(&format!("{rtt}.sqlite"))).unwrap()),
        )
        .await;
        settle().await;
        let addr = fresh_db();
        let (server_time, s2) = timed_sync(&conn, &hosts, Arc::new(connect(&addr))).await;
        assert_eq!(
            (s.fetched, s.records),
            (s2.fetched, s2.records),
            "the same sync"
        );
        let db = ServerAddress::parse(&addr).unwrap().database;
        let server_bytes: f64 = server
            .psql(&format!("SELECT pg_database_size('{db}')"))
            .parse()
            .unwrap();
        let file_bytes = ["", "-wal"]
            .iter()
            .map(|end| {
                std::fs::metadata(file(&format!("{rtt}.sqlite{end}"))).map_or(0, |m| m.len())
            })
            .sum::<u64>() as f64;
        println!(
            "  stored: the file {:.0} MB, the database {:.0} MB ({:.0} bytes per attendance record with its intervals)",
            file_bytes / 1e6,
            server_bytes / 1e6,
            server_bytes / s2.records as f64
        );
        println!(
            "  {label}: {} reports, {} records — file {:.2} s, server {:.2} s: server ÷ file {:.2}",
            s.fetched,
            s.records,
            file_time.as_secs_f64(),
            server_time.as_secs_f64(),
            server_time.as_secs_f64() / file_time.as_secs_f64()
        );
    }

    // Ten readers while a sync writes (no Graph cost: the writer at full speed).
    for backend in ["file", "server"] {
        settle().await;
        let (alone, _) = if backend == "file" {
            timed_sync(
                &conn,
                &hosts,
                Arc::new(Archive::open(&file("alone.sqlite")).unwrap()),
            )
            .await
        } else {
            timed_sync(&conn, &hosts, Arc::new(connect(&fresh_db()))).await
        };
        settle().await;
        let done = Arc::new(AtomicBool::new(false));
        let (writer, reading) = if backend == "file" {
            let path = file("read.sqlite");
            let writer = Arc::new(Archive::open(&path).unwrap());
            let reading = readers(
                move || Archive::open(&path).unwrap(),
                hosts.clone(),
                done.clone(),
            );
            (writer, reading)
        } else {
            let addr = fresh_db();
            let writer = Arc::new(connect(&addr));
            let c = connect.clone();
            let reading = readers(move || c(&addr), hosts.clone(), done.clone());
            (writer, reading)
        };
        let (with_readers, _) = timed_sync(&conn, &hosts, writer).await;
        done.store(true, Ordering::Relaxed);
        let lat = tokio::task::spawn_blocking(move || reading.join().unwrap())
            .await
            .unwrap();
        println!(
            "  10 readers during a sync into the {backend}: {} queries of a host's week, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; the sync {:.2} s with them, {:.2} s alone: slowdown {:.2}",
            lat.len(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.95),
            lat.last().copied().unwrap_or(0.0),
            with_readers.as_secs_f64(),
            alone.as_secs_f64(),
            with_readers.as_secs_f64() / alone.as_secs_f64()
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
