//! The hosts step (each host exists, has a mailbox and a Teams licence, and its mail matches what
//! the LMS sends) and the optional end-to-end smoke test that creates and deletes a meeting.

use super::*;

pub(super) async fn check_hosts(conn: &Connection, s: &mut Step) {
    let delegated = conn.mode == AuthMode::Delegated;
    if conn.hosts.is_empty() && !delegated {
        s.status = Status::Failed;
        s.detail.push("No host accounts are set. Add the licensed users who host webinars in Settings → Connections.".into());
        return;
    }
    let Ok(graph) = conn.graph() else { return };
    let mut worst = Status::Passed;
    // User-delegated: each host signs in for themselves, so the host to check is the signed-in user
    // (a user token may not read other users).
    let lookups: Vec<(String, Result<Option<User>, CoreError>)> = if delegated {
        let me = "/me?$select=id,displayName,mail,userPrincipalName,assignedPlans";
        let r = graph_get(conn, s, me, None)
            .await
            .map_err(|(_, e)| e)
            .and_then(|v| {
                serde_json::from_value::<User>(v)
                    .map(Some)
                    .map_err(|e| CoreError::internal(e.to_string()))
            });
        let label = r
            .as_ref()
            .ok()
            .and_then(|u| u.as_ref())
            .map(|u| {
                u.mail
                    .clone()
                    .unwrap_or_else(|| u.user_principal_name.clone())
            })
            .unwrap_or_else(|| "the signed-in user".into());
        vec![(label, r)]
    } else {
        let mut v = Vec::new();
        for h in &conn.hosts {
            v.push((h.clone(), find_user(&graph, h).await));
        }
        v
    };
    for (host, found) in lookups {
        let host = &host;
        let user: User = match found {
            Ok(Some(u)) => u,
            Ok(None) => {
                raise(&mut worst, Status::Failed);
                s.detail.push(format!(
                    "{host}: no user with this e-mail (mail or sign-in name) in the tenant."
                ));
                continue;
            }
            Err(e) => {
                raise(&mut worst, Status::CannotCheck);
                s.detail.push(format!("{host}: {}", e.message));
                continue;
            }
        };
        let mut notes = Vec::new();
        // E-mail: the LMS matches on the user's mail.
        let mail = user.mail.clone().unwrap_or_default();
        if !mail.eq_ignore_ascii_case(host) {
            raise(&mut worst, Status::Warning);
            if mail.is_empty() {
                notes.push(format!(
                    "has no e-mail (mail) in Entra; it was found by its sign-in name {}",
                    user.user_principal_name
                ));
            } else {
                notes.push(format!("was found by its sign-in name (UPN), but its e-mail is {mail}: use {mail} as the host's e-mail in the LMS"));
            }
        }
        // Teams licence with the Teams service plan enabled (assignedPlans, which the user read
        // already carries; licenseDetails would be one more request per host).
        let plans = user.assigned_plans.clone().unwrap_or_default();
        match TeamsLicence::of(&plans) {
            TeamsLicence::Enabled => notes.push("Teams licensed".into()),
            TeamsLicence::Grace => {
                raise(&mut worst, Status::Warning);
                notes.push("Teams licensed, but the subscription is in its grace period (Warning): Teams works until it ends; renew it in Microsoft 365 admin center → Billing".into());
            }
            TeamsLicence::Suspended => {
                raise(&mut worst, Status::Failed);
                notes.push("the licence that includes Teams is suspended (the subscription lapsed): renew it in Microsoft 365 admin center → Billing".into());
            }
            TeamsLicence::LockedOut => {
                raise(&mut worst, Status::Failed);
                notes.push("the licence that includes Teams is locked out: the subscription must be reactivated (Microsoft 365 admin center → Billing)".into());
            }
            TeamsLicence::Off => {
                raise(&mut worst, Status::Failed);
                notes.push("has a licence but the Microsoft Teams service is turned off in it (Licenses → the licence → Microsoft Teams)".into());
            }
            TeamsLicence::None => {
                raise(&mut worst, Status::Failed);
                notes.push("has no licence that includes Microsoft Teams".into());
            }
        }
        // OneDrive: the article asks for a licence "in which Teams and OneDrive services are
        // available" (recordings and shared files of a meeting go to the organizer's OneDrive).
        let unknown_sharepoint = plans.iter().any(|p| {
            let id = p.service_plan_id.as_deref().unwrap_or_default();
            p.service.as_deref() == Some("SharePoint")
                && p.capability_status.as_deref() == Some("Enabled")
                && !OFFICE_WEB_PLANS
                    .iter()
                    .any(|(_, w)| w.eq_ignore_ascii_case(id))
        });
        match TeamsLicence::of_plans(&plans, ONEDRIVE_PLANS) {
            TeamsLicence::Enabled => notes.push("OneDrive licensed".into()),
            TeamsLicence::Grace => {
                raise(&mut worst, Status::Warning);
                notes.push("OneDrive licensed, but the subscription is in its grace period".into());
            }
            TeamsLicence::None if unknown_sharepoint => {
                raise(&mut worst, Status::Warning);
                notes.push("OneDrive could not be confirmed: the licence has a SharePoint plan Rollcall does not know (Office for the web alone brings no OneDrive); check Licenses → the licence → OneDrive/SharePoint".into());
            }
            TeamsLicence::None => {
                raise(&mut worst, Status::Failed);
                notes.push("has no licence that includes OneDrive (SharePoint Online), which the article requires beside Teams: meeting recordings and files are saved there".into());
            }
            _ => {
                raise(&mut worst, Status::Failed);
                notes.push("the OneDrive (SharePoint Online) service of the licence is off, suspended or locked out: turn it on under Licenses → the licence".into());
            }
        }
        // Mailbox: the calendar must be readable.
        let start = Timestamp::now();
        let cal = format!(
            "{}/calendarView?startDateTime={}&endDateTime={}&$top=1&$select=id",
            Mailbox::known(conn.mode, &user.id),
            enc(&start.to_string()),
            enc(&(start + SignedDuration::from_hours(24)).to_string())
        );
        match graph_get(conn, s, &cal, Some(&user.id)).await {
            Ok(_) => notes.push("calendar readable".into()),
            Err((GraphError::Api { status: 404, .. }, _))
            | Err((
                GraphError::Api {
                    code: _,
                    status: 400,
                    ..
                },
                _,
            )) => {
                raise(&mut worst, Status::Failed);
                notes.push("has no Exchange Online mailbox (no calendar for webinars): assign a licence with Exchange Online".into());
            }
            Err((_, e)) => {
                raise(&mut worst, Status::CannotCheck);
                notes.push(format!("calendar not readable: {}", e.message));
            }
        }
        s.detail.push(format!(
            "{host} ({}): {}.",
            user.display_name.clone().unwrap_or_default(),
            notes.join("; ")
        ));
    }
    s.status = worst;
}

