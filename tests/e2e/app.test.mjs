// End to end: the real desktop app (WebKitGTK window) driven through W3C WebDriver by tauri-driver,
// on the demo tenant. Run by `npm test` under Xvfb; ROLLCALL_APP points at the built binary.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";

const app = process.env.ROLLCALL_APP;
let driver;
let base;
let session;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function wd(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

async function find(css) {
  const el = await wd("POST", `/session/${session}/element`, { using: "css selector", value: css });
  return Object.values(el)[0];
}

async function text(css) {
  return wd("GET", `/session/${session}/element/${await find(css)}/text`);
}

async function click(css) {
  await wd("POST", `/session/${session}/element/${await find(css)}/click`, {});
}

before(async () => {
  assert.ok(app, "ROLLCALL_APP must point at the built rollcall-desktop binary");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  driver = spawn("tauri-driver", ["--port", String(port)], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ROLLCALL_DEMO: "1" } });
  await waitFor(async () => (await fetch(`${base}/status`)).ok, "tauri-driver");
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app, args: ["--demo"] } } },
  });
  session = created.sessionId;
});

after(async () => {
  try {
    if (session) await wd("DELETE", `/session/${session}`);
  } finally {
    driver?.kill();
  }
});

test("the app opens on the demo tenant and shows hosts read from the emulator", async () => {
  const badge = await waitFor(() => text('[data-testid="demo-badge"]'), "the DEMO badge");
  assert.equal(badge, "DEMO");
  const hosts = await waitFor(async () => {
    const t = await text('[data-testid="hosts"]');
    return t.includes("megan.bowen@northwind.example") ? t : null;
  }, "the hosts table");
  // Facts only the emulator's demo tenant holds: a host without Teams, a mail that differs from the UPN.
  assert.match(hosts, /Diego Siciliani/);
  assert.match(hosts, /Teams disabled/);
  assert.match(hosts, /maria\.ortiz@northwind\.example/);
  const title = await wd("GET", `/session/${session}/title`);
  assert.match(title, /DEMO/);
});

test("navigation reaches Calendar, Attendance and Settings", async () => {
  await click('[data-page="calendar"]');
  const upcoming = await waitFor(() => text("main h1"), "the calendar heading");
  assert.match(upcoming, /Upcoming webinars/);
  const rows = await waitFor(() => text('[data-testid="webinars"]'), "the webinar table");
  assert.match(rows, /#\d+|Weekly methods seminar/);

  await click('[data-page="attendance"]');
  assert.match(await waitFor(() => text("main h1"), "attendance heading"), /Ended webinars/);

  await click('[data-page="settings"]');
  const settings = await waitFor(() => text("main"), "settings");
  assert.match(settings, /Demo tenant/);

  await click('[data-page="setup"]');
  const shot = await wd("GET", `/session/${session}/screenshot`);
  const dir = join(process.env.CARGO_TARGET_DIR ?? ".", "e2e");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "setup.png"), Buffer.from(shot, "base64"));
});
