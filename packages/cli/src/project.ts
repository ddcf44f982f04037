import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { z } from "zod";
import type { buildFunctionConfigSchema } from "./project-schema.js";

/** The file that describes a project's functions. */
export const PROJECT_FILE = "eventflow.yaml";
/** Handler entry used when eventflow.yaml does not name one. */
export const DEFAULT_HANDLER = "src/index.ts";

/** One function of a project, as validated from eventflow.yaml. */
export type FunctionConfig = z.infer<ReturnType<typeof buildFunctionConfigSchema>>;
/** A project: every function eventflow.yaml describes. */
export interface ProjectConfig {
  /** The project directory (absolute). */
  readonly dir: string;
  /** Whether eventflow.yaml exists (otherwise one function with defaults). */
  readonly fromFile: boolean;
  readonly functions: readonly FunctionConfig[];
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
  // zod and yaml load only when there is a file to validate (a warm build pays for them otherwise).
  if (text !== undefined) return (await import("./project-schema.js")).parseProjectYaml(text, dir);
  let pkgName: string | undefined;
  try {
    pkgName = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: string })
      .name;
  } catch {
    pkgName = undefined;
  }
  const fn: FunctionConfig = { name: defaultFunctionName(pkgName, dir), handler: DEFAULT_HANDLER };
  return Object.freeze({ dir, fromFile: false, functions: Object.freeze([fn]) });
}
