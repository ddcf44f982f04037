import { execFileSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import type { LocalDriverOptions } from "../../src/drivers/local/index.js";
import { createMetrics } from "../../src/metrics.js";
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

  it("refuses to start on one zeroed page that only quick_check finds, naming the file", async () => {
    const { dir, db } = await seeded();
    // The functions table is intact and every row reads; the log index's root page is zeroed,
    // which nothing at start would touch (the first log flush would).
    const handle = new DatabaseSync(db);
    const { rootpage } = handle
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'logs_fn'")
      .get() as { rootpage: number };
    const pageSize = Number(
      (handle.prepare("PRAGMA page_size").get() as { page_size: number }).page_size,
    );
    handle.close();
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);
    const err = await start(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LOCAL_STORE_DAMAGED" });
    expect((err as Error).message).toContain(db);
  });

  it("runs the app its stored layer digest names, not a directory the row points at", async () => {
    const { dir, db } = await seeded();
    // An app outside the cache that would leave a mark if it ever ran.
    const elsewhere = join(dir, "elsewhere");
    const mark = join(dir, "elsewhere-ran");
    mkdirSync(join(elsewhere, "app"), { recursive: true });
    writeFileSync(
      join(elsewhere, "app", "index.mjs"),
      `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(mark)}, "ran");`,
    );
    edit(db, `UPDATE functions SET resolved = json_set(resolved, '$.appDir', '${elsewhere}')`);
    const d = await start(dir);
    await waitForStatus(d, { tenant: T, name: "good" }, (s) => s.ready_replicas === 1);
    await waitForStatus(d, { tenant: T, name: "bad" }, (s) => s.ready_replicas === 1);
    expect(existsSync(mark)).toBe(false);
    await d.close();
  });

  it("refuses a change the full disk cannot store with LOCAL_STORE_FAILED, changing nothing", async () => {
    const dir = join(data.path, `case-${n++}`);
    mkdirSync(dir);
    // A real 16 MiB file system for the whole data dir, filled once the function runs.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", dir]);
    try {
      const d = await start(dir);
      await d.create({ tenant: T, name: "good", image, replicas: 1 });
      await waitForStatus(d, { tenant: T, name: "good" }, (s) => s.ready_replicas === 1);
      const filler = join(dir, "filler");
      const fd = openSync(filler, "w");
      try {
        for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      } finally {
        closeSync(fd);
      }
      const db = join(dir, "eventflow.db");
      const scaled = await d.scale(T, "good", 3).catch((e: unknown) => e);
      expect(scaled).toMatchObject({ code: "LOCAL_STORE_FAILED" });
      expect((scaled as Error).message).toContain(db);
      await expect(d.update({ tenant: T, name: "good", image, replicas: 2 })).rejects.toMatchObject(
        { code: "LOCAL_STORE_FAILED" },
      );
      await expect(d.delete(T, "good")).rejects.toMatchObject({ code: "LOCAL_STORE_FAILED" });
      // What runs is what is stored: one replica, still served.
      const now = await d.get(T, "good");
      expect(now.replicas).toBe(1);
      expect(now.ready_replicas).toBe(1);
      expect(d.endpoints(T, "good")).toHaveLength(1);
      // Space again: the same change is stored and applied.
      rmSync(filler);
      await d.scale(T, "good", 2);
      await waitForStatus(d, { tenant: T, name: "good" }, (s) => s.ready_replicas === 2);
      await d.close();
    } finally {
      execFileSync("umount", ["-l", dir]);
    }
  });

  it("keeps rolling backups that restore every function", async () => {
    const dir = join(data.path, `case-${n++}`);
    const d = await start(dir, { backup: { intervalMs: 100, firstAfterMs: 20, keep: 2 } });
    await d.create({ tenant: T, name: "kept", image, replicas: 1 });
    const created = Date.now();
    const backups = join(dir, "backup");
    // A backup written after the create (the first may come before it on a busy machine).
    const after = () =>
      (existsSync(backups) ? readdirSync(backups) : [])
        .filter((f) => f.endsWith(".db"))
        .map((f) => ({
          f,
          at: statSync(join(backups, f), { throwIfNoEntry: false })?.mtimeMs ?? 0,
        }))
        .filter((b) => b.at > created)
        .sort((a, b) => b.at - a.at);
    await expect.poll(() => after().length > 0, { timeout: 5_000 }).toBe(true);
    await d.close();
    expect(readdirSync(backups).length).toBeLessThanOrEqual(2);
    const name = after()[0]!.f;
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
      const metrics = createMetrics({ countFunctions: async () => 0, processMetrics: false });
      const d = await start(dir, {
        logger: log.logger,
        storeRecorder: metrics.store,
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
      // ... while every failed attempt is counted, and the log line names the database.
      const text = await metrics.registry.metrics();
      const failed = /^eventflow_store_backups_total\{result="error"\} (\d+)/m.exec(text);
      expect(Number(failed?.[1])).toBeGreaterThan(1);
      const line = log.lines.find((l) => l.msg === "database backup failed");
      expect(line?.obj.err).toContain(join(dir, "eventflow.db"));
      await waitForStatus(d, { tenant: T, name: "big2" }, (s) => s.ready_replicas === 1);
      expect(readdirSync(backups).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      await d.close();
    } finally {
      execFileSync("umount", [backups]);
    }
  });
});
