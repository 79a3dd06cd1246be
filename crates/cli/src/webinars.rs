//! `rollcall webinars list|create|cancel`: the calendar from scripts. Dates are read in `--time-zone`
//! (default: the zone chosen in the app's Settings, else this computer's) and printed in it; JSON keeps UTC instants.

use crate::term::{say, tell};
use jiff::Timestamp;
use rollcall_core::webinars::{self, NewWebinar, RecurrenceInput, Repeat};
use rollcall_core::{CoreError, ErrorCode};

use crate::args::{tz_of, Period};
use crate::connection::ConnectionArgs;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Webinars of one or more hosts in a date range.
    List {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        period: Period,
        /// Include calendar events that are not Teams meetings.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create a webinar (an event with a Teams meeting) in a host's calendar.
    Create {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[arg(long)]
        subject: String,
        /// Start as wall-clock time, YYYY-MM-DDTHH:MM, in --time-zone.
        #[arg(long)]
        start: String,
        /// Length in minutes.
        #[arg(long, default_value_t = 60)]
        duration: u32,
        #[arg(long)]
        time_zone: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// The description is simple HTML.
        #[arg(long)]
        html: bool,
        /// Invitee e-mail (repeatable).
        #[arg(long = "invitee")]
        invitees: Vec<String>,
        /// Repeat daily or weekly (with --count or --until).
        #[arg(long, value_parser = ["daily", "weekly"])]
        repeat: Option<String>,
        #[arg(long, default_value_t = 1)]
        interval: u32,
        #[arg(long)]
        count: Option<u32>,
        /// Last date of the series (YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
        /// Create it even if the start is in the past.
        #[arg(long)]
        allow_past: bool,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a webinar (organizer only) with a message to the attendees.
    Cancel {
        #[command(flatten)]
        conn: ConnectionArgs,
        /// The event id (from `list --json`); a series id cancels the series.
        #[arg(long)]
        id: String,
        #[arg(long, default_value = "")]
        message: String,
    },
}

/// One host: `--host`, else the connection's single host.
fn one_host(conn: &rollcall_core::tenant::connection::Connection) -> Result<String, CoreError> {
    match conn.hosts.as_slice() {
        [h] => Ok(h.clone()),
        [] => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Give the host with --host EMAIL.",
            None,
        )),
        _ => Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Several hosts are configured: choose one with --host EMAIL.",
            None,
        )),
    }
}

pub async fn run(action: Action) -> Result<(), CoreError> {
    match action {
        Action::List {
            conn,
            period,
            all,
            json,
        } => {
            let r = period.range()?;
            let tz = r.zone;
            let (c, _emulator) = conn.resolve().await?;
            let mut range = webinars::list(&c, &c.hosts.clone(), r.from, r.to, !all).await?;
            // Teams webinars (virtual events) beside them, `format: webinar` (the profile's switch).
            if c.teams_webinars {
                rollcall_core::virtual_events::add_to(
                    &c,
                    &c.hosts.clone(),
                    r.from,
                    r.to,
                    &mut range,
                )
                .await;
            }
            if json {
                crate::print_json(&range);
            } else {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for w in &range.webinars {
                    let local = |t: &str| {
                        t.parse::<Timestamp>()
                            .map(|t| {
                                t.to_zoned(tz.clone())
                                    .strftime("%Y-%m-%d %H:%M")
                                    .to_string()
                            })
                            .unwrap_or_default()
                    };
                    let end = local(&w.end);
                    // A closed pipe (`| head`) ends the listing quietly.
                    let line = format!(
                        "{}–{}  {}  {}{}{}  [{}]{}",
                        local(&w.start),
                        end.get(11..).unwrap_or_default(),
                        w.host,
                        w.subject,
                        match &w.event {
                            Some(e) => format!(
                                " (Teams webinar, {}, {} registered{})",
                                match e.status {
                                    rollcall_core::virtual_events::EventStatus::Draft => "draft",
                                    rollcall_core::virtual_events::EventStatus::Published =>
                                        "published",
                                    rollcall_core::virtual_events::EventStatus::Canceled =>
                                        "cancelled",
                                    rollcall_core::virtual_events::EventStatus::Other => "other",
                                },
                                e.registrations.registered,
                                e.capacity.map(|c| format!(" of {c}")).unwrap_or_default()
                            ),
                            None => String::new(),
                        },
                        if w.cancelled { " (cancelled)" } else { "" },
                        match w.state {
                            webinars::WebinarState::Ended => "ended",
                            webinars::WebinarState::Live => "live",
                            webinars::WebinarState::Upcoming => "upcoming",
                        },
                        w.join_url
                            .as_deref()
                            .map(|u| format!("  {u}"))
                            .unwrap_or_default(),
                    );
                    if writeln!(out, "{}", crate::term::clean(&line)).is_err() {
                        return Ok(());
                    }
                }
                for p in &range.problems {
                    tell!("rollcall: {}: {}", p.host, p.error.user_message());
                }
                tell!("rollcall: {} webinar(s)", range.webinars.len());
            }
            if range.problems.is_empty() {
                Ok(())
            } else {
                let p = &range.problems[0];
                let mut e = p.error.clone();
                if !e.message.contains(&p.host) {
                    e.message = format!("{}: {}", p.host, e.message);
                }
                Err(e)
            }
        }
        Action::Create {
            conn,
            subject,
            start,
            duration,
            time_zone,
            description,
            html,
            invitees,
            repeat,
            interval,
            count,
            until,
            allow_past,
            json,
        } => {
            let (tz_name, _) = tz_of(&time_zone)?;
            let (c, _emulator) = conn.resolve().await?;
            let recurrence = repeat.map(|r| RecurrenceInput {
                repeat: if r == "daily" {
                    Repeat::Daily
                } else {
                    Repeat::Weekly
                },
                interval,
                count: if until.is_none() {
                    Some(count.unwrap_or(1))
                } else {
                    None
                },
                until: until.clone(),
            });
            let w = NewWebinar {
                host: one_host(&c)?,
                subject,
                start,
                time_zone: tz_name,
                duration_minutes: duration,
                description,
                html,
                invitees,
                recurrence,
                allow_past,
            };
            let created = webinars::create(&c, &w).await?;
            if json {
                crate::print_json(&created);
            } else {
                say!("{}\n{}", created.id, created.join_url.unwrap_or_default());
            }
            Ok(())
        }
        Action::Cancel { conn, id, message } => {
            let (c, _emulator) = conn.resolve().await?;
            webinars::cancel(&c, &one_host(&c)?, &id, &message).await?;
            tell!("rollcall: cancelled");
            Ok(())
        }
    }
}
