/**
 * Builds a function's image with the CLI's build, in-process, and writes it where the
 * controller reads it: REPOSITORY@DIGEST in a registry, or an OCI layout under the service
 * directory (a controller on this machine with the local driver).
 */
import { glob, stat } from "node:fs/promises";
import { join, matchesGlob, relative, resolve, sep } from "node:path";
import {
  DEFAULT_BASE,
  LOCAL_LAYOUT,
  buildFunctionImage,
  createCommandRegistryClient,
  emit,
  silentProgress,
  type CliEnvironment,
  type Destination,
  type BuildFunctionOptions,
  type FunctionConfig,
} from "@eventflow/cli";
import { EventFlowError, parseReference, withDefaultTag, withReference } from "@eventflow/protocol";
import type { MappedFunction } from "./service-spec.js";

const EXTENSIONS = [".ts", ".mts", ".js", ".mjs", ".cjs", ".cts"];

/** The handler's file: FILE as written, else FILE with the first extension that exists. */
export async function resolveHandlerFile(serviceDir: string, fn: MappedFunction): Promise<string> {
  for (const candidate of [fn.handler.file, ...EXTENSIONS.map((e) => fn.handler.file + e)]) {
    const found = await stat(join(serviceDir, candidate)).catch(() => undefined);
    if (found?.isFile()) return candidate;
  }
  throw new EventFlowError(
    "CONFIG_INVALID",
    `functions.${fn.key}.handler: no file ${fn.handler.file}{${EXTENSIONS.join(",")}} in ${serviceDir}`,
    { details: [{ path: `functions.${fn.key}.handler`, message: "no such file" }] },
  );
}

/**
 * The files `package.patterns` selects, each shipped at /app/PATH: the files the positive
 * globs match (relative to the service directory), less those a `!GLOB` matches. The bundle's
 * own files (/app/index.mjs, its map, package.json) are never replaced.
 */
export async function collectPatternFiles(
  serviceDir: string,
  patterns: readonly string[],
): Promise<NonNullable<BuildFunctionOptions["includes"]>[number][]> {
  const include = patterns.filter((p) => !p.startsWith("!"));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  if (include.length === 0) return [];
  const files = new Set<string>();
  for await (const entry of glob(include, { cwd: serviceDir, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(serviceDir, resolve(serviceDir, entry.parentPath, entry.name))
      .split(sep)
      .join("/");
    if (exclude.some((g) => matchesGlob(rel, g))) continue;
    if (/^(index\.mjs(\.map)?|package\.json)$/.test(rel)) continue;
    files.add(rel);
  }
  return [...files].sort().map((rel) => ({ source: join(serviceDir, rel), dest: `/app/${rel}` }));
}

/** A built image, not yet written. */
export interface BuiltImage {
  /** What the spec's `image` says once it is written. */
  readonly image: string;
  readonly digest: string;
  /** Pushes it to its registry, or writes it into the OCI layout. */
  write(): Promise<void>;
}

/** A built and written image. */
export type WrittenImage = Pick<BuiltImage, "image" | "digest">;

/** Options of {@link openImageBuilder}. */
export interface BuildOptions {
  readonly serviceDir: string;
  readonly env: CliEnvironment;
  /** Overrides the OCI layout directory (`package --package DIR`). */
  readonly layoutDir?: string | undefined;
  readonly signal: AbortSignal;
}

/** Builds functions' images with one registry client (close it when done). */
export interface ImageBuilder {
  build(fn: MappedFunction): Promise<BuiltImage>;
  close(): Promise<void>;
}

/**
 * Opens a builder. The digest (and so the spec's `image`) is known once built, before
 * anything is written: a deploy can skip writing what the controller already runs.
 */
export async function openImageBuilder(options: BuildOptions): Promise<ImageBuilder> {
  const registry = await createCommandRegistryClient(
    {},
    {
      cwd: options.serviceDir,
      env: options.env,
      signal: options.signal,
      stdout: process.stdout,
      stderr: process.stderr,
    },
  );
  return {
    async build(fn) {
      const handler = await resolveHandlerFile(options.serviceDir, fn);
      const config: FunctionConfig = { name: fn.name, handler };
      const includes = await collectPatternFiles(options.serviceDir, fn.patterns);
      const built = await buildFunctionImage({
        dir: options.serviceDir,
        fn: config,
        base: fn.base ?? DEFAULT_BASE,
        client: registry,
        sourceDateEpoch: options.env.sourceDateEpoch,
        includes,
      });
      const digest = built.image.root.digest;
      const destination: Destination =
        fn.repository === undefined
          ? {
              kind: "oci",
              dir: options.layoutDir ?? join(options.serviceDir, LOCAL_LAYOUT),
              tag: `${fn.name}-${digest.slice("sha256:".length, "sha256:".length + 12)}`,
            }
          : {
              kind: "registry",
              client: registry,
              target: withDefaultTag(parseReference(fn.repository)),
            };
      const image =
        destination.kind === "oci"
          ? `oci:${destination.dir}:${destination.tag}`
          : `${withReference(destination.target, { tag: null })}@${digest}`;
      return { image, digest, write: () => emit(built.image, destination, silentProgress) };
    },
    close: () => registry.close(),
  };
}

/** Builds every function given and writes each image. */
export async function buildAndWrite(
  fns: readonly MappedFunction[],
  options: BuildOptions,
): Promise<Map<string, WrittenImage>> {
  const builder = await openImageBuilder(options);
  const written = new Map<string, WrittenImage>();
  try {
    for (const fn of fns) {
      const { write, ...image } = await builder.build(fn);
      await write();
      written.set(fn.key, image);
    }
  } finally {
    await builder.close();
  }
  return written;
}
