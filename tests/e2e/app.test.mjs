// End to end: the real desktop app (WebKitGTK window) driven through W3C WebDriver by tauri-driver,
// on the demo tenant. Run by `npm test` under Xvfb; ROLLCALL_APP points at the built binary.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-e2e-demo-"));
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data } });
});

after(async () => {
  await s?.close();
});

test("the app opens on the demo tenant and checks the set-up against the emulator", async () => {
  const badge = await waitFor(() => s.text('[data-testid="demo-badge"]'), "the DEMO badge");
  assert.equal(badge, "DEMO");
  const title = await s.title();
  assert.match(title, /DEMO/);
  // Facts only the emulator's demo tenant holds: a host without Teams, one outside the access policy,
  // a secret that expires in 10 days.
  await waitFor(async () => (await s.wd("GET", `/session/${s.id}/element/${await s.find('[data-testid="step-hosts"]')}/attribute/data-status`)) === "failed", "the hosts step");
  const hosts = await s.text('[data-testid="step-hosts"]');
  assert.match(hosts, /Diego Siciliani/);
  assert.match(hosts, /Microsoft Teams service is turned off/);
  const policy = await s.waitText('[data-testid="step-accessPolicy"]', /Not covered: lidia\.holloway@northwind\.example/, "the access policy step");
  assert.match(policy, /New-CsApplicationAccessPolicy/);
  assert.match(await s.text('[data-testid="step-secret"]'), /10 days left/);
  await s.waitText('[data-testid="setup-counts"]', /^5 passed · 2 failed · 2 warnings$/, "every check answered");
  if (process.env.ROLLCALL_DOCS_SHOTS) {
    mkdirSync(process.env.ROLLCALL_DOCS_SHOTS, { recursive: true });
    writeFileSync(join(process.env.ROLLCALL_DOCS_SHOTS, "setup-demo-top.png"), await s.screenshot());
    await s.wd("POST", `/session/${s.id}/execute/sync`, { script: "document.querySelector('[data-testid=step-accessPolicy]').scrollIntoView()", args: [] });
    writeFileSync(join(process.env.ROLLCALL_DOCS_SHOTS, "setup-failures.png"), await s.screenshot());
  }
});

test("navigation reaches Calendar, Attendance and Settings", async () => {
  await s.click('[data-page="calendar"]');
  assert.equal(await waitFor(() => s.text("main h1"), "the calendar heading"), "Calendar");
  await waitFor(() => s.find('[data-testid="event"]'), "webinars in the calendar");

  await s.click('[data-page="attendance"]');
  assert.equal(await waitFor(() => s.text("main h1"), "attendance heading"), "Attendance");

  await s.click('[data-page="settings"]');
  const settings = await waitFor(() => s.text("main"), "settings");
  assert.match(settings, /Demo tenant/);

  await s.click('[data-page="setup"]');
  assert.equal(await waitFor(() => s.text("main h1"), "the setup heading"), "Setup");
});
