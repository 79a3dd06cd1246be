//! AADSTS codes in the admin's words: what is wrong and what to do, with the values to paste.
//!
//! The table follows the reference's list of codes an admin tool should explain. It branches on the
//! number only (messages are localized); the platform's own sentence is kept as detail, never parsed.

use jiff::civil::Date;
use rollcall_graph::delegated::InteractiveError;
use rollcall_graph::{AadError, GraphError};

use crate::error::{CoreError, ErrorCode};

/// What Rollcall knows about the connection, to make the advice exact.
#[derive(Clone, Debug, Default)]
pub struct AdviceContext {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    /// The expiry date the admin entered for the secret.
    pub secret_expires: Option<Date>,
    /// The redirect URI the failing request used.
    pub redirect_uri: Option<String>,
}

impl AdviceContext {
    /// The tenant-wide admin-consent URL for this app (v1 form: grants every configured permission).
    pub fn consent_url(&self) -> String {
        let authority = if self.authority.is_empty() {
            "https://login.microsoftonline.com"
        } else {
            self.authority.trim_end_matches('/')
        };
        let tenant = if self.tenant.is_empty() {
            "organizations"
        } else {
            &self.tenant
        };
        format!(
            "{authority}/{tenant}/adminconsent?client_id={}",
            self.client_id
        )
    }
}

const SECRETS_PATH: &str =
    "Entra admin center → App registrations → your app → Certificates & secrets";
const REDIRECT_PATH: &str = "Entra admin center → App registrations → your app → Authentication";

