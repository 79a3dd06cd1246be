// End to end: the Attendance page on the demo tenant — open a webinar, read its attendee count,
// export the CSV (the save dialog answered by the test seam ROLLCALL_TEST_SAVE_DIR), check the file;
// the series view and roster matching (the open dialog answered by ROLLCALL_TEST_OPEN_ANSWER: the
// file the "user" picks is the path written into it).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;
let saveDir;
let data;
let answer;
let dropTrigger;

/** The file the open dialog answers with next. */
const pick = (path) => writeFileSync(answer, path);

before(async () => {
  data = mkdtempSync(join(tmpdir(), "rollcall-e2e-att-"));
  saveDir = mkdtempSync(join(tmpdir(), "rollcall-e2e-save-"));
  answer = join(data, "open-answer.txt");
  dropTrigger = join(data, "drop.txt");
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_SAVE_DIR: saveDir, ROLLCALL_TEST_OPEN_ANSWER: answer, ROLLCALL_TEST_DROP: dropTrigger } });
});

after(async () => {
  await s?.close();
});

test("open a webinar, read the attendee count, export the CSV and check the file", async () => {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  await s.click('[data-page="attendance"]');
  const item = '[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]';
  await waitFor(() => s.find(item), "the series in the list of ended webinars");
  await s.click(item);
  const countText = await s.waitText('[data-testid="attendee-count"]', /^\d+ attendees$/, "the attendee count");
  const count = Number(countText.split(" ")[0]);
  assert.ok(count > 3, countText);
  assert.match(await s.text('[data-testid="completion-counts"]'), /\d+ completed · \d+ partial · 0 no-show/);
  await s.shot("attendance-session.png");

  await s.clickWhenReady('[data-testid="export-csv"]', "Export CSV");
  const done = await s.waitText('[data-testid="export-done"]', /rows written to/, "the export");
  assert.match(done, new RegExp(`^${count} rows written to`));
  const files = readdirSync(saveDir).filter((f) => f.endsWith(".csv"));
  assert.equal(files.length, 1, `one CSV and no leftovers: ${readdirSync(saveDir)}`);
  const bytes = readFileSync(join(saveDir, files[0]));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM for Excel");
  const lines = bytes.toString("utf8").slice(1).split("\r\n").filter(Boolean);
  assert.match(lines[0], /^webinar,host,session_start_utc,/);
  // Quoted line breaks inside names make a line count inexact: count records by the session column.
  const records = lines.filter((l) => l.startsWith("Weekly methods seminar,"));
  assert.equal(records.length, count);

  // The whole period: every ended webinar of the 30 days, in one file.
  await s.click('[data-testid="export-period"]');
  const all = await s.waitText('[data-testid="export-done"]', /attendance .* rows written|rows written to .*attendance /, "the period export");
  const n = Number(all.split(" ")[0]);
  assert.ok(n > count, `the period has more rows (${n}) than one session (${count})`);
  assert.equal(readdirSync(saveDir).filter((f) => f.endsWith(".csv")).length, 2);

  // The same session as an Excel workbook (its cells are compared with the CSV in crates/core/tests/workbook.rs).
  await s.setValue('[data-testid="export-format"]', "xlsx");
  await s.click('[data-testid="export-csv"]');
  const book = await s.waitText('[data-testid="export-done"]', /\.xlsx/, "the workbook export");
  // Named with the session's date, so a series' sessions do not overwrite each other.
  assert.match(book, new RegExp(`^${count} rows written to .*Weekly methods seminar - \\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
  const xlsx = readFileSync(join(saveDir, readdirSync(saveDir).find((f) => /^Weekly methods seminar - .*\.xlsx$/.test(f))));
  assert.equal(xlsx.subarray(0, 2).toString(), "PK", "a zip package");
  assert.ok(xlsx.includes(Buffer.from("xl/worksheets/sheet4.xml")), "four sheets");
  await s.setValue('[data-testid="export-format"]', "excel");
});

test("the period is saved to the local archive with progress", async () => {
  await s.clickWhenReady('[data-testid="sync-period"]', "the archive button");
  const done = await s.waitText('[data-testid="sync-done"]', /^Archive up to date: \d+ new reports/, "the sync summary", 60000);
  assert.match(done, /\(\d+ records\)/);
  assert.ok(readdirSync(data).some((f) => f.startsWith("archive-demo") && f.endsWith(".sqlite")), `archive file in ${readdirSync(data)}`);
  // A second sync finds everything archived.
  await s.click('[data-testid="sync-period"]');
  await s.waitText('[data-testid="sync-done"]', /^Archive up to date: 0 new reports/, "the second sync", 60000);
  // With an archive the calendar shows archived webinars first, then Graph's answer in place.
  await s.click('[data-page="calendar"]');
  await waitFor(() => s.find('[data-testid="event"]'), "webinars in the calendar");
  await waitFor(async () => !(await s.text("main")).includes("Loading webinars"), "the refresh from Graph");
  await s.click('[data-page="attendance"]');
  await s.clickWhenReady('[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]', "the series again");
  await s.waitText('[data-testid="attendee-count"]', /attendees/, "its attendance again");
});

test("a Teams attendance download is imported into the archive", async () => {
  const text = "1. Summary\r\nMeeting title\tOld seminar from last year\r\nStart time\t3/14/24, 9:58:12 AM\r\nEnd time\t3/14/24, 11:00:00 AM\r\n\r\n2. Participants\r\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\r\nAnn Lee\t3/14/24, 10:00:00 AM\t3/14/24, 10:50:00 AM\t50m\tann.lee@northwind.example\tann.lee@northwind.example\tAttendee\r\n";
  const file = join(saveDir, "Attendance report.csv");
  writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
  // A dash-separated list whose every date reads both ways: the app asks.
  const list = "Full Name\tUser Action\tTimestamp\r\nAnn Lee\tJoined\t03-04-2021 10:00:00\r\nAnn Lee\tLeft\t03-04-2021 10:45:00\r\n";
  const ambiguous = join(saveDir, "meetingAttendanceList.csv");
  writeFileSync(ambiguous, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(list, "utf16le")]));
  // A real Polish report, and the same report re-saved by Excel in Windows-1250 (refused).
  const corpus = (name) => new URL(`../corpus/teams-downloads/${name}`, import.meta.url).pathname;
  await s.click(".import summary");
  writeFileSync(answer, [file, corpus("ok-real-report-pl-mlodyjesienin.csv"), corpus("refused-real-report-pl-cp1250-excel-mlodyjesienin.csv"), ambiguous].join("\n"));
  await s.click('[data-testid="import-file"]');
  assert.equal(await s.waitText('[data-testid="import-done"]', /Imported/, "the import result"), "Imported 2 of 4 files.");
  const results = await s.exec("return [...document.querySelectorAll('[data-testid=import-file-result]')].map((e) => [e.dataset.ok, e.textContent])");
  assert.match(results[0][1], /Old seminar from last year \(2024-03-14T\d\d:58:12Z\): 1 participants imported/);
  assert.match(results[1][1], /Nazwa przedmiotu - lab 3 .*7 participants imported.*month\/day\/year/);
  assert.equal(results[2][0], "no");
  assert.match(results[2][1], /code page/);
  assert.match(results[3][1], /read two ways/);
  await s.shot("attendance-import.png");
  await s.click('[data-testid="import-day-first"]');
  assert.equal(await s.waitText('[data-testid="import-done"]', /Imported 3/, "the file read day first"), "Imported 3 of 4 files.");
  assert.match(await s.text('[data-testid="import-files"]'), /meetingAttendanceList \(in-meeting attendance list\) \(2021-04-03T/);
});

test("Teams files dropped on the page are imported, each with its outcome", async () => {
  // WebDriver cannot drag from the desktop: the test seam ROLLCALL_TEST_DROP hands these paths to
  // the same handler as the window's drag-and-drop event (files over the window, then dropped).
  const corpus = (name) => new URL(`../corpus/teams-downloads/${name}`, import.meta.url).pathname;
  const files = ["ok-real-list-es-restevean-0218.csv", "ok-real-list-es-restevean-0225.csv", "refused-real-list-header-only-cognizance-amrita.csv"];
  writeFileSync(dropTrigger, files.map(corpus).join("\n"));
  await s.waitText('[data-testid="drop-hint"]', /Drop Teams attendance files/, "the hint while files are over the window");
  await s.shot("attendance-drop.png");
  assert.equal(await s.waitText('[data-testid="import-done"]', /of 3 files/, "the dropped files' import"), "Imported 2 of 3 files.");
  const results = await s.exec("return [...document.querySelectorAll('[data-testid=import-file-result]')].map((e) => [e.dataset.ok, e.textContent])");
  assert.match(results[0][1], /ok-real-list-es-restevean-0218 \(in-meeting attendance list\) \(2021-02-18T.*14 participants imported/);
  assert.match(results[1][1], /\(2021-02-25T.*15 participants imported/);
  assert.deepEqual(results[2].slice(0, 1), ["no"]);
  assert.match(results[2][1], /no entries/);
  assert.equal(await s.exec("return document.querySelector('[data-testid=drop-hint]') === null"), true, "the hint is gone after the drop");
});

test("the series view lists every session and the roster shows who never joined", async () => {
  await s.clickWhenReady('[data-testid="series-tab"]', "the series tab");
  // The heat map shows first; the table is one click away.
  await s.clickWhenReady('[data-testid="series-table"]', "the series table button");
  await s.waitText('[data-testid="series-summary"]', /\d+ people · \d+ sessions/, "the series view");
  await s.shot("attendance-series.png");

  await s.click('.tabs button[role="tab"]');
  await s.waitText('[data-testid="attendee-count"]', /attendees/, "back to the first session");
  // Saved by Excel as "Unicode Text": UTF-16LE with a byte-order mark, tab-separated.
  const rosterPath = join(saveDir, "roster.csv");
  const roster = "Name\tE-mail\r\nMaria Ortiz\tmaria.ortiz@northwind.example\r\nNever Came\tnever.came@northwind.example\r\nAlso Absent\talso.absent@northwind.example\r\n";
  writeFileSync(rosterPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(roster, "utf16le")]));
  pick(rosterPath);
  await s.click('[data-testid="roster-file"]');
  const result = await s.waitText('[data-testid="roster-result"]', /Registered but never joined \(2\)/, "the roster result");
  assert.match(result, /never\.came@northwind\.example/);
  assert.match(await s.text('[data-testid="completion-counts"]'), /2 no-show/);
  await s.shot("attendance-roster.png");
  assert.ok(existsSync(rosterPath));
});

/** The keys of the rows a virtualized list has in the DOM, in order. */
const keys = (testid) => s.exec(`return [...document.querySelectorAll('[data-testid="${testid}"]')].map((e) => e.dataset.key)`);

test("the charts: present over time, lanes linked to the table, the threshold dragged live, the series and the period; reports saved", async () => {
  await s.click('.tabs button[role="tab"]');
  await waitFor(() => s.find('[data-testid="session-charts"]'), "the session's charts");
  assert.match(await s.waitText('[data-testid="chart-peak"]', /^Peak \d+ at \d/, "the peak label"), /^Peak \d+ at \d{1,2}:\d{2}/);
  // The lanes are virtualized and in the table's order — under every sort.
  const lanes = await keys("lane");
  assert.ok(lanes.length > 3 && lanes.length < 60, `${lanes.length} lanes in the DOM`);
  for (const sort of ["name", "first", "time"]) {
    await s.setValue('[data-testid="sort-key"]', sort);
    await waitFor(async () => JSON.stringify((await keys("lane")).slice(0, 8)) === JSON.stringify((await keys("attendee-row")).slice(0, 8)), `lanes sorted by ${sort} like the table`);
  }
  // Hover a lane: its attendee is highlighted in the table; hover a row: its lane is.
  const [, second, third] = await keys("lane");
  await s.hover(`[data-testid="lane"][data-key="${second}"]`);
  await waitFor(() => s.exec(`return document.querySelector('[data-testid="attendee-row"][data-key="${second}"]').classList.contains("hl")`), "the hovered lane's row highlighted");
  await s.hover(`[data-testid="attendee-row"][data-key="${third}"]`);
  await waitFor(() => s.exec(`return document.querySelector('[data-testid="lane"][data-key="${third}"]').classList.contains("hl")`), "the hovered row's lane highlighted");
  // Select the last row of the table: the lanes scroll to it and mark it.
  const top = (await keys("attendee-row"))[0];
  await s.exec(`const v = document.querySelector('[data-testid="virtual-rows"]'); v.scrollTop = v.scrollHeight;`);
  await waitFor(async () => (await keys("attendee-row"))[0] !== top, "the table's rows after scrolling");
  // The lowest row in view (the DOM also holds a few rows beyond it).
  const last = await s.exec(`const v = document.querySelector('[data-testid="virtual-rows"]').getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="attendee-row"]')].filter((r) => r.getBoundingClientRect().bottom <= v.bottom).at(-1).dataset.key;`);
  // Chosen from the keyboard, as a screen-reader user would: focus the row, press Enter.
  await s.exec(`const r = document.querySelector('[data-testid="attendee-row"][data-key="${last}"]'); r.scrollIntoView({ block: "nearest" }); r.focus();`);
  await s.press("\uE007");
  await waitFor(() => s.exec(`return document.querySelector('[data-testid="lane"][data-key="${last}"]')?.classList.contains("sel") ?? false`), "the selected row's lane scrolled into view");
  await s.setValue('[data-testid="sort-key"]', "time");

  // The threshold: the counts follow the slider live, and agree with the table once applied.
  const before = await s.text('[data-testid="chart-shares-counts"]');
  await s.exec(`const el = document.querySelector('[data-testid="threshold-slider"]'); el.value = "30"; el.dispatchEvent(new Event("input", { bubbles: true }));`);
  const live = await s.waitText('[data-testid="chart-shares-counts"]', /at or above 30 %/, "the live recount");
  assert.notEqual(live, before);
  const [, done, partial] = live.match(/^(\d+) at or above 30 %, (\d+) below/).map(Number);
  await s.setValue('[data-testid="threshold-slider"]', "30");
  await s.waitText('[data-testid="completion-counts"]', new RegExp(`^${done} completed · ${partial} partial`), "the table's counts at 30 %", 10000).catch(async (e) => {
    throw new Error(`${e.message}: the chart says "${live}", the table "${await s.text('[data-testid="completion-counts"]')}"`);
  });
  // A threshold changed while reading one session is that view's: the saved default (which the
  // command line and the nightly job use too) is untouched until the user makes it the default.
  const prefsFile = join(data, "preferences.json");
  const savedThreshold = () => (existsSync(prefsFile) ? JSON.parse(readFileSync(prefsFile, "utf8")).threshold : undefined);
  assert.notEqual(savedThreshold(), 0.3, "dragging the threshold must not rewrite the default");
  assert.match(await s.text('[data-testid="threshold-view-only"]'), /30 % applies to this view only; the default is 80 %/);
  await s.exec(`document.querySelector('[data-testid="threshold-view-only"]').scrollIntoView({ block: "center" })`);
  await s.shot("attendance-threshold-view-only.png");
  await s.exec(`document.querySelector('[data-testid="session-charts"]').scrollIntoView()`);
  await s.shot("attendance-charts-session.png");
  await s.assertAccessible("Attendance: a session's charts");
  await s.click('[data-testid="threshold-make-default"]');
  await waitFor(() => savedThreshold() === 0.3, "the default saved when asked");
  await waitFor(async () => !(await s.exec(`return !!document.querySelector('[data-testid="threshold-view-only"]')`)), "the note gone once it is the default");

  // A report of the session: one self-contained HTML file, charts inline, nothing that runs.
  await s.click('[data-testid="save-report"]');
  await s.waitText('[data-testid="report-saved"]', /Report saved to .*session 1 report\.html$/, "the session report");
  const report = readFileSync(join(saveDir, readdirSync(saveDir).find((f) => f.endsWith("session 1 report.html"))), "utf8");
  assert.match(report, /<svg[^>]+role="img"/);
  assert.doesNotMatch(report, /<script|\son\w+=|https?:\/\//i);

  // The series: completed/partial per session with the trend, and the heat map (the table one click away).
  await s.click('[data-testid="series-tab"]');
  await waitFor(() => s.find('[data-testid="chart-series"]'), "the series chart");
  await s.click('[data-testid="series-heat"]');
  await waitFor(async () => (await s.exec(`return document.querySelectorAll('[data-testid="heat-row"]').length`)) > 2, "the heat map");
  await s.shot("attendance-charts-series.png");
  await s.assertAccessible("Attendance: the series' charts");
  await s.click('[data-testid="series-table"]');
  await s.waitText('[data-testid="series-summary"]', /\d+ people · \d+ sessions/, "the series table");
  await s.click('[data-testid="series-heat"]');
  await s.click('[data-testid="save-report"]');
  await s.waitText('[data-testid="report-saved"]', /series report\.html$/, "the series report");

  // The period: figures, a chart per week, every webinar; then its report.
  await s.click('[data-testid="period-overview-open"]');
  await waitFor(() => s.find('[data-testid="chart-weeks"]'), "the period's weekly chart");
  const figures = await s.exec(`return document.querySelector('[data-testid="overview-figures"]').innerText`);
  assert.match(figures, /Webinars\s+\d+[\s\S]*Completion rate\s+\d+ %/);
  assert.ok(Number(await s.text('[data-testid="overview-people"]')) > 3);
  await s.shot("attendance-charts-period.png");
  await s.assertAccessible("Attendance: the period overview");
  await s.click('[data-testid="save-period-report"]');
  await s.waitText('[data-testid="report-saved"]', /attendance report .*\.html$/, "the period report");
  assert.ok(readdirSync(saveDir).some((f) => f.startsWith("attendance report ") && f.endsWith(".html")));

  // Dark: the same charts follow the design tokens and still pass axe-core (contrast included).
  await s.exec(`document.documentElement.dataset.theme = "dark"`);
  await s.shot("attendance-charts-period-dark.png");
  await s.assertAccessible("Attendance: the period overview, dark");
  await s.clickWhenReady('[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]', "the series again");
  await waitFor(() => s.find('[data-testid="session-charts"]'), "the session's charts, dark");
  await s.waitText('[data-testid="chart-peak"]', /^Peak/, "the peak label, dark");
  await s.exec(`document.querySelector('[data-testid="session-charts"]').scrollIntoView()`);
  await s.shot("attendance-charts-session-dark.png");
  await s.assertAccessible("Attendance: a session's charts, dark");
  await s.click('[data-testid="series-tab"]');
  await waitFor(async () => (await s.exec(`return document.querySelectorAll('[data-testid="heat-row"]').length`)) > 2, "the heat map, dark");
  await s.shot("attendance-charts-series-dark.png");
  await s.exec(`delete document.documentElement.dataset.theme`);

  // At 150 % zoom the charts shrink with the page: nothing scrolls sideways, the labels stay text.
  await s.press("4", "\uE009");
  await s.clickWhenReady('[data-testid="zoom-select"] option[value="1.5"]', "150 %");
  await waitFor(async () => (await s.exec("return window.innerWidth")) < 1000, "the zoom to apply");
  await s.press("3", "\uE009");
  // The page lists the period afresh: click once the list has settled.
  await waitFor(async () => !(await s.text("main")).includes("Loading") && (await s.exec(`return document.querySelectorAll('[data-testid="attendance-webinar"]').length`)) > 3, "the list at 150 %");
  // From the keyboard (WebKitWebDriver's clicks miss under webview zoom): focus the item, press Enter.
  await s.exec(`document.querySelector('[data-testid="attendance-webinar"][data-subject="Weekly methods seminar"]').focus()`);
  await s.press("\uE007");
  await waitFor(() => s.find('[data-testid="session-charts"]'), "the charts at 150 %");
  await s.exec(`document.querySelector('[data-testid="session-charts"]').scrollIntoView()`);
  const sideways = await s.exec(`const m = document.querySelector("main"); return Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth, m.scrollWidth - m.clientWidth);`);
  assert.ok(sideways <= 1, `the attendance page at 150 % scrolls sideways by ${sideways} px`);
  await s.shot("attendance-charts-150.png");
  await s.press("4", "\uE009");
  await s.clickWhenReady('[data-testid="zoom-select"] option[value="1"]', "100 %");
});
