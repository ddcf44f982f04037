// Tier 2/4: the built runtime bin as a real child process, on every Node version the runtime
// supports (24 pinned, 20 and 22 installed by scripts/setup/05-node-versions.sh).
import { afterEach, describe, expect, it } from "vitest";
import {
  nodeVersions,
  runToExit,
  spawnRuntime,
  FIXTURES,
  type RuntimeProcess,
} from "./support/process.js";

const running: RuntimeProcess[] = [];
afterEach(() => {
  for (const rt of running.splice(0)) rt.proc.kill("SIGKILL");
});

async function spawn(
  bin: string,
  fixture: string,
  env: Record<string, string> = {},
): Promise<RuntimeProcess> {
  const rt = await spawnRuntime(bin, fixture, env);
  running.push(rt);
  return rt;
}

describe.each(nodeVersions())("runtime process on $label", ({ bin }) => {
  it("serves an ESM handler and logs JSON lines", async () => {
    const rt = await spawn(bin, "hello.mjs");
    const res = await fetch(`${rt.url}/?name=Ada`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello, Ada!");
    const ready = JSON.parse(rt.stdout.find((l) => l.includes('"ready"'))!) as Record<
      string,
      unknown
    >;
    expect(ready).toMatchObject({ level: "info", function: "hello", msg: "ready" });
  });

  it("with EVENTFLOW_REPLICA_KEY, serves only requests that carry it, and hides it from the handler", async () => {
    const key = "k3y-0f-this-replica-0123456789abcdef";
    const rt = await spawn(bin, "platform-view.mjs", { EVENTFLOW_REPLICA_KEY: key });
    const denied = async (headers: Record<string, string>) => {
      const res = await fetch(`${rt.url}/`, { headers });
      const body = (await res.json()) as { error: { code: string } };
      return [res.status, body.error.code];
    };
    const refused = [403, "RUNTIME_REPLICA_KEY_INVALID"];
    expect(await denied({})).toEqual(refused);
    expect(await denied({ "x-eventflow-replica-key": `${key.slice(0, -1)}X` })).toEqual(refused);
    expect(await denied({ "x-eventflow-replica-key": `${key}x` })).toEqual(refused);
    expect(await denied({ "x-eventflow-replica-key": "é".repeat(key.length) })).toEqual(refused);
    const metrics = await fetch(`${rt.url}/_eventflow/metrics`);
    expect(metrics.status).toBe(403);
    // Health probes need no key.
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(200);
    expect((await fetch(`${rt.url}/_eventflow/healthz`)).status).toBe(200);
    const ok = await fetch(`${rt.url}/`, { headers: { "x-eventflow-replica-key": key } });
    expect(ok.status).toBe(200);
    const seen = (await ok.json()) as {
      replicaKeyInEnv: string | null;
      envNames: string[];
      headers: Record<string, string>;
    };
    expect(seen.replicaKeyInEnv).toBeNull();
    expect(seen.envNames).not.toContain("EVENTFLOW_REPLICA_KEY");
    expect(seen.headers["x-eventflow-replica-key"]).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(key);
  });

  it("serves a CommonJS handler and a named export", async () => {
    const cjs = await spawn(bin, "cjs-handler.cjs");
    expect(await (await fetch(cjs.url, { method: "POST" })).json()).toEqual({
      cjs: true,
      method: "POST",
    });
    const named = await spawn(bin, "named-export.mjs");
    expect(await (await fetch(named.url)).text()).toBe("named");
  });

  it("runs init before listening and shutdown after draining", async () => {
    const rt = await spawn(bin, "lifecycle.mjs");
    const initLine = rt.stdout.findIndex((l) => l.includes("init-done"));
    const readyLine = rt.stdout.findIndex((l) => l.includes('"ready"'));
    expect(initLine).toBeGreaterThanOrEqual(0);
    expect(initLine).toBeLessThan(readyLine);
    expect(await (await fetch(rt.url)).json()).toEqual({ initialised: true, path: "/" });
    rt.proc.kill("SIGTERM");
    expect(await rt.exited()).toBe(0);
    expect(rt.stdout.some((l) => l.includes("shutdown-hook"))).toBe(true);
  });

  it("SIGTERM during an in-flight request: it completes with 200 and the process exits 0", async () => {
    const rt = await spawn(bin, "slow.mjs", { EVENTFLOW_SHUTDOWN_DELAY_MS: "200" });
    const inFlight = fetch(`${rt.url}/?ms=800`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    rt.proc.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ready = await fetch(`${rt.url}/_eventflow/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { status: string }).status).toBe("draining");
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true, ms: 800 });
    expect(await rt.exited()).toBe(0);
    await expect(fetch(`${rt.url}/`)).rejects.toThrow();
  });

  it("a second SIGTERM forces the exit", async () => {
    const rt = await spawn(bin, "slow.mjs");
    void fetch(`${rt.url}/?ms=5000`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 150));
    rt.proc.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    rt.proc.kill("SIGTERM");
    expect(await rt.exited()).toBe(1);
  });

  it("the grace deadline cuts a request that takes too long and exits non-zero", async () => {
    const rt = await spawn(bin, "slow.mjs", { EVENTFLOW_SHUTDOWN_GRACE_MS: "300" });
    const pending = fetch(`${rt.url}/?ms=5000`).then(
      (r) => r.status,
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    rt.proc.kill("SIGTERM");
    expect(await rt.exited()).toBe(1);
    expect(await pending).toBe("cut");
  });

  it("fails fast with a clear message for broken handler modules", async () => {
    const syntax = await runToExit(bin, [`${FIXTURES}bad-syntax.mjs`]);
    expect(syntax.code).toBe(1);
    const syntaxLine = JSON.parse(syntax.stderr.trim().split("\n").pop()!) as {
      msg: string;
      location: string;
    };
    expect(syntaxLine.location).toMatch(/bad-syntax\.mjs:2/);

    const throws = await runToExit(bin, [`${FIXTURES}throws-at-import.mjs`]);
    expect(throws.code).toBe(1);
    expect(throws.stderr).toContain("database URL missing");

    const none = await runToExit(bin, [`${FIXTURES}no-handler.mjs`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("notAHandler");

    const missing = await runToExit(bin, [`${FIXTURES}does-not-exist.mjs`]);
    expect(missing.code).toBe(1);
  });

  it("exits 2 listing every bad configuration variable", async () => {
    const result = await runToExit(bin, [`${FIXTURES}hello.mjs`], {
      PORT: "99999",
      EVENTFLOW_TIMEOUT_MS: "soon",
    });
    expect(result.code).toBe(2);
    const line = JSON.parse(result.stderr.trim()) as {
      code: string;
      details: Array<{ path: string }>;
    };
    expect(line.code).toBe("CONFIG_INVALID");
    expect(line.details.map((d) => d.path).sort()).toEqual(["EVENTFLOW_TIMEOUT_MS", "PORT"]);
  });
});
