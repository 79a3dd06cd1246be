// End to end, with a real PostgreSQL server (tests/e2e/pg.mjs): an admin's app moves its
// connection's archive to a shared database ("Move this archive to a shared database…"), copied and
// verified; a curator's app joins it with a reader's account and is told it is read-only, with no
// sync, import or match offered; a server that is away is said in words, and back again it answers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startPostgres } from "./pg.mjs";
import { addProfile, isoDay, openApp, runCli, startEmulator, waitFor } from "./webdriver.mjs";

const cli = process.env.ROLLCALL_CLI;
// A database server is a heavy check: it runs once per `npm test`, in the run at today's date, not
// again in the shifted-clock run (libfaketime sets FAKETIME); the file archive runs at both.
const shifted = process.env.FAKETIME ? "the PostgreSQL server runs once per npm test, in the run at today's date" : false;
let s;
let pg;
let emulator;
let info;
let data;

before(async () => {
  if (shifted) return;
  assert.ok(cli, "ROLLCALL_CLI must point at the built rollcall binary");
  pg = await startPostgres();
  // The database administrator's part, as the README says: the roles, then their passwords.
  const roles = await runCli(cli, ["archive", "roles", "--archive", pg.address(pg.user), "--apply"], { ROLLCALL_ARCHIVE_PASSWORD: pg.password });
  assert.equal(roles.code, 0, roles.err);
  pg.psql("ALTER ROLE rollcall_writer PASSWORD 'writer-pw'; ALTER ROLE rollcall_reader PASSWORD 'reader-pw'");
  ({ proc: emulator, info } = await startEmulator(cli));
  data = mkdtempSync(join(tmpdir(), "rollcall-e2e-shared-"));
  s = await openApp({ env: { ROLLCALL_DATA_DIR: data, ROLLCALL_KEYRING_SERVICE: `app.rollcall.e2e-shared-${process.pid}` } });
});

after(async () => {
  await s?.close();
  emulator?.kill();
  pg?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

const sessionsHeld = async () => Number((await s.waitText('[data-testid="archive-holds"]', /session/, "what the archive holds")).match(/^(\d+) session/)[1]);

/** Click a control that may sit below the fold (the form grows under the panel). */
async function press(css) {
  await waitFor(() => s.exec(`const el = document.querySelector(arguments[0]); if (!el || el.disabled) return false; el.scrollIntoView({ block: "center" }); return true;`, css), css);
  await s.clickWhenReady(css);
}

async function connectShared(button, address, password) {
  await press(`[data-testid="${button}"]`);
  await s.type('[data-testid="archive-address"]', address);
  await s.type('[data-testid="archive-password"]', password);
}

test("the archive moves to the shared database, a reader reads it only, a server away is said", { skip: shifted }, async () => {
  await s.clickWhenReady('[data-page="settings"]', "the navigation");
  await addProfile(s, info, { name: "Northwind", mode: "application", secret: info.clientSecret, secretExpires: isoDay(300) });
  // Something to move: the period synced into this computer's file.
  await s.clickWhenReady('[data-page="attendance"]', "the navigation");
  await waitFor(() => s.find('[data-testid="attendance-webinar"]'), "the webinars", 60000);
  await s.clickWhenReady('[data-testid="sync-period"]', "the sync button");
  await s.waitText('[data-testid="sync-done"]', /./, "the sync's summary", 120000);

  await s.clickWhenReady('[data-page="settings"]', "the navigation");
  await s.waitText('[data-testid="archive-where"]', /On this computer: .*archive-.*\.sqlite/, "the file");
  const local = await sessionsHeld();
  assert.ok(local > 0, `${local}`);

  // The admin's move: copied into the empty database, verified, and used from now on.
  const writer = pg.address("rollcall_writer");
  await connectShared("archive-move-open", writer, "writer-pw");
  await s.shot("archive-move.png");
  await press('[data-testid="archive-submit"]');
  await s.waitText('[data-testid="archive-message"]', /Now using postgres:\/\/rollcall_writer@localhost:\d+\/rollcall/, "the move", 60000);
  assert.match(await s.text('[data-testid="archive-where"]'), /Shared database: postgres:\/\/rollcall_writer@localhost/);
  assert.ok(!(await s.text('[data-testid="archive-where"]')).includes("writer-pw"), "no password shown");
  assert.equal(await sessionsHeld(), local, "every session moved");
  assert.equal(Number(pg.psql("SELECT count(*) FROM sessions", "rollcall")), local, "in the database itself");
  await s.shot("archive-shared.png");

  // A curator's account: the same archive, read-only, nothing that writes offered.
  await press('[data-testid="archive-use-file"]');
  await s.waitText('[data-testid="archive-message"]', /file on this computer/, "back to the file");
  await connectShared("archive-join-open", pg.address("rollcall_reader"), "reader-pw");
  await press('[data-testid="archive-submit"]');
  await s.waitText('[data-testid="archive-readonly"]', /Read-only for you/, "the reader's note", 60000);
  assert.equal(await sessionsHeld(), local);
  await s.waitText('[data-testid="nightly-read-only"]', /read-only for this account/, "no nightly job offered", 30000);
  await s.shot("archive-reader.png");
  await s.clickWhenReady('[data-page="attendance"]', "the navigation");
  await s.waitText('[data-testid="archive-read-only"]', /read-only for you/, "the attendance page's note", 30000);
  assert.equal(await s.exec(`return document.querySelector('[data-testid="sync-period"]') === null`), true, "no sync offered");
  assert.equal(await s.exec(`return document.querySelector('[data-testid="import-file"]') === null`), true, "no import offered");

  // The server goes away: said in words (which server, why); back, it answers again.
  pg.pause();
  await s.clickWhenReady('[data-page="settings"]', "the navigation");
  const away = await s.waitText('[data-testid="archive-error"]', /Nothing answers on localhost:\d+/, "the server away", 60000);
  assert.match(away, /connection was refused/);
  await s.shot("archive-away.png");
  pg.resume();
  await s.clickWhenReady('[data-page="attendance"]', "the navigation");
  await s.clickWhenReady('[data-page="settings"]', "the navigation");
  await s.waitText('[data-testid="archive-where"]', /Shared database/, "the server back", 60000);
});