/// Turn a token-endpoint error into a sentence and a hint.
pub fn explain_aad(aad: &AadError, ctx: &AdviceContext) -> CoreError {
    if aad.status == 407 {
        return proxy_auth_required();
    }
    let code = aad.code();
    let consent = ctx.consent_url();
    let redirect = ctx
        .redirect_uri
        .clone()
        .unwrap_or_else(|| "http://localhost".into());
    let relogin = "Sign in again from Settings → Connections.".to_string();
    let (ec, message, hint): (ErrorCode, String, String) = match code {
        Some(7000222) => (
            ErrorCode::ExpiredSecret,
            match ctx.secret_expires {
                Some(d) => format!("The client secret expired on {}.", d.strftime("%-d %B %Y")),
                None => "The client secret has expired.".into(),
            },
            format!("Create a new one in {SECRETS_PATH} → New client secret, and paste its Value here (the Value is shown only once)."),
        ),
        Some(7000215) => (
            ErrorCode::InvalidSecret,
            "The client secret is not valid.".into(),
            "Paste the secret's Value, not its Secret ID (the GUID beside it). The Value is shown only once, when the secret is created: if it is lost, create a new secret.".into(),
        ),
        // Rollcall's own certificate (certificate-credentials.md; reference-error-codes.md).
        Some(700027) => (
            ErrorCode::InvalidSecret,
            "The app registration does not accept Rollcall's certificate: it was not uploaded there, was removed, or has expired.".into(),
            format!("Upload the .cer file that `rollcall certificate show --profile NAME` names in {SECRETS_PATH} → Certificates → Upload certificate, or make a new one with `rollcall certificate create`."),
        ),
        Some(700024) => (
            ErrorCode::InvalidSecret,
            "Entra refused the certificate's assertion as outside its valid time: this computer's clock is off.".into(),
            "Set the computer's clock to the right time (turn on automatic time), then try again.".into(),
        ),
        Some(7000218) => (
            ErrorCode::InvalidSecret,
            "This app registration requires a client secret for this sign-in.".into(),
            format!("Enter the client secret, or register {redirect} under \"Mobile and desktop applications\" (not \"Web\") in {REDIRECT_PATH}."),
        ),
        Some(700025) => (
            ErrorCode::InvalidInput,
            "The redirect URI is registered as a desktop (public) client, which must not send a secret.".into(),
            format!("In {REDIRECT_PATH}, keep http://localhost under \"Mobile and desktop applications\"; Rollcall's desktop sign-in sends no secret."),
        ),
        Some(700016) => (
            ErrorCode::AppNotFound,
            format!("No app registration with client ID {} exists in tenant {}.", ctx.client_id, ctx.tenant),
            "Copy the Application (client) ID and the Directory (tenant) ID from the app's Overview page. If the app lives in another tenant, it must be consented in this one first.".into(),
        ),
        Some(90002) => (
            ErrorCode::TenantNotFound,
            format!("The tenant \"{}\" was not found.", ctx.tenant),
            "Check the Directory (tenant) ID or domain on the app's Overview page, and the cloud (global, US Government, China).".into(),
        ),
        Some(50011) | Some(500113) => (
            ErrorCode::InvalidInput,
            "The redirect URI is not registered for this app.".into(),
            format!("Add {redirect} under \"Mobile and desktop applications\" in {REDIRECT_PATH} (for the LMS, its portal URI goes under \"Web\")."),
        ),
        Some(65001) | Some(90094) | Some(90095) => (
            ErrorCode::PermissionMissing,
            "An administrator has not granted consent for this app's permissions.".into(),
            format!("A Privileged Role Administrator or Global Administrator opens {consent} and accepts, or clicks \"Grant admin consent\" under API permissions."),
        ),
        Some(65004) => (
            ErrorCode::PermissionMissing,
            "Consent was declined.".into(),
            format!("Sign in again and accept, or have an administrator grant consent at {consent}."),
        ),
        Some(50105) => (
            ErrorCode::PermissionMissing,
            "This account is not assigned to the app (\"Assignment required\" is on).".into(),
            "Assign the user in Entra admin center → Enterprise applications → your app → Users and groups.".into(),
        ),
        Some(70008) | Some(700082) | Some(700084) | Some(50173) | Some(70043) => (
            ErrorCode::SignInRequired,
            "The saved sign-in is no longer valid (expired after inactivity or revoked).".into(),
            relogin,
        ),
        Some(54005) => (
            ErrorCode::SignInFailed,
            "This sign-in answer was already used.".into(),
            "Start the sign-in again.".into(),
        ),
        Some(50076) | Some(50079) | Some(50058) => (
            ErrorCode::SignInRequired,
            "Interactive sign-in is needed (multi-factor authentication or no session).".into(),
            relogin,
        ),
        Some(53003) => (
            ErrorCode::PermissionMissing,
            "Conditional Access blocked the sign-in.".into(),
            "An administrator reviews the Conditional Access policies (Entra → Protection → Conditional Access → sign-in logs show which).".into(),
        ),
        Some(50020) | Some(50194) => (
            ErrorCode::InvalidInput,
            "This account or authority does not fit the app's tenant.".into(),
            "Use the tenant ID or domain (not common), and an account of that tenant.".into(),
        ),
        Some(7000112) => (
            ErrorCode::AppNotFound,
            "The app is disabled in this tenant.".into(),
            "Enable it in Entra admin center → Enterprise applications → your app → Properties → Enabled for users to sign-in.".into(),
        ),
        Some(650057) => (
            ErrorCode::PermissionMissing,
            "Microsoft Graph is not among the app's requested permissions.".into(),
            "Add the Microsoft Graph permissions under API permissions, then grant admin consent.".into(),
        ),
        Some(500011) => (
            ErrorCode::InvalidInput,
            "The Graph resource is not known in this tenant — the cloud setting is probably wrong.".into(),
            "Check the cloud (global, US Government, China) in the profile.".into(),
        ),
        // Entra's error-code reference (entra-docs: docs/identity-platform/reference-error-codes.md).
        Some(9002327) => (
            ErrorCode::InvalidInput,
            "http://localhost is registered as a single-page application, whose tokens only a browser page may redeem.".into(),
            format!("In {REDIRECT_PATH}, remove http://localhost from \"Single-page application\" and add it under \"Mobile and desktop applications\"; then sign in again."),
        ),
        Some(7000229) => (
            ErrorCode::PermissionMissing,
            "The app has no service principal in this tenant: nobody has consented to it here yet.".into(),
            format!("An administrator opens {consent} and accepts; that creates the app's enterprise application in this tenant."),
        ),
        Some(9002313) => (
            ErrorCode::SignInRequired,
            "The saved sign-in is damaged or not one the identity platform issued.".into(),
            relogin.clone(),
        ),
        Some(50034) => (
            ErrorCode::SignInFailed,
            "This account does not exist in the tenant.".into(),
            "Sign in with an account of the app's tenant (check for a typo or a personal account).".into(),
        ),
        Some(53000) | Some(53001) | Some(530032) => (
            ErrorCode::PermissionMissing,
            "Conditional Access requires a compliant or managed device, and this one is not.".into(),
            "Sign in from a device your organization manages (Intune-enrolled or hybrid-joined), or ask IT to check the Conditional Access policy in the sign-in logs.".into(),
        ),
        Some(501481) | Some(70011) | Some(1002012) | Some(700022) | Some(28000) | Some(28003)
        | Some(900144) | Some(90014) => (
            ErrorCode::Internal,
            "Rollcall sent a request the identity platform rejects.".into(),
            "This is a Rollcall bug; please report it with the trace ID.".into(),
        ),
        Some(50126) => (
            ErrorCode::SignInFailed,
            "The user name or password is wrong.".into(),
            "Sign in again.".into(),
        ),
        _ => (
            ErrorCode::SignInFailed,
            "The identity platform refused the sign-in.".into(),
            "See the detail below; the trace ID helps Microsoft support.".into(),
        ),
    };
    let detail = aad
        .error_description
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    let mut e = CoreError::new(ec, message, Some(hint));
    if matches!(ec, ErrorCode::SignInFailed | ErrorCode::Internal) && !detail.is_empty() {
        e.message = format!("{} ({detail})", e.message);
    }
    e.request_id = aad.trace_id.clone();
    e
}

