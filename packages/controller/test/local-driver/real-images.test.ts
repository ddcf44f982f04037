// The real path: `eventflow build` (the CLI, built by `npm run build`) bundles examples/hello
// with the runtime, pushes it to Debian's docker-registry and writes an OCI layout; the local
// driver pulls both, runs the runtime as replicas, and the invoke router serves them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startRegistry, type TestRegistry } from "../../../../test/registry/index.ts";
import type { Driver } from "../../src/drivers/driver.js";
import { createTestRecorder, startInvokeServer } from "../invoke/invoke-harness.js";
import { startDriver, waitForStatus } from "./helpers/driver-harness.js";

const T = "acme";

describe("local driver runs images built by the CLI", () => {
  let dir: string;
  let registry: TestRegistry;
  let driver: Driver;
  let server: Awaited<ReturnType<typeof startInvokeServer>>;
  let layoutRef: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eventflow-real-images-"));
    registry = await startRegistry({ mode: "plain" });
    const built = await runEventflow([
      "build",
      "examples/hello",
      "--base",
      "scratch",
      "-t",
      `${registry.host}/hello:1`,
      "--push",
      "--output",
      `oci:${dir}/layout:hello`,
      "--quiet",
    ]);
    expect(built.code, built.stderr).toBe(0);
    layoutRef = `oci:${dir}/layout:hello`;
    driver = await startDriver(join(dir, "data"), { stopGraceMs: 10_000 });
    server = await startInvokeServer({ driver, recorder: createTestRecorder(), tenant: T });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await driver?.close();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pulls from a registry, runs the runtime and answers through the invoke router", async () => {
    await driver.create({
      tenant: T,
      name: "hello",
      image: `${registry.host}/hello:1`,
      replicas: 1,
    });
    await waitForStatus(driver, { tenant: T, name: "hello" }, (s) => s.status === "Running");
    const res = await request(`${server.url}/v1/functions/hello:invoke?name=EventFlow`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(await res.body.text()).toBe("Hello, EventFlow!");
  });

  it("rolls the runtime's replicas under load without a failed invoke", async () => {
    await driver.scale(T, "hello", 2);
    await waitForStatus(driver, { tenant: T, name: "hello" }, (st) => st.ready_replicas === 2);
    const statuses: number[] = [];
    let done = false;
    const worker = async () => {
      while (!done && statuses.length < 5_000) {
        const res = await request(`${server.url}/v1/functions/hello:invoke`);
        await res.body.text();
        statuses.push(res.statusCode);
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    while (statuses.length < 50) await new Promise((r) => setTimeout(r, 10));
    await driver.update({
      tenant: T,
      name: "hello",
      image: `${registry.host}/hello:1`,
      replicas: 2,
      env: { ROLL: "2" },
    });
    await waitForStatus(
      driver,
      { tenant: T, name: "hello" },
      (st) => st.status === "Running" && st.updated_replicas === 2,
      20_000,
    );
    const atRollout = statuses.length;
    while (statuses.length < atRollout + 100) await new Promise((r) => setTimeout(r, 10));
    done = true;
    await load;
    expect(statuses.filter((code) => code !== 200)).toEqual([]);
  }, 60_000);

  it("runs the same build from the OCI layout", async () => {
    await driver.create({ tenant: T, name: "hello-layout", image: layoutRef, replicas: 1 });
    await waitForStatus(driver, { tenant: T, name: "hello-layout" }, (s) => s.status === "Running");
    const res = await request(`${server.url}/v1/functions/hello-layout:invoke`);
    expect(await res.body.text()).toBe("Hello, world!");
  });

  it("drains the runtime on delete: it exits on SIGTERM well before the SIGKILL grace", async () => {
    const drained = (async () => {
      for await (const l of driver.logs(T, "hello-layout", { follow: true }))
        if (l.line.includes("draining")) return true;
      return false;
    })();
    const started = Date.now();
    await driver.delete(T, "hello-layout");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await drained).toBe(true);
  });

  it("refuses a tag the registry does not have", async () => {
    await expect(
      driver.create({ tenant: T, name: "nope", image: `${registry.host}/hello:2`, replicas: 1 }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_NOT_FOUND",
    });
    await expect(
      driver.create({ tenant: T, name: "nope", image: `${registry.host}/absent:1`, replicas: 1 }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_NOT_FOUND",
    });
  });
});
