import { execFileSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import type { LocalDriverOptions } from "../../src/drivers/local/index.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

// Fault injection on the local driver's real SQLite file: rows edited or broken by hand, a
// database cut to 0 bytes, zeroed pages, and a full disk under the backups. Each case checks
// what the controller promises: the one bad function Failed and the others served, a damaged or
// emptied database refused at start with the file named, backups that restore.

const T = "acme";

interface Captured {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

function capture(): { lines: Captured[]; logger: NonNullable<LocalDriverOptions["logger"]> } {
  const lines: Captured[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) =>
    void lines.push({ level, obj, msg });
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } as never };
}

/** Runs `sql` on the (closed) database file, as an operator or a bad disk would. */
function edit(db: string, sql: string): void {
  const handle = new DatabaseSync(db);
  handle.exec(sql);
  handle.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  handle.close();
}

describe("local driver: a damaged or edited database", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let n = 0;
  const running: Driver[] = [];

  beforeAll(async () => {
    data = await tempDir("store-faults");
    image = await writeTestImage({ dir: join(data.path, "layout") });
  });
  afterAll(async () => {
    await Promise.all(running.map((d) => d.close().catch(() => undefined)));
    await data.cleanup();
  });

  async function start(dir: string, extra: Partial<LocalDriverOptions> = {}): Promise<Driver> {
    const d = await startDriver(dir, extra);
    running.push(d);
    return d;
  }

  /** A data dir with two running functions, then the driver stopped. */
  async function seeded(): Promise<{ dir: string; db: string }> {
    const dir = join(data.path, `case-${n++}`);
    const d = await start(dir);
    await d.create({ tenant: T, name: "good", image, replicas: 1 });
    await d.create({ tenant: T, name: "bad", image, replicas: 1 });
    await waitForStatus(d, { tenant: T, name: "good" }, (s) => s.ready_replicas === 1);
    await d.close();
    return { dir, db: join(dir, "eventflow.db") };
  }

  it.each([
    ["a row of broken JSON", `UPDATE functions SET spec = '{"image": ' WHERE name = 'bad'`, "JSON"],
    [
      "a spec over the API's replica limit",
      `UPDATE functions SET spec = json_set(spec, '$.replicas', 100000) WHERE name = 'bad'`,
      "replicas",
    ],
    [
      "a spec with a field the API does not know",
      `UPDATE functions SET spec = json_set(spec, '$.privileged', json('true')) WHERE name = 'bad'`,
      "privileged",
    ],
  ])("restores the others and fails only the function with %s", async (_what, sql, names) => {
    const { dir, db } = await seeded();
    edit(db, sql);
    const log = capture();
    const d = await start(dir, { logger: log.logger });
    const good = await waitForStatus(d, { tenant: T, name: "good" }, (s) => s.ready_replicas === 1);
    expect(good.status).toBe("Running");
    const bad = await d.get(T, "bad");
    expect(bad.status).toBe("Failed");
    expect(bad.last_error?.code).toBe("FUNCTION_STATE_INVALID");
    expect(bad.last_error?.message).toContain(db);
    expect(bad.last_error?.message).toContain(names);
    expect(bad.available_replicas).toBe(0);
    expect(d.endpoints(T, "bad")).toHaveLength(0);
    expect(log.lines.some((l) => l.obj.code === "FUNCTION_STATE_INVALID")).toBe(true);
    // A replacement through the API's update path serves again; a delete removes the row.
    await d.update({ tenant: T, name: "bad", image, replicas: 1 });
    await waitForStatus(d, { tenant: T, name: "bad" }, (s) => s.ready_replicas === 1);
    await d.delete(T, "bad");
    await d.close();
  });

  it("refuses to start on a database cut to 0 bytes while the data dir shows earlier state", async () => {
    const { dir, db } = await seeded();
    truncateSync(db, 0);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    await expect(start(dir)).rejects.toMatchObject({ code: "LOCAL_STORE_MISSING" });
    // Refusing did not write a schema: the next start refuses too, it does not start empty.
    await expect(start(dir)).rejects.toMatchObject({ code: "LOCAL_STORE_MISSING" });
    const err = await start(dir).catch((e: Error) => e);
    expect(String((err as Error).message)).toContain(db);
    // The operator's explicit choice starts it empty.
    const d = await start(dir, { allowEmptyStore: true });
    expect(await d.list()).toEqual([]);
    await d.close();
  });

  it("refuses to start on a deleted database too, and starts a first time on an empty data dir", async () => {
    const { dir, db } = await seeded();
    rmSync(db);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    await expect(start(dir)).rejects.toMatchObject({ code: "LOCAL_STORE_MISSING" });
    const first = await start(join(data.path, `case-${n++}`));
    expect(await first.list()).toEqual([]);
    await first.close();
  });

  it("refuses to start on a database with zeroed pages, naming the file", async () => {
    const { dir, db } = await seeded();
    const pageSize = 4096;
    const pages = statSync(db).size / pageSize;
    expect(pages).toBeGreaterThan(2);
    const fd = openSync(db, "r+");
    // Every page but the header page: the b-trees of both tables are gone.
    for (let p = 1; p < pages; p++)
      writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, p * pageSize);
    closeSync(fd);
    const err = await start(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LOCAL_STORE_DAMAGED" });
    expect((err as Error).message).toContain(db);
  });

  it("keeps rolling backups that restore every function", async () => {
    const dir = join(data.path, `case-${n++}`);
    const d = await start(dir, { backup: { intervalMs: 60_000, firstAfterMs: 20, keep: 2 } });
    await d.create({ tenant: T, name: "kept", image, replicas: 1 });
    const backups = join(dir, "backup");
    await expect
      .poll(() => existsSync(backups) && readdirSync(backups).length, { timeout: 5_000 })
      .toBe(1);
    await d.close();
    const [name] = readdirSync(backups);
    expect(name).toMatch(/^eventflow-.*\.db$/);
    // The restore of docs/local-driver.md: the backup over the database, without WAL and SHM.
    const db = join(dir, "eventflow.db");
    rmSync(db);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    copyFileSync(join(backups, name as string), db);
    const restored = await start(dir, { backup: { intervalMs: 0 } });
    await waitForStatus(restored, { tenant: T, name: "kept" }, (s) => s.ready_replicas === 1);
    await restored.close();
  });

  it("keeps serving when backups fail on a full disk, and says so once", async () => {
    const dir = join(data.path, `case-${n++}`);
    const backups = join(dir, "backup");
    await mkdir(backups, { recursive: true });
    // A 64 KiB file system under the backups (the tests run as root, as CI does).
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", backups]);
    try {
      const log = capture();
      const d = await start(dir, {
        logger: log.logger,
        backup: { intervalMs: 50, firstAfterMs: 10, keep: 2 },
      });
      await d.create({
        tenant: T,
        name: "big",
        image,
        replicas: 1,
        env: { PAD: "x".repeat(30_000) },
      });
      await d.create({
        tenant: T,
        name: "big2",
        image,
        replicas: 1,
        env: { PAD: "y".repeat(30_000) },
      });
      await expect
        .poll(() => log.lines.filter((l) => l.msg === "database backup failed").length, {
          timeout: 5_000,
        })
        .toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      // Several more failed attempts, still one line; the functions are served all along.
      expect(log.lines.filter((l) => l.msg === "database backup failed")).toHaveLength(1);
      await waitForStatus(d, { tenant: T, name: "big2" }, (s) => s.ready_replicas === 1);
      expect(readdirSync(backups).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      await d.close();
    } finally {
      execFileSync("umount", [backups]);
    }
  });
});
