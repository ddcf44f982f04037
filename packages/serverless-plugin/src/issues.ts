/** Validation helpers of the serverless.yml mapping: every problem collected under its key. Pure. */
import {
  describeIssue,
  toFieldIssues,
  type EventFlowError,
  type FieldIssue,
} from "@eventflow/protocol";
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

/**
 * An EventFlow error as the framework prints it: the message, the stable code, then each field
 * problem of `details` the message does not already name. `details` is a list of field problems
 * only for validation errors; other codes carry an object (a registry's status, a tag), which
 * adds nothing here.
 */
export function frameworkMessage(error: EventFlowError): string {
  const details: unknown[] = Array.isArray(error.details) ? error.details : [];
  const lines = details.flatMap((d) => {
    const { path, message } = (d ?? {}) as { path?: unknown; message?: unknown };
    if (typeof path !== "string" || error.message.includes(`${path}: ${String(message)}`))
      return [];
    return [`\n  ${path}: ${String(message)}`];
  });
  return `${error.message} (${error.code})${lines.join("")}`;
}
