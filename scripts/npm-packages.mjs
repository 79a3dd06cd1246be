// `npm ci` in a folder unless its node_modules was installed from the lock file as it is now: a
// node_modules left by an older checkout (a pull that changed the lock) is installed again.
// Shared by the task runner (dev.mjs) and the installer build (tauri.mjs).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { platform } from "node:os";
import { join } from "node:path";

export function ensureNpmPackages(dir) {
  const want = createHash("sha256").update(readFileSync(join(dir, "package-lock.json"))).digest("hex");
  const stamp = join(dir, "node_modules", ".rollcall-lock-sha256");
  const installed = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
  if (installed === want && existsSync(join(dir, "node_modules", ".package-lock.json"))) return;
  console.error(`\n▶ npm ci --no-audit --no-fund   (in ${dir})`);
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit", shell: platform() === "win32" });
  if (r.status !== 0) {
    console.error(`✖ npm ci failed in ${dir}`);
    process.exit(r.status || 1);
  }
  writeFileSync(stamp, `${want}\n`);
}
