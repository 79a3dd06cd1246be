// End to end: "Fix it for me" in the real window on the demo tenant with a broken registration
// (single-tenant, a permission missing, no admin consent). The administrator's browser sign-in uses
// the test seam (ROLLCALL_TEST_AUTHORIZE_URL_FILE: the app writes the address to a file, this test
// plays the browser as the demo tenant's Global Administrator). Nothing changes before the admin
// confirms; afterwards the steps pass. Then the client secret is renewed (its value shown once),
// proven, and the old one retired — and the app keeps working on the new one.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, startEmulator, waitFor } from "./webdriver.mjs";

const ADMIN = "admin@northwindacademy.onmicrosoft.com";
let s;
let data;
let urlFile;

before(async () => {
  data = mkdtempSync(join(tmpdir(), "rollcall-e2e-fix-"));
  urlFile = join(data, "authorize-url.txt");
  s = await openApp({
    args: ["--demo"],
    env: {
      ROLLCALL_DATA_DIR: data,
      ROLLCALL_TEST_AUTHORIZE_URL_FILE: urlFile,
      ROLLCALL_TEST_DEMO_SCENARIOS: "single-tenant-app,missing-permission,no-admin-consent",
    },
  });
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
});

after(async () => {
  await s?.close();
  if (data) rmSync(data, { recursive: true, force: true });
});

const jsClick = (css) => s.exec("const el = document.querySelector(arguments[0]); if (!el || el.disabled) return false; el.scrollIntoView({ block: 'center' }); el.click(); return true;", css);
const clickWhenThere = (css, what = css) => waitFor(() => jsClick(css), what);
const status = (id) => s.exec("return document.querySelector(arguments[0])?.dataset.status ?? null", `[data-testid="step-${id}"]`);

/** Play the browser: the address the app wrote, as the administrator, consenting on the way. */
async function signInAsAdmin(user = ADMIN) {
  const url = await waitFor(() => existsSync(urlFile) && readFileSync(urlFile, "utf8"), "the sign-in address");
  rmSync(urlFile);
  assert.match(url, /client_id=14d82eec-204b-4c2f-b7e8-296a70dab67e/, "Microsoft Graph Command Line Tools");
  const auth = await fetch(`${url}&login_hint=${encodeURIComponent(user)}&action=consent`, { redirect: "manual" });
  assert.equal(auth.status, 303);
  await fetch(auth.headers.get("location"));
}

test("the broken steps are previewed, confirmed, repaired and pass", async () => {
  await clickWhenThere('[data-page="setup"]', "the Setup page");
  await waitFor(async () => (await status("consent")) === "failed", "the consent step failed");
  // Without consent the integration cannot read its own registration: the audience is unknown.
  await waitFor(async () => ["failed", "cannotCheck"].includes(await status("audience")), "the audience step not passing");
  await clickWhenThere('[data-testid="fix-all"]', "Fix all");
  await waitFor(() => s.text('[data-testid="fix-dialog"]'), "the dialog");
  await s.assertAccessible("Fix it for me (start)");
  await clickWhenThere('[data-testid="fix-sign-in"]', "Sign in as an administrator");
  await signInAsAdmin();
  const who = await waitFor(() => s.text('[data-testid="fix-who"]'), "who signed in");
  assert.match(who, /Global Administrator/);
  const changes = await waitFor(() => s.text('[data-testid="fix-changes"]'), "the preview");
  assert.match(changes, /supported account types/i);
  assert.match(changes, /AzureADMyOrg/);
  assert.match(changes, /OnlineMeetingArtifact\.Read\.All/);
  assert.match(changes, /Grant admin consent/);
  // Nothing has changed yet.
  assert.equal(await status("consent"), "failed");
  await s.shot("setup-fix-preview.png");
  await s.assertAccessible("Fix it for me (preview)");
  await clickWhenThere('[data-testid="fix-apply"]', "Make the changes");
  const rechecked = await waitFor(() => s.text('[data-testid="fix-rechecked"]'), "the steps checked again", 60000);
  assert.doesNotMatch(rechecked, /Failed/, rechecked);
  const made = await s.text('[data-testid="fix-made"]');
  assert.equal((made.match(/Request ID/g) ?? []).length, 3, made);
  await s.shot("setup-fix-done.png");
  await clickWhenThere('[data-testid="fix-close"]', "Close");
  await waitFor(async () => (await status("consent")) === "passed", "consent passes on the page");
  assert.equal(await status("permissions"), "passed");
  assert.equal(await status("audience"), "passed", "read back with the administrator's sign-in");
});

