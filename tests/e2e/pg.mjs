// A real PostgreSQL server for the end-to-end suite, as crates/core/tests/common/pg.rs makes one
// for the Rust tests: its own cluster in a temporary folder (initdb), TLS with a test CA made here
// (openssl), SCRAM passwords only, a random port on 127.0.0.1, run as `postgres` when the suite
// runs as root; stopped and removed by `stop()`, and by a watchdog if this process dies first.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./webdriver.mjs";

function bindir() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1), "bin") : null;
}

const asRoot = process.getuid?.() === 0;
// The clock is the real one: libfaketime is for the app under test, not the server's timers.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "LD_PRELOAD" && k !== "FAKETIME"));

function tool(bin, name, args, extraEnv = {}) {
  const [cmd, all] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, name), ...args]] : [join(bin, name), args];
  return execFileSync(cmd, all, { env: { ...env, ...extraEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Start a cluster; throws (the test fails) where no server is installed. */
export async function startPostgres() {
  const bin = bindir();
  if (!bin) throw new Error("no PostgreSQL server found (npm test installs Debian's postgresql package)");
  // The server's user must reach its folder: /tmp may be private to root.
  const reachable = (p) => existsSync(p) && (statSync(p).mode & 0o001) !== 0;
  const base = asRoot && !reachable(tmpdir()) ? ["/var/tmp", "/dev/shm"].find(reachable) : tmpdir();
  const dir = join(base, `rollcall-pg-e2e-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  const ssl = (...args) => execFileSync("openssl", args, { cwd: dir, env, stdio: "ignore" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", `/CN=Rollcall e2e CA ${randomUUID()}`);
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "3650", "-extfile", "san.ext");
  const password = `pw-${randomUUID()}`;
  writeFileSync(join(dir, "pwfile"), password);
  const own = () => asRoot && execFileSync("chown", ["-R", "postgres:postgres", dir]);
  own();
  const data = join(dir, "data");
  const user = "rollcall_admin";
  tool(bin, "initdb", ["-D", data, "-U", user, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", `--pwfile=${join(dir, "pwfile")}`]);
  let port = await freePort();
  appendFileSync(join(data, "postgresql.conf"), `listen_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nssl = on\nssl_cert_file = '${join(dir, "server.crt")}'\nssl_key_file = '${join(dir, "server.key")}'\nfsync = off\n`);
  writeFileSync(join(data, "pg_hba.conf"), "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n");
  own();
  chmodSync(join(dir, "server.key"), 0o600);
  const start = () => tool(bin, "pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-o", `-p ${port}`, "-w", "start"]);
  for (let attempt = 0; ; attempt++) {
    try {
      start();
      break;
    } catch (e) {
      if (attempt >= 2) throw e;
      port = await freePort();
    }
  }
  const stopCmd = `${asRoot ? "runuser -u postgres -- " : ""}${join(bin, "pg_ctl")} -D '${data}' -m immediate stop`;
  // Stopped however the suite ends: a watchdog in its own session waits for this process to go.
  spawn("setsid", ["sh", "-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopCmd} >/dev/null 2>&1; rm -rf '${dir}'`], { env, stdio: "ignore", detached: true }).unref();
  const psql = (sql, database = "postgres") =>
    tool(bin, "psql", ["-h", dir, "-p", String(port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], { PGPASSWORD: password }).trim();
  psql("CREATE DATABASE rollcall");
  return {
    user,
    password,
    database: "rollcall",
    get port() {
      return port;
    },
    /** The archive address of `database` as `db user`, TLS verified with the test CA. */
    address: (dbUser, database = "rollcall") => `postgres://${dbUser}@localhost:${port}/${database}?sslmode=verify-full&sslrootcert=${join(dir, "ca.crt")}`,
    psql,
    /** Stop the server (the folder stays until `remove`): "the server is away". */
    pause: () => tool(bin, "pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
    resume: start,
    stop: () => {
      try {
        tool(bin, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
