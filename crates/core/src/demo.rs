//! The demo tenant: the emulator started in-process, and a connection to it as the LMS app.

use rollcall_graph::{Endpoints, Secret};

use crate::connection::Connection;
use crate::error::CoreError;

/// Start the emulator on an ephemeral 127.0.0.1 port; keep the returned `Running` alive as long as
/// the connection is used.
pub async fn start(
    config: rollcall_emulator::Config,
) -> Result<(Connection, rollcall_emulator::Running), CoreError> {
    let running = rollcall_emulator::start("127.0.0.1:0", config)
        .await
        .map_err(|e| CoreError::internal(format!("the demo tenant did not start: {e}")))?;
    let info = &running.info;
    let mut conn = Connection::application(
        Endpoints {
            authority: info.authority.clone(),
            graph: info.graph.clone(),
        },
        &info.tenant_id,
        &info.client_id,
        Secret::new(info.client_secret.clone()),
        info.hosts.clone(),
    )?;
    conn.demo = true;
    conn.profile = "Demo tenant".into();
    conn.portal_redirect_uri = Some(info.portal_redirect_uri.clone());
    Ok((conn, running))
}
