//! Naming who signed the certificate a server presented, when rustls refused it: behind a
//! TLS-inspecting proxy (Zscaler, Fortinet, Securly …) whose root is not in this computer's store,
//! the admin needs "issued by <the proxy's CA>", not "could not reach". This connects once more
//! (directly, or through `HTTPS_PROXY` with `CONNECT`), accepts whatever is presented — nothing is
//! sent over that connection — and reads the issuer of the end-entity certificate.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The presented certificate's issuer ("Rollcall Test Inspection CA, Northwind IT"), if the
/// server can be reached at all.
pub async fn presented_issuer(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.trim_matches(['[', ']']).to_string();
    let port = u.port_or_known_default()?;
    let probe = async {
        let mut tcp = match std::env::var("HTTPS_PROXY").or_else(|_| std::env::var("https_proxy")) {
            Ok(proxy) if !no_proxy(&host) => connect_via(&proxy, &host, port).await?,
            _ => tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .ok()?,
        };
        let seen = Arc::new(Seen::default());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(seen.clone())
            .with_no_client_auth();
        let name = ServerName::try_from(host.clone()).ok()?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let mut tls = connector.connect(name, &mut tcp).await.ok()?;
        let _ = tls.shutdown().await;
        let der = seen.0.lock().ok()?.clone()?;
        issuer_of(&der)
    };
    tokio::time::timeout(Duration::from_secs(10), probe)
        .await
        .ok()?
}

fn no_proxy(host: &str) -> bool {
    let list = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default();
    list.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .any(|d| {
            d == "*"
                || host.eq_ignore_ascii_case(d.trim_start_matches('.'))
                || host.ends_with(&format!(".{}", d.trim_start_matches('.')))
        })
}

/// A `CONNECT` tunnel through an HTTP proxy (credentials from the proxy URL, if any).
async fn connect_via(proxy: &str, host: &str, port: u16) -> Option<tokio::net::TcpStream> {
    use base64::Engine;
    let p = url::Url::parse(proxy).ok()?;
    let mut tcp = tokio::net::TcpStream::connect((p.host_str()?, p.port_or_known_default()?))
        .await
        .ok()?;
    let mut req = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if !p.username().is_empty() {
        let creds = format!("{}:{}", p.username(), p.password().unwrap_or_default());
        req.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(creds)
        ));
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 8192 {
        if tcp.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code == "200")
        .then_some(tcp)
}

/// Records the end-entity certificate and accepts it: only for naming the issuer.
#[derive(Debug, Default)]
struct Seen(std::sync::Mutex<Option<Vec<u8>>>);

impl ServerCertVerifier for Seen {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut s) = self.0.lock() {
            *s = Some(end_entity.to_vec());
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The issuer's common name and organization from an X.509 certificate (RFC 5280 §4.1).
pub fn issuer_of(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = der(cert)?;
    let (_, tbs, _) = der(certificate)?;
    let mut rest = tbs;
    let (tag, _, r) = der(rest)?;
    if tag == 0xa0 {
        rest = r; // explicit version
    }
    let (_, _, r) = der(rest)?; // serialNumber
    let (_, _, r) = der(r)?; // signature algorithm
    let (_, issuer, _) = der(r)?; // issuer Name: SEQUENCE OF SET OF AttributeTypeAndValue
    let (mut cn, mut org) = (None, None);
    let mut sets = issuer;
    while let Some((_, set, next)) = der(sets) {
        let mut atvs = set;
        while let Some((_, atv, more)) = der(atvs) {
            if let Some((0x06, oid, value)) = der(atv) {
                if let Some((_, text, _)) = der(value) {
                    let text = String::from_utf8_lossy(text).to_string();
                    match oid {
                        [0x55, 0x04, 0x03] => cn = Some(text),
                        [0x55, 0x04, 0x0a] => org = Some(text),
                        _ => {}
                    }
                }
            }
            atvs = more;
        }
        sets = next;
    }
    match (cn, org) {
        (Some(c), Some(o)) if c != o => Some(format!("{c} ({o})")),
        (Some(c), _) => Some(c),
        (None, Some(o)) => Some(o),
        (None, None) => None,
    }
}

/// A TLS failure because the certificate chain is not trusted here (not any network failure).
pub fn is_untrusted_certificate(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("unknownissuer")
        || d.contains("invalid peer certificate")
        || d.contains("certificate verify failed")
}

/// [`crate::GraphError::transport`], and when the certificate was not trusted, who issued it.
pub async fn transport_error(
    host: &str,
    url: &str,
    e: &(dyn std::error::Error + Send + Sync + 'static),
) -> crate::GraphError {
    let mut err = crate::GraphError::transport(host, e);
    if let crate::GraphError::Transport { detail, .. } = &mut err {
        if is_untrusted_certificate(detail) {
            if let Some(issuer) = presented_issuer(url).await {
                detail.push_str(&format!("; issued by {issuer}"));
            }
        }
    }
    err
}
