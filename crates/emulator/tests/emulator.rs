//! The emulator over real HTTP on 127.0.0.1: response shapes against the reference samples
//! (`tests/fixtures/`, copied from the Graph reference) and the strictness rules, one test each.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use base64::Engine;
use rollcall_emulator::{start, Config, Running};
use serde_json::{json, Value};
use sha2::Digest;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

/// Every key of the sample exists in the response with the same JSON type (nulls in either side
/// match anything; arrays are compared by their first element).
fn assert_shape(sample: &Value, actual: &Value, path: &str) {
    match (sample, actual) {
        (Value::Object(s), Value::Object(a)) => {
            for (k, sv) in s {
                // Values that are optional in reality (context URLs depend on the request).
                let Some(av) = a.get(k) else {
                    panic!("{path}.{k} missing in {actual}")
                };
                assert_shape(sv, av, &format!("{path}.{k}"));
            }
        }
        (Value::Array(s), Value::Array(a)) => {
            if let (Some(s0), Some(a0)) = (s.first(), a.first()) {
                assert_shape(s0, a0, &format!("{path}[0]"));
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (s, a) => assert_eq!(
            std::mem::discriminant(s),
            std::mem::discriminant(a),
            "{path}: sample {s} vs {a}"
        ),
    }
}

struct T {
    emu: Running,
    http: reqwest::Client,
}

impl T {
    async fn new(scenarios: &[&str]) -> T {
        let cfg = Config {
            scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let emu = start("127.0.0.1:0", cfg).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        T { emu, http }
    }
    fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.emu.info.authority, self.emu.info.tenant_id
        )
    }
    async fn token_form(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(self.token_url())
            .form(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
    async fn app_token(&self) -> String {
        let i = &self.emu.info;
        let (status, body) = self
            .token_form(&[
                ("client_id", &i.client_id),
                ("client_secret", &i.client_secret),
                ("scope", "https://graph.microsoft.com/.default"),
                ("grant_type", "client_credentials"),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }
    async fn get(&self, token: &str, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.emu.info.graph)
        };
        let r = self.http.get(url).bearer_auth(token).send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        )
    }
    async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut b = self
            .http
            .request(method, format!("{}{path}", self.emu.info.graph))
            .bearer_auth(token);
        if let Some(body) = body {
            b = b.json(&body);
        }
        let r = b.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    fn host(&self, i: usize) -> String {
        self.emu.info.hosts[i].clone()
    }
    async fn user_id(&self, token: &str, mail: &str) -> String {
        let (_, v, _) = self
            .get(token, &format!("/users?$filter=mail%20eq%20'{mail}'"))
            .await;
        v["value"][0]["id"].as_str().unwrap().to_string()
    }
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn client_credentials_token_has_the_sample_shape_and_verifies_with_the_jwks() {
    let t = T::new(&[]).await;
    let i = t.emu.info.clone();
    let (status, body) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!(status, 200);
    assert_shape(
        &fixture("token-client-credentials.response.json"),
        &body,
        "token",
    );
    let token = body["access_token"].as_str().unwrap();
    let c = claims(token);
    assert_eq!(c["appid"], i.client_id.as_str());
    assert_eq!(c["tid"], i.tenant_id.as_str());
    assert!(c["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "OnlineMeetingArtifact.Read.All"));
    // A real JWT library accepts it with the published key.
    let (_, jwks, _) = t
        .get(
            "",
            &format!("{}/{}/discovery/v2.0/keys", i.authority, i.tenant_id),
        )
        .await;
    let key = &jwks["keys"][0];
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&["https://graph.microsoft.com"]);
    jsonwebtoken::decode::<Value>(token, &dk, &v).unwrap();
}

#[tokio::test]
async fn token_endpoint_is_strict_like_entra() {
    let t = T::new(&[]).await;
    let i = t.emu.info.clone();
    let dflt = "https://graph.microsoft.com/.default";
    // Wrong secret → 7000215; a Secret ID (GUID) is also just a wrong secret.
    let (s, b) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("client_secret", "2d3a7c6e-8f91-4b0a-9c1d-5e6f7a8b9c0d"),
            ("scope", dflt),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (401, Some(7000215)));
    assert_shape(
        &fixture("token-error-invalid-secret-7000215.response.json"),
        &b,
        "err",
    );
    // Missing secret for a confidential client → 7000218.
    let (s, b) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("scope", dflt),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (401, Some(7000218)));
    // Unknown app → 700016.
    let (s, b) = t
        .token_form(&[
            ("client_id", "00000000-0000-0000-0000-000000000001"),
            ("client_secret", "x"),
            ("scope", dflt),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(700016)));
    assert_shape(
        &fixture("token-error-app-not-found-700016.response.json"),
        &b,
        "err",
    );
    // Scope not /.default → 1002012 (client credentials need {resource}/.default).
    let (s, b) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", "User.Read.All"),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(1002012)));
    // Unknown tenant → 90002 at the token endpoint and in discovery.
    let r = t
        .http
        .post(format!(
            "{}/nowhere.onmicrosoft.com/oauth2/v2.0/token",
            i.authority
        ))
        .form(&[("client_id", &i.client_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error_codes"][0], 90002);
    assert_shape(
        &fixture("token-error-tenant-not-found-90002.response.json"),
        &b,
        "err",
    );
    let (s, b, _) = t
        .get(
            "",
            &format!(
                "{}/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration",
                i.authority
            ),
        )
        .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_tenant")));
    assert_shape(
        &fixture("openid-configuration-invalid-tenant.response.json"),
        &b,
        "err",
    );
    // Client credentials through /common → refused.
    let r = t
        .http
        .post(format!("{}/common/oauth2/v2.0/token", i.authority))
        .form(&[
            ("client_id", i.client_id.as_str()),
            ("client_secret", &i.client_secret),
            ("scope", dflt),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn expired_secret_gives_7000222() {
    let t = T::new(&["expired-secret"]).await;
    let i = t.emu.info.clone();
    let (s, b) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (401, Some(7000222)));
    assert_shape(
        &fixture("token-error-expired-secret-7000222.response.json"),
        &b,
        "err",
    );
}

#[tokio::test]
async fn no_admin_consent_means_a_token_without_roles_and_403s() {
    let t = T::new(&["no-admin-consent"]).await;
    let token = t.app_token().await;
    assert!(claims(&token).get("roles").is_none());
    let (s, b, _) = t.get(&token, "/users").await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
}

#[tokio::test]
async fn discovery_document_has_the_sample_shape() {
    let t = T::new(&[]).await;
    let i = &t.emu.info;
    for tenant in [i.tenant_id.as_str(), i.tenant_domain.as_str()] {
        let (s, b, _) = t
            .get(
                "",
                &format!(
                    "{}/{tenant}/v2.0/.well-known/openid-configuration",
                    i.authority
                ),
            )
            .await;
        assert_eq!(s, 200);
        assert_shape(&fixture("openid-configuration.response.json"), &b, "oidc");
        assert!(b["issuer"].as_str().unwrap().contains(&i.tenant_id));
    }
}

fn pkce() -> (String, String) {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789".to_string();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn authorize(t: &T, redirect: &str, challenge: &str, hint: &str) -> reqwest::Response {
    authorize_for(t, redirect, challenge, hint, "offline_access openid profile https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/OnlineMeetingArtifact.Read.All").await
}

async fn authorize_for(
    t: &T,
    redirect: &str,
    challenge: &str,
    hint: &str,
    scope: &str,
) -> reqwest::Response {
    let i = &t.emu.info;
    t.http
        .get(format!(
            "{}/{}/oauth2/v2.0/authorize",
            i.authority, i.tenant_id
        ))
        .query(&[
            ("client_id", i.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", scope),
            ("state", "s-123"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("login_hint", hint),
        ])
        .send()
        .await
        .unwrap()
}

fn code_from(resp: &reqwest::Response) -> (String, String) {
    let loc = resp.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(loc).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s-123");
    (
        q["code"].clone(),
        format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap(),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
    )
}

#[tokio::test]
async fn auth_code_with_pkce_single_use_codes_and_rotated_refresh_tokens() {
    let t = T::new(&[]).await;
    let i = t.emu.info.clone();
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:53123/";
    let resp = authorize(&t, redirect, &challenge, &t.host(0)).await;
    assert_eq!(resp.status(), 303, "{:?}", resp.headers());
    let (code, _) = code_from(&resp);
    let redeem = |code: String, verifier: String| {
        let form = vec![
            ("client_id".to_string(), i.client_id.clone()),
            ("code".into(), code),
            ("redirect_uri".into(), redirect.to_string()),
            ("grant_type".into(), "authorization_code".into()),
            ("code_verifier".into(), verifier),
        ];
        let http = t.http.clone();
        let url = t.token_url();
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Wrong verifier → 501481 (and the code stays unused).
    let (s, b) = redeem(
        code.clone(),
        "wrong-verifier-wrong-verifier-wrong-verifier-123".into(),
    )
    .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(501481)));
    let (s, b) = redeem(code.clone(), verifier.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_shape(&fixture("token-auth-code.response.json"), &b, "token");
    let scp = claims(b["access_token"].as_str().unwrap())["scp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        scp.contains("Calendars.ReadWrite") && scp.contains("OnlineMeetingArtifact.Read.All"),
        "{scp}"
    );
    // Single use → 54005.
    let (s, b2) = redeem(code, verifier).await;
    assert_eq!((s, b2["error_codes"][0].as_u64()), (400, Some(54005)));
    // Refresh rotates the refresh token.
    let rt = b["refresh_token"].as_str().unwrap().to_string();
    let (s, r) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access",
            ),
        ])
        .await;
    assert_eq!(s, 200, "{r}");
    assert_shape(&fixture("token-refresh.response.json"), &r, "refresh");
    assert_ne!(r["refresh_token"].as_str().unwrap(), rt);
    // A public client must not send a secret → 700025.
    let (s, r) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("client_secret", "x"),
        ])
        .await;
    assert!(s == 401 || s == 400, "{r}");
    // A scope never consented → 65001 consent_required.
    let (s, r) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("scope", "https://graph.microsoft.com/Mail.Read"),
        ])
        .await;
    assert_eq!(
        (s, r["error_codes"][0].as_u64(), r["suberror"].as_str()),
        (400, Some(65001), Some("consent_required"))
    );
}

#[tokio::test]
async fn redirect_uri_mismatch_is_an_error_page_not_a_redirect_but_the_loopback_port_is_ignored() {
    let t = T::new(&[]).await;
    let (_, challenge) = pkce();
    let resp = authorize(&t, "http://127.0.0.1:5000/", &challenge, &t.host(0)).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("AADSTS50011"));
    for port in [1024, 61000] {
        let resp = authorize(
            &t,
            &format!("http://localhost:{port}/"),
            &challenge,
            &t.host(1),
        )
        .await;
        assert_eq!(resp.status(), 303);
    }
    // Without a login hint the person picks an account on a page.
    let page = authorize(&t, "http://localhost:9/", &challenge, "").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Pick an account"));
}

/// A single-tenant registration is not reached through /common (AADSTS50194, Entra's wording as
/// quoted on learn.microsoft.com/en-us/answers/a/982308); its own tenant's endpoint still works.
/// The registration lists its audience and token checkboxes as application.md declares them.
#[tokio::test]
async fn a_single_tenant_app_refuses_the_common_endpoint() {
    let t = T::new(&["single-tenant-app"]).await;
    let i = &t.emu.info;
    let (_, challenge) = pkce();
    let common = t
        .http
        .get(format!("{}/common/oauth2/v2.0/authorize", i.authority))
        .query(&[
            ("client_id", i.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:5000/"),
            ("scope", "openid"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(common.status(), 400);
    let page = common.text().await.unwrap();
    assert!(
        page.contains("AADSTS50194")
            && page.contains("is not configured as a multi-tenant application"),
        "{page}"
    );
    let own = authorize(&t, "http://localhost:5000/", &challenge, &t.host(0)).await;
    assert!(
        own.status().is_redirection(),
        "the tenant's own endpoint: {}",
        own.status()
    );

    let path =
        |id: &str| format!("/applications?$filter=appId%20eq%20'{id}'&$select=signInAudience,web");
    let token = t.app_token().await;
    let (status, apps, _) = t.get(&token, &path(&i.client_id)).await;
    assert_eq!(status, 200, "{apps}");
    let app = &apps["value"][0];
    assert_eq!(app["signInAudience"], "AzureADMyOrg");
    assert_eq!(
        app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    let off = T::new(&["token-checkboxes-off"]).await;
    let token = off.app_token().await;
    let (_, apps, _) = off.get(&token, &path(&off.emu.info.client_id)).await;
    assert_eq!(
        apps["value"][0]["signInAudience"],
        "AzureADandPersonalMicrosoftAccount"
    );
    assert_eq!(
        apps["value"][0]["web"]["implicitGrantSettings"],
        serde_json::json!({"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false})
    );
}

#[tokio::test]
async fn refresh_tokens_inactive_for_90_days_fail_with_700082() {
    let t = T::new(&[]).await;
    let (verifier, challenge) = pkce();
    let resp = authorize(&t, "http://localhost:4000/", &challenge, &t.host(0)).await;
    let (code, _) = code_from(&resp);
    let i = t.emu.info.clone();
    let (_, b) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("code", &code),
            ("redirect_uri", "http://localhost:4000/"),
            ("grant_type", "authorization_code"),
            ("code_verifier", &verifier),
        ])
        .await;
    let rt = b["refresh_token"].as_str().unwrap().to_string();
    t.http
        .post(format!("{}/scenarios/refresh-inactive", i.admin))
        .send()
        .await
        .unwrap();
    let (s, r) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
        ])
        .await;
    assert_eq!((s, r["error_codes"][0].as_u64()), (400, Some(700082)));
}

#[tokio::test]
async fn users_licences_and_me_follow_the_reference() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let (s, b, h) = t
        .get(
            &token,
            &format!("/users?$filter=mail%20eq%20'{}'", t.host(0)),
        )
        .await;
    assert_eq!(s, 200);
    assert!(h.get("request-id").is_some());
    assert_shape(&fixture("users-filter-mail.response.json"), &b, "users");
    let (s, b, _) = t
        .get(
            &token,
            "/users?$filter=mail%20eq%20'nobody@northwind.example'",
        )
        .await;
    assert_eq!((s, b["value"].as_array().unwrap().len()), (200, 0));
    // The documented forms (user-list.md, aad-advanced-queries.md): startsWith by default,
    // endsWith and $count only as advanced queries (ConsistencyLevel: eventual and $count=true),
    // $orderby by displayName by default but not beside a $filter.
    let host = t.host(0);
    let prefix = &host[..3];
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users?$filter=startswith(mail,'{prefix}')"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let found = b["value"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|u| u["mail"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .starts_with(&prefix.to_lowercase())));
    let domain = host.split('@').nth(1).unwrap();
    let ends = format!("/users?$filter=endswith(mail,'@{domain}')&$count=true");
    let (s, b, _) = t.get(&token, &ends).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("Request_BadRequest")),
        "{b}"
    );
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users?$filter=endswith(mail,'@{domain}')"),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("Request_UnsupportedQuery")),
        "{b}"
    );
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ConsistencyLevel"));
    let r = t
        .http
        .get(format!("{}{ends}", t.emu.info.graph))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    let n = b["value"].as_array().unwrap().len();
    let count = b["@odata.count"].as_u64().unwrap_or(0) as usize;
    assert!(n > 0 && count >= n, "{n} of {count}");
    let (s, b, _) = t
        .get(&token, "/users?$orderby=displayName desc&$top=999")
        .await;
    assert_eq!(s, 200, "{b}");
    let names: Vec<String> = b["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(names, sorted);
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users?$filter=startswith(mail,'{prefix}')&$orderby=displayName"),
        )
        .await;
    assert_eq!(
        (s, b["error"]["message"].as_str()),
        (400, Some("Sorting not supported for current query."))
    );
    let (s, _, _) = t.get(&token, "/users?$top=1000").await;
    assert_eq!(s, 400);
    let (s, b, _) = t.get(&token, "/users/nobody@northwind.example").await;
    assert_eq!(s, 404);
    assert_shape(
        &fixture("error-user-not-found-404.response.json"),
        &b,
        "404",
    );
    // Maria's mail differs from her UPN: /users/{mail} is a 404, the filter finds her.
    let (s, _, _) = t.get(&token, "/users/maria.ortiz@northwind.example").await;
    assert_eq!(s, 404);
    let id = t.user_id(&token, "maria.ortiz@northwind.example").await;
    let (s, b, _) = t.get(&token, &format!("/users/{id}")).await;
    assert_eq!(s, 200);
    assert_shape(&fixture("user-get.response.json"), &b, "user");
    let (s, b, _) = t
        .get(&token, &format!("/users/{id}?$select=assignedPlans"))
        .await;
    assert_eq!(s, 200);
    assert_shape(&fixture("user-assignedPlans.response.json"), &b, "plans");
    // App-only licenseDetails is not supported (current docs) → 403; /me with an app token → 400.
    let (s, _, _) = t.get(&token, &format!("/users/{id}/licenseDetails")).await;
    assert_eq!(s, 403);
    let (s, b, _) = t.get(&token, "/me").await;
    assert_eq!(s, 400);
    assert_shape(&fixture("error-me-app-only-400.response.json"), &b, "me");
    let (s, b, h) = t.get("", "/users").await;
    assert_eq!(s, 401);
    assert!(h.get("www-authenticate").is_some());
    assert_shape(&fixture("error-invalid-token-401.response.json"), &b, "401");
}

