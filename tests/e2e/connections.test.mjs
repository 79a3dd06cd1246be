// End to end: Settings → Connections in the real app against an emulator started by the CLI, in both
// auth modes. The browser sign-in uses the test seam (ROLLCALL_TEST_AUTHORIZE_URL_FILE): the app
// writes the authorize URL to a file instead of opening a browser, and this test plays the browser.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { addProfile, isoDay, openApp, startEmulator, waitFor } from "./webdriver.mjs";

const cli = process.env.ROLLCALL_CLI;
let emulator;
let info;
let s;
let data;
let urlFile;
let saveDir;
const output = [];

before(async () => {
  assert.ok(cli, "ROLLCALL_CLI must point at the built rollcall binary");
  ({ proc: emulator, info } = await startEmulator(cli, ["--scenario", "secret-renewed"]));
  data = mkdtempSync(join(tmpdir(), "rollcall-e2e-conn-"));
  urlFile = join(data, "authorize-url.txt");
  saveDir = mkdtempSync(join(tmpdir(), "rollcall-e2e-conn-save-"));
  s = await openApp({
    env: {
      ROLLCALL_DATA_DIR: data,
      ROLLCALL_TEST_AUTHORIZE_URL_FILE: urlFile,
      ROLLCALL_TEST_SAVE_DIR: saveDir,
      ROLLCALL_KEYRING_SERVICE: `app.rollcall.e2e-${process.pid}`,
      ROLLCALL_LOG: "debug",
    },
    output,
  });
});

after(async () => {
  await s?.close();
  emulator?.kill();
  if (data) rmSync(data, { recursive: true, force: true });
});

test("application-level: a profile with a secret connects, and an expired secret is explained", async () => {
  // The window mounts once the preferences are read: wait for the navigation.
  await s.clickWhenReady('[data-page="settings"]', "the navigation");
  await s.waitText('[data-testid="connections"]', /No connections of your own yet/, "the empty state");
  // Field validation keeps the input and names the field.
  await s.clickWhenReady('[data-testid="add-connection"]', "New connection");
  await s.type('[name="name"]', "Northwind app");
  await s.type('[name="clientId"]', "not-a-guid");
  await s.click('[data-testid="profile-form"] button[type="submit"]');
  await s.waitText('[data-testid="profile-form"]', /is a GUID/, "the client id error");
  await s.click('[data-testid="profile-form"] button[type="button"]:last-child');

  const secretExpires = isoDay(-6);
  await addProfile(s, info, { name: "Northwind app", mode: "application", secret: info.clientSecret, secretExpires });
  const row = await s.waitText('[data-testid="profile-row"]', /Northwind app/, "the saved profile");
  assert.match(row, new RegExp(`Saved: ${info.clientSecret.slice(0, 3).replace(/[~.]/g, "\\$&")}…`));
  assert.ok(!row.includes(info.clientSecret), "the secret is never shown back");
  await s.clickWhenReady('[data-testid="test-connection"]', "the Test connection button");
  const status = await s.waitText('[data-testid="connection-status"]', /Signed in as/, "the status line");
  assert.match(status, /LMS Teams webinars/);
  assert.match(status, /token is valid until/);
  assert.match(await s.waitText('[data-testid="tenant-line"]', /Northwind app/, "the header"), /Northwind app/);
  await s.shot("connections-valid.png");

  // The set-up checklist of a correctly configured tenant: every step passes.
  await s.click('[data-page="setup"]');
  await s.waitText('[data-testid="setup-counts"]', /^8 passed · 0 failed · 0 warnings$/, "an all-green checklist");
  assert.match(await s.text('[data-testid="step-secret"]'), /days left/);
  await s.shot("setup-all-good.png");
  await s.click('[data-page="settings"]');

  await fetch(`${info.admin}/scenarios/expired-secret`, { method: "POST" });
  await s.clickWhenReady('[data-testid="test-connection"]', "the Test connection button");
  const err = await s.waitText('[data-testid="connection-error"]', /expired/, "the expired-secret error");
  // The message names the date the admin entered, in words.
  const entered = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(secretExpires));
  assert.match(err, new RegExp(`expired on ${entered}`));
  assert.match(err, /Certificates & secrets/);
  await s.shot("connections-expired-secret.png");
});

