//! Connection flags shared by the commands that talk to a tenant: `--demo`, a saved `--profile`, or
//! the flags themselves. Secrets never come from arguments (they would show in `ps` and shell
//! history): the client secret comes from `ROLLCALL_CLIENT_SECRET` or the keychain.

use std::sync::Arc;

use rollcall_core::tenant::connection::Connection;
use rollcall_core::tenant::profile::{data_dir, AuthMode, Cloud, Profile, Profiles};
use rollcall_core::tenant::secrets::{KeyringSecrets, SecretKind, SecretStore};
use rollcall_core::{CoreError, ErrorCode};
use rollcall_graph::Secret;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Mode {
    Application,
    Delegated,
}

#[derive(clap::Args, Debug)]
pub struct ConnectionArgs {
    /// Use the built-in demo tenant (starts the emulator in-process).
    #[arg(long, conflicts_with_all = ["tenant", "client_id", "profile"])]
    pub demo: bool,
    /// A profile saved in the app (Settings → Connections), by name. Default: the active profile.
    #[arg(long, conflicts_with_all = ["tenant", "client_id"])]
    pub profile: Option<String>,
    /// Identity platform host.
    #[arg(long, default_value = "https://login.microsoftonline.com")]
    pub authority: String,
    /// Graph base URL.
    #[arg(long, default_value = "https://graph.microsoft.com/v1.0")]
    pub graph: String,
    /// Directory (tenant) ID or verified domain.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Application (client) ID.
    #[arg(long)]
    pub client_id: Option<String>,
    /// How to sign in: as the application (client secret) or as a user (browser sign-in).
    #[arg(long, value_enum, default_value = "application")]
    pub mode: Mode,
    /// Environment variable holding the client secret; it overrides a profile's saved secret.
    #[arg(long, default_value = "ROLLCALL_CLIENT_SECRET")]
    pub client_secret_env: String,
    /// Host e-mail (repeatable); replaces the profile's hosts.
    #[arg(long = "host")]
    pub hosts: Vec<String>,
    /// Read Teams webinars (virtual events) too, as the profile's "Teams webinars" switch does
    /// (on for --demo). Needs VirtualEvent.Read.All (application) or VirtualEvent.ReadWrite.
    #[arg(long)]
    pub teams_webinars: bool,
}

/// What the flags resolve to before connecting.
pub enum Target {
    Demo,
    Profile(Box<Profile>),
}

impl ConnectionArgs {
    fn secrets() -> Arc<dyn SecretStore> {
        Arc::new(KeyringSecrets::default())
    }

    /// The `--mode` flag as core's mode.
    pub fn auth_mode(&self) -> AuthMode {
        match self.mode {
            Mode::Application => AuthMode::Application,
            Mode::Delegated => AuthMode::Delegated,
        }
    }

    pub fn profiles() -> Result<Profiles, CoreError> {
        Ok(Profiles::in_dir(&data_dir()?))
    }

