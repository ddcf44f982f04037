import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describeIssue, toFieldIssues } from "@eventflow/protocol";
import type { z } from "zod";
import type { InvalidStoredFunction, StoredFunction } from "./store/index.js";
import type { FunctionSpec } from "../driver.js";
import { appCacheDir } from "./app-cache.js";
import type { ResolvedApp } from "./function-supervisor.js";

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
  const result = schema.safeParse(row.spec, { error: describeIssue, reportInput: true });
  if (result.success) {
    const spec = result.data as FunctionSpec;
    if (spec.tenant === row.tenant && spec.name === row.name) return { ...row, spec };
    return invalid(row, dbPath, "the spec names another function than its row");
  }
  const problems = toFieldIssues(result.error.issues).map(
    (i) => `${i.path || "spec"}: ${i.message}`,
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

const LAYER_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The app a stored row resolved to, its directory derived from the layer digest under this
 * cache rather than read from the row: a row edited to point `appDir` anywhere else (another
 * tenant's files, a directory outside the cache) can no longer choose the code a replica runs,
 * and a data dir moved to another path still finds its apps. Undefined when the row holds no
 * usable app (the image is then resolved again, as after a wiped cache).
 */
export function storedApp(resolved: unknown, cacheDir: string): ResolvedApp | undefined {
  if (typeof resolved !== "object" || resolved === null) return undefined;
  const { layerDigest, manifestDigest, env } = resolved as Record<string, unknown>;
  if (typeof layerDigest !== "string" || !LAYER_DIGEST.test(layerDigest)) return undefined;
  if (typeof manifestDigest !== "string") return undefined;
  if (!Array.isArray(env) || !env.every((e) => typeof e === "string")) return undefined;
  return { appDir: appCacheDir(cacheDir, layerDigest), manifestDigest, layerDigest, env };
}
