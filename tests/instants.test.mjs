// The shifted-date runs of `npm test`: scripts/instants.mjs picks the right instants, and
// scripts/at.mjs really moves the clock of a command and of everything it starts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { platform } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { libfaketime } from "../scripts/at.mjs";
import { instants } from "../scripts/instants.mjs";

const root = join(import.meta.dirname, "..");
const offsetMinutes = (zone, t) => {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(new Date(t));
  const m = /GMT(?:([+-])(\d\d):(\d\d))?/.exec(parts.find((p) => p.type === "timeZoneName").value);
  return m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
};
const H = 3_600_000;

test("the instants for a given day are the next of each edge", () => {
  const list = instants(Date.parse("2026-12-01T17:14:19Z"));
  assert.deepEqual(
    list.map((x) => x.at),
    [
      "2027-03-28T02:00:00Z",
      "2027-10-31T02:00:00Z",
      "2027-03-14T10:00:00Z",
      "2027-11-07T10:00:00Z",
      "2026-12-31T23:30:00Z",
      "2028-02-29T12:00:00Z",
      "2026-12-06T09:59:00Z",
      "2027-10-27T17:14:00Z",
    ],
  );
  // After the leap day of 2028, the next one; after New Year's Eve, the next.
  const later = instants(Date.parse("2028-03-01T00:00:00Z"));
  assert.equal(later.find((x) => x.why.includes("leap")).at, "2032-02-29T12:00:00Z");
  assert.equal(later.find((x) => x.why.includes("New Year")).at, "2028-12-31T23:30:00Z");
});

test("each DST instant falls just after a real change, and Kiritimati's is Sunday 23:59 there", () => {
  for (const day of ["2026-12-01T17:14:19Z", "2027-04-15T08:00:00Z", "2031-06-30T23:59:00Z"]) {
    const now = Date.parse(day);
    const list = instants(now);
    for (const x of list) assert.ok(Date.parse(x.at) > now, `${x.at} is after ${day}`);
    const at = (prefix) => Date.parse(list.find((x) => x.why.startsWith(prefix)).at);
    const eu = [at("European spring"), at("European autumn")];
    for (const t of eu) assert.notEqual(offsetMinutes("Europe/Berlin", t - 2 * H), offsetMinutes("Europe/Berlin", t), new Date(t).toISOString());
    for (const t of eu) assert.equal(offsetMinutes("Europe/Berlin", t - H), offsetMinutes("Europe/Berlin", t), "one hour after the change");
    for (const t of [at("US spring"), at("US autumn")]) assert.notEqual(offsetMinutes("America/New_York", t - 10 * H), offsetMinutes("America/New_York", t), new Date(t).toISOString());
    const kiritimati = new Intl.DateTimeFormat("en-GB", { timeZone: "Pacific/Kiritimati", weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at("Sunday")));
    assert.equal(kiritimati, "Sunday 23:59");
  }
});

test("scripts/at.mjs shifts the clock of a command and of the processes it starts", { skip: platform() !== "linux" && "libfaketime is Linux-only here" }, () => {
  assert.ok(libfaketime(), "libfaketime is installed (Debian: faketime)");
  const target = "2028-02-29T12:00:00Z";
  const r = spawnSync("node", [join(root, "scripts", "at.mjs"), "sh", "-c", "date -u +%s; sleep 1; sh -c 'date -u +%s'"], {
    env: { ...process.env, ROLLCALL_AT: target },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const [outer, inner] = r.stdout.trim().split("\n").map(Number);
  const want = Date.parse(target) / 1000;
  assert.ok(Math.abs(outer - want) <= 2, `the command sees ${new Date(outer * 1000).toISOString()}`);
  assert.ok(inner - outer >= 1 && inner - outer <= 3, "a child process shares the clock, which keeps running");
  const bad = spawnSync("node", [join(root, "scripts", "at.mjs"), "true"], { env: { ...process.env, ROLLCALL_AT: "next Tuesday" }, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not an instant/);
});
