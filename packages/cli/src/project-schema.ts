import { EventFlowError, describeIssue, toFieldIssues, type FieldIssue } from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  buildFunctionSpecSchema,
  functionNameSchema,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { parseDocument } from "yaml";
import { z } from "zod";
import { DEFAULT_HANDLER, PROJECT_FILE, type ProjectConfig } from "./project.js";

/**
 * One function in eventflow.yaml: the API's function spec (its env, resources, scaling,
 * containerConcurrency, timeout, triggers and retry, with the controller's limits) plus what only the file says (handler, image build).
 */
export function buildFunctionConfigSchema(limits: FunctionSpecLimits) {
  return buildFunctionSpecSchema(limits)
    .pick({
      env: true,
      resources: true,
      scaling: true,
      containerConcurrency: true,
      timeoutSeconds: true,
      triggers: true,
      retry: true,
    })
    .extend({
      name: functionNameSchema,
      handler: z.string().min(1).default(DEFAULT_HANDLER),
      image: z
        .strictObject({
          repository: z.string().min(1).optional(),
          base: z.string().min(1).optional(),
        })
        .optional(),
    });
}

function buildProjectSchema(limits: FunctionSpecLimits) {
  return z
    .strictObject({
      functions: z
        .array(buildFunctionConfigSchema(limits))
        .min(1, "at least one function is required"),
    })
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
}

/** A function's env values may be secrets: an error never quotes them. */
function toIssues(error: z.ZodError): FieldIssue[] {
  return toFieldIssues(error.issues, {
    inputOf: (path, issue) => (/(^|\.)env\./.test(path) ? undefined : issue.input),
  });
}

/**
 * Validates eventflow.yaml text; every problem (YAML or schema) is reported in one
 * CONFIG_INVALID. `limits` are the controller's (its defaults unless a caller knows better).
 */
export function parseProjectYaml(
  text: string,
  dir: string,
  limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS,
): ProjectConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details: FieldIssue[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}` : "",
      message: e.message.split("\n")[0] ?? e.code,
    }));
    throw invalid(details);
  }
  const result = buildProjectSchema(limits).safeParse(doc.toJS(), {
    error: describeIssue,
    reportInput: true,
  });
  if (!result.success) throw invalid(toIssues(result.error));
  return Object.freeze({ dir, fromFile: true, functions: Object.freeze(result.data.functions) });
}

function invalid(details: FieldIssue[]): EventFlowError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new EventFlowError("CONFIG_INVALID", `${PROJECT_FILE} is invalid: ${summary}`, {
    details,
  });
}
