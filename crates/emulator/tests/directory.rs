#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The directory writes an administrator makes ("Fix it for me", secret renewal, a registration
//! from nothing), held to Entra's rules: scope *and* directory role, Graph's application
//! permissions only from a Global or Privileged Role Administrator, the secret text once, the
//! app management policy, the access-token version an audience needs, replication delay.

use base64::Engine;
use reqwest::Method;
use rollcall_emulator::{start, Config, Running};
use serde_json::{json, Value};
use sha2::Digest;

const TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
const GRAPH: &str = "00000003-0000-0000-c000-000000000000";
const ADMIN_SCOPES: &str = "openid offline_access https://graph.microsoft.com/User.Read https://graph.microsoft.com/Application.ReadWrite.All https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All https://graph.microsoft.com/Policy.Read.All";

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
        T {
            emu: start("127.0.0.1:0", cfg).await.unwrap(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// An administrator's token through Microsoft Graph Command Line Tools (auth code + PKCE,
    /// consenting for themself on the way).
    async fn admin_token(&self, user: &str) -> String {
        let i = &self.emu.info;
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let redirect = "http://localhost:53123";
        let r = self
            .http
            .get(format!(
                "{}/{}/oauth2/v2.0/authorize",
                i.authority, i.tenant_id
            ))
            .query(&[
                ("client_id", TOOLS),
                ("response_type", "code"),
                ("redirect_uri", redirect),
                ("scope", ADMIN_SCOPES),
                ("state", "s"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
                ("login_hint", user),
                ("action", "consent"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        let code = loc
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        let body: Value = self
            .http
            .post(format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant_id))
            .form(&[
                ("client_id", TOOLS),
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().expect("a token").to_string()
    }

    async fn app_token(&self, secret: &str) -> (u16, Value) {
        let i = &self.emu.info;
        let r = self
            .http
            .post(format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant_id))
            .form(&[
                ("client_id", i.client_id.as_str()),
                ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn send(
        &self,
        token: &str,
        method: Method,
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

    async fn app(&self, token: &str) -> Value {
        let (st, v) = self
            .send(
                token,
                Method::GET,
                &format!("/applications(appId='{}')", self.emu.info.client_id),
                None,
            )
            .await;
        assert_eq!(st, 200, "{v}");
        v
    }

    async fn graph_sp(&self, token: &str) -> String {
        let (_, v) = self
            .send(
                token,
                Method::GET,
                &format!("/servicePrincipals(appId='{GRAPH}')?$select=id"),
                None,
            )
            .await;
        v["id"].as_str().unwrap().to_string()
    }

    async fn own_sp(&self, token: &str) -> String {
        let (_, v) = self
            .send(
                token,
                Method::GET,
                &format!(
                    "/servicePrincipals(appId='{}')?$select=id",
                    self.emu.info.client_id
                ),
                None,
            )
            .await;
        v["id"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn an_administrator_reads_their_roles_and_repairs_the_registration() {
    let t = T::new(&[
        "single-tenant-app",
        "token-checkboxes-off",
        "lms-redirect-missing",
    ])
    .await;
    let ga = t.admin_token(&t.emu.info.admin_user).await;
    let (st, roles) = t
        .send(
            &ga,
            Method::GET,
            "/me/memberOf/microsoft.graph.directoryRole",
            None,
        )
        .await;
    assert_eq!(
        st, 400,
        "an OData cast needs ConsistencyLevel: eventual: {roles}"
    );
    let (st, roles) = t.send(&ga, Method::GET, "/me/memberOf", None).await;
    assert_eq!(st, 200, "{roles}");
    assert_eq!(
        roles["value"][0]["@odata.type"],
        "#microsoft.graph.directoryRole"
    );
    assert_eq!(roles["value"][0]["displayName"], "Global Administrator");
    assert_eq!(
        roles["value"][0]["roleTemplateId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );

    let before = t.app(&ga).await;
    let object = before["id"].as_str().unwrap().to_string();
    assert_eq!(before["signInAudience"], "AzureADMyOrg");
    let mut web = before["web"]["redirectUris"].as_array().unwrap().clone();
    assert!(!web
        .iter()
        .any(|u| u == &json!(t.emu.info.portal_redirect_uri)));

    // Personal accounts need v2 access tokens in the same change (InvalidAccessTokenVersion).
    let (st, e) = t
        .send(
            &ga,
            Method::PATCH,
            &format!("/applications/{object}"),
            Some(json!({"signInAudience": "AzureADandPersonalMicrosoftAccount"})),
        )
        .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("InvalidAccessTokenVersion"))
    );
    // A plain-http address that is not localhost is refused (reply-url.md).
    let (st, e) = t
        .send(
            &ga,
            Method::PATCH,
            &format!("/applications/{object}"),
            Some(json!({"web": {"redirectUris": ["http://lms.example/cb"]}})),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    // An undeclared property is refused by the description.
    let (st, _) = t
        .send(
            &ga,
            Method::PATCH,
            &format!("/applications/{object}"),
            Some(json!({"replyUrls": []})),
        )
        .await;
    assert_eq!(st, 400);

    web.push(json!(t.emu.info.portal_redirect_uri));
    let (st, e) = t
        .send(
            &ga,
            Method::PATCH,
            &format!("/applications/{object}"),
            Some(json!({
                "signInAudience": "AzureADandPersonalMicrosoftAccount",
                "api": {"requestedAccessTokenVersion": 2},
                "web": {"redirectUris": web, "implicitGrantSettings": {"enableIdTokenIssuance": true, "enableAccessTokenIssuance": true}},
            })),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let after = t.app(&ga).await;
    assert_eq!(
        after["signInAudience"],
        "AzureADandPersonalMicrosoftAccount"
    );
    assert_eq!(after["api"]["requestedAccessTokenVersion"], 2);
    assert_eq!(
        after["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert!(after["web"]["redirectUris"]
        .as_array()
        .unwrap()
        .contains(&json!(t.emu.info.portal_redirect_uri)));
    // The public client's redirect is untouched by a change to `web`.
    assert_eq!(after["publicClient"], before["publicClient"]);
}

#[tokio::test]
async fn graph_application_permissions_need_a_global_or_privileged_role_administrator() {
    let t = T::new(&["no-admin-consent"]).await;
    let cal = t.admin_token(&t.emu.info.app_admin_user).await;
    let graph = t.graph_sp(&cal).await;
    let sp = t.own_sp(&cal).await;
    let assign = json!({"principalId": sp, "resourceId": graph, "appRoleId": "df021288-bdef-4463-88db-98f22de89214"});
    let (st, e) = t
        .send(
            &cal,
            Method::POST,
            &format!("/servicePrincipals/{graph}/appRoleAssignedTo"),
            Some(assign.clone()),
        )
        .await;
    assert_eq!(st, 403, "{e}");
    assert_eq!(e["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        e["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    // A Cloud Application Administrator may grant the delegated ones.
    let grant = json!({"clientId": sp, "consentType": "AllPrincipals", "resourceId": graph, "scope": "User.Read Calendars.ReadWrite"});
    let (st, g) = t
        .send(
            &cal,
            Method::POST,
            "/oauth2PermissionGrants",
            Some(grant.clone()),
        )
        .await;
    assert_eq!(st, 201, "{g}");
    let (st, _) = t
        .send(&cal, Method::POST, "/oauth2PermissionGrants", Some(grant))
        .await;
    assert_eq!(
        st, 409,
        "a second AllPrincipals grant for the same pair is a conflict"
    );
    let (st, list) = t
        .send(
            &cal,
            Method::GET,
            &format!("/oauth2PermissionGrants?$filter=clientId%20eq%20'{sp}'"),
            None,
        )
        .await;
    assert_eq!(
        (st, list["value"][0]["scope"].as_str()),
        (200, Some("Calendars.ReadWrite User.Read"))
    );

    // The Global Administrator may; the role reaches the next app-only token.
    let ga = t.admin_token(&t.emu.info.admin_user).await;
    let (st, a) = t
        .send(
            &ga,
            Method::POST,
            &format!("/servicePrincipals/{graph}/appRoleAssignedTo"),
            Some(assign.clone()),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (_, tok) = t.app_token(&t.emu.info.client_secret).await;
    let payload = tok["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_string();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["roles"], json!(["User.Read.All"]));
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            &format!("/servicePrincipals/{graph}/appRoleAssignedTo"),
            Some(assign),
        )
        .await;
    assert_eq!(st, 400, "the same assignment twice is refused");
    // Undo: the assignment goes.
    let (st, _) = t
        .send(
            &ga,
            Method::DELETE,
            &format!(
                "/servicePrincipals/{graph}/appRoleAssignedTo/{}",
                a["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(st, 204);
}

#[tokio::test]
async fn a_new_secret_is_shown_once_and_the_policy_limits_its_lifetime() {
    let t = T::new(&["secret-lifetime-policy"]).await;
    let ga = t.admin_token(&t.emu.info.admin_user).await;
    let (st, policy) = t
        .send(
            &ga,
            Method::GET,
            "/policies/defaultAppManagementPolicy",
            None,
        )
        .await;
    assert_eq!(st, 200, "{policy}");
    assert_eq!(
        policy["applicationRestrictions"]["passwordCredentials"][0]["maxLifetime"],
        "P180D"
    );
    let object = t.app(&ga).await["id"].as_str().unwrap().to_string();
    let year = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365)).to_string();
    let (st, e) = t
        .send(
            &ga,
            Method::POST,
            &format!("/applications/{object}/addPassword"),
            Some(json!({"passwordCredential": {"displayName": "x", "endDateTime": year}})),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(
        e["error"]["code"],
        "CredentialInvalidLifetimeAsPerAppPolicy"
    );
    // No end date means two years: refused too.
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            &format!("/applications/{object}/addPassword"),
            Some(json!({"passwordCredential": {"displayName": "x"}})),
        )
        .await;
    assert_eq!(st, 400);
    let months = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 170)).to_string();
    let (st, pc) = t
        .send(&ga, Method::POST, &format!("/applications/{object}/addPassword"), Some(json!({"passwordCredential": {"displayName": "rollcall-renewed", "endDateTime": months}})))
        .await;
    assert_eq!(st, 200, "{pc}");
    let secret = pc["secretText"].as_str().unwrap().to_string();
    assert_eq!(pc["hint"].as_str().unwrap(), &secret[..3]);
    // Read back: the hint, never the text.
    let app = t.app(&ga).await;
    let listed = app["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["keyId"] == pc["keyId"])
        .unwrap()
        .clone();
    assert_eq!(listed["secretText"], Value::Null);
    assert_eq!(t.app_token(&secret).await.0, 200, "the new secret signs in");
    // Remove the old one: it no longer signs in.
    let old = app["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["hint"].as_str() == Some(&t.emu.info.client_secret[..3]))
        .unwrap()["keyId"]
        .clone();
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            &format!("/applications/{object}/removePassword"),
            Some(json!({"keyId": old})),
        )
        .await;
    assert_eq!(st, 204);
    let (st, e) = t.app_token(&t.emu.info.client_secret).await;
    assert_eq!(st, 401, "{e}");
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            &format!("/applications/{object}/removePassword"),
            Some(json!({"keyId": old})),
        )
        .await;
    assert_eq!(st, 404, "a key removed twice is not found");
}

#[tokio::test]
async fn a_new_registration_is_not_visible_at_once_and_needs_its_service_principal() {
    let t = T::new(&[]).await;
    let ga = t.admin_token(&t.emu.info.admin_user).await;
    let (st, e) = t
        .send(&ga, Method::POST, "/applications", Some(json!({"displayName": "LMS", "signInAudience": "AzureADandPersonalMicrosoftAccount"})))
        .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("InvalidAccessTokenVersion"))
    );
    let (st, app) = t
        .send(&ga, Method::POST, "/applications", Some(json!({
            "displayName": "LMS Teams integration",
            "signInAudience": "AzureADandPersonalMicrosoftAccount",
            "api": {"requestedAccessTokenVersion": 2},
            "web": {"redirectUris": ["https://lms.example/api/v2/webinars/oauth/microsoft-callback"], "implicitGrantSettings": {"enableIdTokenIssuance": true}},
            "requiredResourceAccess": [{"resourceAppId": GRAPH, "resourceAccess": [{"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}]}],
        })))
        .await;
    assert_eq!(st, 201, "{app}");
    let app_id = app["appId"].as_str().unwrap().to_string();
    let (st, _) = t
        .send(
            &ga,
            Method::GET,
            &format!("/applications/{}", app["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, 404, "not replicated yet");
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            "/servicePrincipals",
            Some(json!({"appId": app_id})),
        )
        .await;
    assert_eq!(
        st, 400,
        "the appId does not reference a replicated application yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let (st, got) = t
        .send(
            &ga,
            Method::GET,
            &format!("/applications/{}", app["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, 200, "{got}");
    assert_eq!(
        got["requiredResourceAccess"][0]["resourceAccess"][0]["type"],
        "Role"
    );
    let (st, sp) = t
        .send(
            &ga,
            Method::POST,
            "/servicePrincipals",
            Some(json!({"appId": app_id})),
        )
        .await;
    assert_eq!(st, 201, "{sp}");
    let (st, _) = t
        .send(
            &ga,
            Method::POST,
            "/servicePrincipals",
            Some(json!({"appId": app_id})),
        )
        .await;
    assert_eq!(st, 409);
}

#[tokio::test]
async fn the_integrations_own_token_cannot_change_the_directory() {
    let t = T::new(&[]).await;
    let (_, tok) = t.app_token(&t.emu.info.client_secret).await;
    let tok = tok["access_token"].as_str().unwrap();
    let (st, e) = t
        .send(
            tok,
            Method::PATCH,
            &format!("/applications(appId='{}')", t.emu.info.client_id),
            Some(json!({"signInAudience": "AzureADMyOrg"})),
        )
        .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    // The first-party client is not one of the tenant's registrations.
    let ga = t.admin_token(&t.emu.info.admin_user).await;
    let (_, all) = t
        .send(&ga, Method::GET, "/applications?$select=appId", None)
        .await;
    assert!(!all["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["appId"] == TOOLS));
}
