// End to end: a sync from the app lands in Settings → Sync history with its meetings (OK, not
// available, with reasons); the nightly job is scheduled with this computer's scheduler and
// removed again; the desktop notices (here: the demo secret expiring) are listed in Settings;
// Attendance's period shows "Credits the LMS missed" with the possibly-late reports. axe-core on
// Settings. A nightly run that was killed before it could record its end (started here from the
// CLI and killed) is notified as "did not finish".
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "./webdriver.mjs";

let s;
let saveDir;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-e2e-history-"));
  saveDir = mkdtempSync(join(tmpdir(), "rollcall-e2e-history-save-"));
  // A scheduled run killed as soon as it is on record, as a shutdown or the OOM killer would.
  assert.ok(process.env.ROLLCALL_CLI, "ROLLCALL_CLI names the rollcall command");
  const job = spawn(process.env.ROLLCALL_CLI, ["sync", "--scheduled", "--days", "7", "--demo", "--data-dir", data], { stdio: "ignore" });
  const runs = join(data, "scheduled-runs");
  // Polled tightly: a demo sync ends within a second.
  const deadline = Date.now() + 20000;
  // A record being written (".partial") is not on record yet: it becomes "….json" when whole.
  while (!(existsSync(runs) && readdirSync(runs).some((f) => f.endsWith(".json")))) {
    assert.ok(Date.now() < deadline, "the scheduled run was not on record at its start");
    await new Promise((r) => setTimeout(r, 2));
  }
  job.kill("SIGKILL");
  await new Promise((r) => job.on("exit", r));
  // The watcher runs its first check 3 s after start (a background sync and the notices).
  s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data, ROLLCALL_TEST_SAVE_DIR: saveDir, ROLLCALL_TEST_WATCH_SECS: "3" } });
});

after(async () => {
  await s?.close();
});

test("a sync's run is in the history, the nightly job is scheduled and removed, notices are listed", async () => {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  // The watcher's first check (its re-check sync, then the notices): the demo secret expires within
  // 14 days, so that notice is listed in Settings once the check is done.
  await s.click('[data-page="settings"]');
  assert.match(await s.waitText('[data-testid="notices"]', /client secret/, "the secret notice", 120000), /expires/);
  assert.match(await s.waitText('[data-testid="notices"]', /did not finish/, "the killed nightly run's notice"), /nightly sync/);
  await s.click('[data-page="attendance"]');
  await waitFor(() => s.find('[data-testid="attendance-webinar"]'), "the webinars", 60000);
  // The watcher's own sync may be running: wait until the button is free, then sync the period.
  await waitFor(() => s.exec(`const b = document.querySelector('[data-testid="sync-period"]'); return b && !b.disabled;`), "the sync button", 60000);
  await s.click('[data-testid="sync-period"]');
  await s.waitText('[data-testid="sync-done"]', /./, "the sync's summary", 120000);

  // Credits the LMS missed: the demo's reports were first seen by these syncs, after the LMS's
  // window, with no earlier look: possibly late. The picker's button counts them; opened, they show
  // at once (marked "possibly late"), not behind a checkbox that hid them.
  const button = await s.waitText('[data-testid="missed-open"]', /with reports that may have been late/, "the missed credits' count", 30000);
  const possible = Number(button.match(/\((\d+) with reports/)[1]);
  assert.ok(possible > 0, button);
  await s.click('[data-testid="missed-open"]');
  await waitFor(() => s.find('[data-testid="missed-credits"]'), "Credits the LMS missed", 30000);
  await waitFor(() => s.find('[data-testid="missed-row"]'), "possibly-late credits", 30000);
  assert.equal(await s.exec(`return document.querySelector('[data-testid="missed-possibly"]').checked`), true);
  assert.equal(await s.exec(`return document.querySelectorAll('[data-testid="missed-row"]').length`), possible);
  await s.click('[data-testid="missed-export-xlsx"]');
  await s.waitText('[data-testid="missed-saved"]', /row\(s\) saved/, "the export");
  const saved = readdirSync(saveDir).filter((f) => f.endsWith(".xlsx"));
  assert.equal(saved.length, 1, `${saved}`);
  assert.equal(readFileSync(join(saveDir, saved[0])).subarray(0, 2).toString(), "PK");
  await s.shot("missed-credits.png");

  await s.click('[data-page="settings"]');
  await waitFor(() => s.find('[data-testid="sync-history"] [data-testid="run"]'), "a run in the history", 30000);
  const first = await s.text('[data-testid="sync-history"] [data-testid="run"]');
  assert.match(first, /OK|Partly/);
  assert.match(first, /App/);
  await s.click('[data-testid="sync-history"] [data-testid="run"]');
  const items = await s.waitText('[data-testid="run-items"]', /Not available|OK/, "the run's meetings");
  // The demo's channel meeting is not available, with the reason.
  assert.match(items, /channel meeting/);

  // Two runs now: the watcher's re-check and the period's sync.
  assert.ok((await s.exec(`return document.querySelectorAll('[data-testid="run"]').length`)) >= 2);

  // The nightly job with this computer's scheduler, then removed.
  assert.match(await s.text('[data-testid="nightly-state"]'), /No nightly job/);
  await s.setValue('[data-testid="nightly-at"]', "03:15");
  await s.click('[data-testid="nightly-install"]');
  const errorText = () => s.exec(`return document.querySelector('[data-testid="nightly-error"]')?.textContent ?? null`);
  await waitFor(async () => /Runs every day at 03:15/.test(await s.text('[data-testid="nightly-state"]')) || (await errorText()) !== null, "the job installed");
  assert.equal(await errorText(), null);
  await s.shot("settings-nightly.png");
  await s.assertAccessible("Settings: nightly sync and history");
  await s.click('[data-testid="nightly-remove"]');
  await s.waitText('[data-testid="nightly-state"]', /No nightly job/, "the job removed");
});
