/** The queue contract on the node:sqlite backend (a database file per test). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createSqliteQueue } from "../../src/async/sqlite-queue.js";
import { queueContract } from "./queue-contract.js";

const dir = mkdtempSync(join(tmpdir(), "eventflow-sqlite-queue-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

queueContract("sqlite", async () =>
  createSqliteQueue({ path: join(dir, `queue-${n++}.db`), leaseMs: 2_000, pollMs: 20 }),
);
