// Tier 2/4: `/_eventflow/stats`, the load the controller's autoscaler scrapes, from the built
// runtime bin as a real child process on every supported Node version.
import { afterEach, describe, expect, it } from "vitest";
import { nodeVersions, spawnRuntime, type RuntimeProcess } from "./support/process.js";

const KEY = "k".repeat(32);
const headers = { "x-eventflow-replica-key": KEY };

interface Stats {
  inFlight: number;
  requests: number;
  concurrencySeconds: number;
  uptimeSeconds: number;
  ready: boolean;
}

const running: RuntimeProcess[] = [];
afterEach(() => {
  for (const rt of running.splice(0)) rt.proc.kill("SIGKILL");
});

async function stats(rt: RuntimeProcess): Promise<Stats> {
  const res = await fetch(`${rt.url}/_eventflow/stats`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return (await res.json()) as Stats;
}

describe.each(nodeVersions())("runtime stats on $label", ({ bin }) => {
  it("integrates requests in flight over time and counts requests started", async () => {
    const rt = await spawnRuntime(bin, "slow.mjs", { EVENTFLOW_REPLICA_KEY: KEY });
    running.push(rt);
    const before = await stats(rt);
    expect(before).toMatchObject({ inFlight: 0, requests: 0, concurrencySeconds: 0, ready: true });
    expect(before.uptimeSeconds).toBeGreaterThan(0);

    // 4 requests that each stay in flight 250 ms: about 1 concurrency-second.
    const load = Array.from({ length: 4 }, () =>
      fetch(`${rt.url}/?ms=250`, { headers }).then((r) => r.json()),
    );
    let during = await stats(rt);
    while (during.inFlight < 4) during = await stats(rt);
    expect(during.requests).toBe(4);
    await Promise.all(load);
    const after = await stats(rt);
    expect(after.inFlight).toBe(0);
    expect(after.requests).toBe(4);
    // One request counted (0.25), each counted twice (2) or wall time (x1) cannot land here.
    expect(after.concurrencySeconds).toBeGreaterThan(0.98);
    expect(after.concurrencySeconds).toBeLessThan(1.6);
    expect(after.concurrencySeconds).toBeGreaterThanOrEqual(during.concurrencySeconds);
    expect(after.uptimeSeconds - before.uptimeSeconds).toBeGreaterThan(0.24);

    // Idle time adds nothing; reserved paths are not requests.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const idle = await stats(rt);
    expect(idle.requests).toBe(4);
    expect(idle.concurrencySeconds).toBe(after.concurrencySeconds);

    const metrics = await (await fetch(`${rt.url}/_eventflow/metrics`, { headers })).text();
    expect(metrics).toContain('eventflow_runtime_invocations_started_total{function="slow"} 4');
    const integral = /eventflow_runtime_concurrency_seconds_total\{function="slow"\} (\S+)/.exec(
      metrics,
    );
    expect(Number(integral?.[1])).toBe(after.concurrencySeconds);
  });

  it("refuses methods other than GET and HEAD, and callers without the replica key", async () => {
    const rt = await spawnRuntime(bin, "slow.mjs", { EVENTFLOW_REPLICA_KEY: KEY });
    running.push(rt);
    const post = await fetch(`${rt.url}/_eventflow/stats`, { method: "POST", headers });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe(
      "METHOD_NOT_ALLOWED",
    );
    const anonymous = await fetch(`${rt.url}/_eventflow/stats`);
    expect(anonymous.status).toBe(403);
    await anonymous.arrayBuffer();
    const head = await fetch(`${rt.url}/_eventflow/stats`, { method: "HEAD", headers });
    expect(head.status).toBe(200);
  });
});
