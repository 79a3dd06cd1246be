// data/windows-zones.json and the UI's copy are what scripts/gen-windows-zones.mjs makes from the
// CLDR packages in package-lock.json: a CLDR update regenerates them, nobody edits them by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generate } from "../scripts/gen-windows-zones.mjs";

const root = join(import.meta.dirname, "..");

test("the committed zone table is the generated one", () => {
  const committed = JSON.parse(readFileSync(join(root, "data", "windows-zones.json"), "utf8"));
  assert.deepEqual(committed, generate());
  const ui = readFileSync(join(root, "ui", "src", "lib", "graph-zones.ts"), "utf8");
  for (const name of Object.keys(committed.iana)) assert.ok(ui.includes(`"${name}"`), name);
});

test("zones people pick that Graph does not list map to a Windows zone", () => {
  const { iana, windows, graphIana } = generate();
  assert.equal(iana["Europe/Vienna"], "W. Europe Standard Time");
  assert.equal(iana["Europe/Kiev"], iana["Europe/Kyiv"]);
  assert.equal(iana["America/Toronto"], "Eastern Standard Time");
  assert.ok(!graphIana.includes("Europe/Vienna"), "Graph does not list Vienna, so mapping matters");
  // Every Windows zone the table maps to is one the emulator computes in.
  for (const w of new Set(Object.values(iana))) assert.ok(windows[w], w);
});
