// The Debian package as a user installs it (`npm run tauri build` makes it; the task runner runs
// this on Linux as root, once per run): it holds the `rollcall` command beside the app, the
// command runs from /usr/bin, and the installed app schedules the nightly job with it.
//   ROLLCALL_DEB=…/Rollcall_x_amd64.deb ROLLCALL_APP=/usr/bin/rollcall-desktop node --test tests/package
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, waitFor } from "../e2e/webdriver.mjs";

const deb = process.env.ROLLCALL_DEB;
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: "utf8", ...opts });

before(() => {
  assert.ok(deb, "ROLLCALL_DEB names the package to install");
  const r = sh("dpkg", ["-i", deb]);
  assert.equal(r.status, 0, r.stderr);
});

after(() => {
  sh("dpkg", ["-r", "rollcall"]);
});

test("the package ships the rollcall command beside the app", () => {
  const files = sh("dpkg-deb", ["-c", deb]).stdout;
  assert.match(files, /\susr\/bin\/rollcall-desktop$/m);
  assert.match(files, /\susr\/bin\/rollcall$/m);
  const v = sh("/usr/bin/rollcall", ["--version"]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^rollcall \d+\.\d+\.\d+/);
  // Found on PATH as the README's commands assume.
  assert.equal(sh("sh", ["-c", "command -v rollcall"], { env: { PATH: "/usr/bin:/bin" } }).stdout.trim(), "/usr/bin/rollcall");
});

test("the installed app schedules the nightly job with the installed command", async () => {
  const data = mkdtempSync(join(tmpdir(), "rollcall-installed-"));
  const s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data } });
  try {
    await waitFor(() => s.text('[data-testid="demo-badge"]'), "the installed app");
    await s.click('[data-page="settings"]');
    await waitFor(() => s.find('[data-testid="nightly-state"]'), "Settings → Nightly sync", 30000);
    await s.setValue('[data-testid="nightly-at"]', "03:17");
    await s.click('[data-testid="nightly-install"]');
    const errorText = () => s.exec(`return document.querySelector('[data-testid="nightly-error"]')?.textContent ?? null`);
    await waitFor(async () => /Runs every day at 03:17/.test(await s.text('[data-testid="nightly-state"]')) || (await errorText()) !== null, "the job installed");
    assert.equal(await errorText(), null);
    const jobs = JSON.parse(readFileSync(join(data, "schedules.json"), "utf8"));
    assert.equal(jobs[0].program, "/usr/bin/rollcall");
    await s.click('[data-testid="nightly-remove"]');
    await s.waitText('[data-testid="nightly-state"]', /No nightly job/, "the job removed");
  } finally {
    await s.close();
  }
});
