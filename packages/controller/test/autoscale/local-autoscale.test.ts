// Request-driven scaling end to end on the local driver: real replica processes (the fixture
// app, which reports /_eventflow/stats as the runtime does), the invoke router with its
// activator, the scraper and the autoscaler loop. The stable window is shortened to 6 s so the
// test does not wait a minute for the way down; everything else is the product's.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAutoscaler, type Autoscaler } from "../../src/autoscale/autoscaler.js";
import { createScraper } from "../../src/autoscale/scrape.js";
import type { Driver } from "../../src/drivers/driver.js";
import { createTestRecorder, startInvokeServer } from "../invoke/invoke-harness.js";
import { startDriver, tempDir } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";

const T = "acme";
const ready = (driver: Driver, name = "auto") => driver.endpoints(T, name).length;

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("request-driven autoscaling on the local driver", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;
  let server: Awaited<ReturnType<typeof startInvokeServer>>;
  let autoscaler: Autoscaler;

  beforeAll(async () => {
    data = await tempDir("autoscale");
    const image = await writeTestImage({ dir: `${data.path}/layout` });
    driver = await startDriver(`${data.path}/data`);
    await driver.create({
      tenant: T,
      name: "auto",
      image,
      replicas: 1,
      scaling: {
        metric: "concurrency",
        target: 2,
        minReplicas: 0,
        maxReplicas: 4,
        scaleToZeroAfterSeconds: 2,
      },
    });
    server = await startInvokeServer({ driver, recorder: createTestRecorder(), tenant: T });
    autoscaler = createAutoscaler({
      driver,
      scraper: createScraper(),
      queued: server.handler.queued,
      intervalMs: 250,
      tuning: { stableWindowMs: 6_000 },
    });
    autoscaler.start();
  }, 30_000);
  afterAll(async () => {
    await autoscaler?.stop();
    await server?.close();
    await driver?.close();
    await data?.cleanup();
  });

  it("scales up under load, to zero when idle, and back from zero on an invoke", async () => {
    await until("the first replica", () => ready(driver) === 1, 10_000);
    // 8 clients, each with one 300 ms request at a time: concurrency 8, target 2 -> 4 replicas.
    let load = true;
    const statuses: number[] = [];
    const client = async () => {
      while (load) {
        const res = await request(`${server.url}/v1/functions/auto:invoke?op=slow&ms=300`);
        await res.body.dump();
        statuses.push(res.statusCode);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    let peak = 0;
    try {
      await until(
        "three or more ready replicas",
        () => (peak = Math.max(peak, ready(driver))) >= 3,
        20_000,
      );
    } finally {
      load = false;
      await Promise.all(clients);
    }
    expect(peak).toBeGreaterThanOrEqual(3);
    expect(peak).toBeLessThanOrEqual(4);
    // Every client finished at least its first request (replicas may be ready before any second).
    expect(statuses.length).toBeGreaterThanOrEqual(8);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(autoscaler.status(`${T}/auto`)?.desired_replicas).toBeGreaterThanOrEqual(3);

    await until("zero replicas after the grace", () => ready(driver) === 0, 20_000);
    expect(autoscaler.status(`${T}/auto`)?.desired_replicas).toBe(0);
    expect(await driver.get(T, "auto")).toMatchObject({ status: "ScaledToZero", replicas: 0 });

    const res = await request(`${server.url}/v1/functions/auto:invoke`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { hello: string }).hello).toBe("world");
    expect(ready(driver)).toBe(1);

    // The function's events tell the three apart, newest first: who changed the count.
    const scaled = (await driver.events(T, "auto")).filter((e) => e.type === "scaled");
    expect(scaled[0]).toMatchObject({ from: 0, to: 1, by: "scale-from-zero" });
    expect(scaled.find((e) => e.by === "scale-to-zero")).toMatchObject({ to: 0 });
    expect(
      scaled.some((e) => e.by === "autoscaler" && e.to! >= 3),
      JSON.stringify(scaled),
    ).toBe(true);
  }, 60_000);

  it("an update that raises minReplicas applies it at once, not at the autoscaler's next tick", async () => {
    // Its own function, pinned at one replica by its bounds, so the count before the update does
    // not depend on where the autoscaler left the first test's function.
    await driver.create({
      tenant: T,
      name: "pinned",
      image: (await driver.get(T, "auto")).spec.image,
      replicas: 1,
      scaling: { metric: "concurrency", target: 2, minReplicas: 1, maxReplicas: 1 },
    });
    await until("one ready replica", () => ready(driver, "pinned") === 1, 15_000);
    const before = await driver.get(T, "pinned");
    expect(before.replicas).toBe(1);
    const updated = await driver.update({
      ...before.spec,
      scaling: { ...before.spec.scaling!, minReplicas: 2, maxReplicas: 4 },
    });
    expect(updated.replicas).toBe(2);
    await until("two ready replicas", () => ready(driver, "pinned") === 2, 15_000);
  }, 30_000);
});
