//! What the app registration itself says: the client secret's expiry (from the app's
//! `passwordCredentials`, else the date the admin entered), its account types and token
//! checkboxes, and the redirect URIs the LMS and the loopback sign-in need.

use super::*;

pub(super) async fn check_secret(conn: &Connection, s: &mut Step) {
    let today = Timestamp::now();
    let mut expiry: Option<(Timestamp, String)> = None;
    match graph_get(conn, s, &app_path(conn), None).await {
        Ok(body) => {
            let app: Option<Application> =
                first_value(&body).and_then(|v| serde_json::from_value(v).ok());
            let creds = app.map(|a| a.password_credentials).unwrap_or_default();
            let hint = conn.secret_hint.clone();
            let matched = creds.iter().find(|c| hint.is_some() && c.hint == hint);
            let chosen = matched.or_else(|| creds.iter().max_by_key(|c| c.end_date_time));
            if let Some(c) = chosen {
                if let Some(end) = c.end_date_time {
                    let which = match (matched.is_some(), &c.display_name) {
                        (true, Some(n)) => format!("The saved secret \"{n}\" ({}…)", c.hint.clone().unwrap_or_default()),
                        (true, None) => format!("The saved secret ({}…)", c.hint.clone().unwrap_or_default()),
                        (false, _) => format!("The newest of {} secrets (Rollcall does not hold the one the LMS uses)", creds.len()),
                    };
                    expiry = Some((end, which));
                }
            } else {
                s.status = Status::Failed;
                s.detail.push("The app has no client secret.".into());
                return;
            }
        }
        Err((GraphError::Api { status: 403, .. }, _)) => {
            if let Some(e) = s.evidence.last_mut() {
                e.answer
                    .push_str(" — reading the app needs Application.Read.All");
            }
        }
        Err((_, e)) => {
            s.status = Status::CannotCheck;
            s.detail.push(e.message);
            return;
        }
    }
    if expiry.is_none() {
        if let Some(d) = conn.secret_expires {
            let ts = d
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .ok();
            expiry = ts.map(|t| (t, "The secret (by the expiry date you entered)".to_string()));
        }
    }
    let Some((end, which)) = expiry else {
        s.status = Status::CannotCheck;
        s.detail.push("Rollcall cannot read the app's secrets (that needs the Application.Read.All permission) and no expiry date was entered.".into());
        s.detail.push("Enter the secret's expiry date in Settings → Connections (it is shown in Certificates & secrets).".into());
        return;
    };
    // Whole calendar days between the UTC dates, as the admin counts them on a calendar.
    let utc_date = |t: Timestamp| t.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = i64::from((utc_date(end) - utc_date(today)).get_days());
    let date = end
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .strftime("%-d %B %Y")
        .to_string();
    if end <= today {
        s.status = Status::Failed;
        s.detail.push(format!("{which} expired on {date}."));
        s.detail.push("Create a new one in Certificates & secrets → New client secret and paste its Value into the LMS and here.".into());
    } else if days < SECRET_WARN_DAYS {
        s.status = Status::Warning;
        s.detail
            .push(format!("{which} expires on {date}: {days} days left."));
        s.detail
            .push("Create the next secret now and swap it in the LMS before that day.".into());
    } else {
        s.status = Status::Passed;
        s.detail
            .push(format!("{which} expires on {date} ({days} days left)."));
    }
}

/// The app registration as Graph lists it; `None` (the step "cannot check", with `forbidden`'s
/// lines when the caller may not read applications) when it cannot be read.
async fn read_app(
    conn: &Connection,
    s: &mut Step,
    forbidden: impl FnOnce(&mut Step),
) -> Option<AppRedirects> {
    match graph_get(conn, s, &app_path(conn), None).await {
        Ok(body) => Some(
            first_value(&body)
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default(),
        ),
        Err((GraphError::Api { status: 403, .. }, _)) => {
            s.status = Status::CannotCheck;
            forbidden(s);
            None
        }
        Err((_, e)) => {
            s.status = Status::CannotCheck;
            s.detail.push(e.message);
            None
        }
    }
}

