// The pieces of the local driver's replica isolation on their own: the command lines (pure),
// uid allocation, the reachability check and the data dir's modes (real files), the header the
// invoke router adds, and the driver refusing to start when replica users could not run Node.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildUpstreamHeaders, setReplicaKey } from "../../src/invoke/headers.js";
import {
  canExecute,
  firstUnreachable,
  secureDataDir,
} from "../../src/drivers/local/replica-dirs.js";
import { allocateUid, createReplicaUsers } from "../../src/drivers/local/replica-users.js";
import { buildReplicaCommand } from "../../src/drivers/local/sandbox.js";
import { startDriver, tempDir } from "../local-driver/helpers/driver-harness.js";

const base = {
  nodePath: "/opt/node/bin/node",
  appDir: "/data/replicas/300001/apps/sha256-ab",
  args: ["/data/replicas/300001/apps/sha256-ab/app/index.mjs", "--flag"],
  cwd: "/data/replicas/300001/apps/sha256-ab/app",
};
const user = { uid: 300001, gid: 300001 };
const setpriv = ["--reuid=300001", "--regid=300001", "--clear-groups", "--no-new-privs", "--"];

describe("buildReplicaCommand", () => {
  it.each([
    { name: "none, controller's user: Node directly", input: { sandbox: "none" }, want: undefined },
    {
      name: "none, tenant user: setpriv becomes Node",
      input: { sandbox: "none", user },
      want: {
        command: "/usr/bin/setpriv",
        args: [...setpriv, "/opt/node/bin/node", ...base.args],
      },
    },
  ] as const)("$name", ({ input, want }) => {
    expect(buildReplicaCommand({ ...base, ...input })).toEqual(want);
  });

  it("bwrap: namespaces, read-only app and node, private /tmp, drop inside", () => {
    const got = buildReplicaCommand({ ...base, sandbox: "bwrap", user })!;
    expect(got.command).toBe("bwrap");
    const joined = got.args.join(" ");
    for (const part of [
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--die-with-parent",
      "--new-session",
      `--ro-bind ${base.appDir} /app`,
      "--ro-bind /opt/node/bin/node /opt/eventflow/node",
      "--proc /proc",
      "--dev /dev",
      "--perms 1777 --tmpfs /tmp",
      "--chdir /app/app",
    ])
      expect(joined).toContain(part);
    // Not pid 1 itself: setpriv clears the parent-death signal, so bwrap's init must be there
    // to take the replica down with bwrap.
    expect(got.args).not.toContain("--as-pid-1");
    // No host path of the data dir reaches the sandbox's command line but the bind source.
    expect(got.args.filter((a) => a.startsWith("/data/"))).toEqual([base.appDir]);
    expect(got.args.slice(-9)).toEqual([
      "/usr/bin/setpriv",
      ...setpriv,
      "/opt/eventflow/node",
      "/app/app/index.mjs",
      "--flag",
    ]);
    const plain = buildReplicaCommand({ ...base, sandbox: "bwrap" })!;
    expect(plain.args).not.toContain("/usr/bin/setpriv");
  });
});

