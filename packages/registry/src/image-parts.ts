import { EventFlowError } from "@eventflow/protocol";
import type { ContentSource } from "./content.js";
import { DOCKER_FOREIGN_LAYER_GZIP, isIndexMediaType, OCI_INDEX } from "./media-types.js";
import type { Descriptor, ImageIndex, ImageManifest } from "./types.js";

/** A manifest or index of an image, as read from its source. */
export interface ImageManifestEntry {
  /** Its descriptor (the media type is the one its JSON names, when it names one). */
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly json: Partial<ImageManifest & ImageIndex>;
}

/** Every part of an image: its manifests (children first, the root last) and its blobs. */
export interface ImageParts {
  readonly manifests: readonly ImageManifestEntry[];
  /** Configs and layers, each digest once (foreign layers left out: they are not copied). */
  readonly blobs: readonly Descriptor[];
}

function parseManifestJson(bytes: Buffer, digest: string): Partial<ImageManifest & ImageIndex> {
  try {
    return JSON.parse(bytes.toString("utf8")) as Partial<ImageManifest & ImageIndex>;
  } catch (error) {
    throw new EventFlowError("REGISTRY_PROTOCOL_ERROR", `Manifest ${digest} is not valid JSON.`, {
      cause: error,
    });
  }
}

/**
 * Reads an image's manifests from `root` down (an index's children, their configs and layers).
 * `known` holds manifest bytes already read (e.g. a root fetched by tag), keyed by digest.
 */
export async function walkImage(
  source: ContentSource,
  root: Descriptor,
  known: ReadonlyMap<string, Buffer> = new Map(),
): Promise<ImageParts> {
  const manifests: ImageManifestEntry[] = [];
  const blobs = new Map<string, Descriptor>();
  const visit = async (d: Descriptor): Promise<void> => {
    const bytes = known.get(d.digest) ?? (await source.readManifest(d.digest));
    const json = parseManifestJson(bytes, d.digest);
    const mediaType = json.mediaType ?? (Array.isArray(json.manifests) ? OCI_INDEX : d.mediaType);
    if (isIndexMediaType(mediaType)) {
      for (const child of json.manifests ?? []) await visit(child);
    } else {
      for (const part of [json.config, ...(json.layers ?? [])]) {
        if (part !== undefined && part.mediaType !== DOCKER_FOREIGN_LAYER_GZIP)
          blobs.set(part.digest, part);
      }
    }
    manifests.push({ descriptor: { ...d, mediaType }, bytes, json });
  };
  await visit(root);
  return { manifests, blobs: [...blobs.values()] };
}
