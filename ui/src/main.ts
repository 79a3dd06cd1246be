import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, applyZoom, loadPrefs } from "./lib/prefs";
import "./lib/theme.css";

// The preferences before the first paint, so a dark-theme user never sees a white flash.
await loadPrefs();
applyTheme();
void applyZoom();

const target = document.getElementById("app");
if (!target) throw new Error("missing #app");
export default mount(App, { target });
