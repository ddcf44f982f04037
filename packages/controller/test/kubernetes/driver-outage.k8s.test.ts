/**
 * Tier 4: the Kubernetes driver when the API server goes away (a TCP proxy in front of the real
 * one is cut): readiness fails, calls answer KUBERNETES_UNREACHABLE, the informers resync on its
 * return and see a change made meanwhile; a driver that cannot reach it at start fails.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../src/drivers/kubernetes/index.js";
import { spec, startDriverSuite, until, type DriverSuite } from "./support/driver-suite.js";
import { eventually, viaPort, type Apis } from "./support/k8s.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-k8s-${run}`;

let suite: DriverSuite;
let api: Apis;
let driver: KubernetesDriver;

const newDriver = (options: Parameters<DriverSuite["newDriver"]>[0]) => suite.newDriver(options);

beforeAll(async () => {
  suite = await startDriverSuite(NS);
  ({ api, driver } = suite);
  // The function the drivers below read: one replica, Running.
  await driver.create(spec("hello"));
  await until(driver, "acme", "hello", (x) => x.status === "Running");
}, 900_000);

afterAll(async () => {
  await suite?.stop();
}, 120_000);

describe("the API server going away", { timeout: 120_000 }, () => {
  it("readiness fails, calls answer KUBERNETES_UNREACHABLE, and the informers resync on return", async () => {
    const server = new URL(api.kc.getCurrentCluster()!.server);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 443) });
    try {
      const d = await newDriver({ kubeconfig: viaPort(api.kc, proxy.port), namespace: NS });
      expect(d.ready?.()).toBe(true);
      expect((await d.get("acme", "hello")).status).toBe("Running");
      await proxy.cut();
      await eventually(() => d.ready?.() === false, 30_000, "readiness to fail");
      await expect(d.get("acme", "hello")).rejects.toMatchObject({
        code: "KUBERNETES_UNREACHABLE",
        status: 503,
      });
      await expect(d.create(spec("while-down"))).rejects.toMatchObject({
        code: "KUBERNETES_UNREACHABLE",
      });
      // Changed behind its back while it could not watch:
      await driver.scale("acme", "hello", 2);
      await proxy.restore();
      await eventually(() => d.ready?.() === true, 30_000, "readiness to return");
      const s = await until(d, "acme", "hello", (x) => x.replicas === 2, 30_000);
      expect(s.replicas).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it("a driver that cannot reach the API server at start fails with KUBERNETES_UNREACHABLE", async () => {
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 9 });
    const port = proxy.port;
    await proxy.close();
    const d = createKubernetesDriver({ kubeconfig: viaPort(api.kc, port), namespace: NS });
    await expect(d.start()).rejects.toMatchObject({ code: "KUBERNETES_UNREACHABLE" });
    await d.close();
  });
});
