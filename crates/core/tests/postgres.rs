#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The team archive's server, for real: a PostgreSQL cluster of its own (initdb in a temporary
//! folder, TLS on, a random port, not as root), reached with the client the archive uses
//! (tokio-postgres over rustls) — TLS verified against the test CA, passwords only, plain TCP
//! refused — and stopped however a test ends.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

mod common;
use common::pg::PgCluster;

fn tls(ca_pem: &[u8]) -> tokio_postgres_rustls::MakeRustlsConnect {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}

fn config(pg: &PgCluster, password: &str) -> tokio_postgres::Config {
    let mut c: tokio_postgres::Config = pg.url().parse().unwrap();
    c.password(password)
        .ssl_mode(tokio_postgres::config::SslMode::Require)
        .host("localhost");
    c
}

#[tokio::test]
async fn the_test_server_speaks_tls_with_passwords_only() {
    let Some(pg) = PgCluster::start() else { return };
    let (client, conn) = config(&pg, &pg.password)
        .connect(tls(&pg.ca_pem))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    tokio::spawn(conn);
    let ssl: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    assert_eq!(ssl, "on");
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await
        .unwrap()
        .get(0);
    assert!(version >= 120000, "PostgreSQL 12 or later: {version}");
    let encrypted: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted);

    // A wrong password: SQLSTATE 28P01.
    let e = config(&pg, "not-the-password")
        .connect(tls(&pg.ca_pem))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::INVALID_PASSWORD),
        "{e}"
    );
    // A certificate from a CA the client does not trust: the TLS handshake fails.
    let other = PgCluster::start().unwrap();
    let e = config(&pg, &pg.password)
        .connect(tls(&other.ca_pem))
        .await
        .err()
        .expect("untrusted");
    assert!(format!("{e:?}").contains("UnknownIssuer"), "{e:?}");
    // Plain TCP is refused by the server.
    let mut plain = config(&pg, &pg.password);
    plain.ssl_mode(tokio_postgres::config::SslMode::Disable);
    let e = plain
        .connect(tokio_postgres::NoTls)
        .await
        .err()
        .expect("no plain TCP");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        "{e:?}"
    );
    assert!(
        e.as_db_error().unwrap().message().contains("no encryption"),
        "{e:?}"
    );
}

#[test]
fn the_server_stops_however_the_test_ends() {
    let (tx, rx) = std::sync::mpsc::channel();
    let ended = std::thread::spawn(move || {
        let Some(pg) = PgCluster::start() else { return };
        assert!(pg.listening());
        tx.send((pg.port, pg.psql("SELECT 41 + 1"))).unwrap();
        panic!("a test fails while its server runs");
    })
    .join();
    if ended.is_ok() {
        // No server on this system (macOS, Windows), or a shifted-clock run (the server runs once
        // per npm test, at today's date): `start` said so. Linux at today's date never gets here.
        if cfg!(target_os = "linux") && std::env::var_os("FAKETIME").is_none() {
            panic!("the server did not start on Linux");
        }
        return;
    }
    let (port, answer) = rx
        .try_recv()
        .expect("the server started and answered before the panic");
    assert_eq!(answer, "42");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server stopped with the panic"
    );
}