/// A browser sign-in that did not come back with a code.
pub fn explain_interactive(e: &InteractiveError, ctx: &AdviceContext) -> CoreError {
    let redirect = ctx
        .redirect_uri
        .clone()
        .unwrap_or_else(|| "http://localhost".into());
    match e {
        InteractiveError::Timeout(secs) => CoreError::new(
            ErrorCode::SignInFailed,
            if *secs >= 120 {
                format!("No answer from the browser within {} minutes.", secs / 60)
            } else {
                format!("No answer from the browser within {secs} seconds.")
            },
            // With prompt=select_account Entra shows consent in the browser, or stops at "Need
            // admin approval" (AADSTS90094) and never comes back (v2-oauth2-auth-code-flow.md).
            Some(format!("Look at the browser: \"Need admin approval\" (AADSTS90094) means users may not consent to this app — an administrator opens {} and accepts, then you sign in again. \"Permissions requested\" needs Accept. AADSTS50011: add http://localhost under \"Mobile and desktop applications\" in {REDIRECT_PATH}. AADSTS700016: check the client ID.", ctx.consent_url())),
        ),
        InteractiveError::Cancelled => CoreError::new(ErrorCode::Cancelled, "Sign-in cancelled.", None),
        InteractiveError::StateMismatch => CoreError::new(
            ErrorCode::SignInFailed,
            "The browser returned an answer that does not belong to this sign-in, so Rollcall ignored it.",
            Some("Close old sign-in tabs and sign in again.".into()),
        ),
        InteractiveError::Refused { error, description, code } => {
            let aad = AadError {
                error: error.clone(),
                error_description: description.clone(),
                error_codes: code.iter().copied().collect(),
                ..Default::default()
            };
            if code.is_none() && error == "access_denied" {
                return CoreError::new(ErrorCode::SignInFailed, "The sign-in was cancelled or denied in the browser.", Some("Sign in again and accept the permissions.".into()));
            }
            explain_aad(&aad, &AdviceContext { redirect_uri: Some(redirect), ..ctx.clone() })
        }
        InteractiveError::Listener(m) => CoreError::new(
            ErrorCode::SignInFailed,
            format!("Rollcall could not listen for the browser's answer on this computer's loopback address ({m})."),
            Some("A firewall or security tool may block local connections; allow Rollcall on 127.0.0.1 and ::1.".into()),
        ),
    }
}

