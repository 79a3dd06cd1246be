//! The directory and meeting look-ups every capability shares: a host by e-mail (mail or UPN), an
//! online meeting by its join URL, and the OData quoting and query encoding they need. Setup,
//! the calendar, attendance and sync all find users and meetings through here, so a fix to how a
//! host is matched is made once.
//!
//! It owns no state and makes no decisions about what a missing user means; callers say that.

use rollcall_graph::models::User;
use rollcall_graph::Request;

use crate::error::CoreError;

/// Escape a value for an OData string literal.
pub fn odata_quote(v: &str) -> String {
    v.replace('\'', "''")
}

/// Percent-encode a query value.
pub fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// The Graph path that finds a user's online meeting by its join URL (`$filter=JoinWebUrl eq`).
pub fn meeting_by_join_url(user_id: &str, join_url: &str) -> String {
    format!(
        "/users/{user_id}/onlineMeetings?$filter={}",
        enc(&format!("JoinWebUrl eq '{}'", odata_quote(join_url)))
    )
}

/// Find a host by e-mail: the mail address or, failing that, the UPN.
pub async fn find_user(
    graph: &rollcall_graph::GraphClient,
    email: &str,
) -> Result<Option<User>, CoreError> {
    let q = odata_quote(email);
    let filter = format!("mail eq '{q}' or userPrincipalName eq '{q}'");
    let url = format!(
        "/users?$filter={}&$select={}",
        enc(&filter),
        enc("id,displayName,mail,userPrincipalName,assignedPlans")
    );
    let users: Vec<User> = graph.get_all(Request::get(url)).await?;
    Ok(users.into_iter().next())
}
