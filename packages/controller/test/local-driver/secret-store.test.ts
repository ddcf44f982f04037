import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

// The local driver's secrets across restarts and against a damaged or missing key file: stored
// values are never lost, never replaced by a new key, and a function that cannot get its secret
// says so instead of starting without it.
const VALUE = "restart-survivor-41c7";
const fn = { tenant: "acme", name: "pay" };

describe("local secrets across restarts and key file damage", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  let image: string;
  let driver: Driver | undefined;

  beforeEach(async () => {
    data = await tempDir("secret-store");
    dataDir = join(data.path, "data");
    image = await writeTestImage({ dir: `${data.path}/layout`, tag: "v1" });
    driver = await startDriver(dataDir);
    await driver.secrets!.put("acme", "vault", { TOKEN: Buffer.from(VALUE) }, "create");
    await driver.create({
      ...fn,
      image,
      replicas: 1,
      secrets: [{ name: "vault", mount: "env" }],
    });
    await waitForStatus(driver, fn, (s) => s.ready_replicas === 1);
  });
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
    await data.cleanup();
  });

  async function restart(): Promise<Driver> {
    await driver!.close();
    driver = await startDriver(dataDir);
    return driver;
  }

  it("keeps secrets and their values across a restart", async () => {
    const before = await driver!.secrets!.get("acme", "vault");
    const d = await restart();
    expect(await d.secrets!.get("acme", "vault")).toEqual(before);
    await waitForStatus(d, fn, (s) => s.ready_replicas === 1);
    const [ep] = d.endpoints("acme", "pay");
    const res = await fetch(`${ep!.url}/?op=env&var=TOKEN`, {
      headers: { "x-eventflow-replica-key": ep!.key! },
    });
    expect(await res.json()).toEqual({ value: VALUE });
  });

  it("never replaces a missing key file: values stay sealed until it is restored", async () => {
    const keyFile = join(dataDir, "secret.key");
    copyFileSync(keyFile, join(data.path, "key.backup"));
    rmSync(keyFile);
    const d = await restart();
    // Names are still listed; nothing is lost or invented.
    expect((await d.secrets!.list("acme")).map((s) => s.name)).toEqual(["vault"]);
    await expect(
      d.secrets!.put("acme", "other", { a: Buffer.from("b") }, "create"),
    ).rejects.toMatchObject({ code: "LOCAL_SECRET_KEY_INVALID" });
    expect(statSync(keyFile, { throwIfNoEntry: false })).toBeUndefined();
    // The function does not start without its secret, and says why.
    const status = await waitForStatus(d, fn, (s) => s.last_error !== undefined);
    expect(status.last_error).toMatchObject({ code: "LOCAL_SECRET_KEY_INVALID" });
    expect(status.last_error!.message).toContain(keyFile);
    expect(status.ready_replicas).toBe(0);
    // Restored, the same values open again.
    copyFileSync(join(data.path, "key.backup"), keyFile);
    await waitForStatus(d, fn, (s) => s.ready_replicas === 1, 15_000);
  });

  it("refuses an emptied or foreign key file, naming it, and leaves it as it is", async () => {
    const keyFile = join(dataDir, "secret.key");
    writeFileSync(keyFile, "", { mode: 0o600 });
    const d = await restart();
    await expect(
      d.secrets!.put("acme", "vault", { TOKEN: Buffer.from("x") }, "replace"),
    ).rejects.toMatchObject({ code: "LOCAL_SECRET_KEY_INVALID" });
    expect(readFileSync(keyFile, "utf8")).toBe("");
    // Another valid key (a file from another data dir) opens nothing: a clear error, not junk.
    writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString("base64")}\n`, { mode: 0o600 });
    const status = await waitForStatus(
      d,
      fn,
      (s) => s.last_error?.code === "LOCAL_SECRET_UNREADABLE",
      15_000,
    );
    expect(status.ready_replicas).toBe(0);
  });
});
