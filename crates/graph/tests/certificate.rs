//! Rollcall's own certificate against the emulator's identity platform, which checks a client
//! assertion as Entra does (MicrosoftDocs/entra-docs: docs/identity-platform/
//! certificate-credentials.md): the token is issued once the certificate is uploaded to the app,
//! and refused with Entra's codes when the certificate is not the app's, the assertion is stale,
//! or it names another audience or client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rollcall_emulator::{start, Config};
use rollcall_graph::certificate::{assertion, cert_pem, make};
use rollcall_graph::{ClientCredentials, GraphError, TokenProvider};

async fn upload(admin: &str, app: &str, cert_der: &[u8]) {
    let r = reqwest::Client::new()
        .post(format!("{admin}/applications/{app}/certificates"))
        .body(cert_pem(cert_der))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// The token endpoint's answer to a hand-made assertion.
async fn post(i: &rollcall_emulator::Info, a: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant_id))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", i.client_id.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", a),
        ])
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_certificate_signs_in_once_uploaded_and_is_checked_as_entra_checks_it() {
    let emu = start("127.0.0.1:0", Config::default()).await.unwrap();
    let i = emu.info.clone();
    let made = make("Rollcall nightly job test", 30).unwrap();
    let provider = ClientCredentials::with_certificate(
        reqwest::Client::new(),
        &i.authority,
        &i.tenant_id,
        &i.client_id,
        made.key_pem.clone(),
        made.cert_der.clone(),
        "https://graph.microsoft.com",
    );
    // Not uploaded yet: the key is not the app's.
    let e = provider.token(true).await.unwrap_err();
    assert!(
        matches!(&e, GraphError::Token(aad) if aad.error_codes.contains(&700027)),
        "{e:?}"
    );
    upload(&i.admin, &i.client_id, &made.cert_der).await;
    let t = provider.token(true).await.unwrap();
    assert!(!t.value.expose().is_empty());

    // The app shows the certificate as Graph's keyCredential.
    let graph = reqwest::Client::new();
    let app: serde_json::Value = graph
        .get(format!(
            "{}/applications?$filter=appId eq '{}'",
            i.graph, i.client_id
        ))
        .bearer_auth(t.value.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = &app["value"][0]["keyCredentials"];
    assert_eq!(keys[0]["type"], "AsymmetricX509Cert", "{app}");
    assert_eq!(keys[0]["usage"], "Verify");

    let token_url = format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant_id);
    let now = jiff::Timestamp::now();
    let stale = assertion(
        &made.key_pem,
        &made.cert_der,
        &i.client_id,
        &token_url,
        now - jiff::SignedDuration::from_hours(1),
    )
    .unwrap();
    assert!(post(&i, stale.expose()).await["error_codes"][0] == 700024);
    let elsewhere = assertion(
        &made.key_pem,
        &made.cert_der,
        &i.client_id,
        "https://login.example/x/oauth2/v2.0/token",
        now,
    )
    .unwrap();
    assert!(post(&i, elsewhere.expose()).await["error_codes"][0] == 700023);
    let other_client = assertion(
        &made.key_pem,
        &made.cert_der,
        "someone-else",
        &token_url,
        now,
    )
    .unwrap();
    assert!(post(&i, other_client.expose()).await["error_codes"][0] == 700021);
    // Signed by another key that claims the uploaded certificate's thumbprint.
    let other = make("Impostor", 30).unwrap();
    let forged = assertion(
        &other.key_pem,
        &made.cert_der,
        &i.client_id,
        &token_url,
        now,
    )
    .unwrap();
    assert!(post(&i, forged.expose()).await["error_codes"][0] == 700027);
    assert!(post(&i, "not.a.jwt").await["error_codes"][0] == 50027);
}
