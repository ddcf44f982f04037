import { EventFlowError } from "@eventflow/protocol";
import type { RegistryClient } from "./client.js";
import { sha256Digest } from "./digest.js";
import type { OciLayout } from "./oci-layout.js";
import type { RepositoryReference } from "@eventflow/protocol";

/** Somewhere image content can be read from by digest: a registry repository, an OCI layout, memory. */
export interface ContentSource {
  /** The bytes of a manifest or index (verified against `digest`). */
  readManifest(digest: string): Promise<Buffer>;
  /** The content of a blob, verified while read. */
  openBlob(digest: string, size: number): AsyncIterable<Uint8Array>;
  /** A repository on a registry that holds these blobs, for cross-repository mounts. */
  readonly mountFrom?: RepositoryReference;
  /** Whether this source holds `digest` (lets {@link combineSources} route reads). */
  has(digest: string): Promise<boolean>;
}

/** Content read from a repository of a registry (blobs can be mounted from it on the same registry). */
export function registrySource(client: RegistryClient, repo: RepositoryReference): ContentSource {
  return {
    mountFrom: { registry: repo.registry, repository: repo.repository },
    has: async (digest) =>
      (await client.hasBlob(repo, digest)) ||
      (await client.headManifest({ ...repo, digest })) !== undefined,
    readManifest: async (digest) => (await client.getManifest({ ...repo, digest })).bytes,
    openBlob: (digest) =>
      (async function* () {
        const { stream } = await client.getBlob(repo, digest);
        yield* stream as AsyncIterable<Uint8Array>;
      })(),
  };
}

/** Content read from an OCI image layout. */
export function layoutSource(layout: OciLayout): ContentSource {
  return {
    has: (digest) => layout.hasBlob(digest),
    readManifest: (digest) => layout.readBlob(digest),
    openBlob: (digest, size) => layout.openBlob(digest, size) as AsyncIterable<Uint8Array>,
  };
}

/**
 * Content held in memory, keyed by digest (e.g. an image just assembled by a builder).
 * Keys are checked: a buffer that does not hash to its key is REGISTRY_DIGEST_MISMATCH.
 */
export function memorySource(contents: Iterable<Uint8Array>): ContentSource {
  const byDigest = new Map<string, Buffer>();
  for (const bytes of contents) byDigest.set(sha256Digest(bytes), Buffer.from(bytes));
  const get = (digest: string): Buffer => {
    const found = byDigest.get(digest);
    if (found === undefined) {
      throw new EventFlowError(
        "REGISTRY_BLOB_UNKNOWN",
        `The image refers to ${digest}, which was not provided.`,
      );
    }
    return found;
  };
  return {
    has: async (digest) => byDigest.has(digest),
    readManifest: async (digest) => get(digest),
    openBlob: (digest) =>
      (async function* () {
        yield get(digest);
      })(),
  };
}

/**
 * Reads from the first source that holds each digest: e.g. an app layer, config and manifest
 * in memory over a base image's layers in a registry or layout. Mounts use the first source
 * with a `mountFrom`.
 */
export function combineSources(...sources: readonly ContentSource[]): ContentSource {
  const find = async (digest: string): Promise<ContentSource> => {
    for (const source of sources) if (await source.has(digest)) return source;
    throw new EventFlowError("REGISTRY_BLOB_UNKNOWN", `No image source holds ${digest}.`, {
      details: { digest },
    });
  };
  const mountFrom = sources.find((s) => s.mountFrom !== undefined)?.mountFrom;
  return {
    ...(mountFrom === undefined ? {} : { mountFrom }),
    has: async (digest) => {
      for (const source of sources) if (await source.has(digest)) return true;
      return false;
    },
    readManifest: async (digest) => (await find(digest)).readManifest(digest),
    openBlob: (digest, size) =>
      (async function* () {
        yield* (await find(digest)).openBlob(digest, size);
      })(),
  };
}