#[tokio::test]
async fn events_meetings_and_attendance_round_trip() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let host = t.host(0);
    let id = t.user_id(&token, &host).await;
    // Create a Teams meeting.
    let mut body = fixture("event-create-teams.request.json");
    body["attendees"][0]["emailAddress"]["address"] = json!("alex.kim0@northwind.example");
    let (s, created) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_shape(
        &fixture("event-create-teams.response.json"),
        &created,
        "event",
    );
    let join = created["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap()
        .to_string();
    // The same transactionId does not create a second meeting.
    let (s, again) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events"),
            Some(body),
        )
        .await;
    assert_eq!((s, again["id"].clone()), (201, created["id"].clone()));
    // Find its online meeting by join URL.
    let filter = format!("JoinWebUrl eq '{join}'");
    let enc: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    let (s, m, _) = t
        .get(&token, &format!("/users/{id}/onlineMeetings?$filter={enc}"))
        .await;
    assert_eq!(s, 200, "{m}");
    assert_shape(
        &fixture("onlineMeetings-filter-joinWebUrl.response.json"),
        &m,
        "meeting",
    );
    // PATCH, then cancel.
    let eid = created["id"].as_str().unwrap();
    let (s, patched) = t
        .send(
            &token,
            reqwest::Method::PATCH,
            &format!("/users/{id}/events/{eid}"),
            Some(json!({"subject": "Moved"})),
        )
        .await;
    assert_eq!((s, patched["subject"].as_str()), (200, Some("Moved")));
    let (s, _) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events/{eid}/cancel"),
            Some(json!({"comment": "sorry"})),
        )
        .await;
    assert_eq!(s, 202);
    let (s, b, _) = t.get(&token, &format!("/users/{id}/events/{eid}")).await;
    assert_eq!(s, 404);
    assert_shape(
        &fixture("error-event-not-found-404.response.json"),
        &b,
        "404",
    );
}

