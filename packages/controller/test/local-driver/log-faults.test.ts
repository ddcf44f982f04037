// Logs are best effort: a store that fails under the log book (a damaged page, a full disk)
// costs log lines, is counted and reported once, and never stops the controller or a function.
// Both faults are real: bytes of the database file are overwritten, and the data directory
// sits on a 6 MiB tmpfs that is filled up (mounting needs root, which these machines have).
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Driver, LogLine, LogRecorder } from "../../src/drivers/driver.js";
import type { DriverLogger } from "../../src/drivers/local/index.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const FN = { tenant: "acme", name: "chatty" };

function recording() {
  const counts = { writeErrors: 0 };
  const recorder: LogRecorder = {
    writeError: () => void (counts.writeErrors += 1),
    linesDropped: () => undefined,
  };
  const messages: { level: string; msg: string | undefined }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void messages.push({ level, msg });
  const logger: DriverLogger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { counts, recorder, messages, logger };
}

async function emit(driver: Driver, tag: string, n: number, pad = 0): Promise<void> {
  const ep = driver.endpoints(FN.tenant, FN.name)[0]!;
  const res = await request(`${ep.url}/?op=log&n=${n}&tag=${tag}&pad=${pad}`);
  await res.body.text();
}

async function readAll(driver: Driver): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of driver.logs(FN.tenant, FN.name, {})) out.push(l);
  return out;
}

async function invokeStatus(driver: Driver): Promise<number> {
  const ep = driver.endpoints(FN.tenant, FN.name)[0]!;
  const res = await request(`${ep.url}/?op=hello`);
  await res.body.text();
  return res.statusCode;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Overwrites the root pages of the logs table and its index in the database file. */
function damageLogsTable(dbPath: string): void {
  const db = new DatabaseSync(dbPath);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const pageSize = Number(
    (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size,
  );
  const roots = db
    .prepare("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'logs' AND rootpage > 0")
    .all() as { rootpage: number }[];
  db.close();
  const fd = openSync(dbPath, "r+");
  for (const { rootpage } of roots)
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
  closeSync(fd);
  // A write by another connection makes the driver's connection drop its page cache, so its
  // next transaction reads the damaged pages from the file.
  const poke = new DatabaseSync(dbPath);
  poke.exec("CREATE TABLE poke (x); DROP TABLE poke;");
  poke.close();
}

describe("log store faults", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function deploy(dataDir: string, layoutDir: string, r: ReturnType<typeof recording>) {
    const image = await writeTestImage({ dir: layoutDir });
    const driver = await startDriver(dataDir, { logRecorder: r.recorder, logger: r.logger });
    cleanups.push(() => driver.close());
    await driver.create({ ...FN, image, replicas: 1 });
    await waitForStatus(driver, FN, (s) => s.status === "Running");
    return driver;
  }

  it("a damaged page of the logs table: writes fail, counted and reported once; invokes go on", async () => {
    const data = await tempDir("log-damage");
    cleanups.push(data.cleanup);
    const r = recording();
    const driver = await deploy(join(data.path, "data"), join(data.path, "layout"), r);
    await emit(driver, "before", 50);
    await until(async () => (await readAll(driver)).length > 50, "the first lines");

    damageLogsTable(join(data.path, "data", "eventflow.db"));
    for (let round = 0; round < 5; round++) {
      await emit(driver, `after${round}`, 20);
      await sleep(80);
    }
    await until(() => r.counts.writeErrors >= 3, "write errors");
    expect(await invokeStatus(driver)).toBe(200);
    expect((await driver.get(FN.tenant, FN.name)).status).toBe("Running");
    const reported = r.messages.filter((m) => m.level === "error");
    expect(reported).toHaveLength(1);
  });

  it("a full disk: writes fail, counted and reported once, and work again once there is room", async () => {
    const data = await tempDir("log-full");
    cleanups.push(data.cleanup);
    const mount = join(data.path, "small");
    mkdirSync(mount);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mount]);
    cleanups.push(() => void execFileSync("umount", ["-l", mount]));
    const r = recording();
    const driver = await deploy(join(mount, "data"), join(data.path, "layout"), r);
    await emit(driver, "before", 10);
    await until(async () => (await readAll(driver)).length > 10, "the first lines");

    // Fill the file system to the last block.
    const filler = join(mount, "filler");
    const fd = openSync(filler, "w");
    const block = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      closeSync(fd);
    }
    for (let round = 0; round < 5; round++) {
      await emit(driver, `full${round}`, 200, 1000);
      await sleep(80);
    }
    await until(() => r.counts.writeErrors >= 2, "write errors");
    expect(await invokeStatus(driver)).toBe(200);
    expect(r.messages.filter((m) => m.level === "error")).toHaveLength(1);

    rmSync(filler);
    await emit(driver, "room", 1);
    await until(
      async () => (await readAll(driver)).some((l) => l.line.includes("line room-0")),
      "a line written after the disk had room again",
    );
    expect(r.messages.some((m) => m.level === "info" && m.msg?.includes("work again"))).toBe(true);
  });
});
