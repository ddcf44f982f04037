import { debuglog } from "node:util";
import {
  combineSources,
  memorySource,
  toOciPlatform,
  type RegistryClient,
} from "@eventflow/registry";
import { resolveBase, type BaseSource } from "./base.js";
import type { Image } from "./emit.js";
import { bundleFunction, type BundleResult } from "./bundle.js";
import { assembleImage, type AssembledImage } from "./image/assemble.js";
import { epochToCreated, type ImageMetadata } from "./image/config.js";
import { buildAppLayer } from "./image/layer.js";
import { selectBasePlatforms } from "./image/platforms.js";
import type { Platform } from "./image/types.js";
import type { FunctionConfig } from "./project.js";
import { readIncludes, type IncludeSpec } from "./include.js";
import { EVENTFLOW_VERSION } from "./version.js";

/** Options of {@link buildFunctionImage}. */
export interface BuildFunctionOptions {
  /** Project directory (absolute). */
  readonly dir: string;
  readonly fn: FunctionConfig;
  /** `scratch`, `oci:DIR[:TAG]` or a registry reference. */
  readonly base: string;
  readonly client: RegistryClient;
  /** SOURCE_DATE_EPOCH: mtimes of the app layer and, when set, `created`. */
  readonly sourceDateEpoch?: number | undefined;
  readonly source?: string | undefined;
  readonly revision?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly minify?: boolean | undefined;
  /** `--entry`: `fn.handler` is a plain Node program, bundled without the runtime wrapper. */
  readonly plain?: boolean | undefined;
  /** `--include SRC:DEST`: more files in the app layer. */
  readonly includes?: readonly IncludeSpec[] | undefined;
  /** Platforms to build (`--platform`): filters a base index, or lists scratch platforms; default all / this machine's. */
  readonly platforms?: readonly Platform[] | undefined;
}

/** A built (not yet written) image. */
export interface BuiltFunctionImage {
  /** What `emit` writes: the root and its content, the app's in memory over the base's. */
  readonly image: Image;
  /** How it was put together (platforms, app layer), for results and progress. */
  readonly assembled: AssembledImage;
  readonly bundle: BundleResult;
}

/** The image of an assembled build: its own blobs from memory, base layers from the base. */
export function toImage(assembled: AssembledImage, base: BaseSource): Image {
  const { top, platforms, appLayer, baseLayers } = assembled;
  const own = memorySource([
    appLayer.blob,
    ...platforms.flatMap((p) => [p.config.bytes, p.manifest.bytes]),
    top.bytes,
  ]);
  // Only the base's layers are asked of the base, so routing a read costs no request.
  const fromBase = new Set(baseLayers.map((d) => d.digest));
  return {
    root: { mediaType: top.mediaType, digest: top.digest, size: top.size },
    source: combineSources(own, { ...base.source, has: async (d) => fromBase.has(d) }),
    labels: new Map([
      ...baseLayers.map((d) => [d.digest, "base"] as const),
      [appLayer.digest, "app"],
    ]),
  };
}

const debug = debuglog("eventflow");

/** This machine's platform in OCI terms. */
export function hostPlatform(): Platform {
  return toOciPlatform(process.platform, process.arch);
}

/**
 * Bundles the handler and resolves the base concurrently, then assembles the image in
 * memory. Nothing is written: emit.ts writes it to a registry, a layout or a tarball.
 */
export async function buildFunctionImage(
  options: BuildFunctionOptions,
): Promise<BuiltFunctionImage> {
  const started = performance.now();
  const since = () => `${(performance.now() - started).toFixed(0)} ms`;
  const [bundle, base] = await Promise.all([
    bundleFunction({
      dir: options.dir,
      handler: options.fn.handler,
      minify: options.minify ?? false,
      plain: options.plain ?? false,
    }).then((b) => {
      debug("bundled %s after %s", options.fn.handler, since());
      return b;
    }),
    resolveBase(options.base, options.client).then((b) => {
      debug("resolved base %s after %s", options.base, since());
      return b;
    }),
  ]);
  const mtime = options.sourceDateEpoch ?? 0;
  const extra = options.includes?.length ? await readIncludes(options.includes) : undefined;
  const appLayer = buildAppLayer(
    { code: bundle.code, map: bundle.map, ...(extra ? { extra } : {}) },
    { mtime },
  );
  const meta: ImageMetadata = {
    functionName: options.fn.name,
    eventflowVersion: EVENTFLOW_VERSION,
    created:
      options.sourceDateEpoch === undefined ? undefined : epochToCreated(options.sourceDateEpoch),
    source: options.source,
    revision: options.revision,
    labels: options.labels,
  };
  const wanted = options.platforms ?? [];
  const assembled = assembleImage({
    base: selectBasePlatforms(base.base, wanted),
    appLayer,
    meta,
    env: options.fn.env,
    platform: wanted[0] ?? hostPlatform(),
  });
  debug("assembled %s after %s", assembled.top.digest, since());
  return { image: toImage(assembled, base), assembled, bundle };
}