#[tokio::test]
async fn calendar_view_pages_expands_series_and_honours_prefer() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(4)).await;
    let from = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 90);
    let to = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 40);
    let mut url = format!("/users/{id}/calendarView?startDateTime={from}&endDateTime={to}&$top=3");
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let (s, b, _) = t.get(&token, &url).await;
        assert_eq!(s, 200, "{b}");
        if pages == 0 {
            assert_shape(
                &fixture("calendarView-teams-paged.response.json"),
                &b,
                "view",
            );
        }
        pages += 1;
        all.extend(b["value"].as_array().unwrap().clone());
        match b["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert!(pages > 2);
    let occurrences: Vec<&Value> = all.iter().filter(|e| e["type"] == "occurrence").collect();
    assert!(occurrences.len() >= 8, "{}", occurrences.len());
    assert!(occurrences
        .iter()
        .all(|o| o["seriesMasterId"].is_string() && o["start"]["timeZone"] == "UTC"));
    // Prefer: outlook.timezone changes the response zone.
    let r = t
        .http
        .get(format!(
            "{}/users/{id}/calendarView?startDateTime={from}&endDateTime={to}",
            t.emu.info.graph
        ))
        .bearer_auth(&token)
        .header("Prefer", "outlook.timezone=\"Pacific Standard Time\"")
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["value"][0]["start"]["timeZone"], "Pacific Standard Time");
    // Missing window → 400.
    let (s, _, _) = t.get(&token, &format!("/users/{id}/calendarView")).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn attendance_reports_only_for_the_organizer_with_policy_and_paged_records() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(4)).await;
    let from = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 80);
    let now = jiff::Timestamp::now();
    let (_, b, _) = t
        .get(
            &token,
            &format!("/users/{id}/calendarView?startDateTime={from}&endDateTime={now}&$top=1000"),
        )
        .await;
    let series = b["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "Weekly methods seminar")
        .unwrap()
        .clone();
    let join = series["onlineMeeting"]["joinUrl"].as_str().unwrap();
    let enc: String =
        url::form_urlencoded::byte_serialize(format!("JoinWebUrl eq '{join}'").as_bytes())
            .collect();
    let (_, m, _) = t
        .get(&token, &format!("/users/{id}/onlineMeetings?$filter={enc}"))
        .await;
    let mid: String =
        url::form_urlencoded::byte_serialize(m["value"][0]["id"].as_str().unwrap().as_bytes())
            .collect();
    let (s, reports, _) = t
        .get(
            &token,
            &format!("/users/{id}/onlineMeetings/{mid}/attendanceReports"),
        )
        .await;
    assert_eq!(s, 200);
    assert_shape(
        &fixture("attendanceReports-list.response.json"),
        &reports,
        "reports",
    );
    let list = reports["value"].as_array().unwrap();
    assert!(list.len() >= 5 && list.iter().all(|r| r["attendanceRecords"] == json!([])));
    // The biggest session (600) pages its records, expanded or listed.
    let big = list
        .iter()
        .max_by_key(|r| r["totalParticipantCount"].as_i64())
        .unwrap();
    let rid = big["id"].as_str().unwrap();
    let (s, expanded, _) = t.get(&token, &format!("/users/{id}/onlineMeetings/{mid}/attendanceReports/{rid}?$expand=attendanceRecords")).await;
    assert_eq!(s, 200);
    assert_shape(
        &fixture("attendanceReport-get-expand-records.observed.response.json"),
        &expanded,
        "expanded",
    );
    let mut count = expanded["attendanceRecords"].as_array().unwrap().len();
    let mut next = expanded["attendanceRecords@odata.nextLink"]
        .as_str()
        .map(str::to_string);
    while let Some(n) = next {
        let (_, page, _) = t.get(&token, &n).await;
        assert_shape(
            &fixture("attendanceRecords-list.synthetic-mixed.response.json"),
            &page,
            "records",
        );
        count += page["value"].as_array().unwrap().len();
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(count as i64, big["totalParticipantCount"].as_i64().unwrap());
    // A host outside the access policy → the reference's 403.
    let lidia = t.user_id(&token, &t.host(2)).await;
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users/{lidia}/onlineMeetings?$filter={enc}"),
        )
        .await;
    assert_eq!(s, 403);
    assert_shape(
        &fixture("error-application-access-policy.response.json"),
        &b,
        "policy",
    );
    // Another organizer's id → refused.
    let megan = t.user_id(&token, &t.host(0)).await;
    let (s, _, _) = t
        .get(
            &token,
            &format!("/users/{megan}/onlineMeetings/{mid}/attendanceReports"),
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn missing_permission_and_missing_policy_scenarios() {
    let t = T::new(&["missing-permission", "missing-access-policy"]).await;
    let token = t.app_token().await;
    assert!(!claims(&token)["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "OnlineMeetingArtifact.Read.All"));
    let id = t.user_id(&token, &t.host(0)).await;
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users/{id}/onlineMeetings?$filter=JoinWebUrl%20eq%20'x'"),
        )
        .await;
    assert_eq!(s, 403);
    // The shape seen in the field: code General.
    assert_eq!(b["error"]["code"], "General");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("No application access policy found for this app"));
}

/// The documented "not authorized … on behalf of user" body, as 403 and as 401; and Exchange's
/// mailbox scoping ("Access to OData is disabled.").
#[tokio::test]
async fn every_shape_of_a_missing_policy_and_a_scoped_mailbox() {
    for (scenario, status) in [
        ("missing-access-policy-documented", 403),
        ("missing-access-policy-401", 401),
    ] {
        let t = T::new(&[scenario]).await;
        let token = t.app_token().await;
        let id = t.user_id(&token, &t.host(0)).await;
        let (s, b, _) = t
            .get(
                &token,
                &format!("/users/{id}/onlineMeetings?$filter=JoinWebUrl%20eq%20'x'"),
            )
            .await;
        assert_eq!(s, status, "{scenario}");
        assert_eq!(b["error"]["code"], "Unauthorized");
        let m = b["error"]["message"].as_str().unwrap();
        assert!(
            m.contains("is not authorized to") && m.contains(&format!("on behalf of user {id}")),
            "{m}"
        );
    }
    let t = T::new(&["mailbox-scoped"]).await;
    let token = t.app_token().await;
    let (first, second) = (
        t.user_id(&token, &t.host(0)).await,
        t.user_id(&token, &t.host(1)).await,
    );
    let view = "calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-02T00:00:00Z";
    let (s, b, _) = t.get(&token, &format!("/users/{first}/{view}")).await;
    assert_eq!(s, 403);
    assert_eq!(b["error"]["code"], "ErrorAccessDenied");
    assert_eq!(b["error"]["message"], "Access to OData is disabled.");
    let (s, _, _) = t.get(&token, &format!("/users/{second}/{view}")).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn apps_service_principals_and_role_assignments() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let i = t.emu.info.clone();
    let (s, b, _) = t.get(&token, &format!("/applications?$filter=appId%20eq%20'{}'&$select=id,appId,displayName,passwordCredentials", i.client_id)).await;
    assert_eq!(s, 200);
    assert_shape(
        &fixture("applications-passwordCredentials.response.json"),
        &b,
        "apps",
    );
    let creds = b["value"][0]["passwordCredentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    assert!(creds
        .iter()
        .any(|c| c["hint"].as_str() == Some(&i.client_secret[..3])));
    assert!(creds.iter().all(|c| c["secretText"].is_null()));
    let (_, sp, _) = t
        .get(
            &token,
            &format!(
                "/servicePrincipals?$filter=appId%20eq%20'{}'&$select=id,appId,displayName",
                i.client_id
            ),
        )
        .await;
    assert_shape(
        &fixture("servicePrincipals-filter-appId.response.json"),
        &sp,
        "sp",
    );
    let sp_id = sp["value"][0]["id"].as_str().unwrap();
    let (_, ra, _) = t
        .get(
            &token,
            &format!("/servicePrincipals/{sp_id}/appRoleAssignments"),
        )
        .await;
    assert_shape(
        &fixture("servicePrincipal-appRoleAssignments.response.json"),
        &ra,
        "roles",
    );
    assert!(ra["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["appRoleId"] == "df01ed3b-eb61-4eca-9965-6b3d789751b2"));
}

#[tokio::test]
async fn batch_answers_out_of_order_with_inner_statuses() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let lidia = t.user_id(&token, &t.host(2)).await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/users/{id}")},
        {"id": "2", "method": "GET", "url": format!("/users/{lidia}/onlineMeetings?$filter=JoinWebUrl%20eq%20'x'")},
        {"id": "3", "method": "GET", "url": "/users/nobody@x.example", "dependsOn": ["2"]},
    ]});
    let (s, b) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(body))
        .await;
    assert_eq!(s, 200);
    assert_shape(&fixture("batch.response.json"), &b, "batch");
    let by_id = |k: &str| {
        b["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == k)
            .unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((by_id("1"), by_id("2"), by_id("3")), (200, 403, 424));
    // A write step without Content-Type is refused naming its id (concepts/json-batching.md).
    let no_type =
        json!({"requests": [{"id": "7", "method": "POST", "url": "/users/x/events", "body": {}}]});
    let (s, b) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(no_type))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["error"]["message"],
        "Write request id : 7 does not contain Content-Type header or body."
    );
    let too_many = json!({"requests": (0..21).map(|n| json!({"id": n.to_string(), "method": "GET", "url": "/users"})).collect::<Vec<_>>()});
    let (s, _) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(too_many))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn mailbox_concurrency_limit_answers_429_application_throttled() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    t.http
        .put(format!("{}/faults", t.emu.info.admin))
        .json(&json!({"serviceMs": 300}))
        .send()
        .await
        .unwrap();
    let now = jiff::Timestamp::now();
    let url = format!(
        "{}/users/{id}/calendarView?startDateTime={now}&endDateTime={}",
        t.emu.info.graph,
        now + jiff::SignedDuration::from_hours(24)
    );
    let reqs = (0..8).map(|_| t.http.get(&url).bearer_auth(&token).send());
    let mut statuses = Vec::new();
    for r in futures_join(reqs).await {
        let r = r.unwrap();
        let status = r.status().as_u16();
        if status == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
            let b: Value = r.json().await.unwrap();
            assert_shape(
                &fixture("error-mailbox-concurrency-429.response.json"),
                &b,
                "429",
            );
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        4,
        "{statuses:?}"
    );
}

