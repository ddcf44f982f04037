/**
 * The queue backend for one machine: a node:sqlite database file (WAL). A record's row carries
 * its delivery: `due_at` (deliverable from then; NULL when nothing is to be delivered) and a
 * lease (`claim`, `lease_until`) taken by the worker that has it. A lease that runs out (its
 * worker died) makes the row deliverable again, so delivery is at least once, also across
 * processes sharing the file.
 */
import { randomUUID } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import type { Invocation } from "./model.js";
import type {
  Consumer,
  Delivery,
  InsertResult,
  InvocationFilter,
  QueueBackend,
  QueueDepth,
} from "./queue.js";

/** Options of {@link createSqliteQueue}. */
export interface SqliteQueueOptions {
  /** The database file (`:memory:` for a queue that dies with the process). */
  readonly path: string;
  /** How long a delivery is held without a keep-alive before another worker may take it. */
  readonly leaseMs?: number;
  /** How often an idle consumer looks for deliveries other processes made due. */
  readonly pollMs?: number;
  readonly now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS invocations (
  tenant TEXT NOT NULL, id TEXT NOT NULL, function TEXT NOT NULL, state TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT, record TEXT NOT NULL,
  due_at INTEGER, claim TEXT, lease_until INTEGER,
  PRIMARY KEY (tenant, id));
CREATE INDEX IF NOT EXISTS invocations_due ON invocations (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS invocations_fn ON invocations (tenant, function, created_at);
CREATE TABLE IF NOT EXISTS idempotency (
  tenant TEXT NOT NULL, function TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (tenant, function, key));
`;

interface Row {
  record: string;
}

/** Opens (and creates) the queue's database. */
export function createSqliteQueue(options: SqliteQueueOptions): QueueBackend {
  const db = new DatabaseSync(options.path, { timeout: 5_000 });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(SCHEMA);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const clock = options.now ?? Date.now;
  const wakers = new Set<() => void>();

  const stmt = {
    get: db.prepare("SELECT record FROM invocations WHERE tenant = ? AND id = ?"),
    insert: db.prepare(
      "INSERT INTO invocations (tenant, id, function, state, created_at, expires_at, record, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    save: db.prepare(
      "UPDATE invocations SET state = ?, expires_at = ?, record = ? WHERE tenant = ? AND id = ?",
    ),
    idemGet: db.prepare(
      "SELECT id, expires_at FROM idempotency WHERE tenant = ? AND function = ? AND key = ?",
    ),
    idemPut: db.prepare(
      "INSERT OR REPLACE INTO idempotency (tenant, function, key, id, expires_at) VALUES (?, ?, ?, ?, ?)",
    ),
    dispatch: db.prepare(
      "UPDATE invocations SET due_at = ?, claim = NULL, lease_until = NULL WHERE tenant = ? AND id = ?",
    ),
    claim: db.prepare(
      `UPDATE invocations SET claim = ?, lease_until = ? WHERE rowid = (
         SELECT rowid FROM invocations WHERE due_at IS NOT NULL AND due_at <= ?
           AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT 1)
       RETURNING tenant, id`,
    ),
    keepAlive: db.prepare(
      "UPDATE invocations SET lease_until = ? WHERE tenant = ? AND id = ? AND claim = ?",
    ),
    ack: db.prepare(
      "UPDATE invocations SET due_at = NULL, claim = NULL, lease_until = NULL WHERE tenant = ? AND id = ? AND claim = ?",
    ),
    retry: db.prepare(
      "UPDATE invocations SET due_at = ?, claim = NULL, lease_until = NULL WHERE tenant = ? AND id = ? AND claim = ?",
    ),
    remove: db.prepare("DELETE FROM invocations WHERE tenant = ? AND id = ?"),
    depth: db.prepare(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM invocations WHERE due_at IS NOT NULL",
    ),
    sweep: db.prepare("DELETE FROM invocations WHERE expires_at IS NOT NULL AND expires_at < ?"),
    sweepIdem: db.prepare("DELETE FROM idempotency WHERE expires_at < ?"),
  };

  const parse = (row: unknown) => JSON.parse((row as Row).record) as Invocation;
  const wakeAll = () => {
    for (const wake of wakers) wake();
  };

  function transaction<T>(work: () => T): T {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }

  function insertRow(inv: Invocation): void {
    stmt.insert.run(
      inv.tenant,
      inv.id,
      inv.function,
      inv.state,
      inv.createdAt,
      inv.expiresAt ?? null,
      JSON.stringify(inv),
      // Deliverable at once: a crash between insert and dispatch loses nothing.
      clock(),
    );
  }

  function live(inv: Invocation | undefined): Invocation | undefined {
    if (inv?.expiresAt !== undefined && Date.parse(inv.expiresAt) < clock()) return undefined;
    return inv;
  }

  function get(tenant: string, id: string): Invocation | undefined {
    const row = stmt.get.get(tenant, id);
    return row === undefined ? undefined : live(parse(row));
  }

  function delivery(tenant: string, id: string, claim: string): Delivery {
    return {
      tenant,
      id,
      // The row is the delivery: it cannot come before its record. Not counted.
      deliveryCount: 1,
      load: async () => get(tenant, id),
      keepAlive: () => void stmt.keepAlive.run(clock() + leaseMs, tenant, id, claim),
      ack: async () => void stmt.ack.run(tenant, id, claim),
      retry: async (delayMs) => {
        stmt.retry.run(clock() + Math.max(0, delayMs), tenant, id, claim);
        wakeAll();
      },
    };
  }

  function consume(
    handler: (d: Delivery) => Promise<void>,
    { concurrency }: { concurrency: number },
  ): Consumer {
    let stopped = false;
    let active = 0;
    const running = new Set<Promise<void>>();
    let wake: () => void = () => undefined;
    const waker = () => wake();
    wakers.add(waker);
    let lastSweep = 0;

    const loop = async () => {
      while (!stopped) {
        const t = clock();
        if (t - lastSweep > 60_000) {
          lastSweep = t;
          try {
            stmt.sweep.run(new Date(t).toISOString());
            stmt.sweepIdem.run(t);
          } catch {
            // Busy: the next sweep removes them.
          }
        }
        while (active < concurrency) {
          const claim = randomUUID();
          const now = clock();
          let row: { tenant: string; id: string } | undefined;
          try {
            row = stmt.claim.get(claim, now + leaseMs, now, now) as typeof row;
          } catch {
            // Busy past the timeout (another process holds the write lock): next poll.
            break;
          }
          if (row === undefined) break;
          active++;
          const p = handler(delivery(row.tenant, row.id, claim)).finally(() => {
            active--;
            running.delete(p);
            wake();
          });
          running.add(p);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    };
    const done = loop();
    return {
      async stop() {
        stopped = true;
        wake();
        await done;
        await Promise.allSettled([...running]);
        wakers.delete(waker);
      },
    };
  }

  return {
    async enqueue(inv) {
      insertRow(inv);
      wakeAll();
    },
    async insert(inv, idempotency): Promise<InsertResult> {
      return transaction(() => {
        const held = stmt.idemGet.get(inv.tenant, inv.function, idempotency.key) as
          { id: string; expires_at: number } | undefined;
        if (held !== undefined && held.expires_at > clock()) {
          const existing = get(inv.tenant, held.id);
          if (existing !== undefined) return { invocation: existing, created: false };
        }
        insertRow(inv);
        const until = clock() + idempotency.windowMs;
        stmt.idemPut.run(inv.tenant, inv.function, idempotency.key, inv.id, until);
        return { invocation: inv, created: true };
      });
    },
    get: async (tenant, id) => get(tenant, id),
    async save(inv) {
      stmt.save.run(inv.state, inv.expiresAt ?? null, JSON.stringify(inv), inv.tenant, inv.id);
    },
    async list(filter: InvocationFilter) {
      const where = ["tenant = ?"];
      const args: Array<string | number> = [filter.tenant];
      if (filter.function !== undefined) {
        where.push("function = ?");
        args.push(filter.function);
      }
      if (filter.states !== undefined && filter.states.length > 0) {
        where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
        args.push(...filter.states);
      }
      where.push("(expires_at IS NULL OR expires_at >= ?)");
      args.push(new Date(clock()).toISOString());
      const sql = `SELECT record FROM invocations WHERE ${where.join(" AND ")} ORDER BY created_at DESC LIMIT ?`;
      return db
        .prepare(sql)
        .all(...args, filter.limit)
        .map(parse);
    },
    async remove(tenant, ids) {
      transaction(() => {
        for (const id of ids) stmt.remove.run(tenant, id);
      });
    },
    async dispatch(inv) {
      stmt.dispatch.run(clock(), inv.tenant, inv.id);
      wakeAll();
    },
    consume,
    async depth(): Promise<QueueDepth> {
      const row = stmt.depth.get() as { n: number; oldest: string | null };
      return row.oldest === null
        ? { pending: row.n }
        : { pending: row.n, oldestQueuedAt: new Date(row.oldest) };
    },
    async close() {
      db.close();
    },
  };
}
