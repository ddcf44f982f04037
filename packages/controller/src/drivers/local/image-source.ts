import type { Readable } from "node:stream";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  isIndexMediaType,
  parseImageSource,
  readOciLayout,
  type Descriptor,
  type ImageReference,
  type RegistryClient,
} from "@eventflow/registry";

/** Where image content comes from: an OCI layout directory or a registry repository. */
export interface ImageContentSource {
  /** The top-level manifest or index for the reference's tag or digest. */
  rootDescriptor(): Promise<Descriptor>;
  /** A manifest, index or config blob, parsed. */
  readJson(desc: Descriptor): Promise<unknown>;
  /** A (layer) blob as a stream that fails if its digest does not match. */
  openBlob(desc: Descriptor): Promise<Readable>;
}

const MISSING = new Set([
  "REGISTRY_MANIFEST_UNKNOWN",
  "REGISTRY_NAME_UNKNOWN",
  "REGISTRY_BLOB_UNKNOWN",
]);

/** Registry "not found" answers become FUNCTION_IMAGE_NOT_FOUND; other registry codes stay. */
function convert(image: string) {
  return (error: unknown): never => {
    if (isEventFlowError(error) && MISSING.has(error.code)) {
      throw new EventFlowError("FUNCTION_IMAGE_NOT_FOUND", `${image}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  };
}

/** `oci:DIR:TAG@sha256:...` (what `eventflow build --output` prints): the digest pins the manifest. */
function splitPinnedDigest(image: string): { source: string; digest?: string } {
  const m = /^(oci:.+)@(sha256:[a-f0-9]{64})$/.exec(image);
  return m ? { source: m[1]!, digest: m[2]! } : { source: image };
}

function layoutSource(
  image: string,
  dir: string,
  tag: string | undefined,
  pinned: string | undefined,
): ImageContentSource {
  const layout = readOciLayout(dir);
  return {
    async rootDescriptor() {
      const l = await layout;
      if (pinned) {
        const entry = l.index.manifests.find((d) => d.digest === pinned);
        if (entry) return entry;
        if (!(await l.hasBlob(pinned)))
          throw new EventFlowError("FUNCTION_IMAGE_NOT_FOUND", `${image}: no manifest ${pinned}`);
        const json = JSON.parse((await l.readBlob(pinned)).toString("utf8")) as {
          mediaType?: string;
        };
        return {
          mediaType: json.mediaType ?? "application/vnd.oci.image.manifest.v1+json",
          digest: pinned,
          size: 0,
        };
      }
      return l.resolve(tag);
    },
    async readJson(desc) {
      const l = await layout;
      if (!(await l.hasBlob(desc.digest)))
        throw new EventFlowError(
          "FUNCTION_IMAGE_NOT_FOUND",
          `${image}: blob ${desc.digest} is missing`,
        );
      return JSON.parse((await l.readBlob(desc.digest)).toString("utf8")) as unknown;
    },
    async openBlob(desc) {
      const l = await layout;
      if (!(await l.hasBlob(desc.digest)))
        throw new EventFlowError(
          "FUNCTION_IMAGE_NOT_FOUND",
          `${image}: blob ${desc.digest} is missing`,
        );
      return l.openBlob(desc.digest, desc.size);
    },
  };
}

function registrySource(
  image: string,
  ref: ImageReference,
  client: RegistryClient,
): ImageContentSource {
  const manifests = new Map<string, unknown>();
  return {
    async rootDescriptor() {
      const m = await client.getManifest(ref).catch(convert(image));
      manifests.set(m.digest, m.json);
      return { mediaType: m.mediaType, digest: m.digest, size: m.size };
    },
    async readJson(desc) {
      const cached = manifests.get(desc.digest);
      if (cached !== undefined) return cached;
      if (isIndexMediaType(desc.mediaType) || desc.mediaType.includes("manifest")) {
        const m = await client.getManifest({ ...ref, digest: desc.digest }).catch(convert(image));
        return m.json;
      }
      const bytes = await client.getBlobBytes(ref, desc.digest).catch(convert(image));
      return JSON.parse(bytes.toString("utf8")) as unknown;
    },
    async openBlob(desc) {
      const blob = await client.getBlob(ref, desc.digest).catch(convert(image));
      return blob.stream;
    },
  };
}

/**
 * Opens the content source of an image: `oci:DIR[:TAG][@DIGEST]` is an OCI layout directory,
 * anything else a registry reference pulled with `client`.
 */
export function openImageSource(image: string, client: () => RegistryClient): ImageContentSource {
  const { source, digest } = splitPinnedDigest(image);
  const parsed = parseImageSource(source);
  if (parsed.kind === "oci-layout") return layoutSource(image, parsed.dir, parsed.tag, digest);
  return registrySource(image, parsed.reference, client());
}
