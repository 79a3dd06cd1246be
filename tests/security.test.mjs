// What the window may do, checked from the files that decide it: the capability lists only what
// the UI uses (each app command by name, from the app manifest in src-tauri/build.rs), the CSP
// forbids form posts and inline or eval'd script, the prototype is frozen (Preact's assign() is
// rewritten for it at build time: ui/vite.config.ts), and the test seams exist only behind the
// `test-seams` feature (never in a release binary).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const read = (p) => readFileSync(join(root, p), "utf8");

const invoked = [...read("ui/src/ipc/bindings.ts").matchAll(/TAURI_INVOKE\("(\w+)"/g)].map((m) => m[1]);
const manifest = [...read("src-tauri/build.rs").matchAll(/^\s+"(\w+)",$/gm)].map((m) => m[1]);
const capability = JSON.parse(read("src-tauri/capabilities/default.json"));

test("every command the UI can invoke is in the app manifest and granted by name, and nothing else is", () => {
  assert.ok(invoked.length > 30, `only ${invoked.length} commands in the bindings`);
  assert.deepEqual([...manifest].sort(), [...new Set(invoked)].sort(), "src-tauri/build.rs lists exactly the commands of the bindings");
  const granted = capability.permissions.filter((p) => !p.includes(":"));
  assert.deepEqual(granted.sort(), manifest.map((c) => `allow-${c.replaceAll("_", "-")}`).sort());
});

test("the window gets no default core, dialog, file system or shell permission", () => {
  const plugin = capability.permissions.filter((p) => p.includes(":"));
  assert.deepEqual(plugin, ["core:webview:allow-set-webview-zoom", "core:window:allow-set-theme"], "only the zoom and the theme the Appearance setting uses");
});

test("the CSP forbids form posts, plugins, framing and any script not shipped with the app; the prototype is frozen", () => {
  const sec = JSON.parse(read("tauri.conf.json")).app.security;
  assert.equal(sec.freezePrototype, true);
  const csp = sec.csp;
  for (const rule of ["form-action 'none'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"]) {
    assert.ok(csp.includes(rule), `CSP lacks ${rule}: ${csp}`);
  }
  assert.match(csp, /script-src 'self'(;|$)/, "no inline or eval'd script");
});

/** Every .rs file of the product (not its tests). */
function rustSources(dir, out = []) {
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) {
      if (name !== "tests" && name !== "target" && name !== "node_modules") rustSources(p, out);
    } else if (name.endsWith(".rs")) out.push(p);
  }
  return out;
}

test("the test seams are compiled only with the test-seams feature", () => {
  const files = [...rustSources("src-tauri"), ...rustSources("crates")];
  let seams = 0;
  for (const f of files) {
    const lines = read(f).split("\n");
    lines.forEach((line, i) => {
      if (!/std::env::var(_os)?\("ROLLCALL_TEST_/.test(line)) return;
      seams += 1;
      const before = lines.slice(Math.max(0, i - 6), i).join("\n");
      assert.match(before, /#\[cfg\(feature = "test-seams"\)\]/, `${f}:${i + 1} reads a test seam outside #[cfg(feature = "test-seams")]`);
    });
  }
  assert.ok(seams >= 2, `found ${seams} seams`);
});
