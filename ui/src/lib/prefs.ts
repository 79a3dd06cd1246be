// The user's preferences (theme, zoom, display zone, default completion threshold, last export
// folder): one file in the data folder, read and written by the backend (`preferences.json`, which
// the CLI reads too). The window keeps a snapshot, loaded once before the first paint, so reads are
// synchronous; each change is saved at once.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { backend, type Preferences } from "../ipc";

export type Theme = "system" | "light" | "dark";
export const zoomLevels = [1, 1.25, 1.5, 1.75] as const;

let snapshot: Preferences = {};

/** Load the saved preferences (defaults when the backend cannot answer). */
export async function loadPrefs(): Promise<void> {
  try {
    snapshot = await backend().preferencesGet();
  } catch {
    snapshot = {};
  }
}

export function prefs(): Preferences {
  return snapshot;
}

/** Change some preferences and save them; the snapshot follows what the backend kept. */
export async function updatePrefs(change: Partial<Preferences>): Promise<void> {
  snapshot = { ...snapshot, ...change };
  try {
    snapshot = await backend().preferencesSet(snapshot);
  } catch (e) {
    console.error("preferences not saved", e);
  }
}

export function theme(): Theme {
  const v = snapshot.theme;
  return v === "light" || v === "dark" ? v : "system";
}

export function zoom(): number {
  const v = snapshot.zoom ?? 1;
  return (zoomLevels as readonly number[]).includes(v) ? v : 1;
}

/** The default completion threshold in percent (80 unless chosen in Settings). */
export function thresholdPercent(): number {
  return Math.round((snapshot.threshold ?? 0.8) * 100);
}

export async function setThresholdPercent(p: number): Promise<void> {
  await updatePrefs({ threshold: p / 100 });
}

/** Apply the theme: `data-theme` overrides the OS preference; absent, CSS follows the OS. */
export function applyTheme(t: Theme = theme()): void {
  if (t === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  // Native parts (a dropdown's open list is the OS's menu) follow the window's theme, not CSS.
  if ("__TAURI_INTERNALS__" in window) {
    getCurrentWindow()
      .setTheme(t === "system" ? null : t)
      .catch(() => {});
  }
}

export async function setTheme(t: Theme): Promise<void> {
  applyTheme(t);
  await updatePrefs({ theme: t === "system" ? null : t });
}

/** Apply the zoom through the webview (layout reflows as with OS scaling). */
export async function applyZoom(z: number = zoom()): Promise<void> {
  if (!("__TAURI_INTERNALS__" in window)) return;
  try {
    await getCurrentWebview().setZoom(z);
  } catch {
    // An old WebView without zoom keeps 100 %; the OS scaling still applies.
  }
}

export async function setZoom(z: number): Promise<void> {
  await applyZoom(z);
  await updatePrefs({ zoom: z });
}
