// The activator's direct readiness probes: pods are plain objects as the cluster cache holds
// them, their runtime a real HTTP server on loopback (the pod IP is 127.0.0.1).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { createPodProber, podUrl } from "../../src/drivers/kubernetes/pod-probe.js";
import type { Endpoint } from "../../src/drivers/driver.js";

const pod = (name: string, over: { ip?: string; running?: boolean; deleting?: boolean } = {}) =>
  ({
    metadata: {
      name,
      uid: `uid-${name}`,
      ...(over.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    status: {
      phase: "Running",
      podIP: over.ip ?? "127.0.0.1",
      containerStatuses: [
        { name: "function", state: over.running === false ? { waiting: {} } : { running: {} } },
      ],
    },
  }) as unknown as V1Pod;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A runtime whose readiness path answers `status()`; counts the probes. */
async function runtime(status: () => number) {
  let probes = 0;
  const server = createServer((req, res) => {
    if (req.url === "/_eventflow/readyz") probes++;
    res.writeHead(status()).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, probes: () => probes };
}

describe("podUrl", () => {
  it.each([
    ["a running pod", pod("a"), "http://127.0.0.1:8080"],
    ["an IPv6 pod", pod("a", { ip: "fd00::5" }), "http://[fd00::5]:8080"],
    ["a container not running yet", pod("a", { running: false }), undefined],
    ["a pod being deleted", pod("a", { deleting: true }), undefined],
  ])("%s", (_name, p, url) => {
    expect(podUrl(p, 8080)).toBe(url);
  });
});

describe("the pod prober", () => {
  it("adds a pod that answers ready before the slices list it, and stops once they do", async () => {
    let ready = 503;
    const rt = await runtime(() => ready);
    const pods = [pod("p-1")];
    const prober = createPodProber({ pods: () => pods, port: rt.port, intervalMs: 10 });
    const none: readonly Endpoint[] = [];
    const stop = new AbortController();
    const waiting = prober.untilReady("acme/fx", () => none, stop.signal);
    await new Promise((r) => setTimeout(r, 60));
    expect(prober.endpoints("acme/fx", none)).toBe(none);
    ready = 200;
    expect(await waiting).toBe(true);
    const merged = prober.endpoints("acme/fx", none);
    expect(merged).toEqual([{ replica: "p-1", url: `http://127.0.0.1:${rt.port}` }]);
    // The same array while nothing changes (the balancer compares by identity).
    expect(prober.endpoints("acme/fx", none)).toBe(merged);
    // The slices list it now: the probe's entry goes.
    const listed = [{ replica: "p-1", url: `http://127.0.0.1:${rt.port}` }];
    expect(prober.endpoints("acme/fx", listed)).toBe(listed);
    expect(prober.endpoints("acme/fx", none)).toBe(none);
    await prober.close();
  });

  it("forgets a probed pod once it is deleted or gone", async () => {
    const rt = await runtime(() => 200);
    let pods = [pod("p-1")];
    const prober = createPodProber({ pods: () => pods, port: rt.port, intervalMs: 10 });
    const none: readonly Endpoint[] = [];
    expect(await prober.untilReady("acme/fx", () => none, new AbortController().signal)).toBe(true);
    expect(prober.endpoints("acme/fx", none)).toHaveLength(1);
    pods = [pod("p-1", { deleting: true })];
    expect(prober.endpoints("acme/fx", none)).toBe(none);
    await prober.close();
  });

  it("stops probing when the wait is over; a pod that never answers is never added", async () => {
    const rt = await runtime(() => 503);
    const prober = createPodProber({ pods: () => [pod("p-1")], port: rt.port, intervalMs: 10 });
    const stop = new AbortController();
    const waiting = prober.untilReady("acme/fx", () => [], stop.signal);
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await waiting).toBe(false);
    const seen = rt.probes();
    expect(seen).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(rt.probes()).toBe(seen);
    expect(prober.endpoints("acme/fx", [])).toHaveLength(0);
    await prober.close();
  });
});
