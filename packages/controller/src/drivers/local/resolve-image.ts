import { EventFlowError } from "@eventflow/protocol";
import {
  isIndexMediaType,
  selectPlatform,
  toOciPlatform,
  type Descriptor,
} from "@eventflow/registry";
import type { ImageContentSource } from "./image-source.js";

/** The config label every EventFlow-built image carries; images without it are refused. */
export const FUNCTION_LABEL = "dev.eventflow.function";

/** What the local driver needs from an image. */
export interface ResolvedImage {
  /** Digest of the platform manifest. */
  readonly manifestDigest: string;
  /** The app layer (the last layer: EventFlow's builder appends it on top of any base). */
  readonly appLayer: Descriptor;
  /** `Env` of the image config as KEY=value strings. */
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

interface ImageConfigBlob {
  config?: { Env?: string[]; Labels?: Record<string, string> };
}

/** This machine's platform; an index without it but with one unlabelled entry uses that entry. */
export function selectPlatformEntry(manifests: readonly Descriptor[]): Descriptor | undefined {
  const match = selectPlatform({ manifests }, toOciPlatform(process.platform, process.arch));
  if (match) return match;
  return manifests.length === 1 && !manifests[0]!.platform ? manifests[0] : undefined;
}

/**
 * Resolves an image to its app layer and checks that EventFlow built it: follows an index to
 * this platform, reads the config and insists on the `dev.eventflow.function` label.
 */
export async function resolveImage(
  source: ImageContentSource,
  image: string,
): Promise<ResolvedImage> {
  let desc = await source.rootDescriptor();
  for (let depth = 0; isIndexMediaType(desc.mediaType); depth++) {
    const index = (await source.readJson(desc)) as { manifests?: Descriptor[] };
    const entry = depth < 3 ? selectPlatformEntry(index.manifests ?? []) : undefined;
    if (!entry)
      throw new EventFlowError(
        "FUNCTION_IMAGE_NOT_FOUND",
        `${image} has no image for ${process.platform}/${process.arch}`,
      );
    desc = entry;
  }
  const manifest = (await source.readJson(desc)) as {
    config?: Descriptor;
    layers?: Descriptor[];
  };
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new EventFlowError(
      "FUNCTION_IMAGE_UNSUPPORTED",
      `${image} is not an image manifest (${desc.mediaType})`,
    );
  }
  const config = (await source.readJson(manifest.config)) as ImageConfigBlob;
  const labels = config.config?.Labels ?? {};
  if (labels[FUNCTION_LABEL] === undefined) {
    throw new EventFlowError(
      "FUNCTION_IMAGE_UNSUPPORTED",
      `${image} was not built by EventFlow (no ${FUNCTION_LABEL} label); the local driver runs only EventFlow-built images`,
    );
  }
  const appLayer = manifest.layers.at(-1);
  if (!appLayer) throw new EventFlowError("FUNCTION_IMAGE_UNSUPPORTED", `${image} has no layers`);
  return { manifestDigest: desc.digest, appLayer, env: config.config?.Env ?? [], labels };
}