pub(super) async fn check_redirect(conn: &Connection, s: &mut Step) {
    let Some(app) = read_app(conn, s, |s| {
        // Reaching this step means a user signed in through the loopback redirect.
        s.detail.push("http://localhost (Mobile and desktop applications) is registered: Rollcall's sign-in came back through it.".into());
        match &conn.portal_redirect_uri {
            Some(u) => s.detail.push(format!("The portal URI {u} cannot be read with your permissions (that needs Application.Read.All): check it under Authentication → Web, or sign in on the portal — AADSTS50011 names a missing URI.")),
            None => s.detail.push("Enter the LMS portal domain in Settings → Connections to get the portal's redirect URI.".into()),
        }
    })
    .await
    else {
        return;
    };
    let mut missing = false;
    match &conn.portal_redirect_uri {
        Some(u) if app.web.redirect_uris.iter().any(|r| r == u) => s.detail.push(format!("The portal URI {u} is registered under Web.")),
        Some(u) => {
            missing = true;
            if let Some(other) = app.public_client.redirect_uris.iter().find(|r| *r == u) {
                s.detail.push(format!("{other} is registered under Mobile and desktop applications; it must be under Web (the LMS sends a secret)."));
            } else {
                s.detail.push(format!("The portal URI {u} is not registered. Add it under Authentication → Web exactly as shown (scheme, host, path, no trailing slash)."));
            }
        }
        None => s.detail.push("Enter the LMS portal domain in Settings → Connections to check the portal's redirect URI.".into()),
    }
    let (ok, line) = loopback_finding(&app);
    missing |= !ok;
    s.detail.push(line);
    s.status = if missing {
        Status::Failed
    } else if conn.portal_redirect_uri.is_none() {
        Status::Warning
    } else {
        Status::Passed
    };
}

/// The account types (`signInAudience`) against the article's, and for the user-delegated LMS
/// the Web platform's "ID tokens" and "Access tokens" checkboxes (`web.implicitGrantSettings`).
pub(super) async fn check_audience(conn: &Connection, s: &mut Step) {
    let Some(app) = read_app(conn, s, |s| {
        s.detail.push("Rollcall cannot read the app registration (that needs Application.Read.All): check Authentication → Supported account types in the Entra admin center.".into());
    })
    .await
    else {
        return;
    };
    let delegated = conn.mode == AuthMode::Delegated;
    let (status, line) = audience_finding(app.sign_in_audience.as_deref(), delegated);
    s.status = status;
    s.detail.push(line);
    if delegated {
        let (status, line) = token_finding(&app.web.implicit_grant_settings.unwrap_or_default());
        raise(&mut s.status, status);
        s.detail.push(line);
    }
}

/// The Web platform's "ID tokens" and "Access tokens" checkboxes against the article's "enable
/// token selection checkboxes".
pub(super) fn token_finding(g: &ImplicitGrant) -> (Status, String) {
    let id = g.enable_id_token_issuance.unwrap_or(false);
    let access = g.enable_access_token_issuance.unwrap_or(false);
    if id && access {
        return (Status::Passed, "Authentication → Web: \"ID tokens\" and \"Access tokens\" are ticked, as the article asks.".into());
    }
    let missing: Vec<&str> = [(!id, "ID tokens"), (!access, "Access tokens")]
        .into_iter()
        .filter_map(|(m, n)| m.then_some(n))
        .collect();
    (Status::Warning, format!("Authentication → Web → Implicit grant and hybrid flows: {} not ticked. The article asks for both; an LMS that asks the browser for an ID token is refused with AADSTS700054 (\"response_type 'id_token' is not enabled for the application\").", missing.join(" and ")))
}

