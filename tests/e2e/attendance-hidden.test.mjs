// End to end: a tenant whose Teams meeting policy hides attendance times ("Attendance summary"):
// the Attendance page says completion is unknown and why, and lists nobody as 0 % partial.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-e2e-hidden-"));
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_DEMO_SCENARIOS: "attendance-summary-hidden" } });
});

after(async () => {
  await s?.close();
});

test("a session whose times Teams hid shows completion as unknown, with the reason", async () => {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  await s.click('[data-page="attendance"]');
  // The first host's webinars are the ones the policy covers.
  const item = '[data-testid="attendance-webinar"][data-host="megan.bowen@northwind.example"]';
  await waitFor(() => s.find(item), "a webinar of the first host among the ended ones");
  // Open them in turn until one has a report (some are cancelled or without attendees).
  const n = await s.exec("return document.querySelectorAll(arguments[0]).length", item);
  let counts = null;
  for (let i = 0; i < n && !counts; i++) {
    await s.exec("document.querySelectorAll(arguments[0])[arguments[1]].click()", item, i);
    counts = await s.waitText('[data-testid="completion-counts"]', /completion unknown|completed/, "the completion line", 8000).catch(() => null);
  }
  assert.ok(counts, `none of the first host's ${n} webinars has a report`);
  assert.match(counts, /^\d+ attended · completion unknown: Teams gave no join or leave times$/);
  assert.match(await s.text('[data-testid="times-hidden"]'), /Attendance summary.*Show everything/);
  const statuses = await s.exec("return [...document.querySelectorAll('[data-testid=attendee-row] .cell.status')].map((e) => e.textContent.trim())");
  assert.ok(statuses.length > 0 && statuses.every((t) => t === "Time unknown"), JSON.stringify(statuses.slice(0, 5)));
  await s.shot("attendance-times-hidden.png");
});
