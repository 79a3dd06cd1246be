#!/usr/bin/env node
// Calendar render benchmark in the real window (WebKit through tauri-driver), not a test:
// one host with 2,000 Teams events in the current month, against a baseline host with the demo's
// few events, measured in the same run. Prints the time from choosing a view to every visible event
// being in the DOM (fetch + render), and the ratio to the baseline.
// Run under Xvfb and a keyring session, like the end-to-end tests:
//   ROLLCALL_APP=… ROLLCALL_CLI=… dbus-run-session -- node scripts/with-keyring.mjs \
//     xvfb-run -a -s "-screen 0 1280x860x24" node scripts/bench-calendar-render.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addProfile, openApp, startEmulator, waitFor } from "../tests/e2e/webdriver.mjs";

const EVENTS = 2000;
const BUSY = "adele.vance@northwind.example";
const QUIET = "diego.siciliani@northwind.example";
const cli = process.env.ROLLCALL_CLI;
const { proc, info } = await startEmulator(cli);
const data = mkdtempSync(join(tmpdir(), "rollcall-bench-"));
let s;
try {
  // Seed the busy host's current month straight through the emulator's Graph.
  const tok = await (
    await fetch(`${info.authority}/${info.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: info.clientId, client_secret: info.clientSecret, scope: "https://graph.microsoft.com/.default" }),
    })
  ).json();
  const auth = { authorization: `Bearer ${tok.access_token}`, "content-type": "application/json" };
  const users = await (await fetch(`${info.graph}/users?$filter=${encodeURIComponent(`mail eq '${BUSY}'`)}`, { headers: auth })).json();
  const id = users.value[0].id;
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const iso = (ms) => new Date(ms).toISOString().slice(0, 19);
  for (let i = 0; i < EVENTS; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, k) => {
        const n = i + k;
        const start = monthStart + (n % days) * 86_400_000 + (7 + (n % 12)) * 3_600_000 + (n % 4) * 900_000;
        const body = { subject: `Load ${n}`, start: { dateTime: iso(start), timeZone: "UTC" }, end: { dateTime: iso(start + 2_700_000), timeZone: "UTC" }, isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" };
        return fetch(`${info.graph}/users/${id}/events`, { method: "POST", headers: auth, body: JSON.stringify(body) });
      }),
    );
  }

  s = await openApp({ env: { ROLLCALL_DATA_DIR: data, ROLLCALL_KEYRING_SERVICE: `app.rollcall.bench-${process.pid}` } });
  await s.click('[data-page="settings"]');
  await addProfile(s, info, { name: "Busy", mode: "application", secret: info.clientSecret, hosts: [BUSY] });
  await addProfile(s, info, { name: "Quiet", mode: "application", secret: info.clientSecret, hosts: [QUIET] });

  const count = () => s.wd("POST", `/session/${s.id}/execute/sync`, { script: "return document.querySelectorAll('[data-testid=event]').length", args: [] });
  async function measure(profile, view, expect) {
    await s.click('[data-page="settings"]');
    const use = `[data-name="${profile}"] [data-testid="use-profile"]`;
    if ((await waitFor(() => s.text(`[data-name="${profile}"]`), `the row of ${profile}`)).includes("Use")) {
      await waitFor(() => s.click(use).then(() => true), `the Use button of ${profile}`);
    }
    await waitFor(async () => (await s.text('[data-testid="tenant-line"]')).includes(profile), "the profile").catch(async (e) => {
      throw new Error(`${e.message}: header "${await s.text('[data-testid="tenant-line"]')}", settings "${await s.text('[data-testid="connections"]')}"`);
    });
    const t0 = performance.now();
    await s.click('[data-page="calendar"]');
    await waitFor(() => s.find(`.fc-${view}-button`), "the calendar");
    if (view !== "timeGridWeek") await s.click(`.fc-${view}-button`);
    await waitFor(async () => (await count()) >= expect && !(await s.wd("POST", `/session/${s.id}/execute/sync`, { script: "return !!document.querySelector('[data-testid=calendar-loading]')", args: [] })), `${expect} events`, 120000);
    const split = await s.wd("POST", `/session/${s.id}/execute/sync`, {
      script: "const m = (n) => performance.getEntriesByName(n).map((e) => e.duration); const r = { fetch: m('calendar-fetch'), render: m('calendar-render') }; performance.clearMeasures(); return r;",
      args: [],
    });
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    return { ms: performance.now() - t0, events: await count(), fetch: sum(split.fetch), render: sum(split.render) };
  }
  const rows = [];
  for (const [view, busyExpect] of [["timeGridWeek", 300], ["dayGridMonth", 90], ["listMonth", EVENTS]]) {
    const base = await measure("Quiet", view, 0);
    const busy = await measure("Busy", view, busyExpect);
    rows.push({ view, base, busy });
  }
  console.log(`calendar render in the real window, ${EVENTS} events in the month for one host (fetch + render, first load)`);
  for (const r of rows) {
    console.log(
      `  ${r.view.padEnd(13)} busy ${r.busy.ms.toFixed(0).padStart(6)} ms (fetch ${r.busy.fetch.toFixed(0)} + render ${r.busy.render.toFixed(0)} ms, ${r.busy.events} event elements)  baseline ${r.base.ms.toFixed(0).padStart(5)} ms  ratio ${(r.busy.ms / r.base.ms).toFixed(2)}`,
    );
  }
} finally {
  await s?.close();
  proc.kill();
  rmSync(data, { recursive: true, force: true });
}
