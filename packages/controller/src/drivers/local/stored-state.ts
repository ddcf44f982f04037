import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import type { InvalidStoredFunction, StoredFunction } from "../../store/index.js";
import type { FunctionSpec } from "../driver.js";

/**
 * Holds a stored row to the API's own spec schema: a row the API would have refused (a
 * hand-edited `replicas: 100000`, an unknown field, a bad name) comes back invalid, naming the
 * database and every problem, instead of being started as it is.
 */
export function checkStoredRow(
  row: StoredFunction | InvalidStoredFunction,
  schema: z.ZodType,
  dbPath: string,
): StoredFunction | InvalidStoredFunction {
  if ("invalid" in row) return row;
  const result = schema.safeParse(row.spec);
  if (result.success) {
    const spec = result.data as FunctionSpec;
    if (spec.tenant === row.tenant && spec.name === row.name) return { ...row, spec };
    return invalid(row, dbPath, "the spec names another function than its row");
  }
  const problems = result.error.issues.map(
    (i) => `${i.path.map(String).join(".") || "spec"}: ${i.message}`,
  );
  return invalid(row, dbPath, problems.join("; "));
}

function invalid(row: StoredFunction, dbPath: string, problem: string): InvalidStoredFunction {
  return {
    tenant: row.tenant,
    name: row.name,
    invalid: `the stored spec of ${row.tenant}/${row.name} in ${dbPath} fails the API's schema (${problem}); it was not started`,
    rawSpec: row.spec,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What the data dir shows of an earlier life when the database has none: extracted apps or
 * replica pid files. A reason to refuse an empty database, or undefined.
 */
export function earlierState(dataDir: string, cacheDir: string): string | undefined {
  const apps = entries(cacheDir).filter((n) => !n.includes(".tmp-")).length;
  const pids = entries(join(dataDir, "run")).filter((n) => n.endsWith(".json")).length;
  if (apps === 0 && pids === 0) return undefined;
  return `the data directory shows earlier state (${apps} extracted app(s) in ${cacheDir}, ${pids} replica pid file(s) in ${join(dataDir, "run")})`;
}
