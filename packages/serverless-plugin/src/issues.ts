/** Validation helpers of the serverless.yml mapping: every problem collected under its key. Pure. */
import { describeIssue, toFieldIssues, type FieldIssue } from "@eventflow/protocol";
import type { z } from "zod";

/** Problems found so far, each under its key. */
export type Issues = FieldIssue[];

/** Parses `value` with `schema`; problems go to `issues` under `path` (environment values never quoted). */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  path: string,
  issues: Issues,
): z.output<T> | undefined {
  const result = schema.safeParse(value, { error: describeIssue, reportInput: true });
  if (result.success) return result.data;
  for (const issue of toFieldIssues(result.error.issues, {
    // serverless.yml's `environment` and the spec's `env` may hold secrets.
    inputOf: (p, i) => (/(^|\.)(environment|env)(\.|$)/.test(p) ? undefined : i.input),
  }))
    issues.push({ ...issue, path: issue.path ? `${path}.${issue.path}` : path });
  return undefined;
}

/** serverless.yml scalars as the strings of an environment. */
export function toEnv(values: Readonly<Record<string, string | number | boolean>> | undefined) {
  return values === undefined
    ? undefined
    : Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}
