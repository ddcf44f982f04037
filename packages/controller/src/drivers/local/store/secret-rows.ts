/**
 * The `secrets` table of the local store: one row per secret with its key names in clear and
 * its values sealed (the row never holds plaintext; sealing is the caller's, see secret-box.ts).
 */
import { EventFlowError } from "@eventflow/protocol";
import type { DatabaseSync } from "node:sqlite";
import { named } from "./named.js";

/** One stored secret. */
export interface StoredSecret {
  readonly tenant: string;
  readonly name: string;
  /** Key names, sorted. */
  readonly keys: readonly string[];
  readonly version: string;
  /** Id of the key the values were sealed with. */
  readonly keyId: string;
  readonly sealed: Uint8Array;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What the store does with secrets. */
export interface SecretRows {
  /** One tenant's secrets, or every tenant's, without their sealed values. */
  listSecrets(tenant?: string): Omit<StoredSecret, "sealed">[];
  getSecret(tenant: string, name: string): StoredSecret | undefined;
  /** `create`: SECRET_ALREADY_EXISTS when taken; `replace`: SECRET_NOT_FOUND when absent. */
  putSecret(secret: StoredSecret, mode: "create" | "replace"): void;
  /** Whether a row was deleted. */
  deleteSecret(tenant: string, name: string): boolean;
  /** How many secrets are stored (none: a missing key file may be created). */
  countSecrets(): number;
}

export const SECRETS_SCHEMA = `
CREATE TABLE IF NOT EXISTS secrets (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  keys TEXT NOT NULL,
  version TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sealed BLOB NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
) STRICT;
`;

interface Row {
  tenant: string;
  name: string;
  keys: string;
  version: string;
  key_id: string;
  sealed?: Uint8Array;
  created_at: string;
  updated_at: string;
}

function keysOf(path: string, row: Row): string[] {
  try {
    const keys = JSON.parse(row.keys) as unknown;
    if (Array.isArray(keys) && keys.every((k) => typeof k === "string")) return keys as string[];
  } catch {
    // reported below
  }
  throw new EventFlowError(
    "LOCAL_SECRET_UNREADABLE",
    `secret ${row.tenant}/${row.name} in the database ${path} has a damaged key list: set the secret again`,
  );
}

/** The secret statements over an open database whose schema includes {@link SECRETS_SCHEMA}. */
export function secretRows(db: DatabaseSync, path: string): SecretRows {
  const meta = "tenant, name, keys, version, key_id, created_at, updated_at";
  const stmt = {
    all: db.prepare(`SELECT ${meta} FROM secrets ORDER BY tenant, name`),
    tenant: db.prepare(`SELECT ${meta} FROM secrets WHERE tenant = ? ORDER BY name`),
    get: db.prepare("SELECT * FROM secrets WHERE tenant = ? AND name = ?"),
    insert: db.prepare(
      `INSERT INTO secrets (tenant, name, keys, version, key_id, sealed, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, name) DO NOTHING`,
    ),
    update: db.prepare(
      `UPDATE secrets SET keys = ?, version = ?, key_id = ?, sealed = ?, updated_at = ?
       WHERE tenant = ? AND name = ?`,
    ),
    del: db.prepare("DELETE FROM secrets WHERE tenant = ? AND name = ?"),
    count: db.prepare("SELECT count(*) AS n FROM secrets"),
  };
  const toMeta = (row: Row) => ({
    tenant: row.tenant,
    name: row.name,
    keys: keysOf(path, row),
    version: row.version,
    keyId: row.key_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  return {
    listSecrets(tenant) {
      const rows = named(path, "listing secrets", () =>
        tenant === undefined ? stmt.all.all() : stmt.tenant.all(tenant),
      ) as unknown as Row[];
      return rows.map(toMeta);
    },
    getSecret(tenant, name) {
      const row = named(
        path,
        `reading secret ${tenant}/${name}`,
        () => stmt.get.get(tenant, name) as unknown as Row | undefined,
      );
      if (row === undefined) return undefined;
      return { ...toMeta(row), sealed: row.sealed ?? new Uint8Array() };
    },
    putSecret(s, mode) {
      const keys = JSON.stringify(s.keys);
      const changes = named(path, `storing secret ${s.tenant}/${s.name}`, () =>
        mode === "create"
          ? stmt.insert.run(
              s.tenant,
              s.name,
              keys,
              s.version,
              s.keyId,
              s.sealed,
              s.createdAt,
              s.updatedAt,
            ).changes
          : stmt.update.run(keys, s.version, s.keyId, s.sealed, s.updatedAt, s.tenant, s.name)
              .changes,
      );
      if (Number(changes) > 0) return;
      throw mode === "create"
        ? new EventFlowError("SECRET_ALREADY_EXISTS", `secret ${s.name} already exists`, {
            details: { name: s.name },
          })
        : new EventFlowError("SECRET_NOT_FOUND", `secret ${s.name} not found`, {
            details: { name: s.name },
          });
    },
    deleteSecret(tenant, name) {
      const result = named(path, `deleting secret ${tenant}/${name}`, () =>
        stmt.del.run(tenant, name),
      );
      return Number(result.changes) > 0;
    },
    countSecrets() {
      return Number((stmt.count.get() as { n: number }).n);
    },
  };
}
