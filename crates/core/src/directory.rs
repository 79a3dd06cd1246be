//! The directory and meeting look-ups every capability shares: a host by e-mail (mail or UPN), an
//! online meeting by its join URL, and the OData quoting and query encoding they need. Setup,
//! the calendar, attendance and sync all find users and meetings through here, so a fix to how a
//! host is matched is made once.
//!
//! It owns no state and makes no decisions about what a missing user means; callers say that.
//! [`find_mailbox`] is where the sign-in mode decides between `/users/{id}` and `/me`.

use rollcall_graph::models::User;
use rollcall_graph::Request;

use crate::error::{CoreError, ErrorCode};
use crate::tenant::connection::Connection;
use crate::tenant::profile::AuthMode;

/// Escape a value for an OData string literal.
pub fn odata_quote(v: &str) -> String {
    v.replace('\'', "''")
}

/// Percent-encode a query value.
pub fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Percent-encode one path segment (an id from an answer): everything but RFC 3986's unreserved
/// characters, so `/`, `?`, `#`, `+` and spaces stay inside the segment. A `.` or `..` id is
/// refused by the Graph client before it is sent (it would name another resource).
pub fn segment(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Graph path that finds a host's online meeting by its join URL (`$filter=JoinWebUrl eq`);
/// `base` is the host's [`Mailbox::base`].
pub fn meeting_by_join_url(base: &str, join_url: &str) -> String {
    format!(
        "{base}/onlineMeetings?$filter={}",
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
        enc(USER_SELECT)
    );
    let users: Vec<User> = graph.get_all(Request::get(url)).await?;
    Ok(users.into_iter().next())
}

/// Whose calendar and meetings a request reads: the host's directory id and the path prefix Graph
/// accepts for it in this sign-in mode.
///
/// Application mode reads any host as `/users/{id}`. User sign-in (delegated) mode reads only the
/// signed-in user, as `/me`: the delegated permissions the LMS article lists (`User.Read`) do not
/// cover `GET /users?$filter=…` (api-reference/v1.0/api/user-list.md, permissions table), and the
/// online-meeting and attendance-report APIs document delegated calls only on `/me`
/// (api-reference/v1.0/api/onlinemeeting-get.md, meetingattendancereport-list.md: "With delegated
/// permission only /me endpoint is supported").
#[derive(Clone, Debug)]
pub struct Mailbox {
    /// The host's directory object id (also the key of the per-mailbox throttling gate).
    pub id: String,
    /// `/me` or `/users/{id}`.
    pub base: String,
    pub user: User,
}

impl Mailbox {
    /// The prefix for a host whose id is already known (the archive keeps it).
    pub fn known(mode: AuthMode, id: &str) -> String {
        match mode {
            AuthMode::Delegated => "/me".into(),
            AuthMode::Application => format!("/users/{}", segment(id)),
        }
    }
}

/// Find the mailbox of a host by e-mail for this connection's sign-in mode. `None` when the tenant
/// has no such user (application mode); in user sign-in mode a host other than the signed-in user
/// is refused with the reason and what to do.
pub async fn find_mailbox(conn: &Connection, email: &str) -> Result<Option<Mailbox>, CoreError> {
    let graph = conn.graph()?;
    match conn.mode {
        AuthMode::Application => Ok(find_user(&graph, email).await?.map(|user| Mailbox {
            id: user.id.clone(),
            base: Mailbox::known(AuthMode::Application, &user.id),
            user,
        })),
        AuthMode::Delegated => {
            let me = signed_in(conn).await?;
            let same = |v: Option<&str>| v.is_some_and(|m| m.eq_ignore_ascii_case(email));
            if same(me.user.mail.as_deref()) || same(Some(&me.user.user_principal_name)) {
                return Ok(Some(me));
            }
            let who = me.user.mail.unwrap_or(me.user.user_principal_name);
            Err(CoreError::new(
                ErrorCode::PermissionMissing,
                format!(
                    "Signed in as {who}: in user sign-in mode Rollcall can read only the signed-in user's webinars, not {email}'s."
                ),
                Some(format!(
                    "Sign in as {email}, or switch the connection to application mode to read every host (Settings → Connections)."
                )),
            ))
        }
    }
}

/// The signed-in user's own mailbox (`/me`); user sign-in mode only.
pub async fn signed_in(conn: &Connection) -> Result<Mailbox, CoreError> {
    let user: User = conn
        .graph()?
        .get_json(Request::get(format!("/me?$select={}", enc(USER_SELECT))))
        .await
        .map_err(|e| conn.explain(e))?;
    Ok(Mailbox {
        id: user.id.clone(),
        base: "/me".into(),
        user,
    })
}

const USER_SELECT: &str = "id,displayName,mail,userPrincipalName,assignedPlans";

#[cfg(test)]
mod tests {
    #[test]
    fn an_id_stays_one_path_segment() {
        // Graph ids are base64 (`+`, `/`, `=`); a form encoder would turn a space into `+`.
        assert_eq!(super::segment("AAMk+a/b=="), "AAMk%2Ba%2Fb%3D%3D");
        assert_eq!(super::segment("a b?c#d"), "a%20b%3Fc%23d");
        assert_eq!(
            super::segment("MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ_-.~"),
            "MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ_-.~"
        );
        assert_eq!(super::segment("é"), "%C3%A9");
    }
}
