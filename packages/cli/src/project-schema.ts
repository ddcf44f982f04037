import {
  EventFlowError,
  checkFunctionName,
  describeIssue,
  toFieldIssues,
  type FieldIssue,
} from "@eventflow/protocol";
import { parseDocument } from "yaml";
import { z } from "zod";
import { DEFAULT_HANDLER, PROJECT_FILE, type ProjectConfig } from "./project.js";

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const quantities = z.strictObject({
  cpu: z.string().regex(QUANTITY, "must be a Kubernetes quantity, e.g. 100m or 1").optional(),
  memory: z.string().regex(QUANTITY, "must be a Kubernetes quantity, e.g. 128Mi").optional(),
});

/** One function in eventflow.yaml. */
export const functionSchema = z.strictObject({
  name: z.string().superRefine((name, ctx) => {
    const problem = checkFunctionName(name);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  }),
  handler: z.string().min(1).default(DEFAULT_HANDLER),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env names are letters, digits and _"),
      z.string(),
    )
    .optional(),
  resources: z
    .strictObject({ requests: quantities.optional(), limits: quantities.optional() })
    .optional(),
  scaling: z
    .strictObject({
      minReplicas: z.number().int().min(0).max(100),
      maxReplicas: z.number().int().min(1).max(100),
      targetCPUUtilization: z.number().int().min(1).max(100).optional(),
      targetMemoryUtilization: z.number().int().min(1).max(100).optional(),
    })
    .refine((s) => s.minReplicas <= s.maxReplicas, {
      message: "minReplicas must not exceed maxReplicas",
      path: ["minReplicas"],
    })
    .optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  image: z
    .strictObject({
      repository: z.string().min(1).optional(),
      base: z.string().min(1).optional(),
    })
    .optional(),
});

const projectSchema = z
  .strictObject({ functions: z.array(functionSchema).min(1, "at least one function is required") })
  .superRefine((project, ctx) => {
    const seen = new Set<string>();
    project.functions.forEach((fn, i) => {
      if (seen.has(fn.name))
        ctx.addIssue({
          code: "custom",
          message: `duplicate function name ${fn.name}`,
          path: ["functions", i, "name"],
        });
      seen.add(fn.name);
    });
  });

/** A function's env values may be secrets: an error never quotes them. */
function toIssues(error: z.ZodError): FieldIssue[] {
  return toFieldIssues(error.issues, {
    inputOf: (path, issue) => (/(^|\.)env\./.test(path) ? undefined : issue.input),
  });
}

/** Validates eventflow.yaml text; every problem (YAML or schema) is reported in one CONFIG_INVALID. */
export function parseProjectYaml(text: string, dir: string): ProjectConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details: FieldIssue[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}` : "",
      message: e.message.split("\n")[0] ?? e.code,
    }));
    throw invalid(details);
  }
  const result = projectSchema.safeParse(doc.toJS(), { error: describeIssue, reportInput: true });
  if (!result.success) throw invalid(toIssues(result.error));
  return Object.freeze({ dir, fromFile: true, functions: Object.freeze(result.data.functions) });
}

function invalid(details: FieldIssue[]): EventFlowError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new EventFlowError("CONFIG_INVALID", `${PROJECT_FILE} is invalid: ${summary}`, {
    details,
  });
}
