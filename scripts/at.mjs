#!/usr/bin/env node
// Run a command as if it were another instant, without touching the machine's clock (Linux):
//   ROLLCALL_AT=2027-03-28T02:00:00Z node scripts/at.mjs CMD ARGS...
// libfaketime (Debian's `faketime` package) is preloaded with a *relative* offset computed now, so
// the command and every process it starts (the CLI, an emulator, WebKit) share one shifted clock
// that keeps running; monotonic clocks (timers, timeouts) stay real. Without ROLLCALL_AT the
// command runs unchanged. The task runner uses this as cargo's test runner for the shifted runs.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * Where Debian and Ubuntu installed libfaketime, looked up at each call: the task runner may have
 * installed the package after this module was loaded (a fresh machine's first `npm test`).
 */
export function libfaketime() {
  return ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1"].find((p) => existsSync(p));
}

/** The environment that makes a process see `at` (an instant) as "now" from this moment on. */
export function shiftedEnv(at, base = process.env) {
  const target = Date.parse(at);
  if (Number.isNaN(target)) throw new Error(`ROLLCALL_AT is not an instant: ${at} (use e.g. 2027-03-28T02:00:00Z)`);
  const lib = libfaketime();
  if (!lib) throw new Error("libfaketime is not installed (Debian/Ubuntu: apt-get install faketime)");
  const offset = Math.round((target - Date.now()) / 1000);
  return {
    ...base,
    LD_PRELOAD: [lib, base.LD_PRELOAD].filter(Boolean).join(":"),
    FAKETIME: `${offset >= 0 ? "+" : ""}${offset}`,
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error("usage: ROLLCALL_AT=INSTANT node scripts/at.mjs CMD ARGS...");
    process.exit(64);
  }
  let env = process.env;
  if (process.env.ROLLCALL_AT) {
    try {
      env = shiftedEnv(process.env.ROLLCALL_AT);
    } catch (e) {
      console.error(e.message);
      process.exit(2);
    }
  }
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.error) {
    console.error(`${cmd}: ${r.error.message}`);
    process.exit(127);
  }
  process.exit(r.status ?? (r.signal ? 128 : 1));
}
