import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  parseImageSource,
  readOciLayout,
  type ImageIndex,
  type ImageManifest,
  type RegistryClient,
  type RepositoryReference,
} from "@eventflow/registry";
import type { BasePlatformImage, ResolvedBase } from "./image/assemble.js";
import { MediaType, type Descriptor, type ImageConfig } from "./image/types.js";

/** The default base: the official Node 24 image (slim variant). */
export const DEFAULT_BASE = "docker.io/library/node:24-slim";

/** Where the base's layer blobs are read from when they must be copied. */
export interface BlobReader {
  open(digest: string, size: number): AsyncIterable<Uint8Array>;
  /** The base's repository, when blobs can be mounted from it within the same registry. */
  readonly repository?: RepositoryReference;
}

/** A resolved base and how to read its blobs. */
export interface BaseSource {
  readonly base: ResolvedBase;
  readonly blobs: BlobReader;
}

const NO_BLOBS: BlobReader = {
  open(digest) {
    throw new EventFlowError("BUILD_BASE_IMAGE_NOT_FOUND", `scratch has no blob ${digest}`);
  },
};

const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];

interface Fetcher {
  manifest(
    digest: string | undefined,
  ): Promise<{ mediaType: string; digest: string; json: unknown }>;
  blobJson(digest: string): Promise<unknown>;
}

function notFound(text: string, cause: unknown): EventFlowError {
  const why = isEventFlowError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
  return new EventFlowError(
    "BUILD_BASE_IMAGE_NOT_FOUND",
    `base image ${text} could not be read (${why})`,
    { cause },
  );
}

async function resolveWith(fetcher: Fetcher, name: string | undefined): Promise<ResolvedBase> {
  const top = await fetcher.manifest(undefined);
  const readImage = async (
    json: ImageManifest,
    platform?: Descriptor["platform"],
  ): Promise<BasePlatformImage> => {
    const config = (await fetcher.blobJson(json.config.digest)) as ImageConfig;
    return {
      platform: platform ?? {
        architecture: config.architecture,
        os: config.os,
        ...(config.variant ? { variant: config.variant } : {}),
      },
      config,
      layers: json.layers,
    };
  };
  if (INDEX_TYPES.includes(top.mediaType)) {
    const index = top.json as ImageIndex;
    const wanted = index.manifests.filter(
      (d) => d.platform !== undefined && d.platform.os !== "unknown",
    );
    const images = await Promise.all(
      wanted.map(async (d) =>
        readImage((await fetcher.manifest(d.digest)).json as ImageManifest, d.platform),
      ),
    );
    return { kind: "index", name, digest: top.digest, images };
  }
  return {
    kind: "manifest",
    name,
    digest: top.digest,
    images: [await readImage(top.json as ImageManifest)],
  };
}

/**
 * Resolves `--base`: `scratch`, `oci:DIR[:TAG]` (an OCI layout) or a registry reference.
 * The base is read, never written; any failure is BUILD_BASE_IMAGE_NOT_FOUND.
 */
export async function resolveBase(text: string, client: RegistryClient): Promise<BaseSource> {
  if (text === "scratch") return { base: { kind: "scratch", images: [] }, blobs: NO_BLOBS };
  const source = parseImageSource(text);
  try {
    if (source.kind === "oci-layout") {
      const layout = await readOciLayout(source.dir);
      const topDescriptor = layout.resolve(source.tag);
      const fetcher: Fetcher = {
        async manifest(digest) {
          const d = digest ?? topDescriptor.digest;
          const bytes = await layout.readBlob(d);
          const json = JSON.parse(bytes.toString("utf8")) as { mediaType?: string };
          const mediaType =
            digest === undefined
              ? topDescriptor.mediaType
              : (json.mediaType ?? MediaType.ociManifest);
          return { mediaType, digest: d, json };
        },
        blobJson: async (digest) => JSON.parse((await layout.readBlob(digest)).toString("utf8")),
      };
      // No name annotation for layouts: a local path would make the digest depend on the directory.
      const base = await resolveWith(fetcher, undefined);
      return { base, blobs: { open: (digest, size) => layout.openBlob(digest, size) } };
    }
    const ref = source.reference;
    const repo: RepositoryReference = { registry: ref.registry, repository: ref.repository };
    const fetcher: Fetcher = {
      async manifest(digest) {
        const m = await client.getManifest(digest === undefined ? ref : { ...repo, digest });
        return { mediaType: m.mediaType, digest: m.digest, json: m.json };
      },
      blobJson: async (digest) =>
        JSON.parse((await client.getBlobBytes(repo, digest)).toString("utf8")),
    };
    const base = await resolveWith(fetcher, ref.toString());
    return {
      base,
      blobs: {
        repository: repo,
        async *open(digest) {
          const download = await client.getBlob(repo, digest);
          yield* download.stream as AsyncIterable<Uint8Array>;
        },
      },
    };
  } catch (error) {
    if (isEventFlowError(error) && error.code === "REGISTRY_UNREACHABLE") {
      const which = text === DEFAULT_BASE ? "the default base image" : "the base image";
      throw new EventFlowError(
        "BUILD_BASE_IMAGE_UNREACHABLE",
        `${which} ${text} could not be pulled: ${error.message}`,
        { cause: error, details: error.details },
      );
    }
    if (
      isEventFlowError(error) &&
      ["REGISTRY_UNAUTHORIZED", "REGISTRY_DENIED"].includes(error.code)
    ) {
      throw error;
    }
    throw notFound(text, error);
  }
}
