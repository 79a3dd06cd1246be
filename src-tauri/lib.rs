//! The desktop shell: builder, managed state and commands. No domain logic lives here.

pub mod commands;
mod drops;
pub mod error;
mod files;
mod platform;
pub mod state;
mod watch;

use tauri::Manager;

/// The typed IPC surface; `tests/bindings.rs` writes it to `ui/src/ipc/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        commands::tenant::app_status,
        commands::tenant::tenant_summary,
        commands::tenant::demo_start,
        commands::tenant::diagnostics,
        commands::tenant::ui_ready,
        commands::connections::profiles_list,
        commands::connections::profile_validate,
        commands::connections::profile_save,
        commands::connections::profile_delete,
        commands::connections::profile_activate,
        commands::connections::connection_test,
        commands::connections::sign_in_start,
        commands::connections::sign_in_wait,
        commands::connections::sign_in_cancel,
        commands::connections::sign_out,
        commands::setup::setup_plan,
        commands::setup::setup_check,
        commands::setup::setup_report_save,
        commands::repair::admin_sign_in_start,
        commands::repair::admin_sign_in_wait,
        commands::repair::admin_sign_out,
        commands::repair::fix_plan,
        commands::repair::fix_apply,
        commands::repair::secret_renew,
        commands::repair::secret_retire,
        commands::repair::changes_list,
        commands::repair::change_undo,
        commands::repair::registration_sign_in_start,
        commands::repair::registration_create,
        commands::webinars::webinars_list,
        commands::webinars::webinars_archived,
        commands::webinars::webinar_validate,
        commands::webinars::webinar_create,
        commands::webinars::webinar_update,
        commands::webinars::webinar_cancel,
        commands::webinars::webinar_details,
        commands::webinars::webinar_join,
        commands::attendance::attendance_get,
        commands::attendance::attendance_archived,
        commands::attendance::attendance_import,
        commands::attendance::attendance_import_again,
        commands::attendance::attendance_import_dropped,
        commands::attendance::files_drop_wait,
        commands::attendance::attendance_export,
        commands::attendance::attendance_export_range,
        commands::attendance::attendance_pictures,
        commands::attendance::attendance_overview,
        commands::attendance::attendance_report,
        commands::attendance::attendance_report_range,
        commands::attendance::ledger_get,
        commands::attendance::ledger_export,
        commands::history::sync_history,
        commands::archive::archive_info,
        commands::archive::archive_use_shared,
        commands::archive::archive_use_file,
        commands::history::sync_run,
        commands::history::late_credits,
        commands::history::late_links,
        commands::history::late_export,
        commands::history::schedule_get,
        commands::history::schedule_install,
        commands::history::schedule_remove,
        commands::history::notices_recent,
        commands::webinars::event_create,
        commands::webinars::event_transition,
        commands::attendance::roster_match,
        commands::attendance::roster_remember,
        commands::attendance::sync_start,
        commands::attendance::sync_status,
        commands::attendance::sync_cancel,
        commands::preferences::preferences_get,
        commands::preferences::preferences_set
    ])
}

/// When the process started (for the start-up time in the log).
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Start the demo tenant in-process (once per run) and make it the active connection.
async fn start_demo(state: &state::AppState) -> Result<(), rollcall_core::CoreError> {
    let _one_at_a_time = state.demo_starting.lock().await;
    let running = state
        .emulator
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some();
    if running {
        state
            .hub
            .connections
            .activate(rollcall_core::hub::DEMO_ID)?;
        return Ok(());
    }
    #[allow(unused_mut)]
    let mut config = rollcall_emulator::Config::default();
    // Test seam (benchmarks): the demo tenant with named scenarios, e.g. a 20,000-attendee session.
    #[cfg(feature = "test-seams")]
    if let Ok(names) = std::env::var("ROLLCALL_TEST_DEMO_SCENARIOS") {
        config.scenarios = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
    }
    let running = rollcall_emulator::start("127.0.0.1:0", config)
        .await
        .map_err(|e| {
            rollcall_core::CoreError::internal(format!("the demo tenant did not start: {e}"))
        })?;
    let line = serde_json::to_value(&running.info)
        .map_err(|e| rollcall_core::CoreError::internal(e.to_string()))?;
    let conn = rollcall_core::tenant::Connection::demo(line)?;
    state.hub.connections.set_demo(conn);
    *state.emulator.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
    tracing::info!("demo tenant started");
    Ok(())
}

/// Logs go to stderr and to one redacted file per day in the log folder. A log folder that cannot
/// be created costs the file, not the app.
fn init_logging(log_dir: &std::path::Path) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
            .unwrap_or_else(|_| "info".into())
    };
    let (file, problem) = match rollcall_core::support::logging::daily_appender(log_dir) {
        Ok(a) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(rollcall_core::support::logging::DailyLog(a))
                    .with_filter(filter()),
            ),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(rollcall_core::support::logging::RedactedStderr)
        .with_filter(filter());
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    if let Some(e) = problem {
        tracing::warn!("no log file: {}", e.message);
    }
}

pub fn run() {
    let _ = STARTED.set(std::time::Instant::now());
    platform::prepare();
    let demo = std::env::args().any(|a| a == "--demo")
        || std::env::var("ROLLCALL_DEMO").is_ok_and(|v| v == "1");
    let builder = specta_builder();
    let app_state = match state::AppState::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Rollcall could not start: {}", e.user_message());
            std::process::exit(1);
        }
    };
    init_logging(&app_state.log_dir);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        "Rollcall starting"
    );
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .manage(app_state)
        .invoke_handler(builder.invoke_handler())
        .on_window_event(|window, event| {
            window
                .state::<state::AppState>()
                .drops
                .on_window_event(event);
        })
        .setup(move |app| {
            builder.mount_events(app);
            watch::start(app.handle().clone());
            #[cfg(feature = "test-seams")]
            drops::start_seam(app.handle().clone());
            if demo {
                let state = app.state::<state::AppState>();
                tauri::async_runtime::block_on(start_demo(&state))?;
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.set_title(&state.status().window_title());
                }
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|_, event| {
            if let tauri::RunEvent::Exit = event {
                rollcall_core::archive::location::close_all();
            }
        }),
        Err(e) => {
            eprintln!("Rollcall could not start: {e}");
            std::process::exit(1);
        }
    }
}