async fn futures_join<F>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn injected_throttling_uses_both_retry_after_forms() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    t.http
        .put(format!("{}/faults", t.emu.info.admin))
        .json(&json!({"throttleRate": 1.0, "retryAfter": "mixed", "retryAfterSecs": 2}))
        .send()
        .await
        .unwrap();
    let mut forms = std::collections::HashSet::new();
    for _ in 0..4 {
        let (s, b, h) = t.get(&token, "/users").await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (429, Some("TooManyRequests"))
        );
        let ra = h["retry-after"].to_str().unwrap().to_string();
        forms.insert(ra.parse::<u64>().is_ok());
    }
    assert_eq!(forms.len(), 2, "both seconds and HTTP-date forms");
}

/// Graph keeps attendance reports for one year (resources/meetingattendancereport.md): older
/// reports are gone from the list, so only a local archive still has them.
#[tokio::test]
async fn reports_older_than_a_year_are_forgotten() {
    let t = T::new(&[]).await;
    let r = t
        .http
        .post(format!("{}/bulk", t.emu.info.admin))
        .json(&serde_json::json!({"count": 40, "min": 3, "max": 5, "daysBack": 700, "hosts": [t.host(0)]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let year_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 365);
    let (old, recent): (Vec<_>, Vec<_>) = {
        let world = t.emu.shared.world();
        world
            .meetings
            .iter()
            .filter(|m| m.organizer_id == id && m.reports.len() == 1)
            .map(|m| (m.id.clone(), m.reports[0].end))
            .partition(|(_, end)| *end <= year_ago)
    };
    assert!(
        !old.is_empty() && !recent.is_empty(),
        "the bulk spans both sides of a year"
    );
    // Listed reports of a meeting: none for the old ones, the one report for a recent one.
    let listed = |mid: String| {
        let (t, token, id) = (&t, &token, &id);
        async move {
            let path = format!(
                "/users/{id}/onlineMeetings/{}/attendanceReports",
                urlencoding(&mid)
            );
            let (s, b, _) = t.get(token, &path).await;
            assert_eq!(s, 200);
            b["value"].as_array().unwrap().len()
        }
    };
    for (mid, _) in old.iter().take(3) {
        assert_eq!(listed(mid.clone()).await, 0, "older than a year: gone");
    }
    assert_eq!(listed(recent[0].0.clone()).await, 1);
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Tokens as Entra issues them: access tokens 1.5–3 KB, refresh tokens opaque `1.A…` of 1.1–2 KB
/// (about 4 KB with `large-tokens`), the id token echoing the authorize request's nonce, and the
/// error description's parts separated by CRLF.
#[tokio::test]
async fn tokens_have_entras_sizes_and_the_id_token_carries_the_nonce() {
    for (scenario, refresh_len) in [(None, 1100..=2000), (Some("large-tokens"), 4096..=4096)] {
        let t = T::new(&scenario.into_iter().collect::<Vec<_>>()).await;
        let i = t.emu.info.clone();
        let (verifier, challenge) = pkce();
        let redirect = "http://localhost:53124/";
        let resp = t
            .http
            .get(format!(
                "{}/{}/oauth2/v2.0/authorize",
                i.authority, i.tenant_id
            ))
            .query(&[
                ("client_id", i.client_id.as_str()),
                ("response_type", "code"),
                ("redirect_uri", redirect),
                (
                    "scope",
                    "offline_access openid profile https://graph.microsoft.com/Calendars.ReadWrite",
                ),
                ("state", "s-123"),
                ("nonce", "n-0S6_WzA2Mj"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
                ("login_hint", t.host(0).as_str()),
            ])
            .send()
            .await
            .unwrap();
        let (code, _) = code_from(&resp);
        let (s, b) = t
            .token_form(&[
                ("client_id", &i.client_id),
                ("code", &code),
                ("redirect_uri", redirect),
                ("grant_type", "authorization_code"),
                ("code_verifier", &verifier),
            ])
            .await;
        assert_eq!(s, 200, "{b}");
        let access = b["access_token"].as_str().unwrap();
        assert!(
            (1500..=3000).contains(&access.len()),
            "access token of {} characters",
            access.len()
        );
        let refresh = b["refresh_token"].as_str().unwrap();
        assert!(refresh.starts_with("1.A"));
        assert!(
            refresh_len.contains(&refresh.len()),
            "refresh token of {} characters",
            refresh.len()
        );
        assert_eq!(
            claims(b["id_token"].as_str().unwrap())["nonce"],
            "n-0S6_WzA2Mj"
        );
    }
    let t = T::new(&[]).await;
    let (_, b) = t
        .token_form(&[
            ("client_id", &t.emu.info.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
        ])
        .await;
    let d = b["error_description"].as_str().unwrap();
    assert!(
        d.starts_with("AADSTS9002313: ")
            && d.contains("\r\nTrace ID: ")
            && d.contains("\r\nCorrelation ID: "),
        "{d}"
    );
}

/// The v2.0 admin-consent endpoint names the permissions in `scope` (entra-docs:
/// docs/identity-platform/v2-admin-consent.md); the v1 form consents to what is configured.
#[tokio::test]
async fn v2_admin_consent_needs_a_scope() {
    let t = T::new(&["no-admin-consent"]).await;
    let i = &t.emu.info;
    let base = format!("{}/{}", i.authority, i.tenant_id);
    let r = t
        .http
        .get(format!(
            "{base}/v2.0/adminconsent?client_id={}",
            i.client_id
        ))
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("900144") && page.contains("parameter: &#39;scope&#39;"),
        "{page}"
    );
    let r = t
        .http
        .get(format!(
            "{base}/v2.0/adminconsent?client_id={}&scope=https://graph.microsoft.com/.default",
            i.client_id
        ))
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("900144"));
    let r = t
        .http
        .get(format!("{base}/adminconsent?client_id={}", i.client_id))
        .send()
        .await
        .unwrap();
    assert!(
        !r.text().await.unwrap().contains("900144"),
        "the v1 form needs no scope"
    );
}

/// DNS rebinding: a web page whose name resolves to 127.0.0.1 reaches the emulator with its own
/// name in `Host`; the emulator answers only local names (and its public URL's host). Its admin
/// API refuses a browser's cross-origin request (a "simple" POST needs no preflight).
#[tokio::test]
async fn only_local_names_reach_it_and_the_admin_api_answers_its_own_origin() {
    let emu = start("127.0.0.1:0", Config::default()).await.unwrap();
    let http = reqwest::Client::new();
    let discovery = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        emu.info.authority, emu.info.tenant_id
    );
    let ok = http.get(&discovery).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let rebound = http
        .get(&discovery)
        .header("host", format!("attacker.example:{}", emu.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    let scenario = format!("{}/scenarios/expired-secret", emu.info.admin);
    let cross = http
        .post(&scenario)
        .header("origin", "https://attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cross.status(),
        403,
        "a page elsewhere cannot switch scenarios"
    );
    let own = http
        .post(&scenario)
        .header("origin", emu.info.authority.clone())
        .send()
        .await
        .unwrap();
    assert!(own.status().is_success(), "{}", own.status());
    let script = http.post(&scenario).send().await.unwrap();
    assert!(
        script.status().is_success(),
        "tests and scripts send no Origin"
    );
}

/// Outlook's 4 concurrent requests per mailbox hold for the sub-requests of a batch: 20 parallel
/// steps to one mailbox get 4 answers and 16 `429`s with their own `Retry-After` inside a `200`;
/// the same 20 as one `dependsOn` chain run one at a time and all succeed, in one round trip.
#[tokio::test]
async fn batch_sub_requests_meet_the_mailbox_limit_and_depends_on_sequences_them() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    t.http
        .put(format!("{}/faults", t.emu.info.admin))
        .json(&json!({"serviceMs": 40, "latencyMs": 20}))
        .send()
        .await
        .unwrap();
    let now = jiff::Timestamp::now();
    let url = format!(
        "/users/{id}/calendarView?startDateTime={now}&endDateTime={}",
        now + jiff::SignedDuration::from_hours(24)
    );
    let steps = |chain: bool| {
        json!({"requests": (0..20).map(|n| {
            let mut step = json!({"id": n.to_string(), "method": "GET", "url": url});
            if chain && n > 0 {
                step["dependsOn"] = json!([(n - 1).to_string()]);
            }
            step
        }).collect::<Vec<_>>()})
    };
    let (s, b) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(steps(false)))
        .await;
    assert_eq!(s, 200);
    let answers = b["responses"].as_array().unwrap();
    assert_eq!(answers.len(), 20);
    let throttled: Vec<&Value> = answers.iter().filter(|r| r["status"] == 429).collect();
    assert_eq!(answers.iter().filter(|r| r["status"] == 200).count(), 4);
    assert_eq!(throttled.len(), 16);
    for r in throttled {
        assert_eq!(r["headers"]["Retry-After"], "1");
        assert_eq!(r["body"]["error"]["code"], "ApplicationThrottled");
    }
    let started = std::time::Instant::now();
    let (s, b) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(steps(true)))
        .await;
    assert_eq!(s, 200);
    let answers = b["responses"].as_array().unwrap();
    assert!(answers.iter().all(|r| r["status"] == 200), "{b}");
    // One at a time: 20 service times, one round trip.
    assert!(started.elapsed() >= std::time::Duration::from_millis(20 * 40));
    // Not in request order.
    let order: Vec<&str> = answers.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_ne!(order, (0..20).map(|n| n.to_string()).collect::<Vec<_>>());
    let stats: Value = t
        .http
        .get(format!("{}/stats", t.emu.info.admin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(stats["subRequests"].as_u64().unwrap() >= 40);
}

/// A step that depends on a failed step answers `424`; one that depends on a later or unknown step
/// makes the whole batch a `400` (a cycle cannot be written).
#[tokio::test]
async fn batch_depends_on_failures_and_unknown_steps() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let body = json!({"requests": [
        {"id": "a", "method": "GET", "url": "/users/nobody@x.example"},
        {"id": "b", "method": "GET", "url": "/users", "dependsOn": ["a"]},
        {"id": "c", "method": "GET", "url": "/users", "dependsOn": ["b"]},
        {"id": "d", "method": "GET", "url": "/users"},
    ]});
    let (s, b) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(body))
        .await;
    assert_eq!(s, 200);
    let status = |k: &str| {
        b["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == k)
            .unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (status("a"), status("b"), status("c"), status("d")),
        (404, 424, 424, 200)
    );
    let forward = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]},
        {"id": "2", "method": "GET", "url": "/users"},
    ]});
    let (s, _) = t
        .send(&token, reqwest::Method::POST, "/$batch", Some(forward))
        .await;
    assert_eq!(s, 400);
}

