//! Renewing the client secret without downtime: a new secret is added (within the tenant's app
//! management policy), proven by a token, stored by the caller (the keychain), shown once for the
//! LMS, and the old one stays until the administrator says the LMS runs on the new one
//! ([`retire`]). A failure after the new secret exists removes it again, so nothing is half-done.

use reqwest::Method;
use rollcall_graph::{GraphError, Request, Secret};
use serde::Serialize;
use serde_json::{json, Value};

use super::admin::{AdminSession, MANAGES_APPS};
use super::during;
use super::log::{ChangeLog, ChangeRecord, Undo};
use crate::error::{CoreError, ErrorCode};
use crate::setup::CopyValue;
use crate::tenant::connection::Connection;

/// Scopes renewal and retirement ask for (the policy read is optional).
pub const SECRET_SCOPES: [&str; 2] = ["Application.ReadWrite.All", "Policy.Read.All"];

/// A renewed secret: its value (shown once, never logged), and what to paste where.
#[derive(Debug)]
pub struct Renewed {
    pub value: Secret,
    pub hint: String,
    pub key_id: String,
    /// `YYYY-MM-DD` (UTC).
    pub expires: jiff::civil::Date,
    /// The secret it replaces, kept until [`retire`].
    pub old_key_id: Option<String>,
    /// Tenant ID, Client ID, and where the value goes in the LMS.
    pub handoff: Vec<CopyValue>,
    /// The tenant's limit when one applied (days), to explain a shorter lifetime.
    pub policy_max_days: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub key_id: String,
    pub hint: String,
    pub display_name: String,
    pub end: String,
}

async fn credentials(
    session: &AdminSession,
    client_id: &str,
) -> Result<(String, Vec<Credential>), CoreError> {
    let url = format!("/applications(appId='{client_id}')?$select=id,passwordCredentials");
    let v: Value = super::registration::retry_replication(|| {
        session.graph.get_json(Request::get(url.clone()))
    })
    .await
    .map_err(|e| during("Reading the app's client secrets", e))?;
    let list = v["passwordCredentials"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Credential {
            key_id: c["keyId"].as_str().unwrap_or_default().into(),
            hint: c["hint"].as_str().unwrap_or_default().into(),
            display_name: c["displayName"].as_str().unwrap_or_default().into(),
            end: c["endDateTime"].as_str().unwrap_or_default().into(),
        })
        .collect();
    Ok((v["id"].as_str().unwrap_or_default().into(), list))
}

/// The tenant's longest allowed secret lifetime in days, when its default app management policy
/// sets one (resources/tenantappmanagementpolicy.md). `None` when none is set or it cannot be read.
async fn policy_max_days(session: &AdminSession) -> Option<i64> {
    let v: Value = session
        .graph
        .get_json(Request::get("/policies/defaultAppManagementPolicy"))
        .await
        .ok()?;
    if v["isEnabled"] != json!(true) {
        return None;
    }
    v["applicationRestrictions"]["passwordCredentials"]
        .as_array()?
        .iter()
        .filter(|r| r["restrictionType"] == "passwordLifetime" && r["state"] != "disabled")
        .filter_map(|r| r["maxLifetime"].as_str())
        .filter_map(|d| d.parse::<jiff::Span>().ok())
        .filter_map(|s| {
            s.total((jiff::Unit::Day, jiff::civil::date(2026, 1, 1)))
                .ok()
        })
        .map(|d| d.floor() as i64)
        .min()
}