pub(super) async fn smoke_test(conn: &Connection, s: &mut Step) {
    let Some(host) = conn.hosts.first() else {
        s.status = Status::CannotCheck;
        s.detail.push("Add a host account first.".into());
        return;
    };
    let Ok(graph) = conn.graph() else { return };
    // User sign-in mode: the test meeting goes into the signed-in user's own calendar.
    let found = match conn.mode {
        AuthMode::Delegated => crate::directory::signed_in(conn).await.map(Some),
        AuthMode::Application => find_mailbox(conn, host).await,
    };
    let Mailbox { id, base, .. } = match found {
        Ok(Some(m)) => m,
        Ok(None) => {
            s.status = Status::Failed;
            s.detail
                .push(format!("{host} does not exist in the tenant."));
            return;
        }
        Err(e) => return fail(s, &e, "find host"),
    };
    let start = Timestamp::now() + SignedDuration::from_hours(24);
    let end = start + SignedDuration::from_mins(15);
    let body = serde_json::json!({
        "subject": "Rollcall set-up test (safe to delete)",
        "body": {"contentType": "text", "content": "Created and deleted by Rollcall's set-up check."},
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "showAs": "free",
        "isReminderOn": false,
        "transactionId": uuid::Uuid::new_v4().to_string(),
    });
    let path = format!("{base}/events");
    let created = match graph
        .send(Request::new(reqwest::Method::POST, path.clone(), Some(body)).mailbox(&id))
        .await
    {
        Ok(r) => {
            s.evidence.push(Evidence {
                request: format!("POST {path}"),
                answer: format!("{}", r.status),
                request_id: r.request_id.clone(),
            });
            r.body.unwrap_or_default()
        }
        Err(e) => {
            let ce = conn.explain(e);
            return fail(s, &ce, &format!("POST {path}"));
        }
    };
    let event_id = created["id"].as_str().unwrap_or_default().to_string();
    let join = created["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut ok = true;
    if join.is_empty() {
        ok = false;
        s.detail.push("The event was created without a Teams meeting: the host cannot create Teams meetings (licence or Teams policy).".into());
    } else {
        s.detail
            .push("Created a Teams meeting in the host's calendar.".into());
        let find = meeting_by_join_url(&base, &join);
        match graph_get(conn, s, &find, Some(&id)).await {
            Ok(b) if b["value"].as_array().is_some_and(|v| !v.is_empty()) => s
                .detail
                .push("Found its online meeting through Teams by join URL.".into()),
            Ok(_) => {
                ok = false;
                s.detail
                    .push("Teams did not return the meeting for its join URL.".into());
            }
            Err((_, e)) if conn.participant_info || conn.mode == AuthMode::Delegated => {
                ok = false;
                s.detail
                    .push(format!("Teams refused to find the meeting: {}", e.message));
            }
            Err(_) => s
                .detail
                .push("Meeting lookup skipped: participant information is off.".into()),
        }
    }
    if !event_id.is_empty() {
        let del = format!("{base}/events/{event_id}");
        match graph
            .send(Request::new(reqwest::Method::DELETE, del.clone(), None).mailbox(&id))
            .await
        {
            Ok(r) => {
                s.evidence.push(Evidence {
                    request: format!("DELETE {del}"),
                    answer: format!("{}", r.status),
                    request_id: r.request_id,
                });
                s.detail.push("Deleted the test meeting.".into());
            }
            Err(e) => {
                ok = false;
                s.detail.push(format!("Could not delete the test meeting \"Rollcall set-up test\" — delete it by hand: {e}"));
            }
        }
    }
    s.status = if ok { Status::Passed } else { Status::Failed };
}