/// A Graph error in the user's words (without a connection's values; [`crate::tenant::Connection::explain`]
/// adds them). Lives here, beside the AADSTS table, so `error` depends on nothing above it.
/// The Teams application access policy is missing, in each shape Graph uses: 403 `General` "No
/// application access policy found for this app" (reported: microsoftgraph/msgraph-sdk-dotnet#2350)
/// and the documented `Unauthorized` "App <id> is not authorized to … on behalf of user <id>"
/// (concepts/cloud-communication-online-meeting-application-access-policy.md, "Errors"), which can
/// arrive with HTTP 401.
pub fn is_policy_missing(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("application access policy")
        || (m.contains("is not authorized to") && m.contains("on behalf of user"))
}

/// Exchange Online scoping of an app's mailbox access (RBAC for Applications, or the older
/// `New-ApplicationAccessPolicy`): 403 `ErrorAccessDenied` "Access to OData is disabled."
/// (concepts/auth-limit-mailbox-access.md).
pub fn is_mailbox_scoped(code: &str, message: &str) -> bool {
    code.eq_ignore_ascii_case("ErrorAccessDenied")
        && message
            .to_ascii_lowercase()
            .contains("access to odata is disabled")
}

/// The error is a proxy's 407, whichever way it surfaced (an answer, a token endpoint's status,
/// a refused `CONNECT` tunnel).
pub fn is_proxy_auth_required(e: &GraphError) -> bool {
    match e {
        GraphError::Api { status: 407, .. } => true,
        GraphError::Token(aad) => aad.status == 407,
        // hyper-util's refused CONNECT says "proxy authorization required"; a bare "407" is not
        // enough (a random port such as 127.0.0.1:40731 contains it).
        GraphError::Transport { detail, .. } => {
            let d = detail.to_ascii_lowercase();
            d.contains("proxy authorization required")
                || d.contains("proxy authentication required")
        }
        _ => false,
    }
}

/// A proxy asked for credentials (HTTP 407): named when known (the profile's, else
/// `HTTPS_PROXY`), never with its password.
pub fn proxy_auth_required_by(proxy: Option<&str>) -> CoreError {
    let proxy = proxy
        .map(str::to_string)
        .or_else(|| {
            std::env::var("HTTPS_PROXY")
                .or_else(|_| std::env::var("https_proxy"))
                .ok()
        })
        .map(|p| strip_credentials(&p));
    CoreError::new(
        ErrorCode::Network,
        match proxy {
            Some(p) => format!("The proxy {p} asks for a user name and password (HTTP 407 Proxy Authentication Required)."),
            None => "The network's proxy asks for a user name and password (HTTP 407 Proxy Authentication Required).".into(),
        },
        Some("Enter the proxy's address, user and password on the profile (Settings → Connections → Proxy), or ask IT to let Rollcall through.".into()),
    )
}

fn proxy_auth_required() -> CoreError {
    proxy_auth_required_by(None)
}

fn strip_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => "(the configured proxy)".into(),
    }
}

/// A network failure named by its cause: the proxy's 407, a certificate the computer does not
/// trust (a TLS-inspecting proxy whose root is not installed), or plainly unreachable.
pub fn explain_transport(host: &str, detail: &str) -> CoreError {
    let d = detail.to_ascii_lowercase();
    if d.contains("407") || d.contains("proxy authentication required") {
        return proxy_auth_required();
    }
    if rollcall_graph::tls::is_untrusted_certificate(detail) {
        let issuer = detail
            .split_once("; issued by ")
            .map(|(_, i)| i.trim().to_string());
        return CoreError::new(
            ErrorCode::Network,
            match issuer {
                Some(i) => format!("The certificate presented for {host} was issued by {i}, which this computer does not trust: your network most likely inspects encrypted traffic and put itself in between."),
                None => format!("The certificate presented for {host} was issued by an authority this computer does not trust: your network most likely inspects encrypted traffic (a TLS-inspecting proxy) and put itself in between."),
            },
            Some("Ask IT to install the inspection proxy's root certificate in this computer's certificate store (Rollcall trusts the store, as the browser does), or to exempt login.microsoftonline.com and graph.microsoft.com from inspection.".into()),
        );
    }
    CoreError::new(
        ErrorCode::Network,
        format!("Could not reach {host}."),
        Some("Check the network connection, proxy and the cloud setting.".into()),
    )
}

