// Interop: Rollcall's sign-in against an OAuth server it was not written with (`oauth2-mock-server`),
// so the flows are not only right by the emulator's reading of the spec. Drives the `rollcall` CLI:
// client credentials (`whoami`), and authorization code + PKCE (`login --no-browser`, then a refresh).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Events, OAuth2Server } from "oauth2-mock-server";
import { runCli } from "./webdriver.mjs";

const cli = process.env.ROLLCALL_CLI;
const tenant = "contoso.onmicrosoft.com";
const clientId = "3f6c1b9e-2d4a-4c8e-9f1a-7b5d2e8c4a10";
let server;
let authority;
let data;
const seen = [];

before(async () => {
  assert.ok(cli, "ROLLCALL_CLI must point at the built rollcall binary");
  // Entra's paths, so the client needs no special casing for this server.
  server = new OAuth2Server(undefined, undefined, {
    endpoints: { token: `/${tenant}/oauth2/v2.0/token`, authorize: `/${tenant}/oauth2/v2.0/authorize` },
  });
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  authority = `http://127.0.0.1:${server.address().port}`;
  server.service.on(Events.BeforeResponse, (_res, req) => seen.push({ ...req.body }));
  data = mkdtempSync(join(tmpdir(), "rollcall-interop-"));
});

after(async () => {
  await server?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

const rollcall = (args, env = {}, onStderr) =>
  runCli(cli, args, { ROLLCALL_DATA_DIR: data, ROLLCALL_KEYRING_SERVICE: `app.rollcall.interop-${process.pid}`, ...env }, onStderr);

const flags = (mode) => ["--tenant", tenant, "--client-id", clientId, "--authority", authority, "--graph", `${authority}/v1.0`, "--mode", mode];

test("client credentials: whoami gets a token with the .default scope and the secret in the body", async () => {
  seen.length = 0;
  const r = await rollcall(["whoami", ...flags("application")], { ROLLCALL_CLIENT_SECRET: "Q~interop-secret" });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Token valid until: \d{4}-\d\d-\d\dT/);
  const req = seen.find((b) => b.grant_type === "client_credentials");
  assert.ok(req, "the server saw a client_credentials request");
  assert.equal(req.scope, "https://graph.microsoft.com/.default");
  assert.equal(req.client_id, clientId);
  assert.equal(req.client_secret, "Q~interop-secret");
});

test("authorization code + PKCE: login through the loopback, then a refresh", async () => {
  seen.length = 0;
  let opened = false;
  const r = await rollcall(["login", "--no-browser", ...flags("delegated")], {}, async (err) => {
    const url = err.split("\n").find((l) => l.startsWith("http"));
    if (!url || opened) return;
    opened = true;
    // The mock server signs the user in at once and redirects to the loopback with code and state.
    const auth = await fetch(url, { redirect: "manual" });
    const back = auth.headers.get("location");
    assert.match(back, /^http:\/\/localhost:\d+\/\?code=/);
    await fetch(back.replace("localhost", "127.0.0.1"));
  });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Signed in as/);
  const redeem = seen.find((b) => b.grant_type === "authorization_code");
  assert.ok(redeem, "the code was redeemed");
  assert.match(redeem.code_verifier, /^[A-Za-z0-9_-]{43,128}$/);
  assert.equal(redeem.client_secret, undefined, "a desktop (public) client sends no secret");
  const who = await rollcall(["whoami", ...flags("delegated")]);
  assert.equal(who.code, 0, who.err);
  assert.ok(seen.some((b) => b.grant_type === "refresh_token"), "whoami refreshed with the saved refresh token");
});
