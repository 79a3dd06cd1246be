//! Tauri's build step. The app's own commands are declared in an app manifest, so each is a named
//! permission (`allow-<command>`) and the window's capability lists exactly the ones it may call
//! (`src-tauri/capabilities/default.json`); a command not listed there cannot be invoked.
//! `tests/security.test.mjs` checks that this list, the capability and the IPC bindings agree.

const COMMANDS: &[&str] = &[
    "app_status",
    "tenant_summary",
    "demo_start",
    "diagnostics",
    "ui_ready",
    "profiles_list",
    "profile_validate",
    "profile_save",
    "profile_delete",
    "profile_activate",
    "connection_test",
    "sign_in_start",
    "sign_in_wait",
    "sign_in_cancel",
    "sign_out",
    "setup_plan",
    "setup_check",
    "setup_report_save",
    "webinars_list",
    "webinars_archived",
    "webinar_validate",
    "webinar_create",
    "webinar_update",
    "webinar_cancel",
    "webinar_details",
    "webinar_join",
    "attendance_get",
    "attendance_archived",
    "attendance_import",
    "attendance_import_again",
    "attendance_import_dropped",
    "files_drop_wait",
    "attendance_export",
    "attendance_export_range",
    "attendance_pictures",
    "attendance_overview",
    "attendance_report",
    "attendance_report_range",
    "ledger_get",
    "ledger_export",
    "sync_history",
    "sync_run",
    "late_credits",
    "late_links",
    "late_export",
    "schedule_get",
    "schedule_install",
    "schedule_remove",
    "notices_recent",
    "event_create",
    "event_transition",
    "roster_match",
    "roster_remember",
    "sync_start",
    "sync_status",
    "sync_cancel",
    "preferences_get",
    "preferences_set",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e}"));
}
