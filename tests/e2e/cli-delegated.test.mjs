// End to end: user sign-in (delegated) mode from the CLI against the emulator — log in through the
// loopback, then list, create and cancel webinars, export attendance and sync, all as the signed-in
// host (/me). The second host is named as not readable in this mode, and the exit codes say so.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isoDay, runCli, startEmulator } from "./webdriver.mjs";

const cli = process.env.ROLLCALL_CLI;
let emulator;
let info;
let data;

before(async () => {
  assert.ok(cli, "ROLLCALL_CLI must point at the built rollcall binary");
  ({ proc: emulator, info } = await startEmulator(cli, []));
  data = mkdtempSync(join(tmpdir(), "rollcall-cli-deleg-"));
});

after(() => {
  emulator?.kill();
  if (data) rmSync(data, { recursive: true, force: true });
});

const rollcall = (args, onStderr) =>
  runCli(cli, args, { ROLLCALL_DATA_DIR: data, ROLLCALL_KEYRING_SERVICE: `app.rollcall.cli-deleg-${process.pid}` }, onStderr);

const flags = () => ["--tenant", info.tenantId, "--client-id", info.clientId, "--authority", info.authority, "--graph", info.graph, "--mode", "delegated"];

test("delegated from the CLI: the signed-in host's calendar, attendance and archive", async () => {
  const [me, other] = info.hosts;
  let opened = false;
  const login = await rollcall(["login", "--no-browser", ...flags()], async (err) => {
    const url = err.split("\n").find((l) => l.startsWith("http"));
    if (!url || opened) return;
    opened = true;
    const auth = await fetch(`${url}&login_hint=${encodeURIComponent(me)}`, { redirect: "manual" });
    await fetch(auth.headers.get("location"));
  });
  assert.equal(login.code, 0, login.err);
  assert.match(login.out, new RegExp(`Signed in as ${me.replace(/\./g, "\\.")}`));

  // List: the signed-in host's webinars; the other host refused with the reason (exit 77).
  const range = ["--from", isoDay(-60), "--to", isoDay(20), "--time-zone", "UTC"];
  const list = await rollcall(["webinars", "list", ...flags(), "--host", me, "--host", other, ...range, "--json"]);
  assert.equal(list.code, 77, list.err);
  assert.ok(list.err.includes(`Signed in as ${me}`) && list.err.includes(other), list.err);
  const listed = JSON.parse(list.out);
  assert.ok(listed.webinars.length > 0 && listed.webinars.every((w) => w.host === me));

  // Create and cancel in the signed-in host's calendar.
  const created = await rollcall(["webinars", "create", ...flags(), "--host", me, "--subject", "CLI delegated", "--start", `${isoDay(5)}T09:00`, "--time-zone", "Europe/Vienna", "--json"]);
  assert.equal(created.code, 0, created.err);
  const w = JSON.parse(created.out);
  assert.match(w.joinUrl, /^https:\/\/teams\.microsoft\.com\//);
  const cancel = await rollcall(["webinars", "cancel", ...flags(), "--host", me, "--id", w.id, "--message", "Test over"]);
  assert.equal(cancel.code, 0, cancel.err);

  // Export: only the signed-in host → exit 0 and rows; with the other host → partial, exit 77.
  const out = join(data, "me.csv");
  const ok = await rollcall(["export", ...flags(), "--host", me, "--from", isoDay(-60), "--to", isoDay(0), "--out", out]);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(readFileSync(out, "utf8").split("\n").length > 2, "attendance rows");
  const partial = join(data, "partial.csv");
  const p = await rollcall(["export", ...flags(), "--host", me, "--host", other, "--from", isoDay(-60), "--to", isoDay(0), "--out", partial]);
  assert.equal(p.code, 77, p.err);
  assert.match(p.err, /Partial export/);
  assert.ok(existsSync(partial));

  // Sync into an archive: the signed-in host's reports archived.
  const archive = join(data, "archive.sqlite");
  const s = await rollcall(["sync", ...flags(), "--host", me, "--from", isoDay(-60), "--to", isoDay(0), "--archive", archive, "--json"]);
  assert.equal(s.code, 0, s.err);
  const summary = JSON.parse(s.out);
  assert.ok(summary.fetched > 0, s.out);
  assert.deepEqual(summary.hostsFailed, []);
});
