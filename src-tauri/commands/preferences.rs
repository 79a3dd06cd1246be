//! Settings → Appearance and the defaults: the preferences file (`preferences.json` in the data
//! folder), written through `tauri-plugin-store` and read by core (the CLI reads it too). The window
//! has no store permission of its own: these two commands are the only way to the one file.

use rollcall_core::support::preferences::{self, Preferences};
use rollcall_core::{CoreError, ErrorCode};
use tauri::State;
use tauri_plugin_store::StoreExt;

use crate::error::IpcError;
use crate::state::AppState;

/// The saved preferences (defaults for what is missing or out of range).
#[tauri::command]
#[specta::specta]
pub async fn preferences_get(state: State<'_, AppState>) -> Result<Preferences, IpcError> {
    Ok(Preferences::read(&state.data_dir))
}

/// Replace the preferences; a value out of range is refused and nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn preferences_set(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    preferences: Preferences,
) -> Result<Preferences, IpcError> {
    let _span = tracing::info_span!("preferences_set").entered();
    preferences.validate()?;
    let failed = |e: String| {
        CoreError::new(
            ErrorCode::Internal,
            format!("Could not save the preferences: {e}"),
            Some("Check that the data folder (Settings → Support) is writable.".into()),
        )
    };
    let store = app
        .store(preferences::path_in(&state.data_dir))
        .map_err(|e| failed(e.to_string()))?;
    let value = serde_json::to_value(&preferences).map_err(|e| failed(e.to_string()))?;
    store.clear();
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            store.set(k, v);
        }
    }
    store.save().map_err(|e| failed(e.to_string()))?;
    Ok(preferences)
}
