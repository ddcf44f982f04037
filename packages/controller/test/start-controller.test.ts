import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "undici";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startController } from "../src/server.js";
import { TEST_SECRET } from "./support/harness.js";
import { createMemoryDriver } from "./support/memory-driver.js";

// startController in-process; the driver is the in-memory TEST DOUBLE (failure injection).
function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
const closeNet = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

async function isFree(port: number): Promise<boolean> {
  try {
    await closeNet(await listenOn(port));
    return true;
  } catch {
    return false;
  }
}

describe("startController", () => {
  const logger = createLogger("silent");
  const config = (port: number, metricsPort: number) =>
    parseConfig({
      JWT_SECRET: TEST_SECRET,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      EVENTFLOW_HOST: "127.0.0.1",
    });

  it("serves, reports ready, and closes both listeners", async () => {
    const probe = await listenOn();
    const metricsPort = portOf(probe);
    await closeNet(probe);
    const c = await startController(config(0, metricsPort), {
      logger,
      driver: createMemoryDriver(),
    });
    expect((await fetch(`${c.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${c.metricsUrl}/metrics`)).status).toBe(200);
    await c.close();
    expect(await isFree(metricsPort)).toBe(true);
  });

  it.each([
    ["0644", 0o644, 1],
    ["0640", 0o640, 0],
  ])(
    "warns at start when JWT_SECRET_FILE (mode %s) can be read by any user",
    async (_m, mode, warned) => {
      const dir = mkdtempSync(join(tmpdir(), "eventflow-secret-"));
      const file = join(dir, "jwt-secret");
      writeFileSync(file, TEST_SECRET);
      chmodSync(file, mode);
      const lines: string[] = [];
      const c = await startController(
        parseConfig({
          JWT_SECRET_FILE: file,
          PORT: "0",
          METRICS_PORT: "0",
          EVENTFLOW_HOST: "127.0.0.1",
        }),
        {
          logger: createLogger("warn", { write: (l: string) => lines.push(l) }),
          driver: createMemoryDriver(),
        },
      );
      await c.close();
      rmSync(dir, { recursive: true, force: true });
      const warnings = lines
        .map((l) => JSON.parse(l) as { level: number; file?: string })
        .filter((l) => l.level === 40 && l.file === file);
      expect(warnings).toHaveLength(warned);
    },
  );

  it("on Kubernetes without NATS: starts without a data dir, async invokes answer ASYNC_UNAVAILABLE", async () => {
    // A pod's root filesystem is read-only: a data dir that cannot be made must not matter.
    const dir = mkdtempSync(join(tmpdir(), "ef-nodata-"));
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const c = await startController(
      parseConfig({
        JWT_SECRET: TEST_SECRET,
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_HOST: "127.0.0.1",
        EVENTFLOW_DEV_AUTH: "true",
        EVENTFLOW_DATA_DIR: join(file, "data"),
      }),
      { logger, driver: { ...createMemoryDriver(), name: "kubernetes" } },
    );
    try {
      const { token } = (await (await fetch(`${c.url}/auth/token`, { method: "POST" })).json()) as {
        token: string;
      };
      const made = await fetch(`${c.url}/v1/functions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "hello", image: "registry.invalid/hello:1" }),
      });
      expect(made.status).toBe(201);
      const r = await fetch(`${c.url}/v1/functions/hello:invoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, prefer: "respond-async" },
        body: "{}",
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe(
        "ASYNC_UNAVAILABLE",
      );
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves nothing listening when the driver cannot start", async () => {
    const probe = await listenOn();
    const metricsPort = portOf(probe);
    await closeNet(probe);
    const driver = createMemoryDriver();
    driver.start = async () => {
      throw new Error("store is locked by another controller");
    };
    await expect(startController(config(0, metricsPort), { logger, driver })).rejects.toThrow(
      "store is locked",
    );
    expect(await isFree(metricsPort)).toBe(true);
  });

  it("leaves nothing listening when METRICS_PORT is taken", async () => {
    const taken = await listenOn();
    const apiProbe = await listenOn();
    const apiPort = portOf(apiProbe);
    await closeNet(apiProbe);
    try {
      await expect(
        startController(config(apiPort, portOf(taken)), { logger, driver: createMemoryDriver() }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
      expect(await isFree(apiPort)).toBe(true);
    } finally {
      await closeNet(taken);
    }
  });

  it("drains on close for the whole window: clients that reconnect are answered, none is reset", async () => {
    const c = await startController(
      parseConfig({
        JWT_SECRET: TEST_SECRET,
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_HOST: "127.0.0.1",
        EVENTFLOW_SHUTDOWN_DRAIN_SECONDS: "1",
      }),
      { logger, driver: createMemoryDriver() },
    );
    // Four keep-alive clients, as a load balancer pins them. Told `Connection: close`, a client
    // reconnects, and (the balancer not having taken this replica out yet) lands here again,
    // until 0.9 s into the 1 s window: by its end the balancer has taken the replica out, and a
    // connection opened just as the listener closes could be reset by the kernel whatever the
    // controller does. Any error before then (refused, reset) is a failure.
    const lastConnectAt = 900;
    let closeStarted = 0;
    const resets: string[] = [];
    const statuses = new Set<number>();
    let told = 0;
    let lastAnswerAt = 0;
    const loop = async () => {
      for (let n = 0; n < 10_000; n++) {
        if (closeStarted > 0 && Date.now() - closeStarted > lastConnectAt) return;
        const client = new Client(c.url, { pipelining: 1 });
        try {
          for (;;) {
            const res = await client.request({ path: "/healthz", method: "GET" });
            await res.body.dump();
            statuses.add(res.statusCode);
            if (closeStarted > 0) lastAnswerAt = Date.now() - closeStarted;
            if (res.headers["connection"] === "close") {
              told++;
              break;
            }
          }
        } catch (error) {
          resets.push((error as { code?: string }).code ?? String(error));
          return;
        } finally {
          await client.close().catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    await new Promise((r) => setTimeout(r, 200));
    closeStarted = Date.now();
    await c.close();
    await Promise.all(loops);
    expect(resets).toEqual([]);
    expect([...statuses]).toEqual([200]);
    expect(told).toBeGreaterThan(4);
    // Reconnecting clients were still answered near the end of the 1 s window, not refused
    // from the moment the connection count first touched 0.
    expect(lastAnswerAt).toBeGreaterThan(800);
  });
});
