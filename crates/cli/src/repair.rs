//! `rollcall setup fix`, `setup changes`, `secret renew` and `secret retire`: an administrator
//! signs in (system browser, or the address on stderr with `--no-browser`), sees each change
//! before → after, confirms (`--yes` without a terminal), and the touched steps are checked again.

use std::io::{BufRead, IsTerminal, Write};

use rollcall_core::repair::admin::{admin_client_id, AdminSession, AdminSignIn};
use rollcall_core::repair::log::ChangeLog;
use rollcall_core::repair::{self, secret};
use rollcall_core::setup::{self, Status};
use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::{data_dir, AuthMode};
use rollcall_core::tenant::secrets::SecretKind;
use rollcall_core::{CoreError, ErrorCode};

use crate::connection::{ConnectionArgs, Target};
use crate::term::{say, tell};
use crate::{fail, print_json};

/// Flags every administrator command shares.
#[derive(clap::Args, Clone, Debug)]
pub struct AdminArgs {
    /// Do not start a browser: print the sign-in address on stderr and wait.
    #[arg(long)]
    pub no_browser: bool,
    /// The public client the administrator signs in through (default: Microsoft Graph Command
    /// Line Tools, or ROLLCALL_ADMIN_CLIENT_ID).
    #[arg(long)]
    pub admin_client_id: Option<String>,
    /// The administrator's account, to skip the account picker.
    #[arg(long)]
    pub admin: Option<String>,
}

