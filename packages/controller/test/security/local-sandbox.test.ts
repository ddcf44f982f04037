import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import { buildSandboxCommand, probeBwrap, tenantUser } from "../../src/drivers/local/sandbox.js";
import { startDriver, tempDir, waitForStatus } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";

// The attacks a hostile function made on the local driver, replayed from real deployed
// functions (the fixture app's `?op=attack`, which reports what it could read or write) with
// the bwrap sandbox on, as CI runs it (root, Debian's bubblewrap from scripts/setup). Each must
// fail; the same function without the sandbox shows what they got before.

const SECRET_ENV = "EVENTFLOW_TEST_PLATFORM_SECRET";

interface Attempt {
  ok: boolean;
  value?: string;
  code?: string;
  uid: number;
  pid: number;
  ppid: number;
}

describe("local driver sandbox (bwrap): what a hostile function can reach", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let sandboxed: Driver;
  let dataDir: string;

  beforeAll(async () => {
    // The controller's own secret in its environment, as JWT_SECRET is in a deployment.
    process.env[SECRET_ENV] = "platform-secret-value-0123456789";
    expect(probeBwrap()).toBe(true);
    data = await tempDir("sandbox");
    const image = await writeTestImage({ dir: join(data.path, "layout") });
    dataDir = join(data.path, "data");
    sandboxed = await startDriver(dataDir, { sandbox: "bwrap" });
    for (const tenant of ["t-one", "t-two"]) {
      await sandboxed.create({ tenant, name: "fn", image, replicas: 1, env: { MINE: tenant } });
      await waitForStatus(sandboxed, { tenant, name: "fn" }, (s) => s.ready_replicas === 1);
    }
  });
  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await sandboxed?.close();
    await data?.cleanup();
  });

  async function attack(tenant: string, path: string, what = "read"): Promise<Attempt> {
    const [ep] = sandboxed.endpoints(tenant, "fn");
    const q = new URLSearchParams({ op: "attack", path, what });
    const res = await request(`${ep!.url}/?${q}`);
    expect(res.statusCode).toBe(200);
    return (await res.body.json()) as Attempt;
  }

  it("runs each tenant's replicas as its own unprivileged user, pid 1 of its own namespace", async () => {
    const one = await attack("t-one", "/proc/self/status");
    const two = await attack("t-two", "/proc/self/status");
    expect(one.uid).toBe(tenantUser("t-one", 200_000).uid);
    expect(two.uid).toBe(tenantUser("t-two", 200_000).uid);
    expect(one.uid).not.toBe(two.uid);
    expect(one.pid).toBe(1);
  });

  it("cannot read the controller's environment through /proc", async () => {
    // The controller is not in the replica's pid namespace: /proc lists only the replica.
    const list = await attack("t-one", "/proc", "list");
    const pids = (list.value ?? "").split(",").filter((n) => /^\d+$/.test(n));
    expect(pids).toEqual(["1"]);
    expect((await attack("t-one", `/proc/${process.pid}/environ`)).ok).toBe(false);
    // And its own environment holds nothing of the platform's.
    const own = await attack("t-one", "/proc/self/environ");
    expect(own.ok).toBe(true);
    expect(own.value).not.toContain(SECRET_ENV);
  });

  it("cannot read the data directory: database, pid files, other tenants' apps", async () => {
    for (const path of [
      join(dataDir, "eventflow.db"),
      join(dataDir, "run"),
      join(dataDir, "cache", "apps"),
    ]) {
      const read = await attack("t-one", path);
      const list = await attack("t-one", path, "list");
      expect(read.ok, path).toBe(false);
      expect(list.ok, path).toBe(false);
    }
    // The files are there on the host: the sandbox hides them, they were not missing.
    expect(readdirSync(join(dataDir, "run")).length).toBeGreaterThan(0);
    expect(readFileSync(join(dataDir, "eventflow.db")).length).toBeGreaterThan(0);
  });

  it("writes only to its private /tmp, which another tenant does not see", async () => {
    expect((await attack("t-one", "/tmp/note", "write")).ok).toBe(true);
    expect((await attack("t-one", "/tmp/note")).value).toBe("pwned");
    expect((await attack("t-two", "/tmp/note")).ok).toBe(false);
    expect((await attack("t-one", "/app/app/index.mjs", "write")).ok).toBe(false);
    expect((await attack("t-one", "/usr/evil", "write")).ok).toBe(false);
    expect((await attack("t-one", "/etc/shadow")).ok).toBe(false);
  });

  it("still serves invokes, its env and its logs", async () => {
    const [ep] = sandboxed.endpoints("t-two", "fn");
    const res = await request(`${ep!.url}/?op=hello`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { hello: string }).hello).toBe("world");
    const env = await attack("t-two", "/proc/self/environ");
    expect(env.value).toContain("MINE=t-two");
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5_000);
    let sawListening = false;
    try {
      for await (const line of sandboxed.logs("t-two", "fn", { tail: 50, signal: ac.signal })) {
        if (line.line.includes("listening")) sawListening = true;
      }
    } finally {
      clearTimeout(timer);
    }
    expect(sawListening).toBe(true);
  });

  it("stops replicas gracefully through the sandbox (SIGTERM reaches the function)", async () => {
    await sandboxed.scale("t-two", "fn", 0);
    const drained = async () => {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 500);
      try {
        for await (const line of sandboxed.logs("t-two", "fn", { tail: 50, signal: ac.signal })) {
          if (line.line.includes("draining")) return true;
        }
      } finally {
        clearTimeout(timer);
      }
      return false;
    };
    // The fixture logs "draining" from its SIGTERM handler; a SIGKILL (bwrap killed) never does.
    await expect.poll(drained, { timeout: 5_000, interval: 100 }).toBe(true);
  });
});

describe("buildSandboxCommand", () => {
  it("mounts only system dirs, the app and node read-only, and drops to the user inside", () => {
    const { command, args } = buildSandboxCommand({
      nodePath: "/opt/node/bin/node",
      appDir: "/data/cache/apps/sha256-ab",
      args: ["/data/cache/apps/sha256-ab/app/index.mjs", "--flag"],
      cwd: "/data/cache/apps/sha256-ab/app",
      user: { uid: 200123, gid: 200123 },
    });
    expect(command).toBe("bwrap");
    const joined = args.join(" ");
    expect(joined).toContain("--ro-bind /data/cache/apps/sha256-ab /app");
    expect(joined).toContain("--ro-bind /opt/node/bin/node /opt/eventflow/node");
    expect(joined).toContain("--unshare-pid");
    expect(joined).toContain("--as-pid-1");
    expect(joined).toContain("--perms 1777 --tmpfs /tmp");
    expect(joined).toContain("--chdir /app/app");
    expect(joined).not.toContain("/data/cache/apps/sha256-ab/app");
    expect(args.slice(-9)).toEqual([
      "/usr/bin/setpriv",
      "--reuid=200123",
      "--regid=200123",
      "--clear-groups",
      "--no-new-privs",
      "--",
      "/opt/eventflow/node",
      "/app/app/index.mjs",
      "--flag",
    ]);
    // Not root: no user switch, the rest alike.
    const plain = buildSandboxCommand({
      nodePath: "/n",
      appDir: "/a",
      args: ["/a/app/index.mjs"],
      cwd: "/a/app",
    });
    expect(plain.args).not.toContain("/usr/bin/setpriv");
  });
});
