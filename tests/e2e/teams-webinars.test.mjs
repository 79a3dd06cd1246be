// End to end: Teams webinars (virtual events) on the demo tenant — the registration ledger of an
// ended one (every standing, joins by registration id and by e-mail, its chart, a click on a bar
// lists those people, export as a workbook), and the calendar's Teams webinar with its status,
// registration counts and why application mode cannot publish or cancel. axe-core on both.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;
let saveDir;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-e2e-ve-"));
  saveDir = mkdtempSync(join(tmpdir(), "rollcall-e2e-ve-save-"));
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_SAVE_DIR: saveDir } });
});

after(async () => {
  await s?.close();
});

const standings = () => s.exec(`return [...document.querySelectorAll('[data-testid="ledger-row"]')].map((r) => r.dataset.standing)`);

test("the ledger of an ended Teams webinar: who registered, who came, exported", async () => {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  await s.click('[data-page="attendance"]');
  // Chosen by property: the Teams webinar in the list of ended webinars.
  const item = '[data-testid="attendance-webinar"][data-subject="Open day: study skills"]';
  await waitFor(() => s.find(item), "the Teams webinar in the list", 60000);
  assert.match(await s.text(item), /Teams webinar/);
  // The list scrolls on its own: bring the item into view, then choose it from the keyboard.
  await s.exec(`const el = document.querySelector(arguments[0]); el.scrollIntoView({ block: "center" }); el.focus();`, item);
  await s.press("\uE007");
  assert.match(await s.waitText('[data-testid="ledger-summary"]', /registered/, "the ledger"), /of 30 places · LMS course LMS-COURSE-1042/);
  await waitFor(() => s.find('[data-testid="ledger-chart"]'), "the ledger's chart");
  const seen = new Set(await standings());
  for (const k of ["registeredAttended", "registeredNoShow", "walkIn", "canceledAttended", "canceled", "waitlisted", "pending", "rejected"]) {
    // The list is virtualized: look through the filter for standings below the fold.
    if (!seen.has(k)) {
      await s.setValue('[data-testid="ledger-filter"]', k);
      await waitFor(async () => (await standings()).every((x) => x === k) && (await standings()).length > 0, `someone ${k}`);
    }
  }
  await s.setValue('[data-testid="ledger-filter"]', "");
  const joins = await s.exec(`return [...document.querySelectorAll('[data-testid="joined-by"]')].map((e) => e.textContent)`);
  assert.ok(joins.includes("registration id") && joins.includes("e-mail"), `both joins: ${joins}`);
  await s.shot("teams-webinar-ledger.png");
  await s.assertAccessible("Attendance: a Teams webinar's ledger");

  // A click on the walk-in bar lists only the walk-ins.
  await s.clickAt('[data-testid="ledger-chart"] g[data-standing="walkIn"] rect');
  await waitFor(async () => {
    const x = await standings();
    return x.length > 0 && x.every((k) => k === "walkIn");
  }, "only the walk-ins");
  await s.setValue('[data-testid="ledger-filter"]', "");

  // The second afternoon is its own session.
  await s.click('[data-testid="ledger-session"]:nth-child(2)');
  await waitFor(async () => (await s.exec(`return document.querySelector('[data-testid="ledger-session"][aria-selected="true"]')?.textContent ?? ""`)).startsWith("Session 2"), "session 2");

  // Exported as a workbook.
  await s.click('[data-testid="ledger-export"]');
  await s.waitText('[data-testid="ledger-exported"]', /rows written to .*registrations\.xlsx$/, "the ledger export");
  const file = readdirSync(saveDir).find((f) => f.endsWith("registrations.xlsx"));
  assert.equal(readFileSync(join(saveDir, file)).subarray(0, 2).toString(), "PK");
});

test("the calendar shows a Teams webinar with its status and registrations", async () => {
  await s.click('[data-page="calendar"]');
  await waitFor(() => s.find('[data-testid="event"]'), "the calendar");
  await s.click(".fc-dayGridMonth-button");
  const ev = '[data-testid="event"][data-subject="Career talk: publishing your thesis"]';
  // The upcoming one is next week; the month view (or the next one) shows it.
  const found = await waitFor(() => s.find(ev).then(() => true), "the Teams webinar in this month", 5000).catch(() => false);
  if (!found) {
    await s.click(".fc-next-button");
    await waitFor(() => s.find(ev), "the Teams webinar next month");
  }
  // What the month cell shows (its rendered text: WebKitWebDriver's element text leaves out the
  // flex-wrapped second line of a block event).
  assert.match(await s.exec("return document.querySelector(arguments[0]).innerText", ev), /Teams webinar · Published/);
  await s.click(ev);
  await waitFor(() => s.find('[data-testid="event-panel"]'), "the Teams webinar's panel");
  assert.equal(await s.text('[data-testid="event-status"]'), "Published");
  assert.match(await s.text('[data-testid="event-registrations"]'), /^12 registered/);
  assert.equal(await s.text('[data-testid="event-capacity"]'), "100");
  assert.match(await s.text('[data-testid="event-app-mode"]'), /organizer signed in/);
  await s.shot("teams-webinar-calendar.png");
  await s.assertAccessible("Calendar: a Teams webinar's panel");
});
