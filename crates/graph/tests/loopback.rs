//! The sign-in listener under a flood of idle local connections, with few files to spare (the
//! limit of a Mac, 256, is near): the browser's answer still gets through, and nothing spins.
//! A test binary of its own because it lowers the whole process's limit on open files.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::time::Duration;

use rollcall_graph::delegated::Loopback;

fn open_files() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_neither_exhaust_the_files_nor_keep_the_answer_out() {
    const IDLE: usize = 100;
    let lb = Loopback::bind().await.unwrap();
    let port = lb.port();
    // Room for our own 100 idle client sockets and what the listener may keep, not for the
    // listener to hold one file per idle connection too.
    let limit = open_files() + IDLE as u64 + 40;
    // util-linux's prlimit on this very process (the workspace forbids unsafe code).
    let set = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--nofile={limit}:{limit}"),
        ])
        .status()
        .unwrap();
    assert!(set.success());
    let waiting =
        tokio::spawn(lb.wait("the-state", Duration::from_secs(20), std::future::pending()));
    let flood = tokio::task::spawn_blocking(move || {
        let mut idle = Vec::new();
        for _ in 0..IDLE {
            idle.push(
                std::net::TcpStream::connect(("127.0.0.1", port)).expect("an idle connection"),
            );
        }
        std::thread::sleep(Duration::from_millis(300));
        let mut browser =
            std::net::TcpStream::connect(("127.0.0.1", port)).expect("the browser's connection");
        browser
            .write_all(b"GET /?code=the-code&state=the-state HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        browser
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut page = String::new();
        let _ = browser.read_to_string(&mut page);
        drop(idle);
        page
    });
    let code = tokio::time::timeout(Duration::from_secs(15), waiting)
        .await
        .expect("the answer got through in time")
        .unwrap()
        .expect("the sign-in's code");
    assert_eq!(code.expose(), "the-code");
    assert!(flood.await.unwrap().contains("200 OK"));
}
