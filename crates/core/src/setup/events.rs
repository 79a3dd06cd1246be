//! The Teams webinars step (only when the connection's "Teams webinars (virtual events)" switch is
//! on): the extra Graph permission for the mode with its consent URL, the Teams events policy that
//! must allow webinars (`CsTeamsEventsPolicy -AllowWebinars`, with the PowerShell), and the clouds
//! that lack the feature — virtual events are global-only (microsoft-graph-docs-contrib
//! includes/global-only.md on every virtualEvent page).

use super::policy::ps;
use super::{value, Connection, Status, Step};
use crate::tenant::permissions::virtual_events;
use crate::tenant::profile::AuthMode;

/// Graph hosts of the clouds that have no virtual events (national clouds, concepts/deployments.md).
const NATIONAL_GRAPH_HOSTS: [&str; 3] = [
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
];

/// The step, unchecked.
pub(super) fn plan(conn: &Connection) -> Step {
    let perm = virtual_events(conn.mode);
    let kind = match conn.mode {
        AuthMode::Application => "Application",
        AuthMode::Delegated => "Delegated",
    };
    let mut s = super::step(
        "teamsWebinars",
        "Teams webinars (virtual events)",
        "Registrations and attendance of Teams webinars need one more Graph permission, the hosts' Teams events policy must allow webinars, and Graph serves them in the global cloud only.",
        "Lists each host's Teams webinars (getByUserIdAndRole in application mode, getByUserRole for the signed-in organizer): a 403 means the permission or the access policy is missing.",
    );
    s.todo = vec![
        format!("API permissions → Add a permission → Microsoft Graph → {kind} permissions: {perm}; then \"Grant admin consent\"."),
        "The hosts' Teams events policy must allow webinars: run the PowerShell below as a Teams administrator (Graph cannot read the policy, so Rollcall checks what Graph answers).".into(),
        "Not available in US Government (GCC High, DoD) or China (21Vianet): there, turn the switch off in Settings → Connections.".into(),
    ];
    s.values = vec![
        value(&format!("Permission ({kind})"), perm),
        value("Admin-consent URL", conn.advice().consent_url()),
    ];
    let mut script = String::from("Connect-MicrosoftTeams\nGet-CsTeamsEventsPolicy | Format-Table Identity, AllowWebinars\n# Allow webinars for everyone (the Global policy):\nSet-CsTeamsEventsPolicy -Identity Global -AllowWebinars Enabled\n");
    for h in &conn.hosts {
        script.push_str(&format!(
            "# or for this host only, with a policy that allows them:\n# Grant-CsTeamsEventsPolicy -Identity {} -PolicyName <policy with AllowWebinars Enabled>\n",
            ps(h)
        ));
    }
    s.scripts = vec![value("Teams events policy (PowerShell)", script)];
    s
}

/// Check it: the cloud, then each host's listing.
pub(super) async fn check(conn: &Connection, s: &mut Step) {
    let graph_host = url::Url::parse(&conn.endpoints.graph)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    if NATIONAL_GRAPH_HOSTS.contains(&graph_host.as_str()) {
        s.status = Status::Failed;
        s.detail.push(format!(
            "This connection uses a national cloud ({graph_host}): Graph has no Teams webinars (virtual events) there. Turn \"Teams webinars\" off for it."
        ));
        return;
    }
    // The permission, from the token: without it every host's answer is a 403 for that reason.
    let perm = virtual_events(conn.mode);
    if let Ok(token) = conn.token(false).await {
        let have = token.permissions();
        s.evidence.push(super::claims_evidence(conn.mode, &have));
        let granted = have.iter().any(|h| {
            h.eq_ignore_ascii_case(perm)
                || (conn.mode == AuthMode::Delegated && h.eq_ignore_ascii_case("VirtualEvent.Read"))
        });
        if !granted {
            s.status = Status::Failed;
            s.detail.push(format!(
                "The token has no {perm}: add it under API permissions and grant admin consent (the URL below)."
            ));
            return;
        }
    }
    if conn.hosts.is_empty() {
        s.status = Status::CannotCheck;
        s.detail.push(
            "Add host accounts in Settings → Connections: Teams webinars are read per host.".into(),
        );
        return;
    }
    let now = jiff::Timestamp::now();
    let (from, to) = (
        now - jiff::SignedDuration::from_hours(24 * 30),
        now + jiff::SignedDuration::from_hours(24 * 60),
    );
    // With the permission granted, a 403 for a host is the access policy (or, signed in, another
    // organizer): the access-policy step says that already, so here it is a warning.
    let (mut refused, mut failed) = (false, false);
    let mut empty = Vec::new();
    for host in &conn.hosts {
        match crate::virtual_events::list_host(conn, host, from, to).await {
            Ok(found) if found.is_empty() && conn.mode == AuthMode::Application => {
                empty.push(host.clone())
            }
            Ok(found) => s.detail.push(format!(
                "{host}: {} Teams webinar(s) in the last 30 and next 60 days.",
                found.len()
            )),
            Err(e) if e.code == crate::error::ErrorCode::PermissionMissing => {
                refused = true;
                s.detail.push(format!(
                    "{host}: refused although the permission is granted — {}",
                    match conn.mode {
                        AuthMode::Application => "the Teams application access policy does not cover this host yet (see the access-policy step).",
                        AuthMode::Delegated => "only the signed-in organizer's Teams webinars can be read.",
                    }
                ));
            }
            Err(e) => {
                failed = true;
                s.detail.push(format!(
                    "{host}: {}{}",
                    e.message,
                    e.hint.map(|h| format!(" {h}")).unwrap_or_default()
                ));
            }
        }
    }
    // An empty app-only listing is suspect: Graph can answer an empty list where the access
    // policy is missing. Cross-check with one of the host's own meetings.
    if !empty.is_empty() {
        let mut scratch = super::step("", "", "", "");
        for (host, user) in super::found_hosts(conn, &mut scratch).await {
            if !empty.contains(&host) {
                continue;
            }
            match super::policy::probe_policy(conn, &mut scratch, &user.id).await {
                super::policy::Probe::NotCovered => {
                    refused = true;
                    s.detail.push(format!(
                        "{host}: Graph listed no Teams webinars, but it refuses this host's meetings for the missing application access policy — so the empty list most likely means the policy, not a host without webinars (see the access-policy step)."
                    ));
                }
                super::policy::Probe::Covered => s.detail.push(format!(
                    "{host}: no Teams webinars in the last 30 and next 60 days. The access policy does cover this host (one of their meetings was readable), so either they have none or their Teams events policy does not allow webinars (the script below)."
                )),
                super::policy::Probe::PermissionMissing | super::policy::Probe::Failed(_) => {
                    s.detail.push(format!(
                        "{host}: no Teams webinars listed, and Rollcall could not tell why (the host's meetings could not be read to cross-check): an empty list can also mean a missing access policy."
                    ))
                }
            }
        }
        let unchecked: Vec<String> = empty
            .iter()
            .filter(|h| !s.detail.iter().any(|d| d.starts_with(h.as_str())))
            .cloned()
            .collect();
        for host in unchecked {
            s.detail.push(format!("{host}: no Teams webinars listed (the host was not found in the directory to cross-check)."));
        }
    }
    s.status = if failed {
        Status::Failed
    } else if refused {
        Status::Warning
    } else {
        Status::Passed
    };
    if !failed {
        s.detail.push("If a host's Teams webinars are missing, check that their Teams events policy allows webinars (the script below).".into());
    }
}
