// Appearance preferences kept in this window's storage: theme (follow the OS, light, dark) and zoom
// (on top of the OS display scaling, for people who want everything larger).
import { getCurrentWebview } from "@tauri-apps/api/webview";

export type Theme = "system" | "light" | "dark";
export const zoomLevels = [1, 1.25, 1.5, 1.75] as const;

const THEME = "rollcall.theme";
const ZOOM = "rollcall.zoom";

export function theme(): Theme {
  const v = localStorage.getItem(THEME);
  return v === "light" || v === "dark" ? v : "system";
}

export function zoom(): number {
  const v = Number(localStorage.getItem(ZOOM));
  return (zoomLevels as readonly number[]).includes(v) ? v : 1;
}

/** Apply the theme: `data-theme` overrides the OS preference; absent, CSS follows the OS. */
export function applyTheme(t: Theme = theme()): void {
  if (t === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

export function setTheme(t: Theme): void {
  if (t === "system") localStorage.removeItem(THEME);
  else localStorage.setItem(THEME, t);
  applyTheme(t);
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
  localStorage.setItem(ZOOM, String(z));
  await applyZoom(z);
}
