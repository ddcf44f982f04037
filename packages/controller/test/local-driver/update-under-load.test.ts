import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import { createTestRecorder, startInvokeServer } from "../invoke/invoke-harness.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const T = "acme";
const FN = { tenant: T, name: "rolling" };

describe("rolling update under load", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;
  let server: Awaited<ReturnType<typeof startInvokeServer>>;
  let image: string;

  beforeAll(async () => {
    data = await tempDir("rolling");
    image = await writeTestImage({ dir: `${data.path}/layout` });
    driver = await startDriver(`${data.path}/data`, { drainDelayMs: 100 });
    await driver.create({ ...FN, image, replicas: 2, env: { FIXTURE_VERSION: "v1" } });
    await waitForStatus(driver, FN, (s) => s.status === "Running");
    server = await startInvokeServer({ driver, recorder: createTestRecorder(), tenant: T });
  });
  afterAll(async () => {
    await server?.close();
    await driver?.close();
    await data?.cleanup();
  });

  it("updates every replica without a failed invoke", async () => {
    const statuses: number[] = [];
    const versions: string[] = [];
    let updated = false;
    let afterUpdate = 0;
    async function worker(): Promise<void> {
      // Bounded: runs until 150 requests after the rollout finished (or 4,000 in all).
      while (statuses.length < 4_000 && afterUpdate < 150) {
        const res = await request(`${server.url}/v1/functions/rolling:invoke`);
        const body = (await res.body.json()) as { version?: string };
        statuses.push(res.statusCode);
        versions.push(body.version ?? "?");
        if (updated) afterUpdate++;
      }
    }
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    while (statuses.length < 100) await new Promise((r) => setTimeout(r, 10));
    await driver.update({ ...FN, image, replicas: 2, env: { FIXTURE_VERSION: "v2" } });
    await waitForStatus(
      driver,
      FN,
      (s) => s.status === "Running" && s.updated_replicas === 2 && s.ready_replicas === 2,
      20_000,
    );
    updated = true;
    await load;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(versions).toContain("v1");
    expect(versions.slice(-20).every((v) => v === "v2")).toBe(true);
    const status = await driver.get(T, FN.name);
    expect(status.spec.env).toEqual({ FIXTURE_VERSION: "v2" });
    expect(driver.endpoints(T, FN.name)).toHaveLength(2);
  }, 60_000);
});