/// Add a secret of `months` months (at most 24), prove it, hand it to `store`; the old secret (the
/// one whose hint is `current_hint`) stays. Nothing is left behind on failure.
pub async fn renew(
    conn: &Connection,
    session: &AdminSession,
    months: u32,
    current_hint: Option<&str>,
    log: &ChangeLog,
    store: impl FnOnce(&Secret, jiff::civil::Date) -> Result<(), CoreError>,
) -> Result<Renewed, CoreError> {
    if !session.may_manage_apps() {
        return Err(super::admin::role_refusal(
            session,
            "add a client secret",
            MANAGES_APPS,
        ));
    }
    if !(1..=24).contains(&months) {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            format!("{months} months is not a lifetime Entra offers for a secret."),
            Some("Choose 1 to 24 months (Microsoft recommends less than 12).".into()),
        ));
    }
    let (object, existing) = credentials(session, &conn.client_id).await?;
    let policy = policy_max_days(session).await;
    let now = jiff::Timestamp::now();
    let end = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().months(months as i64))
        .map_err(|e| CoreError::internal(format!("the end date: {e}")))?
        .timestamp();
    if let Some(max) = policy {
        if end.duration_since(now) > jiff::SignedDuration::from_hours(24 * max) {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("This tenant's app management policy allows client secrets of at most {max} days; {months} months is longer. Nothing was changed."),
                Some(format!("Choose --months {} or fewer.", (max / 31).max(1))),
            ));
        }
    }
    let old = current_hint.and_then(|h| {
        existing
            .iter()
            .find(|c| c.hint == h[..h.len().min(3)])
            .map(|c| c.key_id.clone())
    });
    let name = format!("rollcall {}", now.to_zoned(jiff::tz::TimeZone::UTC).date());
    let r = session
        .graph
        .send(Request::new(
            Method::POST,
            format!("/applications/{object}/addPassword"),
            Some(json!({"passwordCredential": {"displayName": name, "endDateTime": end.to_string()}})),
        ))
        .await
        .map_err(|e| match &e {
            GraphError::Api { code, .. } if code == "CredentialInvalidLifetimeAsPerAppPolicy" => {
                let mut c = during("Adding the client secret", e);
                c.hint = Some("The tenant's app management policy limits secret lifetimes: choose fewer months. Nothing was changed.".into());
                c
            }
            _ => during("Adding the client secret", e),
        })?;
    let body = r.body.clone().unwrap_or_default();
    let value = Secret::new(body["secretText"].as_str().unwrap_or_default().to_string());
    let key_id = body["keyId"].as_str().unwrap_or_default().to_string();
    let hint = body["hint"].as_str().unwrap_or_default().to_string();
    let expires = end.to_zoned(jiff::tz::TimeZone::UTC).date();
    // From here a failure removes the new secret: nothing is half-done.
    let outcome = async {
        prove(conn, &value).await?;
        store(&value, expires)
    }
    .await;
    if let Err(e) = outcome {
        let removed = session
            .graph
            .send(Request::new(
                Method::POST,
                format!("/applications/{object}/removePassword"),
                Some(json!({"keyId": key_id})),
            ))
            .await;
        let mut e = e;
        e.hint = Some(match removed {
            Ok(_) => format!("The new secret was removed again; the old one still works. {}", e.hint.unwrap_or_default()),
            Err(_) => format!("The new secret (hint {hint}, key {key_id}) could not be removed: delete it under Certificates & secrets. The old one still works."),
        });
        return Err(e);
    }
    log.append(ChangeRecord {
        at: now.to_string(),
        tenant: conn.tenant.clone(),
        client_id: conn.client_id.clone(),
        by: session.who(),
        change: "secret-renew".into(),
        step: "secret".into(),
        title: format!("Add a client secret (hint {hint}, expires {expires})"),
        before: old
            .clone()
            .map(|k| format!("in use: key {k}"))
            .unwrap_or_else(|| "(no secret known to Rollcall)".into()),
        after: format!("key {key_id}; the old one stays until it is retired"),
        request_id: r.request_id.clone(),
        undo: Some(Undo::RemoveSecret {
            object_id: object.clone(),
            key_id: key_id.clone(),
        }),
        undone_at: None,
        retire_key: old.clone(),
    })?;
    Ok(Renewed {
        handoff: vec![
            CopyValue { label: "Tenant ID".into(), value: conn.tenant.clone() },
            CopyValue { label: "Client ID".into(), value: conn.client_id.clone() },
            CopyValue { label: "Where".into(), value: "LMS → Integrations → Microsoft Teams → Client secret: paste the new value and save; then retire the old secret (Rollcall: Setup → Client secret, or `rollcall secret retire`).".into() },
        ],
        value,
        hint,
        key_id,
        expires,
        old_key_id: old,
        policy_max_days: policy,
    })
}

