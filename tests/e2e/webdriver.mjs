// W3C WebDriver over plain fetch, shared by the end-to-end tests. Not a test file itself.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createServer } from "node:net";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const app = process.env.ROLLCALL_APP;

export function freePort() {
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, what, timeoutMs = 30000) {
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

/** Start tauri-driver and open the app; `env` reaches the app, `args` its command line. */
export async function openApp({ env = {}, args = [], output } = {}) {
  assert.ok(app, "ROLLCALL_APP must point at the built rollcall-desktop binary");
  const port = await freePort();
  // The native WebDriver gets its own free port too: test files run concurrently, and its default
  // (4445) would be shared between them.
  const nativePort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Its own process group, so closing the session can end the driver, WebKitWebDriver and the app
  // together even if the app outlives its window.
  // Without a GPU the app turns WebKitGTK's compositing off (src-tauri/platform.rs), and then
  // WebKitWebDriver's screenshot never returns on a page that does not repaint. Runs that save
  // screenshots for docs/ keep compositing on; the tests proper run the app as shipped.
  const shots = process.env.ROLLCALL_DOCS_SHOTS ? { WEBKIT_DISABLE_COMPOSITING_MODE: "0" } : {};
  const driver = spawn(process.env.ROLLCALL_TAURI_DRIVER || "tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", output ? "pipe" : "inherit", output ? "pipe" : "inherit"],
    env: { ...process.env, ...shots, ...env },
    detached: process.platform !== "win32",
  });
  if (output) {
    driver.stdout.on("data", (d) => output.push(String(d)));
    driver.stderr.on("data", (d) => output.push(String(d)));
  }
  await waitFor(async () => (await fetch(`${base}/status`)).ok, "tauri-driver");
  const s = new Session(base, driver);
  const created = await s.wd("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app, args } } },
  });
  s.id = created.sessionId;
  return s;
}

