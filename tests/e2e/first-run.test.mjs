// End to end: the first run of a fresh install (no profiles), keyboard navigation, axe-core on every
// page in light and dark, 150 % zoom, the daily log and "Copy diagnostics". Screenshots for docs/
// when ROLLCALL_DOCS_SHOTS names a folder.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

const CTRL = "\uE009";
let s;
let data;

before(async () => {
  data = mkdtempSync(join(tmpdir(), "rollcall-e2e-first-"));
  s = await openApp({ env: { ROLLCALL_DATA_DIR: data } });
});

after(async () => {
  await s?.close();
});

const heading = () => s.text("main h1");
/** The month view, with a cancelled webinar in it (so the contrast check has one to judge). */
async function monthWithCancelled() {
  await s.click(".fc-dayGridMonth-button");
  await waitFor(() => s.find(".fc-daygrid-body"), "the month view");
  await waitFor(() => s.find('.fc-daygrid-body [data-testid="event"][data-cancelled="true"]'), "a cancelled webinar in the month view");
}
const focused = () => s.exec("return document.activeElement ? document.activeElement.textContent : ''");

test("a fresh install opens on the welcome screen, which passes axe-core", async () => {
  await waitFor(() => s.find('[data-testid="welcome"]'), "the welcome screen");
  assert.equal(await heading(), "Welcome to Rollcall");
  assert.equal(await s.text('[data-testid="tenant-line"]'), "Not connected");
  assert.equal(await s.title(), "Rollcall");
  await s.assertAccessible("the welcome screen");
  await s.shot("welcome.png");
});

test("Connect leads into Setup with the connection form; Explore starts the demo tenant", async () => {
  await s.click('[data-testid="connect-tenant"]');
  await waitFor(() => s.find('[data-testid="connect-intro"]'), "the connect intro");
  await waitFor(() => s.find('[data-testid="profile-form"] [name="tenant"]'), "the connection form");
  await s.assertAccessible("Setup with the connection form");
  // Back to the welcome screen from the navigation, then into the demo.
  await s.click('[data-page="welcome"]');
  await s.clickWhenReady('[data-testid="explore-demo"]', "Explore the demo tenant");
  assert.equal(await s.waitText('[data-testid="demo-badge"]', /DEMO/, "the DEMO badge"), "DEMO");
  await s.waitText('[data-testid="setup-counts"]', /^5 passed · 2 failed · 2 warnings$/, "the checklist on the demo tenant");
  assert.match(await s.text('[data-testid="page-context"]'), /^DEMO · Demo tenant · .* · Application-level · participant information on$/);
  assert.match(await s.title(), /^Rollcall — DEMO · Demo tenant/);
  await s.assertAccessible("Setup");
});

test("Ctrl+1…4 reach every page and focus its heading; each page passes axe-core", async () => {
  await s.press("2", CTRL);
  await waitFor(async () => (await heading()) === "Calendar", "Ctrl+2 → Calendar");
  assert.equal(await focused(), "Calendar", "the heading has the focus");
  await waitFor(() => s.find('[data-testid="event"]'), "webinars in the calendar");
  await waitFor(async () => !(await s.text("main")).includes("Loading webinars"), "the calendar to settle");
  await s.assertAccessible("Calendar (week)");
  await s.shot("calendar-light.png");
  // A cancelled webinar in the visible month on purpose (tomorrow, the dialog's default; the month
  // view always shows tomorrow): its struck-through text must stay readable.
  const { event } = await s.createWebinar("Cancelled for the contrast check");
  await s.cancelWebinar(event, "Contrast check");
  await monthWithCancelled();
  await s.assertAccessible("Calendar (month, a cancelled webinar)");
  await s.shot("calendar-month-cancelled.png");
  await s.click(".fc-listMonth-button");
  await waitFor(() => s.find(".fc-list-table, .fc-list-empty"), "the agenda");
  await s.assertAccessible("Calendar (agenda)");

  await s.press("3", CTRL);
  await waitFor(async () => (await heading()) === "Attendance", "Ctrl+3 → Attendance");
  const series = '[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]';
  await s.clickWhenReady(series, "the series");
  await s.waitText('[data-testid="attendee-count"]', /^\d+ attendees$/, "the session view");
  await s.assertAccessible("Attendance (session)");
  await s.clickWhenReady('[data-testid="series-tab"]', "All sessions");
  await waitFor(() => s.find(`[data-testid="chart-series"]`), "the series view");
  await s.assertAccessible("Attendance (series)");

  await s.press("4", CTRL);
  await waitFor(async () => (await heading()) === "Settings", "Ctrl+4 → Settings");
  await s.assertAccessible("Settings");
  await s.press("1", CTRL);
  await waitFor(async () => (await heading()) === "Setup", "Ctrl+1 → Setup");
});

