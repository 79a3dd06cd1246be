#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Managed networks: a proxy that asks for Basic credentials (HTTP 407) gets a message naming it,
//! and the profile's proxy user with its password from the keychain gets through. The proxy is a
//! small forwarding proxy this test starts on 127.0.0.1 in front of the emulator.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rollcall_core::tenant::connection::{proxy_binding, Connection};
use rollcall_core::tenant::profile::{AuthMode, Cloud, Profile, Profiles};
use rollcall_core::tenant::secrets::{MemorySecrets, SecretKind, SecretStore};
use rollcall_core::tenant::session;
use rollcall_core::ErrorCode;
use rollcall_graph::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

/// A forwarding HTTP proxy that wants `Proxy-Authorization: Basic` for `user:pass`; counts the
/// requests it let through.
async fn basic_proxy(user: &str, pass: &str) -> (String, Arc<AtomicUsize>) {
    use base64::Engine;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let want = format!(
        "basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    );
    let passed = Arc::new(AtomicUsize::new(0));
    let counter = passed.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                continue;
            };
            let (want, counter) = (want.clone(), counter.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let head_end = loop {
                    let n = client.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let lines: Vec<&str> = head.split("\r\n").collect();
                let header = |name: &str| {
                    lines.iter().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim()
                            .eq_ignore_ascii_case(name)
                            .then(|| v.trim().to_string())
                    })
                };
                let authorized =
                    header("proxy-authorization").is_some_and(|v| v.eq_ignore_ascii_case(&want));
                if !authorized {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"school\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    return;
                }
                let length: usize = header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let n = client.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                // Absolute-form request line → origin form, to the target named in it.
                let mut parts = lines[0].splitn(3, ' ');
                let (method, target, version) = (
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                );
                let url = url::Url::parse(target).unwrap();
                let path = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_string(),
                };
                let mut out = format!("{method} {path} {version}\r\n");
                for l in &lines[1..] {
                    let lower = l.to_ascii_lowercase();
                    if l.is_empty()
                        || lower.starts_with("proxy-")
                        || lower.starts_with("connection:")
                    {
                        continue;
                    }
                    out.push_str(l);
                    out.push_str("\r\n");
                }
                out.push_str("Connection: close\r\n\r\n");
                let mut upstream =
                    tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
                        .await
                        .unwrap();
                upstream.write_all(out.as_bytes()).await.unwrap();
                upstream.write_all(&buf[head_end..]).await.unwrap();
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = tokio::io::copy(&mut upstream, &mut client).await;
                let _ = client.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), passed)
}

#[tokio::test]
async fn a_proxy_asking_for_credentials_is_named_and_its_password_gets_through() {
    let emu = common::emulator(&[]).await;
    let (proxy, passed) = basic_proxy("student", "s3cret pass").await;
    let dir = std::env::temp_dir().join(format!("rollcall-net-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let profiles = Profiles::in_dir(&dir);
    let store: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let p = Profile {
        id: "behind-proxy".into(),
        name: "Behind the school proxy".into(),
        cloud: Cloud::Custom,
        authority: Some(emu.info.authority.clone()),
        graph: Some(emu.info.graph.clone()),
        tenant: emu.info.tenant_id.clone(),
        client_id: emu.info.client_id.clone(),
        mode: AuthMode::Application,
        portal_domain: String::new(),
        participant_info: true,
        teams_webinars: false,
        lms_window_minutes: None,
        recheck_hours: None,
        hosts: emu.info.hosts.clone(),
        secret_hint: None,
        secret_expires: None,
        signed_in_as: None,
        proxy: Some(proxy.clone()),
        proxy_user: Some("student".into()),
        archive: None,
    };
    profiles.upsert(p.clone()).unwrap();
    session::set_client_secret(
        &profiles,
        store.as_ref(),
        &p,
        &Secret::new(emu.info.client_secret.clone()),
    )
    .unwrap();

    // No password saved: the proxy answers 407, and the message names it.
    let conn = Connection::from_profile(&p, store.clone()).unwrap();
    let err = session::status(&conn, true).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Network, "{err:?}");
    assert!(
        err.message.contains("asks for a user name and password"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains(&proxy),
        "names the proxy: {}",
        err.message
    );
    assert_eq!(passed.load(Ordering::SeqCst), 0);

    // With the password in the keychain (bound to this proxy's address) the sign-in and Graph
    // go through the proxy.
    store
        .set_bound(
            &p.id,
            SecretKind::ProxyPassword,
            &proxy_binding(&proxy),
            &Secret::new("s3cret pass"),
        )
        .unwrap();
    let conn = Connection::from_profile(&p, store.clone()).unwrap();
    session::status(&conn, true).await.unwrap();
    let list = rollcall_core::webinars::list(
        &conn,
        &emu.info.hosts[..1],
        jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 30),
        jiff::Timestamp::now(),
        true,
    )
    .await
    .unwrap();
    assert!(list.problems.is_empty() && !list.webinars.is_empty());
    assert!(
        passed.load(Ordering::SeqCst) >= 2,
        "the token and Graph requests went through the proxy"
    );
}
