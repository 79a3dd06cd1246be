import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, applyZoom } from "./lib/prefs";
import "./lib/theme.css";

// Before the first paint, so a dark-theme user never sees a white flash.
applyTheme();
void applyZoom();

const target = document.getElementById("app");
if (!target) throw new Error("missing #app");
export default mount(App, { target });
