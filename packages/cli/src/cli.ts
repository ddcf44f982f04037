import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  chainCredentials,
  createRegistryClient,
  dockerConfigCredentials,
  parseImageSource,
  parseReference,
  staticCredentials,
  withReference,
  type ImageReference,
  type RegistryClient,
} from "@eventflow/registry";
import { Command, CommanderError, Option } from "commander";
import { DEFAULT_BASE } from "./base.js";
import { buildFunctionImage } from "./build.js";
import { parseCliEnvironment, type CliEnvironment } from "./config.js";
import { formatPlatform } from "./image/types.js";
import { TEMPLATES, initProject } from "./init.js";
import { buildTarballMembers, pushImage, writeLayoutOutput, writeTarball } from "./output.js";
import { loadProject, type FunctionConfig } from "./project.js";
import { createStreamProgress, formatBytes, silentProgress, type Progress } from "./progress.js";
import { pushFromLayout } from "./push.js";
import { EVENTFLOW_VERSION } from "./version.js";

/** Exit codes (CONVENTIONS.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const USAGE_CODES = new Set([
  "CONFIG_INVALID",
  "CLI_USAGE",
  "REQUEST_VALIDATION_FAILED",
  "IMAGE_REFERENCE_INVALID",
  "BUILD_HANDLER_NOT_FOUND",
  "INIT_TARGET_EXISTS",
]);

/** The exit code for an error: 2 for usage and configuration problems, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  return isEventFlowError(error) && USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
}

/** What the CLI talks to; bin.ts passes the process's, tests their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The default place `eventflow build` writes to and `eventflow push` reads from. */
export const LOCAL_LAYOUT = join(".eventflow", "oci");

interface BuildFlags {
  tag?: string;
  base?: string;
  push?: boolean;
  insecure?: boolean;
  ca?: string;
  output: string[];
  json?: boolean;
  minify?: boolean;
  function?: string;
  source?: string;
  revision?: string;
  label: string[];
  quiet?: boolean;
}

