import type { ContainerConfig, HistoryEntry, ImageConfig, Platform } from "./types.js";

/** The user every EventFlow image runs as: numeric, non-root (the distroless "nonroot" ids). */
export const IMAGE_USER = "65532:65532";
/** The port the runtime listens on inside the image. */
export const IMAGE_PORT = 8080;
/**
 * The command that starts the bundled function; stacks are mapped to the function's sources
 * through /app/index.mjs.map (the flag must be on before the bundle loads, so the runtime
 * inside it cannot turn it on itself).
 */
export const IMAGE_ENTRYPOINT = ["node", "--enable-source-maps", "/app/index.mjs"] as const;
/** PATH for images without a base (scratch), the Debian/Docker default. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Labels (and annotations) by which the controller recognises an EventFlow-built image. */
export const Label = {
  function: "dev.eventflow.function",
  version: "dev.eventflow.version",
  runtime: "dev.eventflow.runtime",
  source: "org.opencontainers.image.source",
  revision: "org.opencontainers.image.revision",
  created: "org.opencontainers.image.created",
  baseName: "org.opencontainers.image.base.name",
  baseDigest: "org.opencontainers.image.base.digest",
} as const;

/** What an EventFlow image says about itself, shared by the config and the manifest. */
export interface ImageMetadata {
  /** The function name (eventflow.yaml). */
  readonly functionName: string;
  /** Version of the CLI that built the image. */
  readonly eventflowVersion: string;
  /** RFC 3339 time from SOURCE_DATE_EPOCH; absent means no timestamps at all. */
  readonly created?: string | undefined;
  /** Repository URL (org.opencontainers.image.source), only when asked. */
  readonly source?: string | undefined;
  /** VCS revision (org.opencontainers.image.revision), only when asked. */
  readonly revision?: string | undefined;
  /** Extra labels from the command line; they never override EventFlow's own. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Options of {@link buildImageConfig}. */
export interface ImageConfigOptions extends ImageMetadata {
  /** The app layer's diff id (sha256 of its uncompressed tar). */
  readonly appDiffId: string;
  /** The function's environment from eventflow.yaml. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Platform of an image without a base (scratch); a base's own platform wins. */
  readonly platform: Platform;
}

/** The labels EventFlow sets, in a fixed order; `source`/`revision`/`created` only when given. */
export function buildLabels(meta: ImageMetadata): Record<string, string> {
  const labels: Record<string, string> = { ...meta.labels };
  if (meta.created !== undefined) labels[Label.created] = meta.created;
  if (meta.source !== undefined) labels[Label.source] = meta.source;
  if (meta.revision !== undefined) labels[Label.revision] = meta.revision;
  labels[Label.function] = meta.functionName;
  labels[Label.runtime] = "node";
  labels[Label.version] = meta.eventflowVersion;
  return labels;
}

/** Sets `KEY=value` entries on an Env list, replacing a key in place or appending it. */
export function mergeEnv(
  base: readonly string[],
  overrides: Readonly<Record<string, string>>,
): string[] {
  const out = [...base];
  for (const [key, value] of Object.entries(overrides)) {
    const at = out.findIndex((entry) => entry === key || entry.startsWith(`${key}=`));
    if (at >= 0) out[at] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return out;
}

function buildContainerConfig(
  base: ContainerConfig | undefined,
  options: ImageConfigOptions,
): ContainerConfig {
  const { Cmd: _cmd, Entrypoint: _entrypoint, Healthcheck: _hc, ...kept } = base ?? {};
  const baseEnv = base?.Env ?? [`PATH=${DEFAULT_PATH}`];
  return {
    ...kept,
    User: IMAGE_USER,
    ExposedPorts: { ...base?.ExposedPorts, [`${IMAGE_PORT}/tcp`]: {} },
    Env: mergeEnv(baseEnv, {
      ...options.env,
      PORT: String(IMAGE_PORT),
      NODE_ENV: "production",
      EVENTFLOW_FUNCTION_NAME: options.functionName,
    }),
    Entrypoint: [...IMAGE_ENTRYPOINT],
    WorkingDir: "/app",
    Labels: { ...base?.Labels, ...buildLabels(options) },
  };
}

/**
 * The image config of one platform: the base's config (or none for scratch) with the app
 * layer, user, env, entrypoint and labels. `created` appears only when a time is given, in
 * the config and in the new history entry; the base's own `created` is dropped.
 */
export function buildImageConfig(
  base: ImageConfig | null,
  options: ImageConfigOptions,
): ImageConfig {
  const history: HistoryEntry = {
    ...(options.created === undefined ? {} : { created: options.created }),
    created_by: `eventflow build (function ${options.functionName})`,
    comment: "EventFlow app layer: /app/index.mjs",
  };
  const platform: Platform = base ?? options.platform;
  const {
    created: _created,
    config,
    rootfs,
    history: baseHistory,
    architecture: _a,
    os: _o,
    ...rest
  } = base ?? ({} as Partial<ImageConfig>);
  return {
    ...(options.created === undefined ? {} : { created: options.created }),
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    ...(platform["os.version"] === undefined ? {} : { "os.version": platform["os.version"] }),
    ...(platform["os.features"] === undefined ? {} : { "os.features": platform["os.features"] }),
    ...stripPlatform(rest),
    config: buildContainerConfig(config, options),
    rootfs: { type: "layers", diff_ids: [...(rootfs?.diff_ids ?? []), options.appDiffId] },
    history: [...(baseHistory ?? []), history],
  };
}

function stripPlatform(rest: Record<string, unknown>): Record<string, unknown> {
  const { variant: _v, "os.version": _ov, "os.features": _of, ...others } = rest;
  return others;
}

/** RFC 3339 text of SOURCE_DATE_EPOCH (seconds), as configs and labels carry it. */
export function epochToCreated(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}
