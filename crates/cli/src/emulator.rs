//! `rollcall emulator`: serve the demo tenant (identity platform + Graph) until killed, after
//! printing its one JSON line (`authority`, `graph`, `tenantId`, `clientId`, `clientSecret`, …).

use crate::term::{say, tell};

/// Start the emulator on `listen` and serve until Ctrl+C.
pub async fn serve(
    listen: &str,
    seed: u64,
    scenarios: Vec<String>,
    latency_ms: u64,
    public_url: Option<String>,
) -> std::process::ExitCode {
    let config = rollcall_emulator::Config {
        seed,
        scenarios,
        faults: rollcall_emulator::Faults {
            latency_ms,
            ..Default::default()
        },
        now: None,
        public_url,
        ..Default::default()
    };
    let running = match rollcall_emulator::start(listen, config).await {
        Ok(r) => r,
        Err(e) => {
            tell!("rollcall emulator: {e}");
            return std::process::ExitCode::from(64);
        }
    };
    match serde_json::to_string(&running.info) {
        Ok(line) => say!("{line}"),
        Err(e) => tell!("rollcall emulator: {e}"),
    }
    if !running.addr.ip().is_loopback() {
        tell!(
            "rollcall emulator: warning: listening on {}, so every computer that can reach this one can use the demo tenant and its client secret (printed above). Use --listen 127.0.0.1:0 unless you mean to share it.",
            running.addr
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    running.stop().await;
    std::process::ExitCode::SUCCESS
}