describe("allocateUid", () => {
  const range = { first: 1000, count: 4 };
  it("is stable for a tenant, never shared, and refuses a full range", () => {
    const a = allocateUid(new Map(), "acme", range);
    expect(allocateUid(new Map(), "acme", range)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(1000);
    expect(a).toBeLessThan(1004);
    const taken = new Map([["acme", a]]);
    for (let i = 0; i < 3; i++) {
      const next = allocateUid(taken, `t${i}`, range);
      expect([...taken.values()]).not.toContain(next);
      taken.set(`t${i}`, next);
    }
    expect(() => allocateUid(taken, "one-more", range)).toThrow(
      expect.objectContaining({ code: "LOCAL_REPLICA_USER_UNUSABLE" }),
    );
  });

  it("keeps assignments in a 0600 file across restarts", async () => {
    const dir = await tempDir("uids");
    try {
      const file = join(dir.path, "replica-users.json");
      const first = createReplicaUsers(file, { first: 5000, count: 10 });
      const a = first.userFor("a");
      const b = first.userFor("b");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const again = createReplicaUsers(file, { first: 5000, count: 10 });
      expect(again.userFor("b")).toEqual(b);
      expect(again.userFor("a")).toEqual(a);
      writeFileSync(file, "{not json");
      expect(() => createReplicaUsers(file, { first: 5000, count: 10 })).toThrow(
        expect.objectContaining({ code: "LOCAL_STORE_DAMAGED" }),
      );
    } finally {
      await dir.cleanup();
    }
  });
});

describe("canExecute", () => {
  it.each([
    { st: { mode: 0o700, uid: 0, gid: 0 }, want: false },
    { st: { mode: 0o711, uid: 0, gid: 0 }, want: true },
    { st: { mode: 0o750, uid: 0, gid: 7 }, want: true },
    { st: { mode: 0o705, uid: 0, gid: 7 }, want: false },
    { st: { mode: 0o100, uid: 9, gid: 0 }, want: true },
    { st: { mode: 0o011, uid: 9, gid: 0 }, want: false },
  ])("mode $st.mode owner $st.uid:$st.gid -> $want", ({ st, want }) => {
    expect(canExecute(st, { uid: 9, gid: 7 })).toBe(want);
  });
});

describe("replica users and the file system", () => {
  it("finds the directory that keeps replica users from Node", async () => {
    const dir = await tempDir("reach");
    try {
      const home = join(dir.path, "home");
      mkdirSync(join(home, "bin"), { recursive: true });
      writeFileSync(join(home, "bin", "node"), "", { mode: 0o755 });
      chmodSync(dir.path, 0o755);
      chmodSync(home, 0o700);
      expect(firstUnreachable(join(home, "bin", "node"), user)).toBe(home);
      chmodSync(home, 0o711);
      expect(firstUnreachable(join(home, "bin", "node"), user)).toBeUndefined();
    } finally {
      await dir.cleanup();
    }
  });

  it("refuses to start when replica users cannot reach Node (a checkout under /root)", async () => {
    expect(process.getuid?.()).toBe(0);
    const dir = await tempDir("no-node");
    try {
      chmodSync(dir.path, 0o711);
      const locked = join(dir.path, "root-home");
      mkdirSync(locked, { mode: 0o700 });
      writeFileSync(join(locked, "node"), "", { mode: 0o755 });
      const start = startDriver(join(dir.path, "data"), {
        nodePath: join(locked, "node"),
        replicaUids: { first: 320_000, count: 10 },
      });
      await expect(start).rejects.toMatchObject({ code: "LOCAL_REPLICA_USER_UNUSABLE" });
      // Under bwrap Node is mounted: the same start works.
      const driver = await startDriver(join(dir.path, "data"), {
        nodePath: join(locked, "node"),
        replicaUids: { first: 320_000, count: 10 },
        sandbox: "bwrap",
      });
      await driver.close();
      // And a data dir under such a directory is refused too.
      const underLocked = startDriver(join(locked, "data"), {
        replicaUids: { first: 320_000, count: 10 },
      });
      await expect(underLocked).rejects.toMatchObject({ code: "LOCAL_REPLICA_USER_UNUSABLE" });
    } finally {
      await dir.cleanup();
    }
  });

  it("fixes an existing data dir's modes at start: the controller's alone", async () => {
    const dir = await tempDir("modes");
    try {
      const data = join(dir.path, "data");
      mkdirSync(join(data, "backup"), { recursive: true, mode: 0o755 });
      writeFileSync(join(data, "auth.json"), "{}", { mode: 0o644 });
      writeFileSync(join(data, "backup", "eventflow-1.db"), "x", { mode: 0o644 });
      chmodSync(data, 0o755);
      secureDataDir(data, { traversable: false });
      const mode = (p: string) => statSync(join(data, p)).mode & 0o777;
      expect(mode("")).toBe(0o700);
      expect(mode("auth.json")).toBe(0o600);
      expect(mode("backup")).toBe(0o700);
      expect(mode("run")).toBe(0o700);
      expect(mode("cache")).toBe(0o700);
      secureDataDir(data, { traversable: true });
      expect(mode("")).toBe(0o711);
      expect(readFileSync(join(data, "auth.json"), "utf8")).toBe("{}");
    } finally {
      await dir.cleanup();
    }
  });
});

describe("setReplicaKey", () => {
  const info = { requestId: "r", traceparent: "t", proto: "http" };
  it("drops a caller's key, adds the replica's last and swaps it on a retry", () => {
    const headers = buildUpstreamHeaders(["X-EventFlow-Replica-Key", "forged", "a", "1"], info);
    expect(headers.map((h) => h.toLowerCase())).not.toContain("x-eventflow-replica-key");
    const n = headers.length;
    setReplicaKey(headers, "k1");
    expect(headers.slice(-2)).toEqual(["x-eventflow-replica-key", "k1"]);
    setReplicaKey(headers, "k2");
    expect(headers.slice(-2)).toEqual(["x-eventflow-replica-key", "k2"]);
    expect(headers.length).toBe(n + 2);
    setReplicaKey(headers, undefined);
    expect(headers.length).toBe(n);
  });
});

describe("docker-compose.yaml", () => {
  it("does not turn dev auth on: functions in its container could mint admin tokens", () => {
    const compose = readFileSync(
      new URL("../../../../docker-compose.yaml", import.meta.url),
      "utf8",
    );
    const value = /^\s*EVENTFLOW_DEV_AUTH:\s*(.+)$/m.exec(compose)?.[1]?.trim() ?? "false";
    // `${EVENTFLOW_DEV_AUTH:-false}`: what it is when nobody sets it.
    const byDefault = /^\$\{EVENTFLOW_DEV_AUTH:-(.*)\}$/.exec(value)?.[1] ?? value;
    expect(["true", "1", "yes", "on"]).not.toContain(byDefault.replace(/"/g, "").toLowerCase());
  });
});
