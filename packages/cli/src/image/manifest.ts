import { Label, type ImageMetadata } from "./config.js";
import { sha256Digest } from "./digest.js";
import { MediaType, type Blob, type Descriptor, type ImageConfig } from "./types.js";

/** Serialises a JSON document as registries store it: compact, keys in insertion order. */
export function toJsonBlob(mediaType: string, value: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(value), "utf8");
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

/** The descriptor that points at a blob. */
export function describe(
  blob: Blob,
  extra: Pick<Descriptor, "platform" | "annotations"> = {},
): Descriptor {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size, ...extra };
}

/** Where the base came from, for the `org.opencontainers.image.base.*` annotations. */
export interface BaseOrigin {
  readonly name?: string | undefined;
  readonly digest?: string | undefined;
}

/** Manifest/index annotations: EventFlow's labels plus the base image, in a fixed order. */
export function buildAnnotations(
  meta: ImageMetadata,
  base: BaseOrigin = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (meta.created !== undefined) out[Label.created] = meta.created;
  if (meta.source !== undefined) out[Label.source] = meta.source;
  if (meta.revision !== undefined) out[Label.revision] = meta.revision;
  if (base.name !== undefined) out[Label.baseName] = base.name;
  if (base.digest !== undefined) out[Label.baseDigest] = base.digest;
  out[Label.function] = meta.functionName;
  out[Label.version] = meta.eventflowVersion;
  return out;
}

/** Serialises an image config as an OCI config blob. */
export function buildConfigBlob(config: ImageConfig): Blob {
  return toJsonBlob(MediaType.ociConfig, config);
}

/** An OCI image manifest for a config and its layers (bottom first). */
export function buildManifest(options: {
  config: Descriptor;
  layers: readonly Descriptor[];
  annotations?: Readonly<Record<string, string>>;
}): Blob {
  return toJsonBlob(MediaType.ociManifest, {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: options.config,
    layers: options.layers,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });
}

/** An OCI image index over per-platform manifests (each descriptor carries its platform). */
export function buildIndex(options: {
  manifests: readonly Descriptor[];
  annotations?: Readonly<Record<string, string>>;
}): Blob {
  return toJsonBlob(MediaType.ociIndex, {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: options.manifests,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });
}
