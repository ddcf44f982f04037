import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { EventFlowError, checkFunctionName, type FieldIssue } from "@eventflow/protocol";
import { parseDocument } from "yaml";
import { z } from "zod";

/** The file that describes a project's functions. */
export const PROJECT_FILE = "eventflow.yaml";
/** Handler entry used when eventflow.yaml does not name one. */
export const DEFAULT_HANDLER = "src/index.ts";

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const quantities = z.strictObject({
  cpu: z.string().regex(QUANTITY, "must be a Kubernetes quantity, e.g. 100m or 1").optional(),
  memory: z.string().regex(QUANTITY, "must be a Kubernetes quantity, e.g. 128Mi").optional(),
});

const functionSchema = z.strictObject({
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

/** One function of a project, as validated from eventflow.yaml. */
export type FunctionConfig = z.infer<typeof functionSchema>;
/** A project: every function eventflow.yaml describes. */
export interface ProjectConfig {
  /** The project directory (absolute). */
  readonly dir: string;
  /** Whether eventflow.yaml exists (otherwise one function with defaults). */
  readonly fromFile: boolean;
  readonly functions: readonly FunctionConfig[];
}

function toIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

/** Validates eventflow.yaml text; every problem (YAML or schema) is reported in one CONFIG_INVALID. */
export function parseProjectYaml(text: string, dir: string): ProjectConfig {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details: FieldIssue[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}` : "",
      message: e.message.split("\n")[0] ?? e.code,
    }));
    throw invalid(details);
  }
  const result = projectSchema.safeParse(doc.toJS());
  if (!result.success) throw invalid(toIssues(result.error));
  return Object.freeze({ dir, fromFile: true, functions: Object.freeze(result.data.functions) });
}

function invalid(details: FieldIssue[]): EventFlowError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new EventFlowError("CONFIG_INVALID", `${PROJECT_FILE} is invalid: ${summary}`, {
    details,
  });
}

/** Function name for a project without eventflow.yaml: package.json's name without scope, or the directory's. */
export function defaultFunctionName(packageName: string | undefined, dir: string): string {
  const raw = (packageName ?? basename(dir)).replace(/^@[^/]+\//, "");
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 40);
  return name.replace(/-+$/, "") || "function";
}

/** Loads DIR/eventflow.yaml, or a single default function when the file does not exist. */
export async function loadProject(dir: string): Promise<ProjectConfig> {
  let text: string | undefined;
  try {
    text = await readFile(join(dir, PROJECT_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined) return parseProjectYaml(text, dir);
  let pkgName: string | undefined;
  try {
    pkgName = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: string })
      .name;
  } catch {
    pkgName = undefined;
  }
  const fn = functionSchema.parse({ name: defaultFunctionName(pkgName, dir) });
  return Object.freeze({ dir, fromFile: false, functions: Object.freeze([fn]) });
}