export class Session {
  constructor(base, driver) {
    this.base = base;
    this.driver = driver;
    this.id = null;
  }
  async wd(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
    return json.value;
  }
  async find(css) {
    const el = await this.wd("POST", `/session/${this.id}/element`, { using: "css selector", value: css });
    return Object.values(el)[0];
  }
  async text(css) {
    return this.wd("GET", `/session/${this.id}/element/${await this.find(css)}/text`);
  }
  async click(css) {
    await this.wd("POST", `/session/${this.id}/element/${await this.find(css)}/click`, {});
  }
  /** Click once the element exists (pages render asynchronously after navigation). */
  async clickWhenReady(css, what = css) {
    await waitFor(() => this.click(css).then(() => true), what);
  }
  async type(css, value) {
    const el = await this.find(css);
    await this.wd("POST", `/session/${this.id}/element/${el}/clear`, {});
    await this.wd("POST", `/session/${this.id}/element/${el}/value`, { text: value });
  }
  /** Wait until the element's text matches `re`, and return the text. */
  async waitText(css, re, what = css, timeoutMs = 30000) {
    let seen = null;
    return waitFor(async () => {
      const t = await this.text(css);
      seen = t;
      return re.test(t) ? t : null;
    }, what, timeoutMs).catch((e) => {
      throw new Error(seen === null ? e.message : `${e.message} (it says: ${JSON.stringify(seen.slice(0, 300))})`);
    });
  }
  /** Set a field's value as a picker would (native date pickers ignore typed keys differently per OS). */
  async setValue(css, value) {
    const script = "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true }));";
    await this.wd("POST", `/session/${this.id}/execute/sync`, { script, args: [css, value] });
  }
  async title() {
    return this.wd("GET", `/session/${this.id}/title`);
  }
  async exec(script, ...args) {
    return this.wd("POST", `/session/${this.id}/execute/sync`, { script, args });
  }
  /** Move the mouse over the element's centre through W3C pointer actions (real hover events). */
  async hover(css) {
    const r = await this.exec("const el = document.querySelector(arguments[0]); el.scrollIntoView({ block: \"center\" }); const b = el.getBoundingClientRect(); return [Math.round(b.left + b.width / 2), Math.round(b.top + b.height / 2)];", css);
    await this.wd("POST", `/session/${this.id}/actions`, { actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [{ type: "pointerMove", duration: 0, origin: "viewport", x: r[0], y: r[1] }] }] });
  }
  /** A real mouse click at the element's centre (W3C pointer actions), for SVG shapes that
   * WebKitWebDriver's element click calls "not interactable". */
  async clickAt(css) {
    await this.hover(css);
    await this.wd("POST", `/session/${this.id}/actions`, { actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [{ type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 }] }] });
    await this.wd("DELETE", `/session/${this.id}/actions`);
  }
  /** Press a key with modifiers through W3C actions, e.g. `press("2", "\uE009")` for Ctrl+2. */
  async press(key, ...modifiers) {
    const down = [...modifiers, key].map((value) => ({ type: "keyDown", value }));
    const up = [key, ...modifiers.reverse()].map((value) => ({ type: "keyUp", value }));
    await this.wd("POST", `/session/${this.id}/actions`, { actions: [{ type: "key", id: "keyboard", actions: [...down, ...up] }] });
    await this.wd("DELETE", `/session/${this.id}/actions`);
  }
  /**
   * On the Calendar page: create a webinar in the New webinar dialog (its default start: tomorrow
   * 10:00), close the dialog and return the join link and the event's selector. `shot` names a
   * docs screenshot of the filled dialog.
   */
  async createWebinar(subject, invitees = "", shot = null) {
    await this.clickWhenReady('[data-testid="new-webinar"]', "New webinar");
    await this.type('[data-testid="new-webinar-dialog"] [name="subject"]', subject);
    if (invitees) await this.type('[data-testid="new-webinar-dialog"] [name="invitees"]', invitees);
    if (shot) await this.shot(shot);
    await this.click('[data-testid="new-webinar-dialog"] button[type="submit"]');
    const join = await this.waitText('[data-testid="join-url"]', /^https:\/\/teams\.microsoft\.com\/(l\/meetup-join|meet)\//, "the join link (either Teams link form)").catch(async (e) => {
      throw new Error(`${e.message}; the dialog says: ${await this.text('[data-testid="new-webinar-dialog"]').catch(() => "(gone)")}`);
    });
    await this.click('[data-testid="dialog-done"]');
    const event = `[data-testid="event"][data-subject="${subject}"]`;
    await waitFor(() => this.find(event), "the new webinar in the calendar");
    return { join, event };
  }
  /** Cancel the webinar `event` (a selector) from its details panel (opened if it is not), with a message. */
  async cancelWebinar(event, message) {
    const open = await this.find('[data-testid="details-panel"]').then(() => true, () => false);
    if (!open) await this.click(event);
    await waitFor(() => this.find('[data-testid="details-panel"]'), "the details panel");
    await waitFor(async () => !/…$/.test(await this.text('[data-testid="meeting-id"]')), "the online meeting id");
    await this.click('[data-testid="cancel-webinar"]');
    await this.type('[data-testid="cancel-message"]', message);
    await this.click('[data-testid="confirm-cancel"]');
    const cancelled = async () => this.wd("GET", `/session/${this.id}/element/${await this.find(event)}/attribute/data-cancelled`);
    await waitFor(async () => (await cancelled()) === "true", "the webinar struck through");
  }
  /**
   * Run axe-core in the real window and fail on serious or critical violations, listing each rule
   * with the elements it found. `page` names the page in the message.
   */
  async assertAccessible(page) {
    const has = await this.exec("return typeof window.axe === 'object'");
    if (!has) await this.exec(`${axeSource}\n;return true;`);
    const found = await this.wd("POST", `/session/${this.id}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ["violations"] })
          .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1).join(" ")) })))))
          .catch((e) => done(JSON.stringify({ error: String(e) })));`,
      args: [],
    });
    const result = JSON.parse(found);
    if (result.error) throw new Error(`axe-core failed on ${page}: ${result.error}`);
    const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
    const text = serious.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `      ${n}`).join("\n")}`).join("\n");
    assert.equal(serious.length, 0, `axe-core found serious or critical violations on ${page}:\n${text}`);
    return result;
  }
  async screenshot() {
    return Buffer.from(await this.wd("GET", `/session/${this.id}/screenshot`), "base64");
  }
  /** Save a screenshot for docs/ when ROLLCALL_DOCS_SHOTS names a folder. */
  async shot(name) {
    const dir = process.env.ROLLCALL_DOCS_SHOTS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    // Let the last DOM change reach the screen first (two animation frames).
    await this.wd("POST", `/session/${this.id}/execute/async`, {
      script: "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100)));",
      args: [],
    });
    writeFileSync(join(dir, name), await this.screenshot());
  }
  async close() {
    try {
      if (this.id) await this.wd("DELETE", `/session/${this.id}`);
    } finally {
      try {
        if (process.platform !== "win32") process.kill(-this.driver.pid, "SIGKILL");
        else this.driver.kill();
      } catch {
        // Already gone.
      }
    }
  }
}

/** Start `rollcall emulator` and resolve with its process and JSON line. */
export function startEmulator(cli, args = []) {
  const proc = spawn(cli, ["emulator", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve({ proc, info: JSON.parse(buf.split("\n")[0]) });
    });
    proc.on("exit", (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

/**
 * Run the `rollcall` CLI with `env` added; `onStderr` sees the stderr so far as it grows (to play the
 * browser when `login` prints its URL). Resolves to the exit code and both streams.
 */
export function runCli(cli, args, env = {}, onStderr) {
  return new Promise((resolve) => {
    const p = spawn(cli, args, { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
      onStderr?.(err);
    });
    p.on("exit", (code) => resolve({ code, out, err }));
  });
}

/** The UTC date `days` from today (negative: in the past), as a date field takes it. */
export function isoDay(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Fill Settings → Connections' form for the emulator `info` and save it. `secretExpires` is the
 * expiry the admin enters beside the secret (by default last week's date: the scenario expires it).
 */
export async function addProfile(s, info, { name, mode, secret, hosts = info.hosts.slice(0, 2), secretExpires = isoDay(-6) }) {
  await s.clickWhenReady('[data-testid="add-connection"]', "New connection");
  await s.type('[name="name"]', name);
  await s.click('[name="cloud"] option[value="custom"]');
  await s.type('[name="authority"]', info.authority);
  await s.type('[name="graph"]', info.graph);
  await s.type('[name="tenant"]', info.tenantDomain);
  await s.type('[name="clientId"]', info.clientId);
  await s.click(`[name="mode"][value="${mode}"]`);
  await s.type('[name="portalDomain"]', "lms.northwind.example");
  // WebKitWebDriver drops typed newlines: the form also accepts commas.
  await s.type('[name="hosts"]', hosts.join(", "));
  if (secret) {
    await s.type('[name="secret"]', secret);
    await s.setValue('[name="secretExpires"]', secretExpires);
  }
  await s.click('[data-testid="profile-form"] button[type="submit"]');
  try {
    await waitFor(async () => {
      try {
        await s.find('[data-testid="profile-form"]');
        return false;
      } catch {
        return true;
      }
    }, `the form for ${name} to close`);
  } catch (e) {
    throw new Error(`${e.message}; the form says: ${await s.text('[data-testid="profile-form"]')}`);
  }
}