    /// The profile these flags describe (saved, active, or built from `--tenant`/`--client-id`).
    pub fn target(&self) -> Result<Target, CoreError> {
        if self.demo {
            return Ok(Target::Demo);
        }
        let mut p = match (&self.profile, &self.tenant, &self.client_id) {
            (Some(name), _, _) => Self::profiles()?.find(name)?,
            (None, Some(tenant), Some(client_id)) => {
                let mode = match self.mode {
                    Mode::Application => AuthMode::Application,
                    Mode::Delegated => AuthMode::Delegated,
                };
                Profile {
                    // Flag-built connections keep their refresh token under a key of their own.
                    id: format!("cli-{}-{}", tenant.trim(), client_id.trim()),
                    name: "Command line".into(),
                    cloud: Cloud::Custom,
                    authority: Some(self.authority.clone()),
                    graph: Some(self.graph.clone()),
                    tenant: tenant.trim().into(),
                    client_id: client_id.trim().into(),
                    mode,
                    portal_domain: String::new(),
                    participant_info: true,
                    teams_webinars: self.teams_webinars,
                    lms_window_minutes: None,
                    recheck_hours: None,
                    hosts: Vec::new(),
                    secret_hint: None,
                    secret_expires: None,
                    signed_in_as: None,
                    proxy: None,
                    proxy_user: None,
                    archive: None,
                }
            }
            (None, None, None) => {
                let file = Self::profiles()?.load()?;
                let active = file.active.clone();
                file.profiles
                    .into_iter()
                    .find(|p| Some(&p.id) == active.as_ref())
                    .ok_or_else(|| {
                        CoreError::new(
                            ErrorCode::InvalidInput,
                            "No connection given.",
                            Some(
                                "Pass --demo, --profile NAME, or --tenant and --client-id.".into(),
                            ),
                        )
                    })?
            }
            (None, _, _) => {
                return Err(CoreError::new(
                    ErrorCode::InvalidInput,
                    "--tenant and --client-id go together.",
                    None,
                ))
            }
        };
        if !self.hosts.is_empty() {
            p.hosts = self.hosts.clone();
        }
        let errs = p.validate();
        if let Some(e) = errs.first() {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                e.message.clone(),
                Some(format!("({})", e.field)),
            ));
        }
        Ok(Target::Profile(Box::new(p)))
    }

    /// Resolve to a connection; `--demo` starts the emulator and keeps it alive in the returned guard.
    pub async fn resolve(
        &self,
    ) -> Result<(Connection, Option<rollcall_emulator::Running>), CoreError> {
        match self.target()? {
            Target::Demo => {
                let running = start_demo().await?;
                let mut conn = Connection::demo(json(&running.info))?;
                if !self.hosts.is_empty() {
                    conn.hosts = self.hosts.clone();
                }
                Ok((conn, Some(running)))
            }
            Target::Profile(p) => {
                let env_secret = std::env::var(&self.client_secret_env)
                    .ok()
                    .filter(|s| !s.is_empty());
                let conn = match (p.mode, env_secret) {
                    (AuthMode::Application, Some(secret)) => {
                        let mut c = Connection::application(
                            p.endpoints(),
                            &p.tenant,
                            &p.client_id,
                            Secret::new(secret),
                            p.hosts.clone(),
                        )?;
                        // The environment's secret is the one in use: keep its hint.
                        let hint = c.secret_hint.take();
                        c.apply_profile(&p);
                        c.secret_hint = hint;
                        c
                    }
                    // A secret renewed for these flags (`rollcall secret renew`) is in the
                    // keychain under the pair; otherwise the environment must name one.
                    (AuthMode::Application, None)
                        if p.id.starts_with("cli-")
                            && Self::secrets()
                                .get_bound(&p.id, SecretKind::ClientSecret, &p.binding())
                                .ok()
                                .flatten()
                                .is_some() =>
                    {
                        Connection::from_profile(&p, Self::secrets())?
                    }
                    (AuthMode::Application, None) if p.id.starts_with("cli-") => {
                        return Err(CoreError::new(
                            ErrorCode::InvalidSecret,
                            format!("Set the client secret in the environment variable {}.", self.client_secret_env),
                            Some("Secrets are never passed as arguments. Or save the connection in the app and use --profile.".into()),
                        ))
                    }
                    // Rollcall's own certificate, when the profile has one, needs no keychain:
                    // what lets the nightly job run under cron.
                    (AuthMode::Application, None) => {
                        match rollcall_core::tenant::certificate::load(&data_dir()?, &p.id)? {
                            Some(cert) => Connection::from_profile_with_certificate(&p, Self::secrets(), cert)?,
                            None => Connection::from_profile(&p, Self::secrets())?,
                        }
                    }
                    _ => Connection::from_profile(&p, Self::secrets())?,
                };
                let mut conn = conn;
                conn.teams_webinars |= self.teams_webinars;
                Ok((conn, None))
            }
        }
    }

    pub fn secret_store() -> Arc<dyn SecretStore> {
        Self::secrets()
    }
}

/// Start the demo tenant on an ephemeral 127.0.0.1 port; keep it alive while the command runs.
async fn start_demo() -> Result<rollcall_emulator::Running, CoreError> {
    rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
        .await
        .map_err(|e| CoreError::internal(format!("the demo tenant did not start: {e}")))
}

/// The emulator's JSON line, which is what core's demo connection reads.
fn json(info: &rollcall_emulator::Info) -> serde_json::Value {
    serde_json::to_value(info).unwrap_or_default()
}
