//! The Teams application access policy: the probe per host and the PowerShell that fixes it
//! (a new policy granted globally or per host, or the app added to an existing policy).

use super::*;

/// The PowerShell for the access policy: new policy granted globally, per host, or the app added to
/// an existing policy. Values are escaped for double-quoted PowerShell strings.
pub fn access_policy_scripts(client_id: &str, hosts: &[String]) -> Vec<CopyValue> {
    let app = ps(client_id);
    let head = format!(
        "# Teams application access policy for the LMS app {app}\n# Run as a Teams administrator (PowerShell 7 or Windows PowerShell 5.1).\nInstall-Module -Name MicrosoftTeams -Scope CurrentUser   # once per computer\nConnect-MicrosoftTeams\n"
    );
    let create = format!(
        "New-CsApplicationAccessPolicy -Identity \"{POLICY_NAME}\" -AppIds \"{app}\" -Description \"LMS Teams webinars: meetings and attendance\"\n"
    );
    let global = format!(
        "{head}{create}Grant-CsApplicationAccessPolicy -PolicyName \"{POLICY_NAME}\" -Global\n"
    );
    let mut per_host = format!("{head}{create}");
    for h in hosts {
        per_host.push_str(&format!(
            "Grant-CsApplicationAccessPolicy -PolicyName \"{POLICY_NAME}\" -Identity \"{}\"\n",
            ps(h)
        ));
    }
    let mut existing = format!(
        "{head}# A user has one policy only: add this app to the policy the hosts already have.\n"
    );
    if let Some(h) = hosts.first() {
        existing.push_str(&format!(
            "Get-CsOnlineUser -Identity \"{}\" | Select-Object UserPrincipalName, ApplicationAccessPolicy\n",
            ps(h)
        ));
    }
    existing.push_str(&format!(
        "Set-CsApplicationAccessPolicy -Identity \"<name of the existing policy>\" -AppIds @{{Add=\"{app}\"}}\n"
    ));
    vec![
        value("Everyone (Global)", global),
        value("Only the hosts", per_host),
        value("Add to an existing policy", existing),
    ]
}

/// Escape for a double-quoted PowerShell string: backtick, dollar and both quote styles.
fn ps(v: &str) -> String {
    v.chars()
        .flat_map(|c| match c {
            '`' | '$' | '"' | '\u{201C}' | '\u{201D}' => vec!['`', c],
            _ => vec![c],
        })
        .collect()
}

pub(super) async fn check_access_policy(conn: &Connection, s: &mut Step) {
    if conn.hosts.is_empty() {
        s.status = Status::CannotCheck;
        s.detail.push(
            "Add host accounts in Settings → Connections: the policy is checked per host.".into(),
        );
        return;
    }
    let Ok(graph) = conn.graph() else { return };
    let mut uncovered = Vec::new();
    let mut covered = 0;
    for host in &conn.hosts {
        let user = match find_user(&graph, host).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                s.detail
                    .push(format!("{host}: not found (see the Hosts step)."));
                continue;
            }
            Err(e) => {
                s.detail.push(format!("{host}: {}", e.message));
                continue;
            }
        };
        let probe = meeting_by_join_url(
            &user.id,
            "https://teams.microsoft.com/l/meetup-join/rollcall-policy-probe",
        );
        match graph_get(conn, s, &probe, Some(&user.id)).await {
            Ok(_) => covered += 1,
            Err((
                GraphError::Api {
                    status: 403,
                    message,
                    ..
                },
                _,
            )) if message
                .to_ascii_lowercase()
                .contains("application access policy") =>
            {
                uncovered.push(host.clone())
            }
            Err((_, e)) if e.code == ErrorCode::PermissionMissing => {
                s.status = Status::Waiting;
                s.detail.push(
                    "Waits for the Permissions step: the app lacks OnlineMeetings.Read.All.".into(),
                );
                return;
            }
            Err((_, e)) => s.detail.push(format!("{host}: {}", e.message)),
        }
    }
    if uncovered.is_empty() && covered > 0 {
        s.status = Status::Passed;
        s.detail.insert(
            0,
            format!(
                "All {covered} host(s) are covered by an application access policy for this app."
            ),
        );
    } else if !uncovered.is_empty() {
        s.status = Status::Failed;
        s.detail.insert(0, format!("Not covered: {}. Teams refuses meetings and attendance for them (403 \"No application access policy\").", uncovered.join(", ")));
        s.detail.push("After running the script it can take 30 minutes or more to apply: use \"re-check every 5 minutes\".".into());
        s.recheck_minutes = Some(5);
        s.scripts = access_policy_scripts(&conn.client_id, &uncovered);
    } else {
        s.status = Status::CannotCheck;
    }
}