/// A command's outcome as its exit code (the error said on stderr).
fn exit(result: Result<(), CoreError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn log() -> Result<ChangeLog, CoreError> {
    Ok(ChangeLog::in_dir(&data_dir()?))
}

/// Sign the administrator in for `scopes`.
async fn sign_in(
    conn: &Connection,
    a: &AdminArgs,
    scopes: &[&str],
) -> Result<AdminSession, CoreError> {
    let client = admin_client_id(a.admin_client_id.as_deref());
    let attempt = AdminSignIn::begin(conn, &client, scopes, a.admin.as_deref()).await?;
    let opened = !a.no_browser
        && rollcall_core::tenant::session::opener_from_env()
            .open(&attempt.url)
            .is_ok();
    if opened {
        tell!("rollcall: an administrator signs in in the browser window that opened (waiting up to 5 minutes; Ctrl+C cancels)");
    } else {
        tell!("rollcall: open this address in a browser and sign in as an administrator (waiting up to 5 minutes; Ctrl+C cancels):");
        tell!("{}", attempt.url);
    }
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let session = attempt
        .finish(rollcall_graph::delegated::SIGN_IN_TIMEOUT, cancel)
        .await?;
    tell!("rollcall: signed in as {}", session.who());
    Ok(session)
}

/// Ask on the terminal; without one, only `--yes` confirms.
fn confirm(question: &str, yes: bool) -> Result<bool, CoreError> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CoreError::new(
            ErrorCode::InvalidInput,
            "Nothing was changed: there is no terminal to confirm on.",
            Some("Pass --yes to confirm, or --dry-run to only see the changes.".into()),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok();
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn step_line(s: &setup::Step) -> String {
    let mark = match s.status {
        Status::Passed => "✔",
        Status::Failed => "✖",
        Status::Warning => "!",
        _ => "·",
    };
    format!(
        "{mark} {}. {} — {}",
        s.number,
        s.title,
        setup::status_word(s.status)
    )
}

/// `rollcall setup fix`.
pub async fn fix(
    args: &ConnectionArgs,
    admin: &AdminArgs,
    steps: Vec<String>,
    dry_run: bool,
    yes: bool,
    json: bool,
) -> std::process::ExitCode {
    match fix_inner(args, admin, steps, dry_run, yes, json).await {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

async fn fix_inner(
    args: &ConnectionArgs,
    admin: &AdminArgs,
    steps: Vec<String>,
    dry_run: bool,
    yes: bool,
    json: bool,
) -> Result<std::process::ExitCode, CoreError> {
    let (conn, _emulator) = args.resolve().await?;
    let present: Vec<String> = setup::plan(&conn).steps.into_iter().map(|s| s.id).collect();
    for s in &steps {
        if !present.contains(s) {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("There is no set-up step \"{s}\" for this connection."),
                Some(format!("Its steps: {}.", present.join(", "))),
            ));
        }
    }
    // Without --step: the repairable steps that do not pass now.
    let steps =
        if steps.is_empty() {
            let list = setup::check_all(&conn).await;
            let broken: Vec<String> = list
                .steps
                .iter()
                .filter(|s| repair::REPAIRABLE.contains(&s.id.as_str()))
                .filter(|s| {
                    matches!(
                        s.status,
                        Status::Failed | Status::Warning | Status::CannotCheck
                    )
                })
                .map(|s| s.id.clone())
                .collect();
            for s in list.steps.iter().filter(|s| {
                s.status == Status::Failed && !repair::REPAIRABLE.contains(&s.id.as_str())
            }) {
                tell!(
                "rollcall: {} — Graph cannot repair this step; `rollcall check` shows what to do.",
                step_line(s)
            );
            }
            if broken.is_empty() {
                say!("Nothing to repair: the steps Rollcall can fix pass.");
                return Ok(std::process::ExitCode::SUCCESS);
            }
            broken
        } else {
            steps
        };
    let wanted: Vec<String> = steps
        .iter()
        .filter(|s| repair::REPAIRABLE.contains(&s.as_str()))
        .cloned()
        .collect();
    let session = sign_in(
        &conn,
        admin,
        &repair::scopes_for(&wanted, conn.mode, dry_run),
    )
    .await?;
    let mut plan = repair::plan(&conn, &session, &steps).await?;
    for n in &plan.notes {
        tell!("rollcall: {n}");
    }
    let refused: Vec<(String, String)> = plan
        .refused_for(&session)
        .into_iter()
        .map(|(c, why)| (c.id.clone(), format!("{} — {why}", c.title)))
        .collect();
    if json && dry_run {
        print_json(&plan);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    if plan.changes.is_empty() {
        say!("Nothing to change: the registration already matches the article for these steps.");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    say!("Changes to {} ({}):", plan.app_name, conn.client_id);
    for (i, c) in plan.changes.iter().enumerate() {
        let cannot = refused.iter().any(|(id, _)| *id == c.id);
        say!(
            "{}{}. [{}] {}",
            if cannot { "✖ " } else { "" },
            i + 1,
            c.step,
            c.title
        );
        say!("     before: {}", c.before);
        say!("     after:  {}", c.after);
    }
    for (_, why) in &refused {
        tell!("rollcall: not allowed: {why}");
    }
    plan.changes
        .retain(|c| !refused.iter().any(|(id, _)| *id == c.id));
    if dry_run {
        say!("Dry run: nothing was changed.");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    if plan.changes.is_empty() {
        return Err(CoreError::new(
            ErrorCode::PermissionMissing,
            format!(
                "{} may make none of these changes. Nothing was changed.",
                session.who()
            ),
            Some("Sign in as a Global Administrator or Privileged Role Administrator.".into()),
        ));
    }
    if !confirm(
        &format!("Make these {} change(s)?", plan.changes.len()),
        yes,
    )? {
        say!("Nothing was changed.");
        return Ok(std::process::ExitCode::from(1));
    }
    let applied = repair::apply(&conn, &session, &plan, &log()?).await?;
    if json {
        print_json(&applied);
    } else {
        for m in &applied.made {
            say!(
                "✔ {} (request-id {})",
                m.title,
                m.request_id.as_deref().unwrap_or("-")
            );
        }
        say!("Checked again:");
        for s in &applied.rechecked {
            say!("{}", step_line(s));
            if s.status == Status::Failed {
                for d in &s.detail {
                    say!("    {d}");
                }
            }
        }
    }
    if let Some((_, e)) = &applied.failed {
        return Err(e.clone());
    }
    if !refused.is_empty() {
        return Ok(std::process::ExitCode::from(77));
    }
    let ok = applied.rechecked.iter().all(|s| s.status != Status::Failed);
    Ok(if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

/// `rollcall setup changes [--undo N]`.
pub async fn changes(
    args: &ConnectionArgs,
    admin: &AdminArgs,
    undo: Option<usize>,
    json: bool,
) -> std::process::ExitCode {
    let result = async {
        let log = log()?;
        if let Some(n) = undo {
            let (conn, _emulator) = args.resolve().await?;
            let all = log.read()?;
            let Some(rec) = all.get(n.wrapping_sub(1)) else {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    format!("There is no change {n} in the log."),
                    Some("`rollcall setup changes` lists them.".into()),
                ));
            };
            let scope = if rec.change.starts_with("consent-roles") {
                "AppRoleAssignment.ReadWrite.All"
            } else if rec.change == "consent-scopes" {
                "DelegatedPermissionGrant.ReadWrite.All"
            } else {
                "Application.ReadWrite.All"
            };
            let session = sign_in(&conn, admin, &[scope]).await?;
            let rec = repair::undo(&session, &log, n - 1).await?;
            say!("Undone: {}", rec.title);
            return Ok(());
        }
        let all = log.read()?;
        if json {
            print_json(&all);
        } else if all.is_empty() {
            say!("Rollcall has made no change in a tenant yet.");
        } else {
            for (i, r) in all.iter().enumerate() {
                say!(
                    "{}. {} · {} · by {}{}",
                    i + 1,
                    r.at,
                    r.title,
                    r.by,
                    if r.undone_at.is_some() {
                        " · undone"
                    } else {
                        ""
                    }
                );
                say!(
                    "     tenant {} · app {} · step {} · request-id {}",
                    r.tenant,
                    r.client_id,
                    r.step,
                    r.request_id.as_deref().unwrap_or("-")
                );
                say!("     before: {}", r.before);
                say!("     after:  {}", r.after);
                if r.undo.is_some() && r.undone_at.is_none() {
                    say!("     undo: rollcall setup changes --undo {}", i + 1);
                }
            }
        }
        Ok(())
    }
    .await;
    exit(result)
}

/// Where a renewed secret is kept: the profile's keychain entry (and its hint and expiry in
/// `profiles.json`), or for bare `--tenant/--client-id` flags the entry of that pair.
fn store_secret(
    args: &ConnectionArgs,
    value: &rollcall_graph::Secret,
    expires: jiff::civil::Date,
) -> Result<(), CoreError> {
    let Target::Profile(p) = args.target()? else {
        // The demo tenant's secret lives only as long as the emulator.
        return Ok(());
    };
    // A profile's entry, hint and expiry; for bare flags (no profile in the file, so nothing to
    // update there) the keychain entry of the tenant and client id.
    rollcall_core::tenant::session::keep_renewed_secret(
        &ConnectionArgs::profiles()?,
        ConnectionArgs::secret_store().as_ref(),
        &p,
        value,
        expires,
    )
}

/// `rollcall secret renew`.
pub async fn renew(
    args: &ConnectionArgs,
    admin: &AdminArgs,
    months: u32,
    yes: bool,
) -> std::process::ExitCode {
    let result = async {
        let (conn, _emulator) = args.resolve().await?;
        if conn.mode != AuthMode::Application && conn.secret_hint.is_none() {
            tell!("rollcall: this connection signs in as a user; the secret renewed is the LMS's (the app registration's).");
        }
        if !confirm(&format!("Add a new client secret of {months} months to {}? The old one stays until `rollcall secret retire`.", conn.client_id), yes)? {
            say!("Nothing was changed.");
            return Ok(());
        }
        let session = sign_in(&conn, admin, &secret::SECRET_SCOPES).await?;
        let hint = conn.secret_hint.clone();
        let renewed = secret::renew(&conn, &session, months, hint.as_deref(), &log()?, |v, exp| store_secret(args, v, exp)).await?;
        if let Some(max) = renewed.policy_max_days {
            tell!("rollcall: this tenant's app management policy allows secrets of at most {max} days.");
        }
        // The value goes to stdout once (for a pipe or the terminal), never to a log.
        say!("New client secret (shown once; it is saved in the keychain for this connection):");
        println!("{}", renewed.value.expose());
        say!("Hint {}… · key {} · expires {}", renewed.hint, renewed.key_id, renewed.expires);
        for v in &renewed.handoff {
            say!("{}: {}", v.label, v.value);
        }
        if renewed.old_key_id.is_some() {
            say!("The old secret still works; once the LMS runs on the new one: rollcall secret retire");
        }
        Ok(())
    }
    .await;
    exit(result)
}

/// `rollcall secret retire`.
pub async fn retire(args: &ConnectionArgs, admin: &AdminArgs, yes: bool) -> std::process::ExitCode {
    let result = async {
        let (conn, _emulator) = args.resolve().await?;
        if !confirm(
            "Remove the old client secret? Do this only when the LMS runs on the new one.",
            yes,
        )? {
            say!("Nothing was changed.");
            return Ok(());
        }
        let session = sign_in(&conn, admin, &["Application.ReadWrite.All"]).await?;
        let rec = secret::retire(&conn, &session, &log()?).await?;
        say!(
            "✔ {} (request-id {})",
            rec.title,
            rec.request_id.as_deref().unwrap_or("-")
        );
        Ok(())
    }
    .await;
    exit(result)
}

/// `rollcall setup …`.
#[derive(clap::Subcommand)]
pub enum SetupAction {
    /// Repair the failed set-up steps Graph can repair (redirect URIs, account types, token
    /// checkboxes, permissions, admin consent): an administrator signs in, each change is shown
    /// before → after and made after confirmation, then the steps are checked again. Exit 0 when
    /// the steps it touched pass afterwards.
    Fix {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Only this step (repeatable): redirect, audience, permissions, consent.
        #[arg(long = "step")]
        steps: Vec<String>,
        /// Show the changes; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create the LMS's app registration from nothing, as the article prescribes for --mode and
    /// --participant-info: name, account types, the LMS's redirect URI with ID tokens, the
    /// permissions, admin consent and a client secret; prints what to paste into the LMS and saves
    /// a Rollcall profile for it (--tenant, or --demo; --client-id is not needed).
    Create {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// The LMS portal's domain (lms.example.edu).
        #[arg(long)]
        domain: String,
        /// "Receive webinar participant information from Teams": the attendance permissions too.
        #[arg(long)]
        participant_info: bool,
        /// The registration's (and the profile's) name.
        #[arg(long, default_value = "LMS Teams integration")]
        name: String,
        /// The client secret's lifetime in months.
        #[arg(long, default_value_t = 6)]
        months: u32,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Every change Rollcall made in a tenant: when, who, what, Graph's request-id.
    Changes {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Take back change N of the list (an additive one).
        #[arg(long)]
        undo: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `rollcall secret …`.
#[derive(clap::Subcommand)]
pub enum SecretAction {
    /// Add a new client secret (the old one keeps working), prove it, keep it in the keychain for
    /// this connection and show its value once for the LMS.
    Renew {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Its lifetime in months (1–24; the tenant's app management policy may allow less).
        #[arg(long, default_value_t = 6)]
        months: u32,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Remove the secret the last renewal replaced, once the LMS runs on the new one.
    Retire {
        #[command(flatten)]
        conn: ConnectionArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run_setup(action: SetupAction) -> std::process::ExitCode {
    match action {
        SetupAction::Create {
            conn,
            admin,
            domain,
            participant_info,
            name,
            months,
            yes,
        } => create(&conn, &admin, &domain, participant_info, &name, months, yes).await,
        SetupAction::Fix {
            conn,
            admin,
            steps,
            dry_run,
            yes,
            json,
        } => fix(&conn, &admin, steps, dry_run, yes, json).await,
        SetupAction::Changes {
            conn,
            admin,
            undo,
            json,
        } => changes(&conn, &admin, undo, json).await,
    }
}

pub async fn run_secret(action: SecretAction) -> std::process::ExitCode {
    match action {
        SecretAction::Renew {
            conn,
            admin,
            months,
            yes,
        } => renew(&conn, &admin, months, yes).await,
        SecretAction::Retire { conn, admin, yes } => retire(&conn, &admin, yes).await,
    }
}

/// `rollcall setup create`.
async fn create(
    args: &ConnectionArgs,
    admin: &AdminArgs,
    domain: &str,
    participant_info: bool,
    name: &str,
    months: u32,
    yes: bool,
) -> std::process::ExitCode {
    use rollcall_core::repair::create::{self, NewRegistration};
    use rollcall_core::tenant::profile::Profiles;
    let result = async {
        let mode = args.auth_mode();
        // Only the tenant and cloud matter: the registration does not exist yet.
        let (conn, _emulator) = if args.demo {
            args.resolve().await?
        } else {
            let Some(tenant) = args.tenant.clone() else {
                return Err(CoreError::new(ErrorCode::InvalidInput, "Which tenant? Pass --tenant (its ID or domain), or --demo.", None));
            };
            let endpoints = rollcall_graph::Endpoints { authority: args.authority.clone(), graph: args.graph.clone() };
            (create::tenant_connection(endpoints, &tenant)?, None)
        };
        let redirect = create::portal_redirect(domain)?;
        say!("A new app registration \"{name}\" in tenant {}:", conn.tenant);
        say!("  account types: any organization's accounts and personal Microsoft accounts");
        say!("  redirect URI (Web, ID and access tokens): {redirect}");
        let perms = rollcall_core::tenant::permissions::required(mode, participant_info);
        say!("  {} permissions with admin consent: {}", if mode == AuthMode::Delegated { "delegated" } else { "application" }, perms.join(", "));
        say!("  a client secret of {months} months");
        if !confirm("Create it?", yes)? {
            say!("Nothing was changed.");
            return Ok(());
        }
        let session = sign_in(&conn, admin, &create::create_scopes(mode)).await?;
        let spec = NewRegistration { name: name.to_string(), domain: domain.to_string(), mode, participant_info, months };
        let made = create::create(&conn, &session, &spec, &log()?).await?;
        for m in &made.made {
            say!("✔ {} (request-id {})", m.title, m.request_id.as_deref().unwrap_or("-"));
        }
        let mut profile_name = None;
        if !args.demo {
            let p = create::profile_for(&spec, &made, &conn.tenant, &conn.endpoints, args.hosts.clone());
            ConnectionArgs::secret_store().set_bound(&p.id, SecretKind::ClientSecret, &p.binding(), &made.secret)?;
            Profiles::in_dir(&data_dir()?).upsert(p)?;
            profile_name = Some(name.to_string());
        }
        say!("Paste into the LMS (Integrations → Microsoft Teams):");
        for v in &made.handoff {
            say!("  {}: {}", v.label, v.value);
        }
        say!("Client secret (shown once; expires {}):", made.secret_expires);
        println!("{}", made.secret.expose());
        if let Some(n) = profile_name {
            say!("Saved as the Rollcall profile \"{n}\" (the secret is in the keychain): rollcall check --profile \"{n}\"");
        }
        Ok(())
    }
    .await;
    exit(result)
}