async fn count_reports(t: &T, token: String, id: String) -> usize {
    let mut total = 0;
    let now = jiff::Timestamp::now();
    let (_, events, _) = t
        .get(
            &token,
            &format!(
                "/users/{id}/calendarView?startDateTime={}&endDateTime={now}&$top=100",
                now - jiff::SignedDuration::from_hours(24 * 10)
            ),
        )
        .await;
    for e in events["value"].as_array().unwrap() {
        let Some(join) = e["onlineMeeting"]["joinUrl"].as_str() else {
            continue;
        };
        let filter = format!("JoinWebUrl eq '{join}'");
        let (_, m, _) = t
            .get(
                &token,
                &format!(
                    "/users/{id}/onlineMeetings?$filter={}",
                    url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
                ),
            )
            .await;
        let Some(mid) = m["value"][0]["id"].as_str() else {
            continue;
        };
        let (_, r, _) = t
            .get(
                &token,
                &format!("/users/{id}/onlineMeetings/{mid}/attendanceReports"),
            )
            .await;
        total += r["value"].as_array().map_or(0, |a| a.len());
    }
    total
}

/// `late-reports`: a session's report appears only some minutes after it ends.
#[tokio::test]
async fn late_reports_appear_after_the_delay() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let before = count_reports(&t, token.clone(), id.clone()).await;
    assert!(before > 0);
    t.http
        .put(format!("{}/report-delay", t.emu.info.admin))
        .json(&json!({"minutes": 60 * 24 * 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(count_reports(&t, token.clone(), id.clone()).await, 0);
    t.http
        .put(format!("{}/report-delay", t.emu.info.admin))
        .json(&json!({"minutes": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(count_reports(&t, token, id).await, before);
}

/// Online meetings are Teams resources: no Outlook per-mailbox limit, but a per-app limit
/// (5,000 requests per 10 s by default; 3 here), answered `429` with `Retry-After`.
#[tokio::test]
async fn online_meetings_have_a_per_app_limit_not_the_mailbox_one() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    t.http
        .put(format!("{}/faults", t.emu.info.admin))
        .json(&json!({"serviceMs": 200, "teamsRequestsPer10s": 6}))
        .send()
        .await
        .unwrap();
    let url = format!(
        "{}/users/{id}/onlineMeetings?$filter=JoinWebUrl%20eq%20'x'",
        t.emu.info.graph
    );
    // Six at once to one organizer: all served (no mailbox limit of 4).
    let reqs = (0..6).map(|_| t.http.get(&url).bearer_auth(&token).send());
    for r in futures_join(reqs).await {
        assert_ne!(r.unwrap().status().as_u16(), 429);
    }
    let r = t.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait));
}

/// `/organization` as Graph serves it (organization-list.md, organization-get.md): the app needs
/// Organization.Read.All or Directory.Read.All (the LMS's app has neither: 403); a signed-in user
/// with User.Read reads `id`, `displayName` and `verifiedDomains` only, the rest null.
#[tokio::test]
async fn organization_lists_the_verified_domains_for_those_allowed() {
    let t = T::new(&[]).await;
    let i = t.emu.info.clone();
    let (s, b, _) = t
        .get(
            &t.app_token().await,
            "/organization?$select=verifiedDomains",
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:53124/";
    let scope = "openid https://graph.microsoft.com/User.Read";
    let (code, _) = code_from(&authorize_for(&t, redirect, &challenge, &t.host(0), scope).await);
    let (s, tok) = t
        .token_form(&[
            ("client_id", &i.client_id),
            ("code", &code),
            ("redirect_uri", redirect),
            ("grant_type", "authorization_code"),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(s, 200, "{tok}");
    let user = tok["access_token"].as_str().unwrap().to_string();
    let (s, b, _) = t.get(&user, "/organization").await;
    assert_eq!(s, 200, "{b}");
    let org = &b["value"][0];
    let names: Vec<&str> = org["verifiedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["northwindacademy.onmicrosoft.com", "northwind.example"]
    );
    assert_eq!(org["verifiedDomains"][0]["isInitial"], true);
    assert_eq!(org["verifiedDomains"][1]["isDefault"], true);
    assert!(
        org["tenantType"].is_null(),
        "User.Read reads three properties only"
    );
    let (s, one, _) = t
        .get(
            &user,
            &format!("/organization/{}", org["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!((s, &one["displayName"]), (200, &org["displayName"]));
    let (s, _, _) = t
        .get(&user, "/organization/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(s, 404);
}

/// Event writes are checked against Graph's description (crates/emulator/src/schema.rs) over
/// HTTP: a body Graph refuses gets its 400 and nothing is created; the cancel action reads its
/// body (`comment`, any case) and refuses one that is not JSON or names another parameter.
#[tokio::test]
async fn event_writes_graph_refuses_are_refused_and_cancel_reads_its_body() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let base = json!({
        "subject": "Checked", "start": {"dateTime": "2031-01-06T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2031-01-06T11:00:00", "timeZone": "UTC"},
    });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, want) in [
        (with("subject", json!(123)), "Edm.String"),
        (with("isOnlineMeeting", json!("yes")), "Edm.Boolean"),
        (
            with(
                "attendees",
                json!([{"type": "mandatory", "emailAddress": {"address": "a@b.c"}}]),
            ),
            "attendeeType",
        ),
        (
            with(
                "start",
                json!({"dateTime": "2031-01-06T10:00:00", "timeZone": "UTC", "offset": 1}),
            ),
            "dateTimeTimeZone",
        ),
    ] {
        let (s, b) = t
            .send(
                &token,
                reqwest::Method::POST,
                &format!("/users/{id}/events"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (400, Some("RequestBodyRead")),
            "{body}"
        );
        assert!(
            b["error"]["message"].as_str().unwrap().contains(want),
            "{b}"
        );
    }
    let (s, b) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events"),
            Some(base.clone()),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let event = b["id"].as_str().unwrap().to_string();
    let path = format!("/users/{id}/events/{event}");
    let (s, _) = t
        .send(
            &token,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"showAs": "sometimes"})),
        )
        .await;
    assert_eq!(s, 400);
    let raw = t
        .http
        .post(format!("{}{path}/cancel", t.emu.info.graph))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let (s, _) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("{path}/cancel"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("{path}/cancel"),
            Some(json!({"Comment": "Moved"})),
        )
        .await;
    assert_eq!(s, 202);
}

/// What a client writes on an event is what it reads back (event.md, event-update.md): Rollcall
/// sends `allowNewTimeProposals: false`; a PATCH of location, importance, sensitivity, showAs,
/// isReminderOn and categories is applied, not answered 200 with the old values.
#[tokio::test]
async fn event_writes_are_applied_and_read_back() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let (s, b) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events"),
            Some(json!({
                "subject": "Applied", "allowNewTimeProposals": false, "importance": "High",
                "start": {"dateTime": "2031-01-07T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2031-01-07T11:00:00", "timeZone": "UTC"},
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (&b["allowNewTimeProposals"], &b["importance"]),
        (&json!(false), &json!("high"))
    );
    let path = format!("/users/{id}/events/{}", b["id"].as_str().unwrap());
    let patch = json!({
        "location": {"displayName": "Room 101"}, "importance": "low", "sensitivity": "private",
        "showAs": "tentative", "isReminderOn": false, "categories": ["Webinar", "LMS"],
    });
    let (s, b) = t
        .send(&token, reqwest::Method::PATCH, &path, Some(patch))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, again, _) = t.get(&token, &path).await;
    assert_eq!(s, 200);
    for got in [&b, &again] {
        assert_eq!(got["location"]["displayName"], "Room 101");
        assert_eq!(got["importance"], "low");
        assert_eq!(got["sensitivity"], "private");
        assert_eq!(got["showAs"], "tentative");
        assert_eq!(got["isReminderOn"], false);
        assert_eq!(got["categories"], json!(["Webinar", "LMS"]));
        assert_eq!(got["allowNewTimeProposals"], false, "kept from the create");
    }
}

/// Monthly and yearly recurrences are accepted and expanded as recurrencepattern.md describes
/// (an absolute day past a month's end falls on its last day, as Outlook schedules it).
#[tokio::test]
async fn monthly_and_yearly_recurrences_expand() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let starts = |pattern: Value, first: &str, count: u32| {
        let t = &t;
        let token = token.clone();
        let id = id.clone();
        let first = first.to_string();
        async move {
            let body = json!({
                "subject": "Recurring",
                "start": {"dateTime": format!("{first}T09:00:00"), "timeZone": "UTC"},
                "end": {"dateTime": format!("{first}T10:00:00"), "timeZone": "UTC"},
                "recurrence": {"pattern": pattern, "range": {"type": "numbered", "startDate": first, "numberOfOccurrences": count, "recurrenceTimeZone": "UTC"}},
            });
            let (s, b) = t
                .send(
                    &token,
                    reqwest::Method::POST,
                    &format!("/users/{id}/events"),
                    Some(body),
                )
                .await;
            assert_eq!(s, 201, "{b}");
            let master = b["id"].as_str().unwrap().to_string();
            let (s, v, _) = t
                .get(&token, &format!("/users/{id}/calendarView?startDateTime=2031-01-01T00:00:00Z&endDateTime=2040-01-01T00:00:00Z&$top=1000"))
                .await;
            assert_eq!(s, 200);
            let mut out: Vec<String> = v["value"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["seriesMasterId"] == master.as_str())
                .map(|e| e["start"]["dateTime"].as_str().unwrap()[..10].to_string())
                .collect();
            out.sort();
            out
        }
    };
    assert_eq!(
        starts(
            json!({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}),
            "2031-01-31",
            4
        )
        .await,
        ["2031-01-31", "2031-02-28", "2031-03-31", "2031-04-30"]
    );
    assert_eq!(
        starts(json!({"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["friday"], "index": "last"}), "2031-01-01", 3).await,
        ["2031-01-31", "2031-03-28", "2031-05-30"]
    );
    assert_eq!(
        starts(
            json!({"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29, "month": 2}),
            "2032-02-29",
            2
        )
        .await,
        ["2032-02-29", "2033-02-28"]
    );
    assert_eq!(
        starts(json!({"type": "relativeYearly", "interval": 1, "daysOfWeek": ["monday"], "index": "first", "month": 9}), "2031-01-01", 2).await,
        ["2031-09-01", "2032-09-06"]
    );
    let (s, b) = t
        .send(&token, reqwest::Method::POST, &format!("/users/{id}/events"), Some(json!({
            "subject": "No day", "start": {"dateTime": "2031-01-05T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2031-01-05T10:00:00", "timeZone": "UTC"},
            "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2031-01-05"}},
        })))
        .await;
    assert_eq!(s, 400, "{b}");
}

/// A next page is the same query (paging.md: the nextLink "contains all the query parameters"):
/// `$select` and `$filter` survive on users, events and calendarView.
#[tokio::test]
async fn next_links_keep_the_query() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    for first in [
        "/users?$top=2&$select=id,mail".to_string(),
        format!("/users/{id}/events?$top=1&$select=subject"),
        format!("/users/{id}/calendarView?startDateTime=2000-01-01T00:00:00Z&endDateTime=2100-01-01T00:00:00Z&$top=1&$select=subject"),
    ] {
        let (s, b, _) = t.get(&token, &first).await;
        assert_eq!(s, 200, "{first}: {b}");
        let next = b["@odata.nextLink"].as_str().unwrap_or_else(|| panic!("{first}: a second page")).to_string();
        let rest = next.strip_prefix(&t.emu.info.graph).unwrap().to_string();
        let (s, page, _) = t.get(&token, &rest).await;
        assert_eq!(s, 200, "{next}");
        for item in page["value"].as_array().unwrap() {
            let keys: Vec<&String> = item.as_object().unwrap().keys().filter(|k| !k.starts_with('@') && *k != "id").collect();
            assert!(keys.iter().all(|k| ["mail", "subject"].contains(&k.as_str())), "{next}: {keys:?}");
        }
    }
}

/// `GET /solutions/virtualEvents/webinars` lists the tenant's webinars whose organizer the access
/// policy covers (virtualeventsroot-list-webinars.md), with `$count`; without the policy the list
/// is empty — a quiet answer, not an error.
#[tokio::test]
async fn the_tenants_webinars_are_listed_only_under_the_access_policy() {
    let t = T::new(&[]).await;
    let (s, b, _) = t
        .get(
            &t.app_token().await,
            "/solutions/virtualEvents/webinars?$count=true",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let n = b["value"].as_array().unwrap().len();
    assert!(n > 0, "{b}");
    assert_eq!(b["@odata.count"], n);
    let t = T::new(&["missing-access-policy"]).await;
    let (s, b, _) = t
        .get(&t.app_token().await, "/solutions/virtualEvents/webinars")
        .await;
    assert_eq!(
        (s, b["value"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{b}"
    );
}

/// The layer that holds every answer to Graph's description fails the test that meets a
/// deviation: an event whose stored importance is not a member of `importance` is answered 500
/// `EmulatorDeviation` (not served), and the emulator panics when dropped.
#[tokio::test]
#[should_panic(expected = "the emulator answered otherwise than Graph's description says")]
async fn an_answer_that_deviates_from_the_description_fails_the_test() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let (s, b) = t
        .send(
            &token,
            reqwest::Method::POST,
            &format!("/users/{id}/events"),
            Some(json!({
                "subject": "Deviates",
                "start": {"dateTime": "2031-01-07T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2031-01-07T11:00:00", "timeZone": "UTC"},
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    for e in t.emu.shared.world().events.values_mut() {
        if e.subject == "Deviates" {
            e.settings.importance = "urgent".into();
        }
    }
    let path = format!("/users/{id}/events/{}", b["id"].as_str().unwrap());
    let (s, b, _) = t.get(&token, &path).await;
    assert_eq!(s, 500, "{b}");
    assert_eq!(b["error"]["code"], "EmulatorDeviation");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("'urgent'"),
        "{b}"
    );
    assert_eq!(t.emu.shared.deviations().len(), 1);
}

/// `$orderby` and `$count` on events and calendarView are applied, not ignored
/// (query-parameters.md; event-list.md), and a property events do not have is refused.
#[tokio::test]
async fn event_listings_are_ordered_and_counted() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let id = t.user_id(&token, &t.host(0)).await;
    let starts = |b: &Value| -> Vec<String> {
        b["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["start"]["dateTime"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users/{id}/events?$orderby=start/dateTime%20desc&$count=true&$top=5"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let got = starts(&b);
    let mut want = got.clone();
    want.sort();
    want.reverse();
    assert_eq!(got, want);
    assert!(b["@odata.count"].as_u64().unwrap() as usize >= got.len());
    let window = "startDateTime=2020-01-01T00:00:00Z&endDateTime=2040-01-01T00:00:00Z";
    let (s, b, _) = t
        .get(
            &token,
            &format!("/users/{id}/calendarView?{window}&$orderby=subject&$count=true&$top=10"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let subjects: Vec<String> = b["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(subjects, sorted);
    assert!(b["@odata.count"].as_u64().is_some());
    let (s, b, _) = t
        .get(&token, &format!("/users/{id}/events?$orderby=mood"))
        .await;
    assert_eq!(s, 400);
    assert!(b["error"]["message"].as_str().unwrap().contains("'mood'"));
}

/// An app's `requiredResourceAccess` holds permission ids (GUIDs), which a client maps to names
/// through Microsoft Graph's own service principal (`appRoles`, `oauth2PermissionScopes`), as in a
/// tenant (serviceprincipal-get.md, application resource); declared properties come with
/// `$select`.
#[tokio::test]
async fn permission_ids_map_through_graphs_service_principal() {
    let t = T::new(&[]).await;
    let token = t.app_token().await;
    let i = t.emu.info.clone();
    let (s, app, _) = t
        .get(
            &token,
            &format!("/applications(appId='{}')?$select=requiredResourceAccess,appRoles,api,identifierUris", i.client_id),
        )
        .await;
    assert_eq!(s, 200, "{app}");
    assert!(app["appRoles"].is_array() && app["api"]["oauth2PermissionScopes"].is_array());
    let access = app["requiredResourceAccess"][0]["resourceAccess"]
        .as_array()
        .unwrap();
    assert!(access
        .iter()
        .all(|a| uuid::Uuid::parse_str(a["id"].as_str().unwrap()).is_ok()));
    let (s, graph, _) = t
        .get(
            &token,
            "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=appRoles,oauth2PermissionScopes,displayName",
        )
        .await;
    assert_eq!(s, 200, "{graph}");
    assert_eq!(graph["displayName"], "Microsoft Graph");
    let name_of = |id: &str, kind: &str| -> Option<String> {
        let list = if kind == "Role" {
            &graph["appRoles"]
        } else {
            &graph["oauth2PermissionScopes"]
        };
        list.as_array()?
            .iter()
            .find(|p| p["id"] == id)
            .and_then(|p| p["value"].as_str().map(str::to_string))
    };
    let names: Vec<String> = access
        .iter()
        .map(|a| {
            name_of(a["id"].as_str().unwrap(), a["type"].as_str().unwrap())
                .unwrap_or_else(|| panic!("unmapped {a}"))
        })
        .collect();
    assert!(names.iter().any(|n| n == "OnlineMeetingArtifact.Read.All"));
    assert!(names.iter().any(|n| n == "User.Read"));
    let (s, b, _) = t
        .get(
            &token,
            "/servicePrincipals?$filter=appId%20eq%20'00000003-0000-0000-c000-000000000000'&$select=id,appRoles",
        )
        .await;
    assert_eq!(
        (s, b["value"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{b}"
    );
}
