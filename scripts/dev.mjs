#!/usr/bin/env node
// Rollcall's task runner, the same on Windows, macOS and Linux (Node.js only, no shell features).
//   node scripts/dev.mjs demo   build the UI and launch the desktop app on the demo tenant
//   node scripts/dev.mjs test   every test: Rust (all crates), lints, UI unit tests, end-to-end
// Installs what a fresh machine lacks where it can (npm packages; on Debian/Ubuntu as root the
// WebKitGTK, Xvfb and WebDriver packages; tauri-driver via cargo) and says exactly what to run where
// it cannot.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { homedir, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { libfaketime } from "./at.mjs";
import { instants } from "./instants.mjs";
import { ensureNpmPackages } from "./npm-packages.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(root, "ui");
const isWin = platform() === "win32";
const isLinux = platform() === "linux";
// One target directory outside the clone, shared by every run, so rebuilds are incremental.
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), ".cache", "rollcall", "target");
mkdirSync(targetDir, { recursive: true });
const env = { ...process.env, CARGO_TARGET_DIR: targetDir, CARGO_TERM_COLOR: process.env.CARGO_TERM_COLOR || "always" };

function run(cmd, args, opts = {}) {
  const shown = [cmd, ...args].join(" ");
  console.error(`\n▶ ${shown}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env, cwd: root, shell: isWin, ...opts });
  if (r.status !== 0) {
    console.error(`✖ failed (${r.status ?? r.signal}): ${shown}`);
    process.exit(r.status || 1);
  }
}

function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore", shell: isWin });
  return r.status === 0;
}

const DEBIAN_BUILD = ["libwebkit2gtk-4.1-dev", "libdbus-1-dev", "pkg-config", "build-essential", "libssl-dev"];
// postgresql and openssl: the team archive's tests start a real PostgreSQL server with TLS
// (crates/core/tests/common/pg.rs).
const DEBIAN_TEST = ["xvfb", "xauth", "webkit2gtk-driver", "imagemagick", "x11-utils", "gnome-keyring", "dbus-daemon", "faketime", "cron", "postgresql", "openssl"];

function missingDebianPackages(pkgs) {
  return pkgs.filter((p) => spawnSync("dpkg-query", ["-W", "-f=${Status}", p], { encoding: "utf8" }).stdout?.includes("install ok installed") !== true);
}

function ensureLinuxPackages(pkgs) {
  if (!isLinux || !has("dpkg-query", ["--version"])) return;
  const missing = missingDebianPackages(pkgs);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    console.error(`Missing Debian/Ubuntu packages. Run:\n  sudo apt-get install -y ${missing.join(" ")}\nthen run this command again.`);
    process.exit(2);
  }
}

/** Test-only packages of the repository root (oauth2-mock-server for the interop test, the Tauri CLI). */
const ensureRootPackages = () => ensureNpmPackages(root);
const ensureUiPackages = () => ensureNpmPackages(ui);

function buildApp({ seams = false } = {}) {
  run("npm", ["run", "build"], { cwd: ui });
  // custom-protocol serves ui/dist from inside the binary (no dev server needed).
  // test-seams (the end-to-end build only): the dialogs and the browser answered by the tests.
  run("cargo", ["build", "-p", "rollcall-desktop", "--features", seams ? "tauri/custom-protocol,test-seams" : "tauri/custom-protocol"]);
  if (seams) run("cargo", ["build", "-p", "rollcall-cli", "--features", "test-seams"]);
  return join(targetDir, "debug", isWin ? "rollcall-desktop.exe" : "rollcall-desktop");
}

/**
 * The tauri-driver to run: the one on PATH, else the one `cargo install` puts in Cargo's bin folder
 * (which a fresh machine's PATH may not name yet), installing it first if neither exists.
 */
function ensureTauriDriver() {
  if (has("tauri-driver", ["--help"])) return "tauri-driver";
  const installed = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "bin", isWin ? "tauri-driver.exe" : "tauri-driver");
  if (!existsSync(installed)) run("cargo", ["install", "tauri-driver", "--locked"]);
  return installed;
}

/**
 * Copies of the end-to-end binaries in a folder of this run's own: `npm run demo` builds the same
 * binaries without the test seams into the shared target folder, and a demo started while the suite
 * runs would otherwise replace the app under the tests. Removed when the process exits.
 */
function privateCopies(paths) {
  const dir = mkdtempSync(join(targetDir, "e2e-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
  return paths.map((p) => {
    const copy = join(dir, p.split(/[\\/]/).pop());
    copyFileSync(p, copy);
    return copy;
  });
}

/** On Linux, run with a private D-Bus session and an unlocked keyring (the real Secret Service). */
function withKeyring(cmd, args, opts = {}) {
  if (!isLinux) return run(cmd, args, opts);
  return run("dbus-run-session", keyringArgs(cmd, args), opts);
}

/** `dbus-run-session`'s arguments that run `cmd` with a private, unlocked keyring. */
function keyringArgs(cmd, args) {
  return ["--", "node", join(root, "scripts", "with-keyring.mjs"), cmd, ...args];
}

/**
 * The instants the suite runs at: ROLLCALL_AT alone when set (to reproduce one date), else today
 * and, on Linux (libfaketime), every instant of scripts/instants.mjs.
 */
function plannedInstants() {
  const at = process.env.ROLLCALL_AT;
  if (at) return { today: false, shifted: [{ at, why: "ROLLCALL_AT" }], e2e: [at] };
  if (!isLinux) {
    console.error("Note: the shifted-date runs need libfaketime (Linux); here the suite runs at today's date only.");
    return { today: true, shifted: [], e2e: [null] };
  }
  const shifted = instants();
  // One shifted date for the end-to-end suite: New Year's Eve, where month and year turn mid-run.
  return { today: true, shifted, e2e: [null, shifted.find((x) => x.why.startsWith("New Year")).at] };
}

/** The cargo arguments that run every test binary through scripts/at.mjs (ROLLCALL_AT in its env). */
const SHIFTED_RUNNER = ["--config", `target.'cfg(all())'.runner = ["node", ${JSON.stringify(join(root, "scripts", "at.mjs"))}]`];

/** A command's exit status and its output (stdout and stderr interleaved), without a terminal. */
function runCaptured(cmd, args, opts) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root, shell: isWin, ...opts, stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    p.stdout.on("data", (d) => out.push(d));
    p.stderr.on("data", (d) => out.push(d));
    p.on("close", (status, signal) => resolve({ status: status ?? signal, output: Buffer.concat(out).toString() }));
  });
}

/**
 * The Rust suite at each shifted instant, two at a time: the suites mostly wait on the emulator
 * (latency, Retry-After), so two share 2 cores well. Each prints its whole output when it ends.
 */
async function rustTestsShifted(list) {
  if (!libfaketime()) {
    console.error("libfaketime is missing: install Debian's `faketime` package to run the suite at another instant.");
    process.exit(2);
  }
  const queue = [...list];
  const failed = [];
  const worker = async () => {
    for (let x = queue.shift(); x; x = queue.shift()) {
      const started = Date.now();
      const args = keyringArgs("cargo", ["test", "--workspace", ...SHIFTED_RUNNER]);
      const r = await runCaptured("dbus-run-session", args, { env: { ...env, CARGO_TERM_COLOR: "never", ROLLCALL_AT: x.at } });
      const took = ((Date.now() - started) / 1000).toFixed(0);
      console.error(`\n▶ the Rust suite as if it were ${x.at} (${x.why}): ${r.status === 0 ? "passed" : "FAILED"} in ${took} s\n${r.output}`);
      if (r.status !== 0) failed.push(x);
    }
  };
  await Promise.all([worker(), worker()]);
  if (failed.length > 0) {
    console.error(`✖ the Rust suite failed as if it were: ${failed.map((x) => `${x.at} (${x.why})`).join(", ")}\n  reproduce one with: ROLLCALL_AT=${failed[0].at} npm test`);
    process.exit(1);
  }
}

const task = process.argv[2];
if (task === "demo") {
  ensureLinuxPackages(DEBIAN_BUILD);
  ensureUiPackages();
  const app = buildApp();
  run(app, ["--demo"]);
} else if (task === "test") {
  ensureLinuxPackages([...DEBIAN_BUILD, ...DEBIAN_TEST]);
  ensureRootPackages();
  ensureUiPackages();
  const plan = plannedInstants();
  // The property tests draw their thousands of cases from this seed: the same cases on every run
  // and machine, so a red run is reproducible; explore others with PROPTEST_RNG_SEED=N npm test.
  env.PROPTEST_RNG_SEED ??= "20261201";
  run("cargo", ["fmt", "--all", "--check"]);
  run("cargo", ["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
  if (plan.today) withKeyring("cargo", ["test", "--workspace"]);
  if (plan.shifted.length > 0) await rustTestsShifted(plan.shifted);
  run("npm", ["run", "check"], { cwd: ui });
  run("npm", ["run", "lint"], { cwd: ui });
  run("npm", ["test"], { cwd: ui });
  run("node", ["--test", "--test-reporter=spec", join("tests", "workflows.test.mjs"), join("tests", "instants.test.mjs"), join("tests", "windows-zones.test.mjs"), join("tests", "security.test.mjs")]);
  const [app, cli] = privateCopies([buildApp({ seams: true }), join(targetDir, "debug", isWin ? "rollcall.exe" : "rollcall")]);
  const driver = ensureTauriDriver();
  const e2e = ["--test", "--test-reporter=spec", join("tests", "e2e")];
  const e2eEnv = { ...env, ROLLCALL_APP: app, ROLLCALL_CLI: cli, ROLLCALL_TAURI_DRIVER: driver };
  for (const at of plan.e2e) {
    // The shifted run: the test runner and all it starts (tauri-driver, the app, WebKit) share one clock.
    const cmd = at ? ["node", join(root, "scripts", "at.mjs"), "node", ...e2e] : ["node", ...e2e];
    const opts = { env: at ? { ...e2eEnv, ROLLCALL_AT: at } : e2eEnv };
    if (at) console.error(`\n▶ the end-to-end suite as if it were ${at}`);
    if (isLinux && !process.env.DISPLAY) {
      withKeyring("xvfb-run", ["-a", "-s", "-screen 0 1280x860x24", ...cmd], opts);
    } else {
      withKeyring(cmd[0], cmd.slice(1), opts);
    }
  }
  // The installers (once per run, Linux as root: dpkg): the .deb `npm run tauri build` makes,
  // installed and used as a user would — the `rollcall` command beside the app, the job scheduled
  // from the installed app. macOS and Windows CI build their bundles in their own jobs.
  if (isLinux && process.getuid?.() === 0 && has("dpkg", ["--version"])) {
    run("node", [join(root, "scripts", "tauri.mjs"), "build", "--bundles", "deb"]);
    const debDir = join(targetDir, "release", "bundle", "deb");
    const deb = readdirSync(debDir)
      .filter((f) => f.endsWith(".deb"))
      .map((f) => join(debDir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    const pkg = ["node", "--test", "--test-reporter=spec", join("tests", "package")];
    const pkgEnv = { env: { ...env, ROLLCALL_DEB: deb, ROLLCALL_APP: "/usr/bin/rollcall-desktop", ROLLCALL_TAURI_DRIVER: driver } };
    if (!process.env.DISPLAY) withKeyring("xvfb-run", ["-a", "-s", "-screen 0 1280x860x24", ...pkg], pkgEnv);
    else withKeyring(pkg[0], pkg.slice(1), pkgEnv);
  } else {
    console.error("\nNote: the installed-package test needs Linux, root and dpkg; skipped here.");
  }
  console.error("\n✔ all tests passed");
} else {
  console.error("usage: node scripts/dev.mjs demo|test");
  process.exit(64);
}
