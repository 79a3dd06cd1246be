//! The desktop shell: builder, managed state and commands. No domain logic lives here.

pub mod commands;
pub mod error;
pub mod state;

use rollcall_core::connection::Connection;
use rollcall_graph::{Endpoints, Secret};
use tauri::Manager;

/// The typed IPC surface; `tests/bindings.rs` writes it to `ui/src/ipc/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        commands::tenant::app_status,
        commands::tenant::tenant_summary
    ])
}

/// Start the demo tenant in-process and connect to it.
async fn start_demo(state: &state::AppState) -> Result<(), rollcall_emulator::Error> {
    let running =
        rollcall_emulator::start("127.0.0.1:0", rollcall_emulator::Config::default()).await?;
    let info = running.info.clone();
    state.set_connection(Connection {
        endpoints: Endpoints {
            authority: info.authority,
            graph: info.graph,
        },
        tenant: info.tenant_id,
        client_id: info.client_id,
        client_secret: Secret::new(info.client_secret),
        hosts: info.hosts,
        demo: true,
    });
    *state.emulator.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
    Ok(())
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    let demo = std::env::args().any(|a| a == "--demo")
        || std::env::var("ROLLCALL_DEMO").is_ok_and(|v| v == "1");
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .manage(state::AppState::new())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            if demo {
                let state = app.state::<state::AppState>();
                tauri::async_runtime::block_on(start_demo(&state))?;
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.set_title("Rollcall — DEMO tenant (Northwind Academy)");
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Rollcall could not start: {e}");
        std::process::exit(1);
    }
}
