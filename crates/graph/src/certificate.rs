//! The application's own certificate credential (Entra's certificate credentials; RFC 7523
//! client assertions): a key pair made here, the certificate whose public half an administrator
//! uploads to the app registration, and the signed assertion sent instead of a client secret.
//!
//! Microsoft: MicrosoftDocs/entra-docs, docs/identity-platform/certificate-credentials.md —
//! header `alg` PS256 (PSS padding), `typ` JWT, `x5t#S256` the base64url SHA-256 thumbprint of the
//! certificate's DER; claims `aud` (the token endpoint), `iss` = `sub` = the client id, `jti` a
//! GUID, `nbf`/`iat` now, `exp` 5–10 minutes later.
//!
//! Owns the cryptography; where the key is kept is the caller's (core keeps it in a file only the
//! user can read).

use std::str::FromStr;

use base64::Engine;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use crate::Secret;

/// A made key pair and its self-signed certificate.
pub struct Made {
    /// The private key, PKCS#8 PEM.
    pub key_pem: Secret,
    /// The certificate, DER (what Entra's "Upload certificate" takes as a .cer file).
    pub cert_der: Vec<u8>,
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// Make an RSA-2048 key and a self-signed certificate for it, valid `days` from now, named
/// `CN={common_name}`.
pub fn make(common_name: &str, days: u32) -> Result<Made, String> {
    let mut rng = rsa::rand_core::OsRng;
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| err("RSA key", e))?;
    let public = rsa::RsaPublicKey::from(&key);
    let spki = SubjectPublicKeyInfoOwned::from_key(public).map_err(|e| err("public key", e))?;
    // A CN may not hold `,`/`=`/`+` unescaped: keep letters, digits, spaces and a few marks.
    let cn: String = common_name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')'))
        .take(60)
        .collect();
    let subject = Name::from_str(&format!(
        "CN={}",
        if cn.trim().is_empty() {
            "Rollcall"
        } else {
            cn.trim()
        }
    ))
    .map_err(|e| err("certificate name", e))?;
    let mut serial: [u8; 16] = *uuid::Uuid::new_v4().as_bytes();
    serial[0] &= 0x7f; // a positive integer
    let validity = Validity::from_now(std::time::Duration::from_secs(u64::from(days) * 86_400))
        .map_err(|e| err("validity", e))?;
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    let builder = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::new(&serial).map_err(|e| err("serial", e))?,
        validity,
        subject,
        spki,
        &signer,
    )
    .map_err(|e| err("certificate", e))?;
    let cert = builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|e| err("certificate", e))?;
    let cert_der = cert.to_der().map_err(|e| err("certificate", e))?;
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| err("private key", e))?;
    Ok(Made {
        key_pem: Secret::new(key_pem.as_str()),
        cert_der,
    })
}

/// `x5t#S256`: the base64url SHA-256 of the certificate's DER.
pub fn thumbprint_s256(cert_der: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(cert_der))
}

/// The certificate's last day of validity (RFC 3339), as Entra shows it after the upload.
pub fn not_after(cert_der: &[u8]) -> Result<String, String> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| err("certificate", e))?;
    let t = cert.tbs_certificate.validity.not_after.to_unix_duration();
    jiff::Timestamp::from_second(t.as_secs() as i64)
        .map(|t| t.to_string())
        .map_err(|e| err("certificate", e))
}

/// The certificate as PEM (`-----BEGIN CERTIFICATE-----`), for people and portals that want text.
pub fn cert_pem(cert_der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert_der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// A signed client assertion for `client_id` at `token_url`, valid for ten minutes from `now`.
pub fn assertion(
    key_pem: &Secret,
    cert_der: &[u8],
    client_id: &str,
    token_url: &str,
    now: jiff::Timestamp,
) -> Result<Secret, String> {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(key_pem.expose())
        .map_err(|e| err("the certificate's private key", e))?;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let header =
        serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": thumbprint_s256(cert_der)});
    let t = now.as_second();
    let claims = serde_json::json!({
        "aud": token_url, "iss": client_id, "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": t, "iat": t, "exp": t + 600,
    });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signer = rsa::pss::BlindedSigningKey::<Sha256>::new(key);
    let signature = signer
        .try_sign_with_rng(&mut rsa::rand_core::OsRng, signing_input.as_bytes())
        .map_err(|e| err("signing the assertion", e))?;
    Ok(Secret::new(format!(
        "{signing_input}.{}",
        b64(&signature.to_bytes())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assertion_carries_what_entra_reads_and_verifies_with_the_certificate() {
        use rsa::pkcs8::DecodePublicKey;
        use rsa::signature::Verifier;
        let made = make("Rollcall nightly job (North, wind=1)", 30).unwrap();
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let a = assertion(
            &made.key_pem,
            &made.cert_der,
            "app-1",
            "https://login.example/t/oauth2/v2.0/token",
            now,
        )
        .unwrap();
        let parts: Vec<&str> = a.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        let dec = |s: &str| -> serde_json::Value {
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(s)
                    .unwrap(),
            )
            .unwrap()
        };
        let (h, c) = (dec(parts[0]), dec(parts[1]));
        assert_eq!(h["alg"], "PS256");
        assert_eq!(h["x5t#S256"], thumbprint_s256(&made.cert_der));
        assert_eq!(
            (c["iss"].as_str(), c["sub"].as_str()),
            (Some("app-1"), Some("app-1"))
        );
        assert_eq!(c["exp"].as_i64().unwrap() - c["nbf"].as_i64().unwrap(), 600);
        // The certificate's public key verifies the PSS signature.
        let cert = x509_cert::Certificate::from_der(&made.cert_der).unwrap();
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap();
        let public = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
        let verifier = rsa::pss::VerifyingKey::<Sha256>::new(public);
        let sig = rsa::pss::Signature::try_from(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[2])
                .unwrap()
                .as_slice(),
        )
        .unwrap();
        verifier
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        assert!(not_after(&made.cert_der).unwrap().starts_with("20"));
        assert!(
            !format!("{:?}", made.key_pem).contains("PRIVATE"),
            "the key never prints"
        );
    }
}
