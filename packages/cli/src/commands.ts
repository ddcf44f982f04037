import { readFile } from "node:fs/promises";
import { debuglog } from "node:util";
import { join, resolve } from "node:path";
import {
  EventFlowError,
  parseImageSource,
  parseReference,
  withReference,
  type ImageReference,
  withDefaultTag,
} from "@eventflow/protocol";
import {
  chainCredentials,
  createRegistryClient,
  dockerConfigCredentials,
  staticCredentials,
  type RegistryClient,
} from "@eventflow/registry";
import { DEFAULT_BASE, LOCAL_LAYOUT } from "./defaults.js";
import { buildFunctionImage, hostPlatform, type BuiltFunctionImage } from "./build.js";
import { emit, openLayoutImage } from "./emit.js";
import {
  printImageResult,
  printImageTable,
  pushOutputFormat,
  splitBuildOutput,
  type ImageResult,
} from "./build-output.js";
import type { CommandIo } from "./io.js";
import { parsePlatform } from "./image/platforms.js";
import { formatPlatform, type Platform } from "./image/types.js";
import { loadProject, type FunctionConfig } from "./project.js";
import { trackOutput } from "./cleanup.js";
import { createStreamProgress, formatBytes, silentProgress, type Progress } from "./progress.js";
import { parseInclude, type IncludeSpec } from "./include.js";
import { EVENTFLOW_VERSION } from "./version.js";

const debug = debuglog("eventflow");

/** Flags of `eventflow build`. */
export interface BuildFlags extends RegistryFlags {
  tag?: string;
  base?: string;
  push?: boolean;
  insecure?: boolean;
  ca?: string;
  /** `-o`: the output format and/or destinations (oci:DIR[:TAG], tar:FILE). */
  output: string[];
  json?: boolean;
  minify?: boolean;
  function?: string;
  /** A plain Node program to bundle instead of the function's handler (relative to DIR). */
  entry?: string;
  /** `SRC:DEST` files or directories added to the app layer (repeatable). */
  include?: string[];
  source?: string;
  revision?: string;
  label: string[];
  platform: string[];
  quiet?: boolean;
}

