#!/usr/bin/env node
// `npm run tauri …`: the Tauri CLI, and for `build` the installers with the `rollcall` command in
// them. The command-line tool ships as Tauri's sidecar (bundle.externalBin, in
// src-tauri/tauri.bundle.conf.json so that debug builds and tests never see it: tauri-build would
// copy it over the debug `rollcall`): built in release here, copied to
// src-tauri/binaries/rollcall-<target triple>, and installed beside the app by every bundle —
// /usr/bin/rollcall (.deb), Rollcall.app/Contents/MacOS/rollcall, the Windows install folder.
//   npm run tauri build [-- --bundles deb]      the installers, with `rollcall`
//   npm run tauri <anything else>               the Tauri CLI as it is
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { homedir, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNpmPackages } from "./npm-packages.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const isWin = platform() === "win32";
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), ".cache", "rollcall", "target");
const env = { ...process.env, CARGO_TARGET_DIR: targetDir };
const args = process.argv.slice(2);

function run(cmd, argv) {
  console.error(`\n▶ ${[cmd, ...argv].join(" ")}`);
  const r = spawnSync(cmd, argv, { stdio: "inherit", cwd: root, env, shell: isWin });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The host's target triple, as Tauri names sidecars (`rustc -vV`'s `host:` line). */
function hostTriple() {
  const r = spawnSync("rustc", ["-vV"], { encoding: "utf8", shell: isWin });
  const line = (r.stdout || "").split("\n").find((l) => l.startsWith("host: "));
  if (!line) {
    console.error("rustc -vV did not say the host's target triple");
    process.exit(2);
  }
  return line.slice("host: ".length).trim();
}

const tauri = join(root, "node_modules", ".bin", isWin ? "tauri.cmd" : "tauri");
if (args[0] === "build") {
  // The window's build (beforeBuildCommand) needs the UI's packages.
  ensureNpmPackages(join(root, "ui"));
  // The bundle's target (`--target T`), else this machine's; a universal macOS bundle needs a
  // universal `rollcall` (both architectures joined by lipo), named as Tauri looks for it.
  const at = args.indexOf("--target");
  const target = at >= 0 ? args[at + 1] : null;
  const exe = isWin ? ".exe" : "";
  const dir = join(root, "src-tauri", "binaries");
  mkdirSync(dir, { recursive: true });
  const built = (t) => {
    run("cargo", ["build", "--release", "-p", "rollcall-cli", ...(t ? ["--target", t] : [])]);
    return join(targetDir, ...(t ? [t] : []), "release", `rollcall${exe}`);
  };
  if (target === "universal-apple-darwin") {
    const parts = ["aarch64-apple-darwin", "x86_64-apple-darwin"].map(built);
    run("lipo", ["-create", "-output", join(dir, "rollcall-universal-apple-darwin"), ...parts]);
  } else {
    copyFileSync(built(target), join(dir, `rollcall-${target ?? hostTriple()}${exe}`));
  }
  run(tauri, ["build", "--config", join("src-tauri", "tauri.bundle.conf.json"), ...args.slice(1)]);
} else {
  run(tauri, args);
}
