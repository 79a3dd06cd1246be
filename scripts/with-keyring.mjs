#!/usr/bin/env node
// Linux test helper: run a command with an unlocked Secret Service (gnome-keyring) of its own, so
// tests exercise the real OS keychain without touching the developer's keyring. Call it inside a
// private D-Bus session: `dbus-run-session -- node scripts/with-keyring.mjs CMD ARGS...`.
// macOS and Windows have their keychain already; the task runner calls this on Linux only.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [cmd, ...args] = process.argv.slice(2);
// A throwaway keyring folder: the password only has to match the one that created it.
const dataHome = mkdtempSync(join(tmpdir(), "rollcall-keyring-"));
const env = { ...process.env, XDG_DATA_HOME: dataHome };
const daemon = spawnSync("gnome-keyring-daemon", ["--unlock", "--components=secrets"], { input: "rollcall-test", env, encoding: "utf8" });
if (daemon.status !== 0) {
  console.error(`gnome-keyring-daemon did not start: ${daemon.stderr}`);
  process.exit(2);
}
const r = spawnSync(cmd, args, { stdio: "inherit", env });
process.exit(r.status ?? 1);