function usage(message: string): EventFlowError {
  return new EventFlowError("CLI_USAGE", message);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usage(`--label needs KEY=VALUE, got ${JSON.stringify(pair)}`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

type OutputSpec =
  { kind: "oci"; dir: string; tag?: string | undefined } | { kind: "tar"; file: string };

function parseOutput(text: string, cwd: string): OutputSpec {
  if (text.startsWith("tar:") && text.length > 4)
    return { kind: "tar", file: resolve(cwd, text.slice(4)) };
  if (text.startsWith("oci:")) {
    const source = parseImageSource(text);
    if (source.kind === "oci-layout")
      return { kind: "oci", dir: resolve(cwd, source.dir), tag: source.tag };
  }
  throw usage(`--output takes oci:DIR[:TAG] or tar:FILE, got ${JSON.stringify(text)}`);
}

async function createClient(
  env: CliEnvironment,
  flags: { insecure?: boolean; ca?: string },
  cwd: string,
): Promise<RegistryClient> {
  const credentials = chainCredentials(
    env.registryCredentials === undefined ? undefined : staticCredentials(env.registryCredentials),
    dockerConfigCredentials({ env: env.dockerEnv }),
  );
  const ca = flags.ca === undefined ? undefined : await readFile(resolve(cwd, flags.ca));
  return createRegistryClient({
    credentials,
    insecure: flags.insecure ?? false,
    ...(ca ? { ca } : {}),
    userAgent: `eventflow/${EVENTFLOW_VERSION}`,
  });
}

function targetFor(fn: FunctionConfig, flags: BuildFlags): ImageReference | undefined {
  const text = flags.tag ?? fn.image?.repository;
  if (text === undefined) return undefined;
  const ref = parseReference(text);
  if (ref.digest !== undefined) throw usage(`-t takes a tag, not a digest: ${text}`);
  return ref.tag === undefined ? withReference(ref, { tag: "latest" }) : ref;
}

async function buildCommand(
  dirArg: string | undefined,
  flags: BuildFlags,
  io: CliIo,
  env: CliEnvironment,
): Promise<void> {
  const dir = resolve(io.cwd, dirArg ?? ".");
  const outputs = flags.output.map((o) => parseOutput(o, io.cwd));
  const project = await loadProject(dir);
  const fns =
    flags.function === undefined
      ? project.functions
      : project.functions.filter((f) => f.name === flags.function);
  if (fns.length === 0) throw usage(`no function named ${flags.function} in ${dir}`);
  if (flags.tag !== undefined && fns.length > 1)
    throw usage(
      "-t names one image: add --function NAME when eventflow.yaml has several functions",
    );
  const progress: Progress = flags.quiet
    ? silentProgress
    : createStreamProgress(io.stderr, { interactive: env.interactive });
  const client = await createClient(env, flags, io.cwd);
  try {
    for (const fn of fns) {
      const started = performance.now();
      const target = targetFor(fn, flags);
      if (flags.push && target === undefined)
        throw usage(`--push needs -t REF or image.repository for function ${fn.name}`);
      const baseText = flags.base ?? fn.image?.base ?? DEFAULT_BASE;
      const built = await buildFunctionImage({
        dir,
        fn,
        base: baseText,
        client,
        sourceDateEpoch: env.sourceDateEpoch,
        source: flags.source,
        revision: flags.revision,
        labels: parseLabels(flags.label),
        minify: flags.minify,
      });
      const { image } = built;
      progress.step(
        `${fn.name}: bundled ${fn.handler} (${formatBytes(built.bundle.code.length)}), app layer ${formatBytes(image.appLayer.size)}, base ${baseText} (${image.platforms.map((p) => formatPlatform(p.platform)).join(", ")})`,
      );
      const written: string[] = [];
      // Push first: when the registry fails, nothing is written locally.
      if (flags.push && target !== undefined) {
        await pushImage({ client, image, base: built.base, target, progress });
        written.push(target.toString());
      }
      for (const out of outputs) {
        if (out.kind === "oci") {
          const tag = out.tag ?? target?.tag ?? fn.name;
          await writeLayoutOutput({ dir: out.dir, tag, image, base: built.base, progress });
          written.push(`oci:${out.dir}:${tag}`);
        } else {
          await writeTarball(
            out.file,
            buildTarballMembers({ image, base: built.base, repoTag: target?.toString() }),
          );
          progress.step(`${fn.name}: wrote ${out.file}`);
          written.push(`tar:${out.file}`);
        }
      }
      if (outputs.length === 0 && !flags.push) {
        const local = join(dir, LOCAL_LAYOUT);
        await writeLayoutOutput({ dir: local, tag: fn.name, image, base: built.base, progress });
        written.push(`oci:${local}:${fn.name}`);
      }
      const imageName = flags.push && target !== undefined ? target.toString() : (written[0] ?? "");
      const result = {
        function: fn.name,
        image: imageName,
        digest: image.top.digest,
        ...(flags.push && target !== undefined
          ? { reference: `${withReference(target, { tag: null })}@${image.top.digest}` }
          : {}),
        mediaType: image.top.mediaType,
        platforms: image.platforms.map((p) => formatPlatform(p.platform)),
        appLayer: {
          digest: image.appLayer.digest,
          diffId: image.appLayer.diffId,
          size: image.appLayer.size,
        },
        outputs: written,
        durationMs: Math.round(performance.now() - started),
      };
      io.stdout.write(
        flags.json ? `${JSON.stringify(result)}\n` : `${imageName}@${image.top.digest}\n`,
      );
    }
  } finally {
    await client.close();
  }
}

interface PushFlags {
  from?: string;
  function?: string;
  insecure?: boolean;
  ca?: string;
  json?: boolean;
  quiet?: boolean;
}

async function pushCommand(
  refText: string,
  flags: PushFlags,
  io: CliIo,
  env: CliEnvironment,
): Promise<void> {
  const parsed = parseReference(refText);
  if (parsed.digest !== undefined) throw usage(`push takes a tag, not a digest: ${refText}`);
  const target = parsed.tag === undefined ? withReference(parsed, { tag: "latest" }) : parsed;
  const from = parseImageSource(flags.from ?? `oci:${join(io.cwd, LOCAL_LAYOUT)}`);
  if (from.kind !== "oci-layout") throw usage("--from takes oci:DIR[:TAG]");
  const progress: Progress = flags.quiet
    ? silentProgress
    : createStreamProgress(io.stderr, { interactive: env.interactive });
  const client = await createClient(env, flags, io.cwd);
  try {
    const pushed = await pushFromLayout({
      client,
      dir: resolve(io.cwd, from.dir),
      tag: from.tag ?? flags.function,
      target,
      progress,
    });
    const result = {
      image: target.toString(),
      digest: pushed.digest,
      reference: `${withReference(target, { tag: null })}@${pushed.digest}`,
      mediaType: pushed.mediaType,
    };
    io.stdout.write(
      flags.json ? `${JSON.stringify(result)}\n` : `${result.image}@${result.digest}\n`,
    );
  } finally {
    await client.close();
  }
}

function createProgram(
  io: CliIo,
  run: (work: (env: CliEnvironment) => Promise<void>, json: boolean) => Promise<void>,
): Command {
  const program = new Command("eventflow")
    .description("Build, push and run EventFlow functions.")
    .version(EVENTFLOW_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  program
    .command("init")
    .description("create a function project from a template")
    .argument("<name>", "function name (DNS label)")
    .addOption(
      new Option("--template <template>", "project template").choices(TEMPLATES).default("http"),
    )
    .option("--dir <dir>", "directory to create (default ./NAME)")
    .action((name: string, flags: { template: string; dir?: string }) =>
      run(async () => {
        const dir = resolve(io.cwd, flags.dir ?? name);
        const files = await initProject({
          name,
          template: flags.template,
          dir,
          version: EVENTFLOW_VERSION,
        });
        io.stderr.write(files.map((f) => `  created ${f}\n`).join(""));
        io.stdout.write(`${dir}\n`);
      }, false),
    );
  program
    .command("build")
    .description("bundle the function(s) of DIR and build OCI images (no daemon)")
    .argument("[dir]", "project directory", ".")
    .option("-t, --tag <ref>", "image reference, e.g. 127.0.0.1:5000/hello:1")
    .option(
      "--base <ref>",
      `base image: a registry reference, oci:DIR[:TAG] or scratch (default ${DEFAULT_BASE})`,
    )
    .option("--push", "push to the registry of -t")
    .option("--output <spec>", "write oci:DIR[:TAG] or tar:FILE (repeatable)", collect, [])
    .option("--function <name>", "build only this function of eventflow.yaml")
    .option("--insecure", "allow plain HTTP and unverified TLS for non-loopback registries")
    .option("--ca <file>", "extra CA certificate (PEM) for registry TLS")
    .option("--minify", "minify the bundle")
    .option("--source <url>", "record org.opencontainers.image.source")
    .option("--revision <rev>", "record org.opencontainers.image.revision")
    .option("--label <key=value>", "extra image label (repeatable)", collect, [])
    .option("--json", "print one JSON object per image on stdout")
    .option("-q, --quiet", "no progress on stderr")
    .action((dir: string | undefined, flags: BuildFlags) =>
      run((env) => buildCommand(dir, flags, io, env), flags.json ?? false),
    );
  program
    .command("push")
    .description("push an image built by `eventflow build` (from its OCI layout) to a registry")
    .argument("<ref>", "target image reference")
    .option("--from <source>", `OCI layout to read, oci:DIR[:TAG] (default oci:${LOCAL_LAYOUT})`)
    .option("--function <name>", "the function's image in the layout (its tag there)")
    .option("--insecure", "allow plain HTTP and unverified TLS for non-loopback registries")
    .option("--ca <file>", "extra CA certificate (PEM) for registry TLS")
    .option("--json", "print a JSON object on stdout")
    .option("-q, --quiet", "no progress on stderr")
    .action((ref: string, flags: PushFlags) =>
      run((env) => pushCommand(ref, flags, io, env), flags.json ?? false),
    );
  return program;
}

function reportError(error: unknown, io: CliIo, json: boolean): void {
  const code = isEventFlowError(error) ? error.code : "INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error[${code}]: ${message}\n`);
  const details = isEventFlowError(error) ? error.details : undefined;
  if (Array.isArray(details)) {
    for (const d of details as {
      path?: string;
      message?: string;
      file?: string;
      line?: number;
    }[]) {
      const where = d.path ?? (d.file ? `${d.file}:${d.line ?? 0}` : "");
      io.stderr.write(`  - ${where ? `${where}: ` : ""}${d.message ?? JSON.stringify(d)}\n`);
    }
  }
  if (!isEventFlowError(error) && error instanceof Error && error.stack)
    io.stderr.write(`${error.stack}\n`);
  if (json)
    io.stdout.write(
      `${JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } })}\n`,
    );
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const run = async (work: (env: CliEnvironment) => Promise<void>, json: boolean) => {
    try {
      await work(parseCliEnvironment(io.env, io.stderr.isTTY === true));
    } catch (error) {
      reportError(error, io, json);
      exitCode = exitCodeFor(error);
    }
  };
  try {
    await createProgram(io, run).parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
        ? EXIT.ok
        : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}