/// A fresh client-credentials token with the new secret: a new secret can take a few seconds to
/// be accepted everywhere, so it is asked for again for up to 30 seconds.
async fn prove(conn: &Connection, secret: &Secret) -> Result<(), CoreError> {
    let started = std::time::Instant::now();
    loop {
        let test = Connection::application_via(
            conn.http().clone(),
            conn.endpoints.clone(),
            &conn.tenant,
            &conn.client_id,
            secret.clone(),
            vec![],
        )?;
        match test.token(true).await {
            Ok(_) => return Ok(()),
            Err(e)
                if started.elapsed() < std::time::Duration::from_secs(30)
                    && e.code == ErrorCode::InvalidSecret =>
            {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Remove the secret the last renewal replaced (the administrator confirmed the LMS runs on the
/// new one). Refuses when there is nothing to retire.
pub async fn retire(
    conn: &Connection,
    session: &AdminSession,
    log: &ChangeLog,
) -> Result<ChangeRecord, CoreError> {
    if !session.may_manage_apps() {
        return Err(super::admin::role_refusal(
            session,
            "remove a client secret",
            MANAGES_APPS,
        ));
    }
    let all = log.read()?;
    let retired: Vec<String> = all
        .iter()
        .filter(|r| r.change == "secret-retire")
        .filter_map(|r| r.retire_key.clone())
        .collect();
    let found = all.iter().enumerate().rev().find(|(_, r)| {
        r.change == "secret-renew"
            && r.tenant == conn.tenant
            && r.client_id == conn.client_id
            && r.undone_at.is_none()
    });
    let Some((renewal_index, renewal)) = found else {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Rollcall has not renewed this app's secret, so there is no old secret to retire.",
            Some("Renew it first: `rollcall secret renew`.".into()),
        ));
    };
    let Some(old) = renewal.retire_key.clone().filter(|k| !retired.contains(k)) else {
        return Err(CoreError::new(ErrorCode::InvalidInput, "The secret the last renewal replaced is already retired (or Rollcall did not know it).", Some("Remove other secrets under Certificates & secrets if they are no longer used.".into())));
    };
    let (object, existing) = credentials(session, &conn.client_id).await?;
    let Some(c) = existing.iter().find(|c| c.key_id == old) else {
        return Err(CoreError::new(
            ErrorCode::NotFound,
            format!(
                "The old secret (key {old}) is no longer on the app: someone removed it already."
            ),
            None,
        ));
    };
    let r = session
        .graph
        .send(Request::new(
            Method::POST,
            format!("/applications/{object}/removePassword"),
            Some(json!({"keyId": old})),
        ))
        .await
        .map_err(|e| during("Removing the old client secret", e))?;
    let rec = ChangeRecord {
        at: jiff::Timestamp::now().to_string(),
        tenant: conn.tenant.clone(),
        client_id: conn.client_id.clone(),
        by: session.who(),
        change: "secret-retire".into(),
        step: "secret".into(),
        title: format!(
            "Remove the old client secret (hint {}, valid until {})",
            c.hint,
            c.end.get(..10).unwrap_or(&c.end)
        ),
        before: format!("key {old}"),
        after: "(removed)".into(),
        request_id: r.request_id,
        undo: None,
        undone_at: None,
        retire_key: Some(old),
    };
    log.append(rec.clone())?;
    // The new secret is the only one now: removing it from the log's undo would cut the LMS off.
    log.clear_undo(renewal_index)?;
    Ok(rec)
}