test("the client secret is renewed, shown once, and the old one retired", async () => {
  await clickWhenThere('[data-testid="renew-secret"]', "Renew the client secret");
  await clickWhenThere('[data-testid="fix-sign-in"]', "Sign in as an administrator");
  await signInAsAdmin();
  await waitFor(() => s.text('[data-testid="fix-months"]').then(() => true), "the lifetime choice");
  await clickWhenThere('[data-testid="fix-renew"]', "Add the new secret");
  const shown = await waitFor(() => s.exec("return document.querySelector('[data-testid=\"fix-secret\"] code')?.textContent ?? ''"), "the new secret", 60000);
  assert.ok(shown.length > 30, shown);
  await s.shot("setup-secret-renewed.png");
  await s.assertAccessible("Renew the client secret");
  await clickWhenThere('[data-testid="fix-lms-updated"]', "the LMS uses it");
  await clickWhenThere('[data-testid="fix-retire"]', "Retire the old secret");
  await waitFor(() => s.text('[data-testid="fix-retired"]'), "retired");
  const html = await s.exec("return document.body.innerHTML");
  assert.ok(!html.includes(shown), "the value leaves the page once the dialog is done with it");
  await clickWhenThere('[data-testid="fix-dialog"] button.primary', "Close");
  // The app runs on the new secret: the credentials step passes again after the old one is gone.
  await waitFor(async () => (await status("credentials")) === "passed", "credentials pass on the new secret", 60000);
  const log = JSON.parse(readFileSync(join(data, "changes.json"), "utf8"));
  assert.deepEqual(log.map((r) => r.change), ["audience", "permissions-add", "consent-roles", "secret-renew", "secret-retire"]);
  assert.ok(!JSON.stringify(log).includes(shown), "the change log never holds the secret");
});

test("Settings lists every change with who made it, and an additive one is undone", async () => {
  await clickWhenThere('[data-page="settings"]', "Settings");
  await waitFor(async () => (await s.exec("return document.querySelectorAll('[data-testid=change-row]').length")) === 5, "five changes listed");
  const rows = await s.text('[data-testid="changes"]');
  assert.match(rows, /by admin@northwindacademy\.onmicrosoft\.com \(Global Administrator\)/);
  assert.match(rows, /Request ID/);
  // Newest first: the retirement and the renewal cannot be undone (the new secret is the only one).
  const undoable = await s.exec("return [...document.querySelectorAll('[data-testid=change-row]')].filter((r) => r.querySelector('[data-testid=change-undo]')).map((r) => r.dataset.change)");
  assert.deepEqual(undoable, ["consent-roles", "permissions-add", "audience"]);
  await s.exec("document.querySelector('[data-testid=changes]').scrollIntoView({ block: 'start' })");
  await s.shot("settings-changes.png");
  await s.assertAccessible("Settings (changes)");
  await clickWhenThere('[data-change="audience"] [data-testid="change-undo"]', "Undo the audience");
  await waitFor(() => s.exec("return document.querySelector('[data-change=audience]')?.textContent.includes('Undone')"), "undone");
  await clickWhenThere('[data-page="setup"]', "Setup");
  await clickWhenThere('[data-testid="step-audience"] button.again', "Check again");
  await waitFor(async () => ["failed", "cannotCheck"].includes(await status("audience")), "the audience is single-tenant again");
});

test("a registration created from nothing in the window becomes a connection that passes", async () => {
  const { proc, info } = await startEmulator(process.env.ROLLCALL_CLI);
  try {
    await clickWhenThere('[data-page="settings"]', "Settings");
    await clickWhenThere('[data-testid="create-registration"]', "Create the app registration for me");
    await waitFor(() => s.text('[data-testid="create-dialog"]'), "the dialog");
    await s.type('[data-testid="create-dialog"] [name="tenant"]', info.tenantId);
    await s.exec("const sel = document.querySelector('[data-testid=create-dialog] [name=cloud]'); sel.value = 'custom'; sel.dispatchEvent(new Event('change', { bubbles: true }));");
    await waitFor(() => s.exec("return !!document.querySelector('[data-testid=create-dialog] [name=authority]')"), "the custom URLs");
    await s.type('[data-testid="create-dialog"] [name="authority"]', info.authority);
    await s.type('[data-testid="create-dialog"] [name="graph"]', info.graph);
    await s.type('[data-testid="create-dialog"] [name="domain"]', "lms.northwind.example");
    await s.exec("const n = document.querySelector('[data-testid=create-dialog] [name=name]'); n.value = ''; n.dispatchEvent(new Event('input', { bubbles: true }));");
    await s.type('[data-testid="create-dialog"] [name="name"]', "Northwind LMS");
    await s.assertAccessible("Create the app registration");
    await clickWhenThere('[data-testid="create-go"]', "Sign in and create");
    await signInAsAdmin(info.adminUser);
    const secret = await waitFor(() => s.exec("return document.querySelector('[data-testid=create-secret] code')?.textContent ?? ''"), "the new secret", 60000);
    assert.ok(secret.length > 30);
    const done = await s.text('[data-testid="create-dialog"]');
    assert.match(done, /api\/v2\/webinars\/oauth\/microsoft-callback/);
    await s.shot("settings-create-registration.png");
    await clickWhenThere('[data-testid="create-close"]', "Close");
    await waitFor(() => s.exec("return !!document.querySelector('[data-name=\"Northwind LMS\"]')"), "the new connection listed");
    await clickWhenThere('[data-name="Northwind LMS"] [data-testid="use-profile"]', "Use it");
    await clickWhenThere('[data-page="setup"]', "Setup");
    await waitFor(async () => (await status("consent")) === "passed", "consent passes for the new registration", 60000);
    await waitFor(async () => (await status("credentials")) === "passed", "its secret works");
    assert.equal(await status("permissions"), "passed");
  } finally {
    proc.kill();
  }
});
