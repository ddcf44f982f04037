/**
 * Tier 4: the controller's HTTP API over the Kubernetes driver on the real control plane: a
 * function deployed through the API runs; with the API server gone (a TCP proxy in front of it
 * is cut) /readyz and reads answer 503 with retry-after, and recover when it returns.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubernetesDriver } from "../../src/drivers/kubernetes/index.js";
import { parseConfig } from "../../src/config.js";
import { startController } from "../../src/server.js";
import { IMAGE, startDriverSuite, type DriverSuite } from "./support/driver-suite.js";
import { eventually, viaPort, type Apis } from "./support/k8s.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-k8s-${run}`;

let suite: DriverSuite;
let api: Apis;

beforeAll(async () => {
  // The namespace's driver leads its Lease: it reconciles what the controller's driver writes.
  suite = await startDriverSuite(NS);
  ({ api } = suite);
}, 900_000);

afterAll(async () => {
  await suite?.stop();
}, 120_000);

describe("the controller's API over the kubernetes driver", { timeout: 120_000 }, () => {
  it("deploys through the API; with the API server gone /readyz and reads answer 503 with retry-after", async () => {
    const server = new URL(api.kc.getCurrentCluster()!.server);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 443) });
    const dir = mkdtempSync(join(tmpdir(), "eventflow-k8s-api-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, viaPort(api.kc, proxy.port).exportConfig());
    // The driver gets the proxied kubeconfig explicitly (client-node would read KUBECONFIG).
    const controller = await startController(
      parseConfig({
        JWT_SECRET: "k8s-tier-secret-with-at-least-32-characters",
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_HOST: "127.0.0.1",
        EVENTFLOW_DRIVER: "kubernetes",
        EVENTFLOW_DEV_AUTH: "true",
        KUBECONFIG: kubeconfig,
        NAMESPACE: NS,
        LOG_LEVEL: "silent",
      }),
      {
        driver: createKubernetesDriver({
          kubeconfig,
          namespace: NS,
          leaderElection: { namespace: NS },
        }),
      },
    );
    try {
      expect(controller.driver.name).toBe("kubernetes");
      const { token } = (await (
        await fetch(`${controller.url}/auth/token`, { method: "POST" })
      ).json()) as {
        token: string;
      };
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const created = await fetch(`${controller.url}/v1/functions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: "via-api", image: IMAGE, replicas: 1 }),
      });
      expect(created.status).toBe(201);
      await eventually(async () => {
        const r = await fetch(`${controller.url}/v1/functions/via-api`, { headers: auth });
        return r.status === 200 && ((await r.json()) as { status: string }).status === "Running";
      });
      expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);
      await proxy.cut();
      await eventually(async () => (await fetch(`${controller.url}/readyz`)).status === 503);
      const down = await fetch(`${controller.url}/v1/functions/via-api`, { headers: auth });
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).not.toBeNull();
      expect(((await down.json()) as { error: { code: string } }).error.code).toBe(
        "KUBERNETES_UNREACHABLE",
      );
      await proxy.restore();
      await eventually(async () => (await fetch(`${controller.url}/readyz`)).status === 200);
      const del = await fetch(`${controller.url}/v1/functions/via-api`, {
        method: "DELETE",
        headers: auth,
      });
      expect(del.status).toBeLessThan(300);
    } finally {
      await controller.close();
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
