import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { FunctionSpec } from "../../driver.js";
import { named } from "./named.js";
import { REVISIONS_SCHEMA, revisionRows, type RevisionRows } from "./revision-rows.js";
import { SECRETS_SCHEMA, secretRows, type SecretRows } from "./secret-rows.js";

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

/**
 * A stored function row that cannot be used as it is: its JSON does not parse (or, once the
 * driver has checked it, its spec fails the API's schema). The rest of the store is served.
 */
export interface InvalidStoredFunction {
  readonly tenant: string;
  readonly name: string;
  readonly invalid: string;
  /** The row's spec as far as it parsed (undefined when its JSON is broken). */
  readonly rawSpec: unknown;
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

/**
 * The embedded store of the local driver: function specs and bounded replica logs. A failing
 * read or write of a function (or a backup) throws LOCAL_STORE_FAILED naming the file.
 */
export interface Store extends SecretRows, RevisionRows {
  /** The database file (`:memory:` in tests), named in every error about it. */
  readonly path: string;
  /** Every row; one whose JSON is broken comes back invalid instead of failing the list. */
  listFunctions(): (StoredFunction | InvalidStoredFunction)[];
  /** One row; a row whose JSON is broken throws FUNCTION_STATE_INVALID naming the file. */
  getFunction(tenant: string, name: string): StoredFunction | undefined;
  /** Inserts or replaces a function; `createdAt` of an existing row is kept. */
  putFunction(fn: StoredFunction): void;
  /** Deletes a function and its revisions. */
  deleteFunction(tenant: string, name: string): void;
  appendLogs(lines: readonly NewLogLine[]): void;
  readLogs(tenant: string, name: string, range: LogRange): StoredLogLine[];
  /** Drops the oldest lines of a function beyond `keep`; returns how many were removed. */
  trimLogs(tenant: string, name: string, keep: number): number;
  deleteLogs(tenant: string, name: string): void;
  /** Writes a consistent copy of the whole database to `target` (which must not exist). */
  vacuumInto(target: string): void;
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

function fromRowChecked(path: string, row: FunctionRow): StoredFunction | InvalidStoredFunction {
  try {
    return fromRow(row);
  } catch (error) {
    let rawSpec: unknown;
    try {
      rawSpec = JSON.parse(row.spec);
    } catch {
      rawSpec = undefined;
    }
    return {
      tenant: String(row.tenant),
      name: String(row.name),
      invalid: `the stored row in ${path} is not valid JSON (${(error as Error).message})`,
      rawSpec,
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    };
  }
}

/** Whether the store holds a stored function, not an invalid row. */
export function isValidRow(fn: StoredFunction | InvalidStoredFunction): fn is StoredFunction {
  return !("invalid" in fn);
}

/** What {@link createSqliteStore} checks when it opens a database file. */
export interface StoreOpenOptions {
  /**
   * Asked when the database has no tables yet (new, deleted or cut to 0 bytes): a reason to
   * refuse (earlier state seen elsewhere in the data dir), or undefined to start empty.
   */
  readonly refuseFresh?: () => string | undefined;
}

const FRESH_CHECK = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'functions'";

/**
 * Opens the database and runs SQLite's `quick_check` (page structure, record formats, indexes:
 * seconds for gigabytes, unlike `integrity_check`), so a damaged file stops the start with its
 * name instead of failing later on a flush or, worse, serving part of the state.
 */
function openChecked(path: string): DatabaseSync {
  let db: DatabaseSync | undefined;
  let problems: string[];
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    const rows = db.prepare("PRAGMA quick_check(20)").all() as { quick_check: string }[];
    problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
  } catch (error) {
    problems = [(error as Error).message];
  }
  if (problems.length === 0 && db) return db;
  if (db?.isOpen) db.close();
  throw new EventFlowError(
    "LOCAL_STORE_DAMAGED",
    `the database ${path} is damaged (${problems.slice(0, 3).join("; ")}); stop the controller and restore the newest backup from ${join(dirname(path), "backup")} (see docs/local-driver.md, "Backups and restore")`,
  );
}

/**
 * Opens (or creates) the store at `path` (`:memory:` for tests). WAL mode keeps log appends
 * cheap and lets a restarted controller read what a killed one committed.
 */
export function createSqliteStore(path: string, options: StoreOpenOptions = {}): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = openChecked(path);
  const fresh = db.prepare(FRESH_CHECK).get() === undefined;
  const refusal = fresh ? options.refuseFresh?.() : undefined;
  if (refusal !== undefined) {
    db.close();
    throw new EventFlowError(
      "LOCAL_STORE_MISSING",
      `the database ${path} holds no functions table, but ${refusal}; restore it from the newest backup (see docs/local-driver.md, "Backups and restore"), or set EVENTFLOW_ALLOW_EMPTY_STORE=true to start with no functions`,
    );
  }
  db.exec(SCHEMA + SECRETS_SCHEMA + REVISIONS_SCHEMA);
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
    delRevisions: db.prepare("DELETE FROM revisions WHERE tenant = ? AND name = ?"),
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
    path,
    ...secretRows(db, path),
    ...revisionRows(db, path),
    listFunctions: () =>
      named(path, "listing the functions", () => stmt.list.all() as unknown as FunctionRow[]).map(
        (row) => fromRowChecked(path, row),
      ),
    getFunction(tenant, name) {
      const row = named(
        path,
        `reading ${tenant}/${name}`,
        () => stmt.get.get(tenant, name) as unknown as FunctionRow | undefined,
      );
      if (!row) return undefined;
      const fn = fromRowChecked(path, row);
      if (isValidRow(fn)) return fn;
      throw new EventFlowError("FUNCTION_STATE_INVALID", fn.invalid);
    },
    putFunction(fn) {
      named(path, `storing ${fn.tenant}/${fn.name}`, () =>
        stmt.put.run(
          fn.tenant,
          fn.name,
          JSON.stringify(fn.spec),
          JSON.stringify(fn.resolved ?? null),
          fn.createdAt,
          fn.updatedAt,
        ),
      );
    },
    deleteFunction(tenant, name) {
      named(path, `deleting ${tenant}/${name}`, () => {
        db.exec("BEGIN");
        try {
          stmt.del.run(tenant, name);
          stmt.delRevisions.run(tenant, name);
          db.exec("COMMIT");
        } catch (error) {
          if (db.isTransaction) db.exec("ROLLBACK");
          throw error;
        }
      });
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
    vacuumInto(target) {
      named(path, `copying it to ${target}`, () => db.prepare("VACUUM INTO ?").run(target));
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}
