// The rolling backup on real SQLite files: what reaches the disk and in which order. A power
// loss cannot be staged here, so node:fs is wrapped (every call still goes to the real file
// system) only to see that the copy is synced before it takes its final name, and the
// directory after: SQLite itself does not sync a `VACUUM INTO` target.
import { mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSqliteStore, writeBackup } from "../src/drivers/local/store/index.js";
import { tempDir } from "./local-driver/helpers/driver-harness.js";

const seen = vi.hoisted(() => ({ events: [] as string[] }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const wrapped = {
    ...fs,
    fsyncSync(fd: number) {
      seen.events.push(`fsync ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`);
      fs.fsyncSync(fd);
    },
    renameSync(from: string, to: string) {
      seen.events.push(`rename ${from}`);
      fs.renameSync(from, to);
    },
  };
  return { ...wrapped, default: wrapped };
});

describe("writeBackup", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    data = await tempDir("store-backup");
  });
  afterAll(async () => {
    await data.cleanup();
  });

  it("syncs the copy before renaming it and the directory after, keeping the newest", () => {
    const store = createSqliteStore(join(data.path, "eventflow.db"));
    store.putFunction({
      tenant: "acme",
      name: "kept",
      spec: { tenant: "acme", name: "kept", image: "oci:/x:latest", replicas: 1 },
      resolved: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    });
    const dir = join(data.path, "backup");
    // What a controller killed during a copy leaves behind.
    mkdirSync(dir);
    writeFileSync(join(dir, ".eventflow-2025-12-31T23-00-00-000Z.db.tmp"), "half a copy");
    const times = ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"];
    let last = "";
    for (const at of times) {
      seen.events.length = 0;
      last = writeBackup(store, dir, { keep: 2, at: new Date(at) });
      const tmp = seen.events.find((e) => e.startsWith("rename "))?.slice("rename ".length);
      expect(tmp).toMatch(/\.tmp$/);
      const real = realpathSync(dir);
      expect(seen.events).toEqual([
        `fsync ${join(real, basename(tmp ?? ""))}`,
        `rename ${tmp}`,
        `fsync ${real}`,
      ]);
    }
    store.close();
    expect(readdirSync(dir).sort()).toEqual([
      "eventflow-2026-01-01T01-00-00-000Z.db",
      "eventflow-2026-01-01T02-00-00-000Z.db",
    ]);
    const copy = new DatabaseSync(last, { readOnly: true });
    expect(copy.prepare("SELECT name FROM functions").all()).toEqual([{ name: "kept" }]);
    copy.close();
  });
});
