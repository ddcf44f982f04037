import { Readable } from "node:stream";
import { EventFlowError, isEventFlowError, parseImageSource } from "@eventflow/protocol";
import {
  isImageManifestMediaType,
  isIndexMediaType,
  layoutSource,
  OCI_MANIFEST,
  readOciLayout,
  registrySource,
  type ContentSource,
  type Descriptor,
  type OciLayout,
  type RegistryClient,
} from "@eventflow/registry";

/** An image's content as the local driver reads it: an OCI layout directory or a registry repository. */
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

/** Reads manifests whole and other blobs (configs) by streaming them. */
async function readBytes(source: ContentSource, desc: Descriptor): Promise<Buffer> {
  if (isIndexMediaType(desc.mediaType) || isImageManifestMediaType(desc.mediaType))
    return source.readManifest(desc.digest);
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.openBlob(desc.digest, desc.size)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * An image for the driver over any `@eventflow/registry` source: "not found" answers become
 * FUNCTION_IMAGE_NOT_FOUND, and a blob is found (or not) before its stream is handed out.
 */
function imageSource(
  image: string,
  root: () => Promise<Descriptor>,
  source: ContentSource,
): ImageContentSource {
  return {
    rootDescriptor: () => root().catch(convert(image)),
    async readJson(desc) {
      const bytes = await readBytes(source, desc).catch(convert(image));
      return JSON.parse(bytes.toString("utf8")) as unknown;
    },
    async openBlob(desc) {
      const chunks = source.openBlob(desc.digest, desc.size)[Symbol.asyncIterator]();
      const first = await chunks.next().catch(convert(image));
      return Readable.from(
        (async function* () {
          for (let next = first; next.done !== true; next = await chunks.next()) yield next.value;
        })(),
        { objectMode: false },
      );
    },
  };
}

/** The root of a layout: the image of `tag`, or the manifest `pinned` names. */
async function layoutRoot(
  layout: OciLayout,
  tag: string | undefined,
  pinned: string | undefined,
): Promise<Descriptor> {
  if (pinned === undefined) return layout.resolve(tag);
  const entry = layout.index.manifests.find((d) => d.digest === pinned);
  if (entry) return entry;
  const json = JSON.parse((await layout.readBlob(pinned)).toString("utf8")) as {
    mediaType?: string;
  };
  return { mediaType: json.mediaType ?? OCI_MANIFEST, digest: pinned, size: 0 };
}

/**
 * Opens the content source of an image: `oci:DIR[:TAG][@DIGEST]` is an OCI layout directory,
 * anything else a registry reference pulled with `client`.
 */
export function openImageSource(image: string, client: () => RegistryClient): ImageContentSource {
  const { source, digest } = splitPinnedDigest(image);
  const parsed = parseImageSource(source);
  if (parsed.kind === "oci-layout") {
    const layout = readOciLayout(parsed.dir);
    // A layout is read once the driver asks for the root; content reads wait for it.
    const lazy: ContentSource = {
      has: async (d) => (await layout).hasBlob(d),
      readManifest: async (d) => (await layout).readBlob(d),
      openBlob: (d, size) =>
        (async function* () {
          yield* layoutSource(await layout).openBlob(d, size);
        })(),
    };
    return imageSource(image, async () => layoutRoot(await layout, parsed.tag, digest), lazy);
  }
  const ref = parsed.reference;
  const registry = client();
  const fetched = new Map<string, Buffer>();
  const remote = registrySource(registry, ref);
  return imageSource(
    image,
    async () => {
      const m = await registry.getManifest(ref);
      fetched.set(m.digest, m.bytes);
      return { mediaType: m.mediaType, digest: m.digest, size: m.size };
    },
    { ...remote, readManifest: async (d) => fetched.get(d) ?? remote.readManifest(d) },
  );
}
