#!/usr/bin/env node
// Start-up and memory benchmark of the release build, not a test. Prints numbers and their ratio to
// the goals (start-up under 1 s, idle memory under 150 MB):
//  - start-up: process launch → the first page interactive (the app logs "interactive after N ms"
//    when its first page has rendered; the script also times launch → that line appearing), for a
//    fresh install (welcome screen) and for --demo (the Setup page with the demo tenant started);
//    the first launch after the build is the cold one, the others have the files in the OS cache;
//  - memory: the app with its WebKit processes after opening every page once (Ctrl+1…4) and
//    5 s idle (Linux /proc): the sum of PSS (shared library pages split between the processes that
//    map them), of private anonymous memory (what the app adds to a machine that already has
//    WebKit's libraries loaded), and of RSS (shared pages counted in every process, pessimistic);
//  - bundle sizes found under target/release/bundle.
// Build first: `npm --prefix ui run build && cargo build --release -p rollcall-desktop
// --features tauri/custom-protocol` (or `npm run tauri build`). Linux: run under Xvfb and a keyring
// session, and with xdotool installed for the page visits:
//   dbus-run-session -- node scripts/with-keyring.mjs xvfb-run -a -s "-screen 0 1280x860x24" \
//     node scripts/bench-startup.mjs
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = Number(process.env.RUNS ?? 5);
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), ".cache", "rollcall", "target");
const app = process.env.ROLLCALL_APP_RELEASE || join(targetDir, "release", process.platform === "win32" ? "rollcall-desktop.exe" : "rollcall-desktop");
if (!existsSync(app)) {
  console.error(`No release build at ${app}. Build it first (see the comment at the top of this script).`);
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Launch the app on a fresh data folder; resolve when its log says the first page is interactive. */
async function launch(args) {
  const data = mkdtempSync(join(tmpdir(), "rollcall-bench-start-"));
  const t0 = performance.now();
  const proc = spawn(app, args, {
    env: { ...process.env, ROLLCALL_DATA_DIR: data, ROLLCALL_KEYRING_SERVICE: "rollcall-bench" },
    stdio: "ignore",
    detached: process.platform !== "win32",
  });
  const logs = join(data, "logs");
  const deadline = t0 + 30_000;
  while (performance.now() < deadline) {
    if (existsSync(logs)) {
      for (const f of readdirSync(logs)) {
        const m = /interactive after (\d+) ms/.exec(readFileSync(join(logs, f), "utf8"));
        if (m) return { proc, data, appMs: Number(m[1]), wallMs: performance.now() - t0 };
      }
    }
    await sleep(5);
  }
  stop({ proc, data });
  throw new Error(`${args.join(" ") || "the app"} did not become interactive in 30 s`);
}

function stop({ proc, data }) {
  try {
    if (process.platform !== "win32") process.kill(-proc.pid, "SIGKILL");
    else proc.kill();
  } catch {
    // Already gone.
  }
  rmSync(data, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startup(label, args) {
  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await launch(args);
    rows.push(r);
    stop(r);
    await sleep(500);
  }
  const app = rows.map((r) => r.appMs);
  const wall = rows.map((r) => r.wallMs);
  console.log(
    `start-up ${label.padEnd(22)} first (cold) ${app[0]} ms · median ${median(app)} ms · max ${Math.max(...app)} ms` +
      `   (launch→log line: median ${median(wall).toFixed(0)} ms)   ratio to 1 s goal: ${(median(app) / 1000).toFixed(2)}`,
  );
  return median(app);
}

/** The app and every process below it (WebKit's web and network processes). Linux /proc. */
function tree(root) {
  const children = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(pid));
    } catch {
      // Exited meanwhile.
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

function memoryOf(pid) {
  const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  let rss = 0;
  let pss = 0;
  let anon = 0;
  const procs = [];
  for (const p of tree(pid)) {
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      const name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      rss += kb(rollup, "Rss");
      pss += kb(rollup, "Pss");
      anon += kb(rollup, "Anonymous");
      procs.push(`${name} ${(kb(rollup, "Pss") / 1024).toFixed(0)}/${(kb(rollup, "Anonymous") / 1024).toFixed(0)}`);
    } catch {
      // Exited meanwhile.
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, anonMb: anon / 1024, procs };
}

async function memory() {
  if (process.platform !== "linux") {
    console.log("memory: measured on Linux only (/proc); skipped here");
    return;
  }
  const haveXdotool = spawnSync("xdotool", ["version"], { stdio: "ignore" }).status === 0;
  const r = await launch(["--demo"]);
  try {
    await sleep(4000); // the set-up checks answer
    if (haveXdotool) {
      for (const key of ["ctrl+2", "ctrl+3", "ctrl+4", "ctrl+1"]) {
        spawnSync("xdotool", ["key", key]);
        await sleep(3000);
      }
    } else {
      console.log("(xdotool missing: memory measured on the first page only)");
    }
    await sleep(5000);
    const m = memoryOf(r.proc.pid);
    const set = process.env.WEBKIT_DISABLE_COMPOSITING_MODE;
    const compositing = set === undefined ? "as the app chooses" : set === "0" ? "forced on" : "forced off";
    console.log(
      `idle memory after every page    PSS ${m.pssMb.toFixed(0)} MB (ratio to 150 MB: ${(m.pssMb / 150).toFixed(2)}) · ` +
        `private ${m.anonMb.toFixed(0)} MB (ratio ${(m.anonMb / 150).toFixed(2)}) · RSS sum ${m.rssMb.toFixed(0)} MB` +
        `   [PSS/private MB: ${m.procs.join(", ")}; WebKit compositing ${compositing}]`,
    );
  } finally {
    stop(r);
  }
}

function bundles() {
  const dir = join(targetDir, "release", "bundle");
  if (!existsSync(dir)) return;
  for (const kind of readdirSync(dir)) {
    for (const f of readdirSync(join(dir, kind))) {
      const p = join(dir, kind, f);
      if (statSync(p).isFile()) console.log(`bundle ${kind.padEnd(8)} ${f}  ${(statSync(p).size / 1048576).toFixed(2)} MiB`);
    }
  }
  console.log(`binary   ${app}  ${(statSync(app).size / 1048576).toFixed(2)} MiB`);
}

await startup("fresh install (welcome)", []);
await startup("--demo (Setup page)", ["--demo"]);
await memory();
bundles();