/// What an account type means for the LMS, and the step's status for it.
pub(super) fn audience_finding(audience: Option<&str>, delegated: bool) -> (Status, String) {
    match audience {
        Some(ARTICLE_AUDIENCE) => (Status::Passed, "Supported account types: any organization's accounts and personal Microsoft accounts, as the article prescribes.".into()),
        Some("AzureADMultipleOrgs") => (Status::Warning, "Supported account types: work and school accounts of any organization, but no personal Microsoft accounts. People who sign in to the LMS with a personal account (Outlook.com, Skype, Xbox) are turned away; the article prescribes personal accounts too.".into()),
        Some("AzureADMyOrg") if delegated => (Status::Failed, "Supported account types: this organization only. A sign-in the LMS sends through Microsoft's common endpoint fails with AADSTS50194 (\"not configured as a multi-tenant application\"), and no one from outside this tenant can sign in.".into()),
        Some("AzureADMyOrg") => (Status::Warning, "Supported account types: this organization only. Application-level sign-in still works (it uses this tenant's endpoint), but a switch to user-delegated sign-in through the common endpoint would fail with AADSTS50194; the article prescribes any organization and personal accounts.".into()),
        Some("PersonalMicrosoftAccount") => (Status::Failed, "Supported account types: personal Microsoft accounts only. No work or school account of this tenant can sign in or get a token for it: choose \"Accounts in any organizational directory and personal Microsoft accounts\".".into()),
        Some(other) => (Status::Warning, format!("Supported account types: {other}, which the article does not describe; it prescribes {ARTICLE_AUDIENCE}.")),
        None => (Status::CannotCheck, "Graph did not say which account types the app accepts (signInAudience).".into()),
    }
}

/// Whether the desktop sign-in's redirect is registered where it must be, and the sentence.
pub(super) fn loopback_finding(app: &AppRedirects) -> (bool, String) {
    let registered = |l: &RedirectList| l.redirect_uris.iter().any(|r| is_loopback(r));
    if registered(&app.public_client) {
        (true, "http://localhost is registered under Mobile and desktop applications (Rollcall's sign-in).".into())
    } else if registered(&app.spa) {
        (false, "http://localhost is registered under Single-page application: sign-in fails with AADSTS9002327 (such tokens may only be redeemed by a browser page). Remove it there and add it under Mobile and desktop applications.".into())
    } else if app
        .public_client
        .redirect_uris
        .iter()
        .any(|r| r.starts_with("http://127.0.0.1"))
    {
        (false, "http://127.0.0.1 is registered, but Rollcall signs in through http://localhost (Entra does not treat them as the same): add http://localhost under Mobile and desktop applications, or sign-in fails with AADSTS50011.".into())
    } else {
        (false, "http://localhost is not registered under Mobile and desktop applications: Rollcall's own sign-in will fail with AADSTS50011.".into())
    }
}

/// `http://localhost`, any port, root path: exactly what the desktop sign-in sends as its redirect
/// URI. Entra matches the host literally — `127.0.0.1` is a different URI (entra-docs:
/// docs/identity-platform/reply-url.md, "Localhost exceptions"), so it does not count.
pub fn is_loopback(uri: &str) -> bool {
    url::Url::parse(uri)
        .is_ok_and(|u| u.scheme() == "http" && u.host_str() == Some("localhost") && u.path() == "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_and_token_checkboxes_say_what_breaks() {
        assert_eq!(
            audience_finding(Some(ARTICLE_AUDIENCE), true).0,
            Status::Passed
        );
        assert_eq!(
            audience_finding(Some("AzureADMultipleOrgs"), true).0,
            Status::Warning
        );
        let (status, line) = audience_finding(Some("AzureADMyOrg"), true);
        assert_eq!(status, Status::Failed);
        assert!(line.contains("AADSTS50194"), "{line}");
        // Application-level sign-in uses the tenant's own endpoint: a warning, not a failure.
        assert_eq!(
            audience_finding(Some("AzureADMyOrg"), false).0,
            Status::Warning
        );
        assert_eq!(
            audience_finding(Some("PersonalMicrosoftAccount"), false).0,
            Status::Failed
        );
        assert_eq!(audience_finding(None, false).0, Status::CannotCheck);
        let both = ImplicitGrant {
            enable_access_token_issuance: Some(true),
            enable_id_token_issuance: Some(true),
        };
        assert_eq!(token_finding(&both).0, Status::Passed);
        let (status, line) = token_finding(&ImplicitGrant {
            enable_access_token_issuance: Some(true),
            enable_id_token_issuance: Some(false),
        });
        assert_eq!(status, Status::Warning);
        assert!(
            line.contains("ID tokens not ticked") && line.contains("AADSTS700054"),
            "{line}"
        );
        assert!(token_finding(&ImplicitGrant::default())
            .1
            .contains("ID tokens and Access tokens not ticked"));
    }
}
