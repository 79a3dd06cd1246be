//! Certificate credentials, as Entra checks them: a certificate uploaded to the app registration
//! (the admin API stands in for "Certificates & secrets → Upload certificate"), and the client
//! assertion a confidential client sends instead of a secret.
//!
//! Microsoft: MicrosoftDocs/entra-docs, docs/identity-platform/certificate-credentials.md (header
//! `alg` PS256, `x5t#S256`; claims `aud` = the token endpoint, `iss` = `sub` = the client id,
//! `exp`, `nbf`, `jti`; PSS signature) and docs/identity-platform/reference-error-codes.md
//! (AADSTS50027 malformed JWT, AADSTS700021 wrong issuer/subject, AADSTS700023 wrong audience,
//! AADSTS700024 outside its valid time range, AADSTS700027 key not registered or bad signature).

// The error is the HTTP answer itself, as in `identity`.
#![allow(clippy::result_large_err)]

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use jiff::Timestamp;
use sha1::Digest as _;
use x509_cert::der::Decode;

use crate::identity::aad_error;
use crate::model::{AppRegistration, KeyCredential};

/// The fixed `client_assertion_type` of a JWT assertion (RFC 7523).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Entra's allowance for clocks that disagree, applied to `nbf` and `exp`.
const SKEW_SECS: i64 = 300;

/// A certificate as uploaded: PEM text or base64 of its DER. `Err` says what is wrong.
pub fn parse_upload(text: &str) -> Result<KeyCredential, String> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("not a certificate (PEM or base64 DER): {e}"))?;
    let cert = x509_cert::Certificate::from_der(&der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let v = &cert.tbs_certificate.validity;
    let t = |d: std::time::Duration| {
        Timestamp::from_second(d.as_secs() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
    };
    Ok(KeyCredential {
        key_id: uuid::Uuid::new_v4().to_string(),
        display_name: cert.tbs_certificate.subject.to_string(),
        start: t(v.not_before.to_unix_duration()),
        end: t(v.not_after.to_unix_duration()),
        der,
    })
}

/// Graph's `customKeyIdentifier` of a certificate: its SHA-1 thumbprint (base64 in JSON).
pub fn sha1_thumbprint(der: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(der).to_vec()
}

fn s256(der: &[u8]) -> String {
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der))
}

fn invalid_client(code: u32, message: &str) -> Response {
    aad_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        code,
        message,
        None,
    )
}

/// Check a client assertion for `app` at this tenant's token endpoint (`token_urls`: the
/// addresses that name it). `Err` is the answer to send.
pub fn check_assertion(
    app: &AppRegistration,
    assertion_type: Option<&str>,
    assertion: &str,
    token_urls: &[String],
    now: Timestamp,
) -> Result<(), Response> {
    if assertion_type != Some(ASSERTION_TYPE) {
        return Err(aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            &format!("Invalid client_assertion_type; it must be '{ASSERTION_TYPE}'."),
            None,
        ));
    }
    let malformed = || invalid_client(50027, "JWT token is invalid or malformed.");
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| malformed())?;
    if !matches!(
        header.alg,
        jsonwebtoken::Algorithm::PS256 | jsonwebtoken::Algorithm::RS256
    ) {
        return Err(malformed());
    }
    // The certificate the header names, by its SHA-256 thumbprint (or the older SHA-1 `x5t`).
    let named = app.certificates.iter().find(|c| {
        header.x5t_s256.as_deref() == Some(s256(&c.der).as_str())
            || header.x5t.as_deref()
                == Some(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(sha1_thumbprint(&c.der))
                        .as_str(),
                )
    });
    let thumb = header
        .x5t_s256
        .clone()
        .or(header.x5t.clone())
        .unwrap_or_default();
    let Some(cert) = named else {
        return Err(invalid_client(700027, &format!("Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}'. Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]", app.app_id)));
    };
    if cert.end <= now || cert.start > now {
        return Err(invalid_client(700027, &format!("Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{thumb}', Found key 'Start={}, End={}']", cert.start, cert.end)));
    }
    let parsed = x509_cert::Certificate::from_der(&cert.der).map_err(|_| malformed())?;
    let pkcs1 = parsed
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let key = jsonwebtoken::DecodingKey::from_rsa_der(&pkcs1);
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<serde_json::Value>(assertion, &key, &v)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => invalid_client(700027, &format!("Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{thumb}']")),
            _ => malformed(),
        })?
        .claims;
    let text = |k: &str| claims[k].as_str().unwrap_or_default().to_string();
    if text("iss") != app.app_id || text("sub") != app.app_id {
        return Err(invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    if !token_urls.iter().any(|u| *u == text("aud")) {
        return Err(invalid_client(
            700023,
            "Client assertion audience claim does not match Realm issuer.",
        ));
    }
    let (Some(exp), Some(nbf)) = (
        claims["exp"].as_i64(),
        claims["nbf"].as_i64().or(claims["iat"].as_i64()),
    ) else {
        return Err(malformed());
    };
    let t = now.as_second();
    if exp + SKEW_SECS <= t || nbf - SKEW_SECS > t {
        return Err(invalid_client(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}
