/**
 * The `revisions` table of the local store: one row per revision of a function, its spec as
 * JSON. Rows are never changed, only added and deleted (pruned, or with their function).
 */
import type { DatabaseSync } from "node:sqlite";
import type { StoredRevision } from "../../driver.js";
import { named } from "./named.js";

/** What the store does with revisions. */
export interface RevisionRows {
  /** The function's revisions, newest first. */
  listRevisions(tenant: string, name: string): StoredRevision[];
  /** Adds a revision; false when the function already has one of its number. */
  addRevision(revision: StoredRevision): boolean;
  deleteRevisions(tenant: string, name: string, numbers: readonly number[]): void;
}

export const REVISIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS revisions (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  number INTEGER NOT NULL,
  spec TEXT NOT NULL,
  digest TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, name, number)
) STRICT;
`;

interface Row {
  tenant: string;
  name: string;
  number: number;
  spec: string;
  digest: string | null;
  created_by: string;
  created_at: string;
}

function fromRow(row: Row): StoredRevision {
  return {
    tenant: row.tenant,
    function: row.name,
    number: row.number,
    spec: JSON.parse(row.spec) as StoredRevision["spec"],
    ...(row.digest === null ? {} : { digest: row.digest }),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The revision statements over an open database whose schema includes {@link REVISIONS_SCHEMA}. */
export function revisionRows(db: DatabaseSync, path: string): RevisionRows {
  const stmt = {
    list: db.prepare("SELECT * FROM revisions WHERE tenant = ? AND name = ? ORDER BY number DESC"),
    add: db.prepare(
      `INSERT INTO revisions (tenant, name, number, spec, digest, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    del: db.prepare("DELETE FROM revisions WHERE tenant = ? AND name = ? AND number = ?"),
  };
  return {
    listRevisions: (tenant, name) =>
      named(path, `reading the revisions of ${tenant}/${name}`, () =>
        (stmt.list.all(tenant, name) as unknown as Row[]).map(fromRow),
      ),
    addRevision: (r) =>
      named(
        path,
        `storing revision ${r.number} of ${r.tenant}/${r.function}`,
        () =>
          stmt.add.run(
            r.tenant,
            r.function,
            r.number,
            JSON.stringify(r.spec),
            r.digest ?? null,
            r.createdBy,
            r.createdAt,
          ).changes === 1,
      ),
    deleteRevisions(tenant, name, numbers) {
      named(path, `pruning the revisions of ${tenant}/${name}`, () => {
        for (const n of numbers) stmt.del.run(tenant, name, n);
      });
    },
  };
}
