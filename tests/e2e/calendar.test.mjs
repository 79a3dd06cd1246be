// End to end: the Calendar page on the demo tenant — create a webinar in the dialog, see it in the
// week view, cancel it with a message, see it struck through; month view renders the demo series.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;
let opened;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-e2e-cal-"));
  // The browser seam of the end-to-end build: what the app opens in the browser lands here.
  opened = join(data, "opened-url.txt");
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_AUTHORIZE_URL_FILE: opened } });
});

after(async () => {
  await s?.close();
});

const attr = async (css, name) => s.wd("GET", `/session/${s.id}/element/${await s.find(css)}/attribute/${name}`);

test("create a webinar, see it in the week view, cancel it, see it struck through", async () => {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  await s.click('[data-page="calendar"]');
  await waitFor(() => s.find('[data-testid="event"]'), "the demo webinars in the week view");

  const { join, event: ev } = await s.createWebinar("E2E seminar: <b>inert</b>", "student1@northwind.example, student2@northwind.example", "calendar-create.png");
  assert.ok(join.length > 40);
  assert.equal(await attr(ev, "data-cancelled"), "false");
  assert.match(await s.text(ev), /E2E seminar: <b>inert<\/b>/, "the subject is shown as text, not HTML");

  await s.click(ev);
  await s.waitText('[data-testid="details-panel"]', /student2@northwind\.example/, "the details panel");
  // "Join" opens the Teams link in the system browser, from Rust (the window opens nothing).
  await s.click('[data-testid="join"]');
  await waitFor(() => existsSync(opened), "the join link handed to the browser");
  assert.equal(readFileSync(opened, "utf8"), join, "exactly the webinar's Teams link");
  await s.cancelWebinar(ev, "Sorry, this session moves to January.");
  const decoration = await s.wd("GET", `/session/${s.id}/element/${await s.find(`${ev} .ev-title`)}/css/text-decoration-line`);
  assert.equal(decoration, "line-through");
  await s.shot("calendar-week.png");
});

test("the month view shows the demo series and the agenda lists it", async () => {
  // The month of today (the week shown before may reach into the next month; Today is disabled
  // while the shown month holds today, so it is clicked only when it can act).
  await s.click(".fc-dayGridMonth-button");
  if (await s.exec("return !document.querySelector('.fc-today-button').disabled")) await s.click(".fc-today-button");
  // The rendered text (WebKitWebDriver's element text leaves out a month block event's lines after
  // its time; the screenshot shows them).
  const shown = () => s.exec("return document.querySelector('[data-testid=calendar]').innerText");
  await waitFor(async () => (await shown()).includes("Weekly methods seminar"), "the series in the month view");
  await s.shot("calendar-month.png");
  await s.click(".fc-listMonth-button");
  await waitFor(async () => (await shown()).includes("Weekly methods seminar"), "the agenda");

  // From an ended session's details straight to its attendance. Early in a month no session of the
  // series may have ended yet: then the previous month's agenda has them.
  const ended = '[data-testid="event"].is-ended[data-subject="Weekly methods seminar"] .ev-title';
  if (!(await s.find(ended).then(() => true, () => false))) {
    await s.click(".fc-prev-button");
    await waitFor(() => s.find(ended), "an ended session in the previous month's agenda");
  }
  // A click that lands while the agenda re-renders (Graph refreshing what the archive showed) is
  // lost: click the session again until its details show the attendance link.
  await waitFor(async () => {
    if (await s.find('[data-testid="open-attendance"]').then(() => true, () => false)) return true;
    await s.click(ended).catch(() => {});
    return false;
  }, "the ended session's details with its attendance link");
  await s.clickWhenReady('[data-testid="open-attendance"]', "the attendance link");
  // A click that lands while the panel re-renders is lost: click again until the page changes.
  await waitFor(async () => {
    if ((await s.text("main h1")) !== "Attendance") {
      await s.click('[data-testid="open-attendance"]').catch(() => {});
      return false;
    }
    return /^\d+ attendees$/.test(await s.text('[data-testid="attendee-count"]').catch(() => ""));
  }, "the session's attendance", 60000).catch(async (e) => {
    throw new Error(`${e.message}; the page says: ${(await s.text("main")).slice(0, 600)}`);
  });
  assert.equal(await s.text("main h1"), "Attendance");
});
