import { buildImageConfig, type ImageMetadata } from "./config.js";
import type { BuiltLayer } from "./layer.js";
import {
  buildAnnotations,
  buildConfigBlob,
  buildIndex,
  buildManifest,
  describe,
} from "./manifest.js";
import {
  MediaType,
  toOciLayerMediaType,
  type Blob,
  type Descriptor,
  type ImageConfig,
  type Platform,
} from "./types.js";

/** One platform of a base image: its platform, config and layers (bottom first). */
export interface BasePlatformImage {
  readonly platform: Platform;
  readonly config: ImageConfig;
  readonly layers: readonly Descriptor[];
}

/** A base image after resolution: nothing (scratch), one manifest, or an index. */
export interface ResolvedBase {
  readonly kind: "scratch" | "manifest" | "index";
  /** Reference or layout the base came from (annotation `org.opencontainers.image.base.name`). */
  readonly name?: string | undefined;
  /** Digest of the base manifest or index. */
  readonly digest?: string | undefined;
  /** Per-platform images; empty for scratch, one for a manifest. */
  readonly images: readonly BasePlatformImage[];
}

/** One platform of the built image. */
export interface AssembledPlatform {
  readonly platform: Platform;
  readonly config: Blob;
  readonly manifest: Blob;
  /** Layers as written in the manifest: the base's, then the app layer. */
  readonly layers: readonly Descriptor[];
}

/** The built image: what to write or push, top (manifest or index) last. */
export interface AssembledImage {
  /** The manifest (one platform) or index (several) that a tag points at. */
  readonly top: Blob;
  readonly platforms: readonly AssembledPlatform[];
  readonly appLayer: BuiltLayer;
  /** Base layer descriptors, each digest once (shared across platforms). */
  readonly baseLayers: readonly Descriptor[];
}

/** Options of {@link assembleImage}. */
export interface AssembleOptions {
  readonly base: ResolvedBase;
  readonly appLayer: BuiltLayer;
  readonly meta: ImageMetadata;
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Platform for scratch images. */
  readonly platform: Platform;
}

function convertLayer(layer: Descriptor): Descriptor {
  return { ...layer, mediaType: toOciLayerMediaType(layer.mediaType) };
}

/**
 * Puts the app layer on top of every platform of the base. The app layer is pure
 * JavaScript, so one layer blob serves all platforms; a base index gives an index with the
 * same platforms in the same order.
 */
export function assembleImage(options: AssembleOptions): AssembledImage {
  const { base, appLayer, meta } = options;
  const appDescriptor: Descriptor = {
    mediaType: MediaType.ociLayerGzip,
    digest: appLayer.digest,
    size: appLayer.size,
  };
  const annotations = buildAnnotations(meta, { name: base.name, digest: base.digest });
  const inputs: readonly (BasePlatformImage | null)[] =
    base.kind === "scratch" ? [null] : base.images;
  if (inputs.length === 0) throw new RangeError("a base index without any platform image");
  const platforms = inputs.map((input): AssembledPlatform => {
    const config = buildImageConfig(input?.config ?? null, {
      ...meta,
      appDiffId: appLayer.diffId,
      env: options.env,
      platform: input?.platform ?? options.platform,
    });
    const configBlob = buildConfigBlob(config);
    const layers = [...(input?.layers ?? []).map(convertLayer), appDescriptor];
    const manifest = buildManifest({ config: describe(configBlob), layers, annotations });
    return { platform: input?.platform ?? options.platform, config: configBlob, manifest, layers };
  });
  const seen = new Set<string>();
  const baseLayers: Descriptor[] = [];
  for (const p of platforms) {
    for (const layer of p.layers.slice(0, -1)) {
      if (!seen.has(layer.digest)) {
        seen.add(layer.digest);
        baseLayers.push(layer);
      }
    }
  }
  const top =
    base.kind === "index"
      ? buildIndex({
          manifests: platforms.map((p) => describe(p.manifest, { platform: p.platform })),
          annotations,
        })
      : platforms[0]!.manifest;
  return { top, platforms, appLayer, baseLayers };
}
