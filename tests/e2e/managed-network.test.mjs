// End to end: managed networks and a client library Rollcall was not written with. An HTTPS front
// with its own CA ("Rollcall Test Inspection CA", made here with openssl) stands in front of the
// emulator, as a TLS-inspecting proxy does: Rollcall trusts it only when the CA is in the trust
// store the OS loader reads (SSL_CERT_FILE here), and otherwise names the issuer. Microsoft's MSAL
// for Python (from PyPI, unchanged) runs client credentials, auth code + PKCE (nonce) and refresh
// against the emulator through the same front.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:https";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli, startEmulator } from "./webdriver.mjs";

const cli = process.env.ROLLCALL_CLI;
let dir;
let front;
let emulator;
let info;
let ca;

/** A CA and a localhost certificate it signed. */
function certificates(d) {
  const ssl = (...args) => execFileSync("openssl", args, { cwd: d, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3",
    "-subj", "/CN=Rollcall Test Inspection CA/O=Northwind IT", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost");
  writeFileSync(join(d, "leaf.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
  ssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext");
  return join(d, "ca.pem");
}

before(async () => {
  assert.ok(cli, "ROLLCALL_CLI must point at the built rollcall binary");
  dir = mkdtempSync(join(tmpdir(), "rollcall-tls-"));
  ca = certificates(dir);
  // The front: TLS with the test CA's certificate, forwarding everything to the emulator.
  let upstream = null;
  front = createServer({ key: readFileSync(join(dir, "leaf.key")), cert: readFileSync(join(dir, "leaf.pem")) }, (req, res) => {
    const out = httpRequest({ host: "127.0.0.1", port: upstream, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise((ok) => front.listen(0, "127.0.0.1", ok));
  const port = front.address().port;
  ({ proc: emulator, info } = await startEmulator(cli, ["--public-url", `https://localhost:${port}`]));
  const own = Number(info.listen.split(":").pop());
  assert.ok(own, "the emulator's listening port");
  upstream = own;
});

after(() => {
  emulator?.kill();
  front?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const whoami = (env) =>
  runCli(cli, ["whoami", "--tenant", info.tenantId, "--client-id", info.clientId, "--authority", info.authority, "--graph", info.graph], {
    ROLLCALL_CLIENT_SECRET: info.clientSecret,
    ROLLCALL_DATA_DIR: dir,
    ...env,
  });

test("behind TLS inspection Rollcall names the issuer, and trusts it once the CA is in the store", async () => {
  const untrusted = await whoami({});
  assert.equal(untrusted.code, 69, untrusted.err);
  assert.match(untrusted.err, /issued by Rollcall Test Inspection CA \(Northwind IT\)/);
  assert.match(untrusted.err, /root certificate/);
  // The OS store as rustls-native-certs reads it on Linux, with the inspection CA added.
  const system = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"].find(existsSync);
  const bundle = join(dir, "store.pem");
  writeFileSync(bundle, (system ? readFileSync(system, "utf8") : "") + readFileSync(ca, "utf8"));
  const trusted = await whoami({ SSL_CERT_FILE: bundle });
  assert.equal(trusted.code, 0, trusted.err);
  assert.match(trusted.out, /Token valid until/);
});

test("MSAL for Python, unchanged, completes client credentials, auth code + PKCE with nonce, and refresh", async () => {
  // A pinned MSAL in a virtual environment kept between runs.
  const venv = join(homedir(), ".cache", "rollcall", "msal-1.39.0");
  const python = join(venv, process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
  if (!existsSync(python)) {
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
    execFileSync(python, ["-m", "pip", "install", "-q", "msal==1.39.0"], { stdio: "inherit" });
  }
  // Asynchronously: the HTTPS front answers from this process's event loop.
  const r = await runCli(python, [join(import.meta.dirname, "msal_interop.py"), JSON.stringify(info), ca], { REQUESTS_CA_BUNDLE: ca });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "ok");
});
