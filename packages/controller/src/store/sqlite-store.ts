import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { FunctionSpec } from "../drivers/driver.js";

/** One stored function: its spec, what its image resolved to, and when it was made. */
export interface StoredFunction {
  readonly tenant: string;
  readonly name: string;
  readonly spec: FunctionSpec;
  /** Driver-private data about the resolved image (local: app directory and digest). */
  readonly resolved: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One stored log line; `id` is the table's AUTOINCREMENT rowid, so it never goes backwards. */
export interface StoredLogLine {
  readonly id: number;
  readonly replica: string;
  readonly stream: "stdout" | "stderr";
  readonly timestamp: string;
  readonly line: string;
  /** A part of a long line that the next line continues. */
  readonly partial: boolean;
}

/** A log line to append. */
export interface NewLogLine {
  readonly tenant: string;
  readonly name: string;
  readonly replica: string;
  readonly stream: "stdout" | "stderr";
  readonly timestamp: string;
  readonly line: string;
  readonly partial?: boolean;
}

/** Which stored lines to read, oldest first. */
export interface LogRange {
  readonly afterId?: number;
  readonly since?: string;
  /** Only the last `tail` lines matching the other bounds. */
  readonly tail?: number;
  readonly limit?: number;
}

/** The embedded store of the local driver: function specs and bounded replica logs. */
export interface Store {
  listFunctions(): StoredFunction[];
  getFunction(tenant: string, name: string): StoredFunction | undefined;
  /** Inserts or replaces a function; `createdAt` of an existing row is kept. */
  putFunction(fn: StoredFunction): void;
  deleteFunction(tenant: string, name: string): void;
  appendLogs(lines: readonly NewLogLine[]): void;
  readLogs(tenant: string, name: string, range: LogRange): StoredLogLine[];
  /** Drops the oldest lines of a function beyond `keep`; returns how many were removed. */
  trimLogs(tenant: string, name: string, keep: number): number;
  deleteLogs(tenant: string, name: string): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS functions (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  resolved TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
) STRICT;
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  replica TEXT NOT NULL,
  stream TEXT NOT NULL,
  ts TEXT NOT NULL,
  line TEXT NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS logs_fn ON logs (tenant, name, id);
`;

/** Stores made before lines were cut into parts lack the `partial` column. */
function addPartialColumn(db: DatabaseSync): void {
  const columns = db.prepare("PRAGMA table_info(logs)").all() as { name: string }[];
  if (!columns.some((c) => c.name === "partial"))
    db.exec("ALTER TABLE logs ADD COLUMN partial INTEGER NOT NULL DEFAULT 0");
}

interface FunctionRow {
  tenant: string;
  name: string;
  spec: string;
  resolved: string;
  created_at: string;
  updated_at: string;
}

function fromRow(row: FunctionRow): StoredFunction {
  return {
    tenant: row.tenant,
    name: row.name,
    spec: JSON.parse(row.spec) as FunctionSpec,
    resolved: JSON.parse(row.resolved) as unknown,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Opens (or creates) the store at `path` (`:memory:` for tests). WAL mode keeps log appends
 * cheap and lets a restarted controller read what a killed one committed.
 */
export function createSqliteStore(path: string): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  addPartialColumn(db);

  const stmt = {
    list: db.prepare("SELECT * FROM functions ORDER BY tenant, name"),
    get: db.prepare("SELECT * FROM functions WHERE tenant = ? AND name = ?"),
    put: db.prepare(
      `INSERT INTO functions (tenant, name, spec, resolved, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, name) DO UPDATE SET spec = excluded.spec, resolved = excluded.resolved,
       updated_at = excluded.updated_at`,
    ),
    del: db.prepare("DELETE FROM functions WHERE tenant = ? AND name = ?"),
    append: db.prepare(
      "INSERT INTO logs (tenant, name, replica, stream, ts, line, partial) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    trimBound: db.prepare(
      "SELECT id FROM logs WHERE tenant = ? AND name = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
    ),
    trim: db.prepare("DELETE FROM logs WHERE tenant = ? AND name = ? AND id <= ?"),
    delLogs: db.prepare("DELETE FROM logs WHERE tenant = ? AND name = ?"),
  };
  const readCache = new Map<string, StatementSync>();

  function readStatement(range: LogRange): StatementSync {
    const key = `${range.afterId !== undefined}:${range.since !== undefined}:${range.tail !== undefined}`;
    let s = readCache.get(key);
    if (!s) {
      const where = ["tenant = ?", "name = ?"];
      if (range.afterId !== undefined) where.push("id > ?");
      if (range.since !== undefined) where.push("ts >= ?");
      const inner = `SELECT id, replica, stream, ts, line, partial FROM logs WHERE ${where.join(" AND ")}`;
      s = db.prepare(
        range.tail !== undefined
          ? `SELECT * FROM (${inner} ORDER BY id DESC LIMIT ?) ORDER BY id ASC`
          : `${inner} ORDER BY id ASC LIMIT ?`,
      );
      readCache.set(key, s);
    }
    return s;
  }

  return {
    listFunctions: () => (stmt.list.all() as unknown as FunctionRow[]).map(fromRow),
    getFunction(tenant, name) {
      const row = stmt.get.get(tenant, name) as unknown as FunctionRow | undefined;
      return row ? fromRow(row) : undefined;
    },
    putFunction(fn) {
      stmt.put.run(
        fn.tenant,
        fn.name,
        JSON.stringify(fn.spec),
        JSON.stringify(fn.resolved ?? null),
        fn.createdAt,
        fn.updatedAt,
      );
    },
    deleteFunction(tenant, name) {
      stmt.del.run(tenant, name);
    },
    appendLogs(lines) {
      if (lines.length === 0) return;
      db.exec("BEGIN");
      try {
        for (const l of lines)
          stmt.append.run(
            l.tenant,
            l.name,
            l.replica,
            l.stream,
            l.timestamp,
            l.line,
            l.partial === true ? 1 : 0,
          );
        db.exec("COMMIT");
      } catch (error) {
        // A failed COMMIT (disk full) may have ended the transaction already; one left open
        // would refuse every later BEGIN.
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    },
    readLogs(tenant, name, range) {
      const params: (string | number)[] = [tenant, name];
      if (range.afterId !== undefined) params.push(range.afterId);
      if (range.since !== undefined) params.push(range.since);
      params.push(range.tail ?? range.limit ?? -1);
      const rows = readStatement(range).all(...params) as unknown as {
        id: number;
        replica: string;
        stream: "stdout" | "stderr";
        ts: string;
        line: string;
        partial: number;
      }[];
      return rows.map((r) => ({
        id: r.id,
        replica: r.replica,
        stream: r.stream,
        timestamp: r.ts,
        line: r.line,
        partial: r.partial === 1,
      }));
    },
    trimLogs(tenant, name, keep) {
      const bound = stmt.trimBound.get(tenant, name, keep) as { id: number } | undefined;
      if (!bound) return 0;
      return Number(stmt.trim.run(tenant, name, bound.id).changes);
    },
    deleteLogs(tenant, name) {
      stmt.delLogs.run(tenant, name);
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}
