//! The Teams application access policy: the probe per host and the PowerShell that fixes it
//! (a new policy granted globally or per host, or the app added to an existing policy).

use super::*;

/// The PowerShell for the access policy: new policy granted globally, per host, or the app added to
/// an existing policy. Every value is a single-quoted (verbatim) string: no `$`, backtick or
/// double quote (nor `„`, which PowerShell also reads as one) in a host address can start an
/// expression or end the string.
pub fn access_policy_scripts(client_id: &str, hosts: &[String]) -> Vec<CopyValue> {
    let app = ps(client_id);
    let policy = ps(POLICY_NAME);
    let head = format!(
        "# Teams application access policy for the LMS app {}\n# Run as a Teams administrator (PowerShell 7 or Windows PowerShell 5.1).\nInstall-Module -Name MicrosoftTeams -Scope CurrentUser   # once per computer\nConnect-MicrosoftTeams\n",
        comment(client_id)
    );
    let create = format!(
        "New-CsApplicationAccessPolicy -Identity {policy} -AppIds {app} -Description 'LMS Teams webinars: meetings and attendance'\n"
    );
    let global =
        format!("{head}{create}Grant-CsApplicationAccessPolicy -PolicyName {policy} -Global\n");
    let mut per_host = format!("{head}{create}");
    for h in hosts {
        per_host.push_str(&format!(
            "Grant-CsApplicationAccessPolicy -PolicyName {policy} -Identity {}\n",
            ps(h)
        ));
    }
    let mut existing = format!(
        "{head}# A user has one policy only: add this app to the policy the hosts already have.\n"
    );
    if let Some(h) = hosts.first() {
        existing.push_str(&format!(
            "Get-CsOnlineUser -Identity {} | Select-Object UserPrincipalName, ApplicationAccessPolicy\n",
            ps(h)
        ));
    }
    existing.push_str(&format!(
        "Set-CsApplicationAccessPolicy -Identity '<name of the existing policy>' -AppIds @{{Add={app}}}\n"
    ));
    vec![
        value("Everyone (Global)", global),
        value("Only the hosts", per_host),
        value("Add to an existing policy", existing),
    ]
}

/// A PowerShell verbatim string: `'…'` with every single-quote character PowerShell knows
/// (`'`, `‘`, `’`, `‚`, `‛`) doubled, the only escape such a string has (about_Quoting_Rules).
pub(super) fn ps(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A value for a `#` comment: one line, nothing that could end it.
pub(super) fn comment(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).collect()
}

pub(super) async fn check_access_policy(conn: &Connection, s: &mut Step) {
    if conn.hosts.is_empty() {
        s.status = Status::CannotCheck;
        s.detail.push(
            "Add host accounts in Settings → Connections: the policy is checked per host.".into(),
        );
        return;
    }
    let mut uncovered = Vec::new();
    let mut covered = 0;
    for (host, user) in found_hosts(conn, s).await {
        let host = &host;
        match probe_policy(conn, s, &user.id).await {
            Probe::Covered => covered += 1,
            Probe::NotCovered => uncovered.push(host.clone()),
            Probe::PermissionMissing => {
                s.status = Status::Waiting;
                s.detail.push(
                    "Waits for the Permissions step: the app lacks OnlineMeetings.Read.All.".into(),
                );
                return;
            }
            Probe::Failed(message) => s.detail.push(format!("{host}: {message}")),
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

/// What the access-policy probe found for one host.
pub(super) enum Probe {
    Covered,
    NotCovered,
    PermissionMissing,
    Failed(String),
}

/// Whether the Teams application access policy lets this app read the host's meetings.
/// Probe with one of the host's own meetings: what Graph answers for a made-up join URL is
/// undocumented (users report 400 "1026" and 404), and the onlineMeeting resource says not to
/// rely on the URL's format. The policy gate comes first, so a "not found" style answer still
/// means the policy let the call through.
pub(super) async fn probe_policy(conn: &Connection, s: &mut Step, user_id: &str) -> Probe {
    let join = host_join_url(conn, user_id).await.unwrap_or_else(|| {
        "https://teams.microsoft.com/l/meetup-join/rollcall-policy-probe".into()
    });
    let probe = meeting_by_join_url(&Mailbox::known(conn.mode, user_id), &join);
    match graph_get(conn, s, &probe, Some(user_id)).await {
        Ok(_)
        | Err((
            GraphError::Api {
                status: 400 | 404, ..
            },
            _,
        )) => Probe::Covered,
        Err((_, e)) if e.code == ErrorCode::AccessPolicyMissing => Probe::NotCovered,
        Err((_, e)) if e.code == ErrorCode::PermissionMissing => Probe::PermissionMissing,
        Err((_, e)) => Probe::Failed(e.message),
    }
}

/// A join URL of a Teams meeting in the host's calendar (the last 90 days or the next 30), if any.
async fn host_join_url(conn: &Connection, user_id: &str) -> Option<String> {
    let now = Timestamp::now();
    let url = format!(
        "{}/calendarView?startDateTime={}&endDateTime={}&$top=50&$select={}",
        Mailbox::known(conn.mode, user_id),
        enc(&(now - SignedDuration::from_hours(24 * 90)).to_string()),
        enc(&(now + SignedDuration::from_hours(24 * 30)).to_string()),
        enc("isOrganizer,onlineMeeting")
    );
    let page: serde_json::Value = conn
        .graph()
        .ok()?
        .get_json(Request::get(url).mailbox(user_id))
        .await
        .ok()?;
    page["value"].as_array()?.iter().find_map(|e| {
        e["isOrganizer"]
            .as_bool()
            .unwrap_or(false)
            .then(|| e["onlineMeeting"]["joinUrl"].as_str().map(str::to_string))
            .flatten()
    })
}