test("dark theme: every page still passes axe-core (contrast included)", async () => {
  await s.press("4", CTRL);
  await s.clickWhenReady('[data-testid="theme-dark"]', "the dark theme");
  assert.equal(await s.exec("return document.documentElement.dataset.theme"), "dark");
  // Kept in the data folder's preferences file (which the CLI reads too), not in the webview.
  await waitFor(() => existsSync(join(data, "preferences.json")) && JSON.parse(readFileSync(join(data, "preferences.json"), "utf8")).theme === "dark", "the theme in preferences.json");
  assert.equal(await s.exec("return window.localStorage.length"), 0, "nothing in the webview's storage");
  await s.assertAccessible("Settings (dark)");
  await s.press("2", CTRL);
  await waitFor(() => s.find('[data-testid="event"]'), "webinars in the calendar");
  await waitFor(async () => !(await s.text("main")).includes("Loading webinars"), "the calendar to settle");
  await s.assertAccessible("Calendar (dark)");
  await s.shot("calendar-dark.png");
  await monthWithCancelled();
  await s.assertAccessible("Calendar (month, a cancelled webinar, dark)");
  await s.shot("calendar-month-cancelled-dark.png");
  await s.press("3", CTRL);
  await s.clickWhenReady('[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]', "the series");
  await s.waitText('[data-testid="attendee-count"]', /^\d+ attendees$/, "the session view");
  await s.assertAccessible("Attendance (dark)");
  await s.press("1", CTRL);
  await waitFor(() => s.find('[data-testid="setup-counts"]'), "the checklist");
  await s.assertAccessible("Setup (dark)");
  // Back to following the system for the next test.
  await s.press("4", CTRL);
  await s.clickWhenReady('[data-testid="theme-system"]', "follow the system");
  await waitFor(() => JSON.parse(readFileSync(join(data, "preferences.json"), "utf8")).theme === undefined, "no theme kept: follow the system");
});

test("at 150 % zoom no page scrolls sideways", async () => {
  await s.press("4", CTRL);
  await s.clickWhenReady('[data-testid="zoom-select"] option[value="1.5"]', "150 %");
  const overflow = () =>
    s.exec(`const m = document.querySelector("main");
      return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, main: m.scrollWidth - m.clientWidth, width: window.innerWidth };`);
  // The zoom applies through the webview: the CSS viewport shrinks as with OS scaling.
  await waitFor(async () => (await overflow()).width < 1000, "the zoom to apply");
  for (const [key, name] of [["1", "Setup"], ["2", "Calendar"], ["3", "Attendance"], ["4", "Settings"]]) {
    await s.press(key, CTRL);
    await waitFor(async () => (await heading()) === name, name);
    await new Promise((r) => setTimeout(r, 400));
    const o = await overflow();
    assert.ok(o.page <= 0 && o.main <= 1, `${name} at 150 % scrolls sideways: ${JSON.stringify(o)}`);
    if (name === "Calendar") await s.shot("calendar-150.png");
  }
  await s.press("4", CTRL);
  await s.clickWhenReady('[data-testid="zoom-select"] option[value="1"]', "100 %");
});

test("the log file of the day exists, and Copy diagnostics gives versions and no secret", async () => {
  const logs = readdirSync(join(data, "logs"));
  assert.equal(logs.length, 1, `one log file: ${logs}`);
  assert.match(logs[0], /^rollcall\.\d{4}-\d{2}-\d{2}\.log$/);
  const text = readFileSync(join(data, "logs", logs[0]), "utf8");
  assert.match(text, /interactive after \d+ ms/);
  assert.match(text, /demo tenant started/);
  assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\./, "no token in the log");
  await s.press("4", CTRL);
  await s.clickWhenReady('[data-testid="copy-diagnostics"]', "Copy diagnostics");
  const diag = await waitFor(() => s.exec("const t = document.querySelector('[data-testid=diagnostics-text]'); return t && t.value"), "the diagnostics");
  assert.match(diag, /^Rollcall diagnostics/);
  assert.match(diag, /Version: \d+\.\d+\.\d+/);
  assert.match(diag, /Runtime: Tauri 2\.\d+\.\d+, WebView \d/);
  assert.match(diag, /OS: linux/);
  assert.match(diag, /Profile: demo tenant/);
  assert.match(diag, new RegExp(`Data folder: ${data.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}`));
  assert.doesNotMatch(diag, /eyJ|client_secret|Q~/);
});
