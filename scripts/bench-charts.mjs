// Benchmark in the real window: the attendance charts against the table, measured in the same run.
//   ROLLCALL_APP=…/rollcall-desktop (built with --features test-seams) \
//   dbus-run-session -- node scripts/with-keyring.mjs xvfb-run -a -s "-screen 0 1280x860x24" node scripts/bench-charts.mjs
//
// The demo tenant gets the `town-hall` scenario (a 600-attendee curators' briefing and a
// 20,000-attendee town hall). For each it opens the webinar ROUNDS times and reads the window's own
// performance measures: "attendance-charts" (the charts' data arriving → the charts painted) and,
// as the baseline, "attendance-table" (the attendance arriving → the table painted). Then it
// scrolls the town hall's 20,000 lanes, and as a baseline its table, frame by frame for two
// seconds each, and reports the longest frame. Prints the figures, the ratios, and fails when a
// budget is missed: charts of 600 attendees in under 200 ms, no frame over 100 ms in the lanes.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, sleep, waitFor } from "../tests/e2e/webdriver.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const data = mkdtempSync(join(tmpdir(), "rollcall-bench-charts-"));
const s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_DEMO_SCENARIOS: "town-hall" } });

async function measures(name) {
  return s.exec(`return performance.getEntriesByName(arguments[0]).map((e) => e.duration)`, name);
}

/** Open a webinar ROUNDS times; the charts' and the table's paint times of each opening. */
async function openRounds(subject, attendees) {
  const item = `[data-testid="attendance-webinar"][data-subject="${subject}"]`;
  await waitFor(() => s.find(item), `${subject} in the list`, 60000);
  const charts = [];
  const table = [];
  for (let i = 0; i < ROUNDS; i++) {
    await s.exec("performance.clearMeasures(); performance.clearMarks();");
    await s.click(item);
    const count = await s.waitText('[data-testid="attendee-count"]', /^\d+ attendees$/, `${subject}'s attendees`, 120000);
    const n = Number(count.split(" ")[0]);
    assert.ok(Math.abs(n - attendees) <= attendees * 0.02, `${subject}: ${count}, expected about ${attendees}`);
    const c = await waitFor(async () => (await measures("attendance-charts")).at(-1), "the charts' measure", 60000);
    const t = await waitFor(async () => (await measures("attendance-table")).at(-1), "the table's measure", 60000);
    charts.push(c);
    table.push(t);
  }
  return { charts: median(charts), table: median(table), all: charts };
}

/** Scroll a virtualized list frame by frame for `ms`; the longest frame and the frames seen. */
async function scrollFrames(testid, ms = 2000) {
  const r = await s.wd("POST", `/session/${s.id}/execute/async`, {
    script: `const [testid, ms, done] = arguments;
      const v = document.querySelector('[data-testid="' + testid + '"]');
      v.scrollIntoView({ block: "center" });
      v.scrollTop = 0;
      const frames = [];
      let last = performance.now();
      const start = last;
      const step = () => {
        const now = performance.now();
        frames.push(now - last);
        last = now;
        v.scrollTop += 240;
        if (v.scrollTop + v.clientHeight >= v.scrollHeight) v.scrollTop = 0;
        if (now - start < ms) requestAnimationFrame(step);
        else done(JSON.stringify({ max: Math.max(...frames.slice(1)), count: frames.length, rows: v.querySelectorAll('[data-testid]').length }));
      };
      requestAnimationFrame(step);`,
    args: [testid, ms],
  });
  return JSON.parse(r);
}

try {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  await s.click('[data-page="attendance"]');
  const small = await openRounds("Curators' briefing", 600);
  const big = await openRounds("All-staff town hall", 20000);
  await sleep(500);
  const lanes = await scrollFrames("lanes-rows");
  const rows = await scrollFrames("virtual-rows");
  const f = (x) => `${x.toFixed(1)} ms`;
  console.log(`600 attendees:    charts ${f(small.charts)} after their data (table ${f(small.table)}; charts/table ${(small.charts / small.table).toFixed(2)}x; budget 200 ms)`);
  console.log(`20,000 attendees: charts ${f(big.charts)} after their data (table ${f(big.table)}; charts/table ${(big.charts / big.table).toFixed(2)}x)`);
  console.log(`20,000 lanes scrolled for 2 s: longest frame ${f(lanes.max)} over ${lanes.count} frames, ${lanes.rows} lanes in the DOM (table: longest ${f(rows.max)}; lanes/table ${(lanes.max / rows.max).toFixed(2)}x; budget 100 ms)`);
  assert.ok(small.charts < 200, `600-attendee charts took ${f(small.charts)} (budget 200 ms)`);
  assert.ok(lanes.max < 100, `a frame of ${f(lanes.max)} while scrolling 20,000 lanes (budget 100 ms)`);
} finally {
  await s.close();
}
