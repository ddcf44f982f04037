import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import { getJson, startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const T = "acme";

describe("local driver: processes, restarts, scaling", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;
  let image: string;

  beforeAll(async () => {
    data = await tempDir("driver");
    image = await writeTestImage({ dir: `${data.path}/layout` });
    driver = await startDriver(`${data.path}/data`);
  });
  afterAll(async () => {
    await driver?.close();
    await data?.cleanup();
  });

  it("runs replicas that serve the app and report Running", async () => {
    const created = await driver.create({
      tenant: T,
      name: "hello",
      image,
      replicas: 2,
      env: { GREETING: "hi" },
      timeoutSeconds: 7,
    });
    expect(created.status).toBe("Deploying");
    const status = await waitForStatus(
      driver,
      { tenant: T, name: "hello" },
      (s) => s.ready_replicas === 2,
    );
    expect(status.status).toBe("Running");
    const eps = driver.endpoints(T, "hello");
    expect(eps).toHaveLength(2);
    const { status: code, body } = await getJson(`${eps[0]!.url}/?op=headers`);
    expect(code).toBe(200);
    expect(body.method).toBe("GET");
    const pids = await Promise.all(eps.map(async (e) => (await getJson(`${e.url}/`)).body.pid));
    expect(new Set(pids).size).toBe(2);
  });

  it("refuses a second function with the same name", async () => {
    await expect(
      driver.create({ tenant: T, name: "hello", image, replicas: 1 }),
    ).rejects.toMatchObject({ code: "FUNCTION_ALREADY_EXISTS" });
  });

  it("keeps tenants apart", async () => {
    await expect(driver.get("other", "hello")).rejects.toMatchObject({
      code: "FUNCTION_NOT_FOUND",
    });
    expect(driver.endpoints("other", "hello")).toHaveLength(0);
    expect((await driver.list("other")).length).toBe(0);
    expect(driver.invokeInfo?.("other", "hello")).toBeUndefined();
  });

  it("tells an invoke the function's spec and creation time, as its status does", async () => {
    const status = await driver.get(T, "hello");
    const info = driver.invokeInfo?.(T, "hello");
    expect(info).toEqual({ spec: status.spec, created_at: status.created_at });
    expect(info?.spec.timeoutSeconds).toBe(7);
  });

  it("refuses images not built by EventFlow and missing images, starting nothing", async () => {
    const foreign = await writeTestImage({
      dir: `${data.path}/foreign`,
      labels: { "org.opencontainers.image.title": "nginx" },
    });
    await expect(
      driver.create({ tenant: T, name: "foreign", image: foreign, replicas: 1 }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_UNSUPPORTED",
    });
    await expect(
      driver.create({
        tenant: T,
        name: "missing",
        image: `oci:${data.path}/nowhere:v1`,
        replicas: 1,
      }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_NOT_FOUND",
    });
    await expect(
      driver.create({
        tenant: T,
        name: "missing",
        image: `${image.slice(0, image.lastIndexOf(":"))}:nope`,
        replicas: 1,
      }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_NOT_FOUND",
    });
    expect((await driver.list(T)).map((f) => f.name)).toEqual(["hello"]);
  });

  it("scales up and down live", async () => {
    await driver.scale(T, "hello", 3);
    await waitForStatus(
      driver,
      { tenant: T, name: "hello" },
      (s) => s.ready_replicas === 3 && s.status === "Running",
    );
    expect(driver.endpoints(T, "hello")).toHaveLength(3);
    await driver.scale(T, "hello", 1);
    await waitForStatus(driver, { tenant: T, name: "hello" }, (s) => s.ready_replicas === 1);
    expect(driver.endpoints(T, "hello")).toHaveLength(1);
    await driver.scale(T, "hello", 0);
    const zero = await waitForStatus(
      driver,
      { tenant: T, name: "hello" },
      (s) => s.status === "ScaledToZero",
    );
    expect(zero.ready_replicas).toBe(0);
  });

  it("starts a replica from zero on demand", async () => {
    const started = Date.now();
    const ep = await driver.waitForEndpoint(T, "hello", 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await getJson(`${ep.url}/`)).status).toBe(200);
    // An explicit scale to zero stops the replica the invoke started.
    await driver.scale(T, "hello", 0);
    await waitForStatus(driver, { tenant: T, name: "hello" }, (s) => s.status === "ScaledToZero");
    expect(driver.endpoints(T, "hello")).toHaveLength(0);
    await driver.scale(T, "hello", 1);
    await waitForStatus(driver, { tenant: T, name: "hello" }, (s) => s.ready_replicas === 1);
  });

  it("restarts a crashed replica with backoff on a new process", async () => {
    const [ep] = driver.endpoints(T, "hello");
    const before = (await getJson(`${ep!.url}/`)).body.pid;
    await getJson(`${ep!.url}/?op=exit`).catch(() => undefined);
    const status = await waitForStatus(
      driver,
      { tenant: T, name: "hello" },
      (s) => s.ready_replicas === 1 && driver.endpoints(T, "hello")[0]?.url !== ep!.url,
    );
    expect(status.status).toBe("Running");
    const after = (await getJson(`${driver.endpoints(T, "hello")[0]!.url}/`)).body.pid;
    expect(after).not.toBe(before);
  });

  it("reports a crash loop with the exit code and last stderr line, then recovers on update", async () => {
    await driver.create({
      tenant: T,
      name: "crashy",
      image,
      replicas: 1,
      env: { FIXTURE_CRASH_AFTER_MS: "0" },
    });
    const failed = await waitForStatus(
      driver,
      { tenant: T, name: "crashy" },
      (s) => s.status === "Failed",
      15_000,
    );
    expect(failed.last_error?.code).toBe("FUNCTION_CRASH_LOOP");
    expect(failed.last_error?.message).toContain("code 3");
    expect(failed.last_error?.message).toContain("boom");
    await expect(driver.waitForEndpoint(T, "crashy", 1_000)).rejects.toMatchObject({
      code: "FUNCTION_CRASH_LOOP",
    });
    await driver.update({ tenant: T, name: "crashy", image, replicas: 1 });
    const ok = await waitForStatus(
      driver,
      { tenant: T, name: "crashy" },
      (s) => s.status === "Running",
    );
    expect(ok.last_error).toBeUndefined();
  });

  it("reports Degraded while one of two replicas crash loops", async () => {
    await driver.create({ tenant: T, name: "half", image, replicas: 1 });
    await waitForStatus(driver, { tenant: T, name: "half" }, (s) => s.status === "Running");
    // A rolling update to a crashing spec: the old replica keeps serving, the new one loops.
    await driver.update({
      tenant: T,
      name: "half",
      image,
      replicas: 1,
      env: { FIXTURE_CRASH_AFTER_MS: "0" },
    });
    const degraded = await waitForStatus(
      driver,
      { tenant: T, name: "half" },
      (s) => s.status === "Degraded",
      15_000,
    );
    expect(degraded.ready_replicas).toBe(1);
    expect(degraded.last_error?.code).toBe("FUNCTION_CRASH_LOOP");
    expect(driver.endpoints(T, "half")).toHaveLength(1);
  });

  it("deletes a function, draining its replicas", async () => {
    const eps = driver.endpoints(T, "hello");
    await driver.delete(T, "hello");
    await expect(driver.get(T, "hello")).rejects.toMatchObject({ code: "FUNCTION_NOT_FOUND" });
    expect(driver.invokeInfo?.(T, "hello")).toBeUndefined();
    expect(driver.endpoints(T, "hello")).toHaveLength(0);
    await expect(getJson(`${eps[0]!.url}/`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
