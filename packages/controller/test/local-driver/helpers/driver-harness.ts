import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { createLocalDriver, type LocalDriverOptions } from "../../../src/drivers/local/index.js";
import type { Driver, FunctionStatus } from "../../../src/drivers/driver.js";

/** A fresh data dir under the OS temp dir. */
export async function tempDir(
  prefix: string,
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `eventflow-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A started local driver with fast timings for tests. */
export async function startDriver(
  dataDir: string,
  extra: Partial<LocalDriverOptions> = {},
): Promise<Driver> {
  const driver = createLocalDriver({
    dataDir,
    restartBackoff: { initialMs: 50, maxMs: 400, crashLoopThreshold: 3, resetAfterMs: 5_000 },
    drainDelayMs: 50,
    stopGraceMs: 3_000,
    readyTimeoutMs: 10_000,
    ...extra,
  });
  await driver.start();
  return driver;
}

/** Polls `driver.get` until `check` holds (or throws after `timeoutMs`). */
export async function waitForStatus(
  driver: Driver,
  fn: { tenant: string; name: string },
  check: (s: FunctionStatus) => boolean,
  timeoutMs = 10_000,
): Promise<FunctionStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: FunctionStatus | undefined;
  while (Date.now() < deadline) {
    last = await driver.get(fn.tenant, fn.name);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `status never matched; last: ${JSON.stringify(last && { ...last, spec: undefined })}`,
  );
}

/** GET on a replica URL; returns status and parsed JSON. */
export async function getJson(
  url: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(url);
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

/** Whether a pid is alive (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
