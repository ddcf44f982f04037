// The attacks a hostile function made on the local driver (issue 13, item 5), replayed from
// real functions: images built by the CLI (test/security/fixtures/attacker, and examples/hello
// as another tenant's function) with the real runtime, run by the local driver as the
// controller runs it here (root, per-tenant users), once without a sandbox (uid drop only) and
// once under bubblewrap. The attacker is given everything it could know or guess: host paths,
// the controller's pid, another tenant's replica port. Each attack must fail, and the function
// must still serve invokes, see its env, call out and log.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import type { Driver } from "../../src/drivers/driver.js";
import type { PidRecord } from "../../src/drivers/local/pid-files.js";
import { probeBwrap } from "../../src/drivers/local/sandbox.js";
import { createTestRecorder, startInvokeServer } from "../invoke/invoke-harness.js";
import { startDriver, waitForStatus } from "../local-driver/helpers/driver-harness.js";

const UIDS = { first: 310_000, count: 1000 };
const VICTIM = "victim";
const MALLORY = "mallory";
const SECRET = "victim-temporary-secret-5f0c";
const VAULT_VALUE = "victim-vault-token-93ad1";

/** Every process below `pid` (bwrap's init and the replica), from /proc's children lists. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(" ")
      .filter((n) => n !== "")
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

type Attempt = { ok: true; value: string } | { ok: false; code: string };

let root: string;
let attackerImage: string;
let helloImage: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "eventflow-security-"));
  // Replicas without a sandbox run as other users, who must traverse down to the data dir.
  chmodSync(root, 0o711);
  for (const [dir, name] of [
    ["packages/controller/test/security/fixtures/attacker", "attacker"],
    ["examples/hello", "hello"],
  ] as const) {
    const built = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "--output",
      `oci:${root}/layout:${name}`,
      "--quiet",
    ]);
    expect(built.code, built.stderr).toBe(0);
  }
  attackerImage = `oci:${root}/layout:attacker`;
  helloImage = `oci:${root}/layout:hello`;
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe.each([{ sandbox: "none" as const }, { sandbox: "bwrap" as const }])(
  "a hostile function on the local driver (sandbox $sandbox, controller as root)",
  ({ sandbox }) => {
    let driver: Driver;
    let dataDir: string;
    let servers: Record<string, Awaited<ReturnType<typeof startInvokeServer>>>;
    let outside: Server;
    let outsideUrl: string;

    beforeAll(async () => {
      expect(process.getuid?.()).toBe(0);
      if (sandbox === "bwrap") expect(probeBwrap()).toBe(true);
      dataDir = join(root, `data-${sandbox}`);
      // A registry auth file kept in the data dir, readable as a user's umask leaves it.
      mkdirSync(dataDir, { mode: 0o755 });
      writeFileSync(join(dataDir, "auth.json"), '{"auths":{"r.example":{"auth":"dTpzZWNyZXQ="}}}', {
        mode: 0o644,
      });
      driver = await startDriver(dataDir, { sandbox, replicaUids: UIDS });
      await driver.secrets!.put(VICTIM, "vault", { token: Buffer.from(VAULT_VALUE) }, "create");
      const fns = [
        { tenant: VICTIM, name: "hello", image: helloImage },
        {
          tenant: VICTIM,
          name: "fn",
          image: attackerImage,
          secrets: [{ name: "vault", mount: "files" as const }],
        },
        { tenant: MALLORY, name: "fn", image: attackerImage },
      ];
      for (const f of fns) await driver.create({ replicas: 1, env: { MINE: f.tenant }, ...f });
      for (const f of fns) await waitForStatus(driver, f, (s) => s.ready_replicas === 1, 20_000);
      servers = {};
      for (const tenant of [VICTIM, MALLORY])
        servers[tenant] = await startInvokeServer({
          driver,
          recorder: createTestRecorder(),
          tenant,
        });
      outside = createServer((_req, res) => res.end("outside says hi"));
      await new Promise<void>((r) => outside.listen(0, "127.0.0.1", r));
      const address = outside.address() as { port: number };
      outsideUrl = `http://127.0.0.1:${address.port}/`;
    }, 60_000);
    afterAll(async () => {
      for (const s of Object.values(servers ?? {})) await s.close();
      outside?.close();
      await driver?.close();
    });

    /** Invokes `tenant`'s attacker through the invoke router, as its owner would. */
    async function invoke<T = Attempt>(tenant: string, query: Record<string, string>): Promise<T> {
      const q = new URLSearchParams(query);
      const res = await request(`${servers[tenant]!.url}/v1/functions/fn:invoke?${q}`);
      expect(res.statusCode).toBe(200);
      return (await res.body.json()) as T;
    }
    const read = (path: string) => invoke(MALLORY, { op: "read", path });
    const list = (path: string) => invoke(MALLORY, { op: "list", path });

    it("runs each tenant's replicas as its own unprivileged user, without the platform's keys", async () => {
      type Who = { uid: number; gid: number; env: Record<string, string>; tmpdir: string };
      const mallory = await invoke<Who>(MALLORY, { op: "whoami" });
      const victim = await invoke<Who>(VICTIM, { op: "whoami" });
      for (const who of [mallory, victim]) {
        expect(who.uid).toBeGreaterThanOrEqual(UIDS.first);
        expect(who.uid).toBeLessThan(UIDS.first + UIDS.count);
        expect(who.gid).toBe(who.uid);
        expect(Object.keys(who.env)).not.toContain("EVENTFLOW_REPLICA_KEY");
      }
      expect(mallory.uid).not.toBe(victim.uid);
      expect(mallory.env.MINE).toBe(MALLORY);
    });

    it("cannot read the controller's environment, or any other user's, through /proc", async () => {
      expect((await read(`/proc/${process.pid}/environ`)).ok).toBe(false);
      const who = await invoke<{ ppid: number }>(MALLORY, { op: "whoami" });
      expect((await read(`/proc/${who.ppid}/environ`)).ok).toBe(false);
      // The controller's root directory link is a way into the data dir past its modes.
      expect((await read(`/proc/${process.pid}/root${dataDir}/eventflow.db`)).ok).toBe(false);
      const scan = await invoke<{ pids: string[]; foreignEnvirons: string[] }>(MALLORY, {
        op: "proc",
      });
      expect(scan.foreignEnvirons).toEqual([]);
      // Under bwrap it sees only the sandbox (bwrap's init and itself); without, it sees every
      // process (no hidepid), but reads nothing of other users'.
      if (sandbox === "bwrap") expect(scan.pids).toEqual(["1", "2"]);
    });

    it("cannot read the data directory: database, secrets, pid files, backups", async () => {
      const runFiles = readdirSync(join(dataDir, "run"));
      expect(runFiles.length).toBeGreaterThan(0);
      for (const path of [
        join(dataDir, "eventflow.db"),
        join(dataDir, "eventflow.db-wal"),
        join(dataDir, "auth.json"),
        join(dataDir, "replica-users.json"),
        join(dataDir, "controller.pid"),
        join(dataDir, "run", runFiles[0]!),
      ]) {
        const got = await read(path);
        expect(got.ok, path).toBe(false);
      }
      for (const dir of [dataDir, join(dataDir, "run"), join(dataDir, "backup")]) {
        expect((await list(dir)).ok, dir).toBe(false);
      }
    });

    it("reads its own secret files; another tenant reads neither them nor the key file", async () => {
      const victim = await invoke<{ env: Record<string, string> }>(VICTIM, { op: "whoami" });
      const dir = victim.env.EVENTFLOW_SECRETS_DIR!;
      if (sandbox === "bwrap") expect(dir).toBe("/var/eventflow/secrets");
      const own = await invoke(VICTIM, { op: "read", path: `${dir}/vault/token` });
      expect(own).toEqual({ ok: true, value: VAULT_VALUE });
      // The replica's files on the host, wherever the driver put them.
      const hostFiles: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true }))
          if (e.isDirectory()) walk(join(d, e.name));
          else if (e.name === "token") hostFiles.push(join(d, e.name));
      };
      walk(dataDir);
      expect(hostFiles).toHaveLength(1);
      for (const path of [hostFiles[0]!, join(dataDir, "secret.key"), `${dir}/vault/token`]) {
        const got = await read(path);
        expect(got.ok, path).toBe(false);
        expect(JSON.stringify(got)).not.toContain(VAULT_VALUE);
      }
      expect((await list(join(hostFiles[0]!, "..", ".."))).ok).toBe(false);
      // Its own files are read-only to it.
      const write = await invoke(VICTIM, { op: "write", path: `${dir}/vault/token` });
      expect(write.ok).toBe(false);
    });

    it("cannot read another tenant's app, in the cache or in that tenant's own view", async () => {
      const paths = readdirSync(join(dataDir, "cache", "apps")).map((d) =>
        join(dataDir, "cache", "apps", d, "app", "index.mjs"),
      );
      const victimUid = (await invoke<{ uid: number }>(VICTIM, { op: "whoami" })).uid;
      if (sandbox === "none") {
        const views = join(dataDir, "replicas", String(victimUid), "apps");
        for (const d of readdirSync(views)) paths.push(join(views, d, "app", "index.mjs"));
      }
      expect(paths.length).toBeGreaterThanOrEqual(2);
      for (const path of paths) expect((await read(path)).ok, path).toBe(false);
      expect((await list(join(dataDir, "cache", "apps"))).ok).toBe(false);
    });

    it("cannot call another tenant's replica directly on 127.0.0.1", async () => {
      const [ep] = driver.endpoints(VICTIM, "hello");
      for (const path of ["/", "/_eventflow/metrics"]) {
        const got = await invoke<{ status: number; body: string }>(MALLORY, {
          op: "fetch",
          url: `${ep!.url}${path}`,
        });
        expect(got.status, path).toBe(403);
        expect(JSON.parse(got.body).error.code).toBe("RUNTIME_REPLICA_KEY_INVALID");
      }
      // The controller's invoke router still gets through, with the replica's key.
      const res = await request(`${servers[VICTIM]!.url}/v1/functions/hello:invoke?name=x`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe("Hello, x!");
    });

    it("writes nowhere outside its temporary directory", async () => {
      for (const path of [
        "pwned", // its working directory: the app
        join(dataDir, "pwned"),
        join(dataDir, "cache", "pwned"),
        "/etc/pwned",
        "/usr/local/pwned",
        "/pwned",
      ]) {
        const got = await invoke(MALLORY, { op: "write", path });
        expect(got.ok, path).toBe(false);
      }
    });

    it("cannot read another tenant's temporary files", async () => {
      const stash = await invoke<{ path: string; back: string }>(VICTIM, {
        op: "stash",
        secret: SECRET,
      });
      expect(stash.back).toBe(SECRET);
      const got = await read(stash.path);
      expect(got.ok).toBe(false);
      expect(JSON.stringify(got)).not.toContain(SECRET);
    });

    it("still serves invokes with its env, calls out and logs", async () => {
      const who = await invoke<{ env: Record<string, string> }>(VICTIM, { op: "whoami" });
      expect(who.env.MINE).toBe(VICTIM);
      const out = await invoke<{ status: number; body: string }>(MALLORY, {
        op: "fetch",
        url: outsideUrl,
      });
      expect(out).toEqual({ status: 200, body: "outside says hi" });
      const marker = `m-${sandbox}-${Date.now()}`;
      await invoke(MALLORY, { op: "log", marker });
      const seen = async () => {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 300);
        try {
          for await (const line of driver.logs(MALLORY, "fn", { tail: 200, signal: ac.signal }))
            if (line.line.includes(marker)) return true;
        } finally {
          clearTimeout(timer);
        }
        return false;
      };
      await expect.poll(seen, { timeout: 5_000, interval: 100 }).toBe(true);
    });

    it("a replica killed with SIGKILL (bwrap, as a stop's grace ends) leaves no process behind", async () => {
      const before = driver.endpoints(MALLORY, "fn")[0]!;
      const record = readdirSync(join(dataDir, "run"))
        .map((n) => JSON.parse(readFileSync(join(dataDir, "run", n), "utf8")) as PidRecord)
        .find((r) => r.tenant === MALLORY && r.name === "fn")!;
      // bwrap, its init and the replica; or the replica alone.
      const tree = [record.pid, ...descendants(record.pid)];
      expect(tree.length).toBe(sandbox === "bwrap" ? 3 : 1);
      process.kill(record.pid, "SIGKILL");
      const alive = () => tree.filter((pid) => existsSync(`/proc/${pid}`)).length;
      await expect.poll(alive, { timeout: 5_000, interval: 50 }).toBe(0);
      // The driver restarts it (with a new key).
      await waitForStatus(driver, { tenant: MALLORY, name: "fn" }, (s) => s.ready_replicas === 1);
      const after = driver.endpoints(MALLORY, "fn")[0]!;
      expect(after.key).not.toBe(before.key);
      expect((await invoke<{ uid: number }>(MALLORY, { op: "whoami" })).uid).toBeGreaterThan(0);
    });

    it("stops replicas gracefully (SIGTERM reaches the runtime through setpriv or bwrap)", async () => {
      await driver.scale(VICTIM, "hello", 0);
      const drained = async () => {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 300);
        try {
          for await (const line of driver.logs(VICTIM, "hello", { tail: 50, signal: ac.signal }))
            if (line.line.includes("SIGTERM received")) return true;
        } finally {
          clearTimeout(timer);
        }
        return false;
      };
      // A SIGKILL (bwrap killed with the runtime inside) would never log it.
      await expect.poll(drained, { timeout: 5_000, interval: 100 }).toBe(true);
    });
  },
);