function usage(message: string): EventFlowError {
  return new EventFlowError("CLI_USAGE", message);
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

/** Registry flags shared by build and push. */
export interface RegistryFlags {
  insecure?: boolean;
  ca?: string;
  username?: string;
  passwordStdin?: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Credentials from --username/--password-stdin, then the environment, then the docker config. */
export async function createClient(flags: RegistryFlags, io: CommandIo): Promise<RegistryClient> {
  const { env } = io;
  if ((flags.username === undefined) !== (flags.passwordStdin !== true)) {
    throw usage("--username and --password-stdin go together");
  }
  let fromFlags: { username: string; password: string } | undefined;
  if (flags.username !== undefined) {
    if (io.stdin === undefined) throw usage("--password-stdin needs a standard input");
    fromFlags = { username: flags.username, password: await readAll(io.stdin) };
  }
  const credentials = chainCredentials(
    fromFlags === undefined ? undefined : staticCredentials(fromFlags),
    env.registryCredentials === undefined ? undefined : staticCredentials(env.registryCredentials),
    dockerConfigCredentials({ env: env.dockerEnv }),
  );
  const ca = flags.ca === undefined ? undefined : await readFile(resolve(io.cwd, flags.ca));
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
  return withDefaultTag(ref);
}

/** `eventflow build [DIR]`: one image per function, pushed and/or written. */
export async function buildCommand(
  dirArg: string | undefined,
  flags: BuildFlags,
  io: CommandIo,
): Promise<void> {
  const { env } = io;
  debug("build command started after %s ms", performance.now().toFixed(0));
  const dir = resolve(io.cwd, dirArg ?? ".");
  const { format, destinations } = splitBuildOutput(flags);
  const outputs = destinations.map((o) => parseOutput(o, io.cwd));
  const platforms = flags.platform.map(parsePlatform);
  const includes = (flags.include ?? []).map((i) => parseInclude(i, io.cwd));
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
  const client = await createClient(flags, io);
  const results: ImageResult[] = [];
  try {
    for (const fn of fns) {
      const result = await buildOne({
        fn,
        dir,
        flags,
        outputs,
        platforms,
        includes,
        client,
        sourceDateEpoch: env.sourceDateEpoch,
        progress,
      });
      results.push(result);
      if (format !== "wide") io.stdout.write(await printImageResult(format, result));
    }
    if (format === "wide") io.stdout.write(printImageTable(results));
  } finally {
    await client.close();
  }
}

interface BuildOneOptions {
  readonly fn: FunctionConfig;
  readonly dir: string;
  readonly flags: BuildFlags;
  readonly outputs: readonly OutputSpec[];
  readonly platforms: readonly Platform[];
  readonly includes: readonly IncludeSpec[];
  readonly client: RegistryClient;
  readonly sourceDateEpoch: number | undefined;
  readonly progress: Progress;
}

/** Builds one function's image, then pushes it and writes its outputs; returns the result line. */
async function buildOne(options: BuildOneOptions) {
  const { dir, flags, client, progress } = options;
  const fn = flags.entry === undefined ? options.fn : { ...options.fn, handler: flags.entry };
  const started = performance.now();
  const target = targetFor(fn, flags);
  if (flags.push && target === undefined) {
    throw usage(`--push needs -t REF or image.repository for function ${fn.name}`);
  }
  const baseText = flags.base ?? fn.image?.base ?? DEFAULT_BASE;
  const built = await buildFunctionImage({
    dir,
    fn,
    base: baseText,
    client,
    sourceDateEpoch: options.sourceDateEpoch,
    source: flags.source,
    revision: flags.revision,
    labels: parseLabels(flags.label),
    minify: flags.minify,
    plain: flags.entry !== undefined,
    includes: options.includes,
    platforms: options.platforms,
  });
  const { assembled } = built;
  const platforms = assembled.platforms.map((p) => formatPlatform(p.platform));
  progress.step(
    `${fn.name}: bundled ${fn.handler} (${formatBytes(built.bundle.code.length)}), app layer ${formatBytes(assembled.appLayer.size)}, base ${baseText} (${platforms.join(", ")})`,
  );
  const written: string[] = [];
  // Push first: when the registry fails, nothing is written locally.
  if (flags.push && target !== undefined) {
    const pushStarted = performance.now();
    await emit(built.image, { kind: "registry", client, target }, progress);
    debug("pushed %s in %s ms", target.toString(), (performance.now() - pushStarted).toFixed(0));
    written.push(target.toString());
  }
  const outputs: readonly OutputSpec[] =
    options.outputs.length === 0 && !flags.push
      ? [{ kind: "oci", dir: join(dir, LOCAL_LAYOUT), tag: fn.name }]
      : options.outputs;
  for (const out of outputs) {
    written.push(await writeOutput(out, { built, target, fn, progress }));
  }
  const imageName = flags.push && target !== undefined ? target.toString() : (written[0] ?? "");
  return {
    function: fn.name,
    image: imageName,
    digest: assembled.top.digest,
    ...(flags.push && target !== undefined
      ? { reference: `${withReference(target, { tag: null })}@${assembled.top.digest}` }
      : {}),
    mediaType: assembled.top.mediaType,
    platforms,
    bundle: { bytes: built.bundle.code.length, mapBytes: built.bundle.map.length },
    appLayer: {
      digest: assembled.appLayer.digest,
      diffId: assembled.appLayer.diffId,
      size: assembled.appLayer.size,
    },
    outputs: written,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Writes one `--output` (or the default local layout); returns how it is named in the result. */
async function writeOutput(
  out: OutputSpec,
  ctx: {
    built: BuiltFunctionImage;
    target: ImageReference | undefined;
    fn: FunctionConfig;
    progress: Progress;
  },
): Promise<string> {
  const { built, target, fn, progress } = ctx;
  if (out.kind === "oci") {
    const tag = out.tag ?? target?.tag ?? fn.name;
    trackOutput(out.dir);
    await emit(built.image, { kind: "oci", dir: out.dir, tag }, progress);
    return `oci:${out.dir}:${tag}`;
  }
  trackOutput(out.file);
  const destination = {
    kind: "tar",
    file: out.file,
    repoTag: target?.toString(),
    architecture: hostPlatform().architecture,
  } as const;
  await emit(built.image, destination, progress);
  progress.step(`${fn.name}: wrote ${out.file}`);
  return `tar:${out.file}`;
}

/** Flags of `eventflow push`. */
export interface PushFlags extends RegistryFlags {
  from?: string;
  function?: string;
  insecure?: boolean;
  ca?: string;
  json?: boolean;
  output?: string;
  quiet?: boolean;
}

/** `eventflow push REF`: an image from an OCI layout to a registry. */
export async function pushCommand(refText: string, flags: PushFlags, io: CommandIo): Promise<void> {
  const { env } = io;
  const format = pushOutputFormat(flags);
  const parsed = parseReference(refText);
  if (parsed.digest !== undefined) throw usage(`push takes a tag, not a digest: ${refText}`);
  const target = withDefaultTag(parsed);
  const from = parseImageSource(flags.from ?? `oci:${join(io.cwd, LOCAL_LAYOUT)}`);
  if (from.kind !== "oci-layout") throw usage("--from takes oci:DIR[:TAG]");
  const progress: Progress = flags.quiet
    ? silentProgress
    : createStreamProgress(io.stderr, { interactive: env.interactive });
  const client = await createClient(flags, io);
  try {
    const image = await openLayoutImage(resolve(io.cwd, from.dir), from.tag ?? flags.function);
    await emit(image, { kind: "registry", client, target }, progress);
    const { digest, mediaType } = image.root;
    const result = {
      image: target.toString(),
      digest,
      reference: `${withReference(target, { tag: null })}@${digest}`,
      mediaType,
    };
    io.stdout.write(
      format === "wide" ? printImageTable([result]) : await printImageResult(format, result),
    );
  } finally {
    await client.close();
  }
}
