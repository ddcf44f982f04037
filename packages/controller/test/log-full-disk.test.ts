// The whole controller (startController with the local driver, as `npm start` runs it) on a
// data directory that fills up: invokes keep answering and the log write errors show in
// /metrics. The disk is a real 8 MiB tmpfs (mounting needs root, which these machines have).
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startController, type StartedController } from "../src/server.js";
import { tempDir } from "./local-driver/helpers/driver-harness.js";
import { writeTestImage } from "./local-driver/helpers/oci-image.js";
import { TEST_SECRET, call, mintToken } from "./support/harness.js";

describe("a controller whose data disk is full", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let mount: string;
  let controller: StartedController | undefined;

  beforeAll(async () => {
    data = await tempDir("controller-full");
    mount = join(data.path, "small");
    mkdirSync(mount);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount]);
  });
  afterAll(async () => {
    await controller?.close();
    execFileSync("umount", ["-l", mount]);
    await data.cleanup();
  });

  it("keeps serving invokes and counts eventflow_log_write_errors_total", async () => {
    const image = await writeTestImage({ dir: join(data.path, "layout") });
    controller = await startController(
      parseConfig({
        JWT_SECRET: TEST_SECRET,
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_HOST: "127.0.0.1",
        EVENTFLOW_DRIVER: "local",
        EVENTFLOW_DATA_DIR: join(mount, "data"),
        DOCKER_CONFIG: join(data.path, "docker"),
      }),
      { logger: createLogger("silent") },
    );
    const url = controller.url;
    const token = await mintToken({ tenant: "acme", role: "developer" });
    const admin = await mintToken({ role: "admin" });
    const created = await call(url, "POST", "/v1/functions", {
      token,
      body: { name: "chatty", image },
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 400; i++) {
      const fn = await call(url, "GET", "/v1/functions/chatty", { token });
      if (fn.body?.status === "Running") break;
      await sleep(50);
    }

    const fd = openSync(join(mount, "filler"), "w");
    try {
      for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      closeSync(fd);
    }

    const errors = async () => {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
      const m = /^eventflow_log_write_errors_total (\d+)/m.exec(await res.text());
      return Number(m?.[1] ?? Number.NaN);
    };
    // Lines the replica wrote while the disk was filling may already have failed: the
    // baseline is whatever the counter shows now (a number: the metric is exposed).
    const before = await errors();
    expect(before).toBeGreaterThanOrEqual(0);
    for (let round = 0; round < 5; round++) {
      const res = await call(url, "POST", "/v1/functions/chatty:invoke?op=log&n=200&pad=1000", {
        token,
      });
      expect(res.status).toBe(200);
      await sleep(80);
    }
    const hello = await call(url, "POST", "/v1/functions/chatty:invoke", { token, body: {} });
    expect(hello.status).toBe(200);
    expect(await errors()).toBeGreaterThan(before);
  }, 120_000);
});
