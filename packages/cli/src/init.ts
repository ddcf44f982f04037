import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EventFlowError, checkFunctionName } from "@eventflow/protocol";

/** Templates `eventflow init --template` accepts. */
export const TEMPLATES = ["http", "cloudevent"] as const;
/** One of {@link TEMPLATES}. */
export type TemplateName = (typeof TEMPLATES)[number];

/** Files whose name is stored without the leading dot (npm drops `.gitignore` from packages). */
const RENAMES: Readonly<Record<string, string>> = { gitignore: ".gitignore" };

/** Where the templates live: packages/cli/templates, next to src/ and dist/. */
export function templatesDir(): string {
  return fileURLToPath(new URL("../templates/", import.meta.url));
}

/** Options of {@link initProject}. */
export interface InitOptions {
  readonly name: string;
  readonly template: string;
  /** Directory to create; default `<cwd>/<name>`. */
  readonly dir: string;
  /** Version of the EventFlow packages the project depends on. */
  readonly version: string;
}

async function listFiles(root: string, sub = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, sub), { withFileTypes: true })) {
    const path = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out.sort();
}

/** Replaces the template placeholders. */
export function renderTemplate(text: string, values: { name: string; version: string }): string {
  return text.replaceAll("__NAME__", values.name).replaceAll("__VERSION__", values.version);
}

/**
 * Creates a function project from a template. The directory must not exist or be empty;
 * the files are written to a sibling temporary directory first, then renamed into place.
 * Returns the files written, relative to the project.
 */
export async function initProject(options: InitOptions): Promise<string[]> {
  const problem = checkFunctionName(options.name);
  if (problem !== undefined) {
    throw new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      `invalid function name ${JSON.stringify(options.name)}: ${problem}`,
      {
        details: [{ path: "name", message: problem }],
      },
    );
  }
  if (!(TEMPLATES as readonly string[]).includes(options.template)) {
    throw new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      `unknown template ${options.template}; use one of ${TEMPLATES.join(", ")}`,
      {
        details: [{ path: "template", message: `one of ${TEMPLATES.join(", ")}` }],
      },
    );
  }
  const target = resolve(options.dir);
  const existing = await readdir(target).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new EventFlowError("INIT_TARGET_EXISTS", `${target} already exists and is not empty`);
  }
  const source = join(templatesDir(), options.template);
  const files = await listFiles(source);
  const staging = join(dirname(target), `.${options.name}.eventflow-init-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    const written: string[] = [];
    for (const file of files) {
      const parts = file.split("/");
      const last = parts.pop()!;
      const outName = [...parts, RENAMES[last] ?? last].join("/");
      const text = await readFile(join(source, file), "utf8");
      await mkdir(dirname(join(staging, outName)), { recursive: true });
      await writeFile(join(staging, outName), renderTemplate(text, options));
      written.push(outName);
    }
    if (existing !== undefined) await rm(target, { recursive: true });
    await rename(staging, target);
    return written.sort();
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new EventFlowError(
      "INIT_FAILED",
      `could not create ${relative(process.cwd(), target) || target}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Options of {@link buildNextSteps}. */
export interface NextStepsOptions {
  readonly name: string;
  readonly template: string;
  /** The project directory as the user would `cd` to it (relative to where init ran). */
  readonly cdPath: string;
}

const SAMPLE_INVOKES: Readonly<Record<TemplateName, (name: string) => string>> = {
  http: (name) => `eventflow invoke ${name} -d '{"name":"you"}'`,
  cloudevent: (name) =>
    `eventflow invoke ${name} -H ce-specversion:1.0 -H ce-id:1 -H ce-source:/cli -H ce-type:com.example.order.created -d '{"orderId":"o-1","total":5}'`,
};

/** What to run after `eventflow init` (pure), from `cd` to an invoke of the deployed function. */
export function buildNextSteps(options: NextStepsOptions): string {
  const { name } = options;
  const quoted = /^[\w./-]+$/.test(options.cdPath)
    ? options.cdPath
    : JSON.stringify(options.cdPath);
  const invoke = SAMPLE_INVOKES[options.template as TemplateName] ?? SAMPLE_INVOKES.http;
  const steps: Array<[string, string]> = [
    [`cd ${quoted}`, ""],
    ["npm install", ""],
    ["npm test", "the handler's tests"],
    ["npx eventflow dev", "serve it on :8080, reloading on every save"],
    [
      "npx eventflow login --url http://127.0.0.1:8080 --dev",
      "once: a local controller's dev token",
    ],
    [
      "npx eventflow deploy --wait",
      "build, push and deploy what changed (image.base: eventflow.yaml)",
    ],
    [`npx ${invoke(name)}`, ""],
    [`npx eventflow logs ${name}`, ""],
  ];
  const width = Math.max(...steps.map(([c]) => c.length));
  return `\nNext steps:\n${steps
    .map(([command, why]) => `  ${why ? `${command.padEnd(width)}  # ${why}` : command}\n`)
    .join("")}`;
}
