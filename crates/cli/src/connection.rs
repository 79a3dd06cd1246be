//! Connection flags shared by the commands that talk to a tenant.

use rollcall_core::connection::Connection;
use rollcall_graph::{Endpoints, Secret};

#[derive(clap::Args, Debug)]
pub struct ConnectionArgs {
    /// Use the built-in demo tenant (starts the emulator in-process).
    #[arg(long, conflicts_with_all = ["tenant", "client_id"])]
    pub demo: bool,
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
    /// Environment variable holding the client secret (never pass a secret as an argument).
    #[arg(long, default_value = "ROLLCALL_CLIENT_SECRET")]
    pub client_secret_env: String,
    /// Host e-mail (repeatable).
    #[arg(long = "host")]
    pub hosts: Vec<String>,
}

impl ConnectionArgs {
    /// Resolve to a connection; `--demo` starts the emulator and keeps it alive in the returned guard.
    pub async fn resolve(self) -> Result<(Connection, Option<rollcall_emulator::Running>), String> {
        if self.demo {
            let running =
                rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default())
                    .await
                    .map_err(|e| e.to_string())?;
            let info = running.info.clone();
            let conn = Connection {
                endpoints: Endpoints {
                    authority: info.authority,
                    graph: info.graph,
                },
                tenant: info.tenant_id,
                client_id: info.client_id,
                client_secret: Secret::new(info.client_secret),
                hosts: if self.hosts.is_empty() {
                    info.hosts
                } else {
                    self.hosts
                },
                demo: true,
            };
            return Ok((conn, Some(running)));
        }
        let tenant = self.tenant.ok_or("--tenant is required (or --demo)")?;
        let client_id = self
            .client_id
            .ok_or("--client-id is required (or --demo)")?;
        let secret = std::env::var(&self.client_secret_env).map_err(|_| {
            format!(
                "set the client secret in the environment variable {}",
                self.client_secret_env
            )
        })?;
        Ok((
            Connection {
                endpoints: Endpoints {
                    authority: self.authority,
                    graph: self.graph,
                },
                tenant,
                client_id,
                client_secret: Secret::new(secret),
                hosts: self.hosts,
                demo: false,
            },
            None,
        ))
    }
}