impl From<GraphError> for CoreError {
    fn from(e: GraphError) -> Self {
        let request_id = e.request_id().map(str::to_string);
        let mut out = match &e {
            GraphError::Token(aad) => {
                return explain_aad(aad, &AdviceContext::default())
            }
            GraphError::Api { status: 401 | 403, code, message, .. } if is_policy_missing(message) => CoreError::new(
                ErrorCode::AccessPolicyMissing,
                format!("Teams refused: no application access policy covers this host ({code})."),
                Some("Run the PowerShell from the Setup page (New-CsApplicationAccessPolicy / Grant-CsApplicationAccessPolicy); it can take 30 minutes or more to apply.".into()),
            ),
            GraphError::Api { status: 403, code, message, .. } if is_mailbox_scoped(code, message) => CoreError::new(
                ErrorCode::PermissionMissing,
                "Exchange Online keeps this app out of the host's mailbox: the tenant limits which mailboxes the app may open (RBAC for Applications or an Exchange application access policy), and this host is outside that scope.",
                Some("Add the host to the app's mailbox scope (the Setup page's \"Mailbox scope\" step has the PowerShell), or ask the Exchange administrator; changes can take up to an hour to apply.".into()),
            ),
            GraphError::Api { status: 403, code, message, .. } => CoreError::new(
                ErrorCode::PermissionMissing,
                format!("Microsoft Graph denied access: {message} ({code})."),
                Some("Check the app's API permissions and admin consent on the Setup page.".into()),
            ),
            // Graph refused what was sent (a value it does not accept, an old meeting): the user's
            // input or the tenant's data, said as Graph said it, never "internal".
            GraphError::Api { status: 400, code, message, .. } => CoreError::new(
                ErrorCode::InvalidInput,
                format!("Microsoft Graph refused the request: {message} ({code})."),
                None,
            ),
            GraphError::Api { status: 404, message, .. } => CoreError::new(ErrorCode::NotFound, message.clone(), None),
            GraphError::Api { status: 407, .. } => proxy_auth_required(),
            GraphError::Api { status, code, message, .. } => CoreError::new(ErrorCode::Internal, format!("Microsoft Graph answered {status} {code}: {message}"), None),
            GraphError::RetriesExhausted { .. } => CoreError::new(ErrorCode::Unavailable, e.to_string(), Some("Microsoft Graph is busy; try again in a few minutes.".into())),
            GraphError::Transport { host, detail } => explain_transport(host, detail),
            GraphError::Config(m) => CoreError::new(ErrorCode::InvalidInput, m.clone(), None),
            _ => CoreError::internal(e.to_string()),
        };
        out.request_id = request_id;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad(code: u32) -> AadError {
        AadError {
            error: "invalid_client".into(),
            error_description: format!("AADSTS{code}: text\r\nTrace ID: t"),
            error_codes: vec![code],
            trace_id: Some("t".into()),
            ..Default::default()
        }
    }

    #[test]
    fn codes_an_admin_meets_have_their_own_sentence() {
        let ctx = AdviceContext {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            ..Default::default()
        };
        let generic = explain_aad(&aad(1), &ctx).message;
        for (code, says) in [
            (7000229, "service principal"),
            (9002313, "damaged"),
            (50034, "does not exist"),
            (53000, "compliant or managed device"),
            (53001, "compliant or managed device"),
            (530032, "compliant or managed device"),
            (9002327, "single-page application"),
        ] {
            let e = explain_aad(&aad(code), &ctx);
            assert_ne!(e.message, generic, "{code}");
            assert!(e.message.contains(says), "{code}: {}", e.message);
            assert_ne!(
                e.code,
                ErrorCode::Internal,
                "{code} is the admin's to fix, not a Rollcall bug"
            );
        }
        let spa = explain_aad(&aad(9002327), &ctx);
        assert!(spa
            .hint
            .unwrap()
            .contains("Mobile and desktop applications"));
        let sp = explain_aad(&aad(7000229), &ctx);
        assert!(sp
            .hint
            .unwrap()
            .contains("/contoso.onmicrosoft.com/adminconsent?client_id="));
    }

    #[test]
    fn every_reference_code_gets_its_own_advice() {
        let ctx = AdviceContext {
            authority: "https://login.microsoftonline.com".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            secret_expires: Some(jiff::civil::date(2026, 3, 12)),
            redirect_uri: Some("http://localhost:53100".into()),
        };
        let e = explain_aad(&aad(7000222), &ctx);
        assert_eq!(e.code, ErrorCode::ExpiredSecret);
        assert_eq!(e.message, "The client secret expired on 12 March 2026.");
        assert!(e
            .hint
            .as_deref()
            .unwrap()
            .contains("Certificates & secrets"));
        assert!(explain_aad(&aad(7000215), &ctx)
            .hint
            .unwrap()
            .contains("not its Secret ID"));
        assert!(explain_aad(&aad(50011), &ctx)
            .hint
            .unwrap()
            .contains("http://localhost:53100"));
        assert!(explain_aad(&aad(65001), &ctx).hint.unwrap().contains(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=11111111-2222-3333-4444-555555555555"
        ));
        assert_eq!(
            explain_aad(&aad(700082), &ctx).code,
            ErrorCode::SignInRequired
        );
        assert_eq!(
            explain_aad(&aad(90002), &ctx).code,
            ErrorCode::TenantNotFound
        );
        assert_eq!(explain_aad(&aad(700016), &ctx).code, ErrorCode::AppNotFound);
        let reference = [
            7000215, 7000222, 700016, 90002, 50011, 500113, 65001, 65004, 90094, 90095, 50105,
            70008, 700082, 700084, 50173, 54005, 501481, 70011, 700022, 28000, 28003, 50076, 50079,
            50058, 53003, 50126, 50020, 50194, 7000218, 700025, 9002327, 900144, 90014, 500011,
            650057, 7000112, 1002012, 700027, 700024,
        ];
        let fallback = explain_aad(&aad(1), &ctx).hint;
        for c in reference {
            let e = explain_aad(&aad(c), &ctx);
            assert_ne!(
                e.hint, fallback,
                "AADSTS{c} falls through to the generic advice"
            );
            assert_eq!(e.request_id.as_deref(), Some("t"));
        }
    }

    #[test]
    fn browser_outcomes_are_explained() {
        let ctx = AdviceContext::default();
        assert_eq!(
            explain_interactive(&InteractiveError::Cancelled, &ctx).code,
            ErrorCode::Cancelled
        );
        assert!(explain_interactive(&InteractiveError::Timeout(300), &ctx)
            .message
            .contains("5 minutes"));
        let e = explain_interactive(
            &InteractiveError::Refused {
                error: "access_denied".into(),
                description: "AADSTS65004: User declined to consent".into(),
                code: Some(65004),
            },
            &ctx,
        );
        assert_eq!(e.message, "Consent was declined.");
    }
}

#[cfg(test)]
mod graph_error_tests {
    use super::*;

