//! The optional mailbox-scope step: least privilege for `Calendars.ReadWrite`. An application
//! permission opens every mailbox in the tenant; Exchange Online can limit the app to the hosts
//! (RBAC for Applications, or the older `New-ApplicationAccessPolicy`). A call outside the scope
//! gets 403 `ErrorAccessDenied` "Access to OData is disabled." (concepts/auth-limit-mailbox-access.md).
//! The step recommends the scope with its PowerShell and verifies afterwards that every host is
//! still reachable and that a mailbox outside the hosts is not.

use super::*;
use crate::tenant::advice::is_mailbox_scoped;

/// The Exchange Online group the scope is built on.
const GROUP: &str = "LMS webinar hosts";

/// The PowerShell that scopes the app to the hosts: RBAC for Applications (current) and the
/// legacy application access policy. Values are single-quoted verbatim strings ([`super::policy::ps`]).
pub fn mailbox_scope_scripts(client_id: &str, hosts: &[String]) -> Vec<CopyValue> {
    use super::policy::ps;
    let app = ps(client_id);
    let group = ps(GROUP);
    let members = hosts.iter().map(|h| ps(h)).collect::<Vec<_>>().join(",");
    let head = "# Run as an Exchange administrator (PowerShell 7 or Windows PowerShell 5.1).\nInstall-Module -Name ExchangeOnlineManagement -Scope CurrentUser   # once per computer\nConnect-ExchangeOnline\n";
    let new_group =
        format!("New-DistributionGroup -Name {group} -Type Security -Members {members}\n");
    let verify: String = hosts
        .iter()
        .map(|h| {
            format!(
                "Test-ServicePrincipalAuthorization -Identity {app} -Resource {}\n",
                ps(h)
            )
        })
        .collect();
    let filter = ps(&format!("appId eq '{client_id}'"));
    let rbac = format!(
        "# RBAC for Applications: the app may use Calendars.ReadWrite only on the hosts' mailboxes.\n{head}{new_group}$sp = Get-MgServicePrincipal -Filter {filter}   # or copy the Object ID from Enterprise applications\nNew-ServicePrincipal -AppId {app} -ObjectId $sp.Id -DisplayName 'LMS Teams webinars'\n$dn = (Get-DistributionGroup {group}).DistinguishedName\nNew-ManagementScope -Name {group} -RecipientRestrictionFilter \"MemberOfGroup -eq '$dn'\"\nNew-ManagementRoleAssignment -App {app} -Role 'Application Calendars.ReadWrite' -CustomResourceScope {group}\n# Then remove the tenant-wide Calendars.ReadWrite application permission from the app registration\n# (Entra admin center → API permissions), so only the scoped grant remains.\n{verify}"
    );
    let legacy = format!(
        "# Legacy application access policy (Microsoft recommends RBAC for Applications for new set-ups).\n{head}{new_group}New-ApplicationAccessPolicy -AppId {app} -PolicyScopeGroupId {group} -AccessRight RestrictAccess -Description 'LMS Teams webinars: hosts only'\n{}",
        hosts
            .iter()
            .map(|h| format!("Test-ApplicationAccessPolicy -Identity {} -AppId {app}\n", ps(h)))
            .collect::<String>()
    );
    vec![
        value("RBAC for Applications", rbac),
        value("Application access policy (legacy)", legacy),
    ]
}

pub(super) async fn check_mailbox_scope(conn: &Connection, s: &mut Step) {
    if conn.hosts.is_empty() {
        s.status = Status::CannotCheck;
        s.detail
            .push("Add host accounts in Settings → Connections first.".into());
        return;
    }
    let Ok(graph) = conn.graph() else { return };
    let mut blocked = Vec::new();
    let mut ids = Vec::new();
    for (host, user) in found_hosts(conn, s).await {
        ids.push(user.id.clone());
        match calendar_probe(conn, s, &user.id).await {
            Probe::Open => {}
            Probe::Scoped => blocked.push(host),
            Probe::Other(m) => s.detail.push(format!("{host}: {m}")),
        }
    }
    // A mailbox outside the hosts tells whether a scope exists at all.
    let outsider = outsider(&graph, &ids).await;
    let outside = match &outsider {
        Some(id) => Some(calendar_probe(conn, s, id).await),
        None => None,
    };
    s.scripts = mailbox_scope_scripts(&conn.client_id, &conn.hosts);
    if !blocked.is_empty() {
        s.status = Status::Failed;
        s.detail.insert(0, format!("Exchange keeps the app out of these hosts' mailboxes: {}. Graph answers 403 \"Access to OData is disabled.\" for them, so their webinars cannot be listed, created or changed.", blocked.join(", ")));
        s.detail.push("Add them to the group the scope is built on (\"LMS webinar hosts\", or the group of your existing scope); changes can take up to an hour to apply.".into());
        s.recheck_minutes = Some(10);
    } else if matches!(outside, Some(Probe::Scoped)) {
        s.status = Status::Passed;
        s.detail.insert(
            0,
            format!(
                "Scoped: the app reaches the {} host(s)' calendars and no other mailbox.",
                ids.len()
            ),
        );
    } else if matches!(outside, Some(Probe::Open)) {
        s.status = Status::Warning;
        s.detail.insert(0, "Every host is reachable, but so is every other mailbox: Calendars.ReadWrite lets this app read and change any calendar in the tenant. Scope it to the hosts (least privilege) with the PowerShell below, then check again.".into());
    } else {
        s.status = Status::CannotCheck;
        s.detail.insert(
            0,
            "No mailbox outside the hosts could be tried, so whether a scope exists is not known."
                .into(),
        );
    }
}

enum Probe {
    Open,
    Scoped,
    Other(String),
}

/// Read one item's id from a mailbox's calendar (nothing of its content).
async fn calendar_probe(conn: &Connection, s: &mut Step, user_id: &str) -> Probe {
    let start = Timestamp::now();
    let url = format!(
        "/users/{user_id}/calendarView?startDateTime={}&endDateTime={}&$top=1&$select=id",
        enc(&start.to_string()),
        enc(&(start + SignedDuration::from_hours(1)).to_string())
    );
    match graph_get(conn, s, &url, Some(user_id)).await {
        Ok(_) => Probe::Open,
        Err((GraphError::Api { code, message, .. }, _)) if is_mailbox_scoped(&code, &message) => {
            Probe::Scoped
        }
        Err((_, e)) => Probe::Other(e.message),
    }
}

/// A user with a mailbox who is not a host (the first few of the directory).
async fn outsider(graph: &rollcall_graph::GraphClient, hosts: &[String]) -> Option<String> {
    let url = format!("/users?$top=25&$select={}", enc("id,mail"));
    let v: serde_json::Value = graph.get_json(Request::get(url)).await.ok()?;
    v["value"].as_array()?.iter().find_map(|u| {
        let id = u["id"].as_str()?;
        (u["mail"].is_string() && !hosts.iter().any(|h| h.eq_ignore_ascii_case(id)))
            .then(|| id.to_string())
    })
}
