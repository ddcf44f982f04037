import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

// Pid files exist to find replicas a killed controller left behind; a clean stop, a
// scale-down and a delete must leave none (a stale file names a pid the kernel may reuse).

const T = "acme";

function pidFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, "run")).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
}

describe("local driver: pid files after clean stops", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let image: string;

  beforeAll(async () => {
    data = await tempDir("pid-files");
    image = await writeTestImage({ dir: join(data.path, "layout") });
  });
  afterAll(() => data.cleanup());

  it("removes each replica's pid file on scale-down, delete and the controller's close", async () => {
    const dir = join(data.path, "data");
    const driver = await startDriver(dir);
    await driver.create({ tenant: T, name: "a", image, replicas: 3 });
    await driver.create({ tenant: T, name: "b", image, replicas: 1 });
    await waitForStatus(driver, { tenant: T, name: "a" }, (s) => s.ready_replicas === 3);
    await waitForStatus(driver, { tenant: T, name: "b" }, (s) => s.ready_replicas === 1);
    expect(pidFiles(dir)).toHaveLength(4);
    await driver.scale(T, "a", 1);
    await waitForStatus(driver, { tenant: T, name: "a" }, (s) => s.available_replicas === 1);
    await expect.poll(() => pidFiles(dir).length, { timeout: 5_000 }).toBe(2);
    await driver.delete(T, "b");
    expect(pidFiles(dir)).toHaveLength(1);
    await driver.close();
    // Synchronously: nothing may still be pending when close() returns (the process may exit).
    expect(pidFiles(dir)).toEqual([]);
  });
});