test("user-delegated: sign in through the browser, then the status shows the user", async () => {
  await addProfile(s, info, { name: "Northwind user", mode: "delegated" });
  if (existsSync(urlFile)) rmSync(urlFile);
  await s.clickWhenReady('[data-name="Northwind user"] [data-testid="sign-in"]', "the Sign in button");
  await s.waitText('[data-testid="sign-in-waiting"]', /Waiting for the browser/, "the waiting state");
  const url = await waitFor(() => existsSync(urlFile) && readFileSync(urlFile, "utf8"), "the authorize URL");
  assert.match(url, /code_challenge_method=S256/);
  assert.match(url, /redirect_uri=http%3A%2F%2Flocalhost%3A\d+/);
  const auth = await fetch(`${url}&login_hint=${encodeURIComponent(info.hosts[0])}`, { redirect: "manual" });
  assert.equal(auth.status, 303);
  const page = await fetch(auth.headers.get("location"));
  assert.match(await page.text(), /return to Rollcall/);
  const status = await s.waitText('[data-testid="connection-status"]', /Signed in as/, "the delegated status");
  assert.match(status, new RegExp(info.hosts[0].replace(/\./g, "\\.")));
  const row = await s.waitText('[data-name="Northwind user"]', /Signed in as/, "the row");
  assert.match(row, /Sign out/);

  // Nothing secret in the profiles file or in the app's debug log.
  const file = readFileSync(join(data, "profiles.json"), "utf8");
  assert.ok(file.includes("Northwind user"));
  const log = output.join("");
  for (const [what, value] of [
    ["client secret", info.clientSecret],
    ["authorization code", new URL(auth.headers.get("location")).searchParams.get("code")],
  ]) {
    assert.ok(!file.includes(value), `the ${what} is in profiles.json`);
    assert.ok(!log.includes(value), `the ${what} is in the log`);
  }
  assert.ok(!/eyJ[\w-]+\.eyJ/.test(file + log), "no token (JWT) in the file or the log");
});

test("user-delegated: the calendar, attendance, export and sync work for the signed-in host", async () => {
  // The delegated profile (signed in as the first host above) becomes the active connection.
  await s.click('[data-page="settings"]');
  const use = '[data-name="Northwind user"] [data-testid="use-profile"]';
  if (await s.find(use).then(() => true, () => false)) await s.click(use);
  await s.waitText('[data-testid="tenant-line"]', /Northwind user/, "the delegated connection active");
  const [me, other] = info.hosts;

  // Calendar: the signed-in host's webinars; the other host is explained, not a 403.
  await s.click('[data-page="calendar"]');
  const problem = await s.waitText('[data-testid="host-problem"]', /Signed in as/, "the other host's explanation");
  assert.ok(problem.includes(other), problem);
  assert.match(problem, /application mode/);
  const { event } = await s.createWebinar("Delegated e2e webinar");
  await s.cancelWebinar(event, "Made and cancelled in user sign-in mode");
  await s.shot("calendar-delegated.png");

  // Attendance of one of the signed-in host's ended webinars (the first with a report).
  await s.click('[data-page="attendance"]');
  await waitFor(() => s.find('[data-testid="attendance-webinar"]'), "the ended webinars");
  const items = await s.wd("POST", `/session/${s.id}/elements`, { using: "css selector", value: '[data-testid="attendance-webinar"]' });
  let opened = false;
  for (const el of items.slice(0, 8)) {
    const id = Object.values(el)[0];
    await s.wd("POST", `/session/${s.id}/element/${id}/click`, {});
    const text = await waitFor(async () => {
      const count = await s.text('[data-testid="attendee-count"]').catch(() => "");
      const note = await s.text('[data-testid="attendance-note"]').catch(() => "");
      return count || note || false;
    }, "the attendance or its note");
    if (/^\d+ attendees$/.test(text)) {
      opened = true;
      break;
    }
  }
  assert.ok(opened, "one of the signed-in host's ended webinars has a report");
  await s.clickWhenReady('[data-testid="export-csv"]', "Export CSV");
  await s.waitText('[data-testid="export-done"]', /rows written to/, "the export");
  assert.ok(readdirSync(saveDir).some((f) => f.endsWith(".csv")));

  // Sync: the signed-in host archived, the other listed as not read.
  await s.clickWhenReady('[data-testid="sync-period"]', "Save the period to the archive");
  await s.waitText('[data-testid="sync-done"]', /new reports/, "the sync summary");
  const missing = await s.waitText('[data-testid="sync-hosts-failed"] p', /could not be read/, "the hosts not read");
  assert.ok(missing.includes(other) && !missing.includes(me), missing);
  assert.match(await s.text('[data-testid="sync-hosts-failed"] li'), /application mode/);
  await s.shot("attendance-delegated.png");
});
