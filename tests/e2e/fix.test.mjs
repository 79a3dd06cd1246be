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
import { openApp, waitFor } from "./webdriver.mjs";

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
async function signInAsAdmin() {
  const url = await waitFor(() => existsSync(urlFile) && readFileSync(urlFile, "utf8"), "the sign-in address");
  rmSync(urlFile);
  assert.match(url, /client_id=14d82eec-204b-4c2f-b7e8-296a70dab67e/, "Microsoft Graph Command Line Tools");
  const auth = await fetch(`${url}&login_hint=${encodeURIComponent(ADMIN)}&action=consent`, { redirect: "manual" });
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