    /// A refused tunnel is a proxy's 407; a port that happens to contain "407" is not.
    #[test]
    fn a_407_is_told_from_a_port_number() {
        let t = |detail: &str| GraphError::Transport {
            host: "login.microsoftonline.com".into(),
            detail: detail.into(),
        };
        assert!(is_proxy_auth_required(&t(
            "error sending request: client error (Connect): proxy authorization required"
        )));
        assert!(!is_proxy_auth_required(&t("error sending request for url (https://127.0.0.1:40731/x): invalid peer certificate: UnknownIssuer")));
    }

    #[test]
    fn aadsts_codes_become_advice() {
        let e: CoreError = GraphError::Token(Box::new(AadError {
            error_codes: vec![7000222],
            status: 401,
            ..Default::default()
        }))
        .into();
        assert_eq!(e.code, ErrorCode::ExpiredSecret);
        assert!(e.hint.unwrap().contains("Certificates & secrets"));
        let e: CoreError = GraphError::Api {
            status: 403,
            code: "General".into(),
            message: "No application access policy found for this app.".into(),
            request_id: Some("r".into()),
            date: None,
        }
        .into();
        assert_eq!(e.code, ErrorCode::AccessPolicyMissing);
        assert_eq!(e.request_id.as_deref(), Some("r"));
    }
}
