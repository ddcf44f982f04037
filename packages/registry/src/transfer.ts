import { EventFlowError } from "@eventflow/protocol";
import type { ImageInput, RegistryClient } from "./client.js";
import { layoutSource, registrySource, type ContentSource } from "./content.js";
import { DOCKER_FOREIGN_LAYER_GZIP, isIndexMediaType } from "./media-types.js";
import {
  readOciLayout,
  REF_NAME_ANNOTATION,
  writeOciLayout,
  type LayoutBlob,
} from "./oci-layout.js";
import { selectPlatform, type PlatformSelector } from "./platform.js";
import { parseReference, withReference, type ImageReference } from "./reference.js";
import type { Descriptor, ImageIndex, ImageManifest } from "./types.js";

/** How a blob ended up at its destination. */
export type BlobStatus = "uploaded" | "exists" | "mounted" | "downloaded" | "present";

/** Progress of an image transfer, for per-layer progress bars. */
export type TransferEvent =
  | {
      readonly type: "blob-start";
      readonly digest: string;
      readonly size: number;
      readonly mediaType: string;
    }
  | {
      readonly type: "blob-progress";
      readonly digest: string;
      readonly bytes: number;
      readonly size: number;
    }
  | {
      readonly type: "blob-done";
      readonly digest: string;
      readonly size: number;
      readonly status: BlobStatus;
    }
  | {
      readonly type: "manifest";
      readonly digest: string;
      readonly mediaType: string;
      readonly reference: string;
    };

/** What a transfer did. */
export interface TransferResult {
  /** The root manifest or index written (its digest is the image digest). */
  readonly descriptor: Descriptor;
  /** The destination reference with the digest filled in (pushes), or the source (pulls). */
  readonly reference: ImageReference;
  /** Every blob (configs and layers) with what happened to it. */
  readonly blobs: readonly { digest: string; size: number; status: BlobStatus }[];
}

function limiter(concurrency: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    while (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

function parseJson<T>(bytes: Buffer, digest: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (error) {
    throw new EventFlowError("REGISTRY_PROTOCOL_ERROR", `Manifest ${digest} is not valid JSON.`, {
      cause: error,
    });
  }
}

function mediaTypeOf(
  descriptor: Descriptor,
  json: { mediaType?: string; manifests?: unknown },
): string {
  return (
    json.mediaType ??
    (Array.isArray(json.manifests)
      ? "application/vnd.oci.image.index.v1+json"
      : descriptor.mediaType)
  );
}

/** Options of {@link pushImage}. */
export interface PushImageOptions {
  readonly client: RegistryClient;
  /** Where the image's manifests and blobs are read. */
  readonly source: ContentSource;
  /** The image's root manifest or index. */
  readonly root: Descriptor;
  /** Destination; its tag (default `latest`) receives the root. */
  readonly to: ImageInput;
  /** Upload in chunks of this many bytes (default monolithic). */
  readonly chunkSize?: number;
  /** Blobs uploaded at once (default 3). */
  readonly concurrency?: number;
  readonly onEvent?: (event: TransferEvent) => void;
}

/**
 * Pushes an image (a manifest, or an index and all its manifests) with its blobs: blobs the
 * destination has are skipped, blobs from a source repository on the same registry are
 * mounted, child manifests go by digest and the root under the destination's tag.
 */
export async function pushImage(options: PushImageOptions): Promise<TransferResult> {
  const { client, source } = options;
  const to =
    typeof options.to === "string" ? parseReference(options.to) : withReference(options.to, {});
  const limit = limiter(options.concurrency ?? 3);
  const pushed = new Map<string, Promise<BlobStatus>>();
  const blobs: { digest: string; size: number; status: BlobStatus }[] = [];
  const emit = options.onEvent ?? (() => undefined);

  const pushBlob = (d: Descriptor): Promise<BlobStatus> => {
    let task = pushed.get(d.digest);
    if (task === undefined) {
      task = limit(async () => {
        emit({ type: "blob-start", digest: d.digest, size: d.size, mediaType: d.mediaType });
        const { status } = await client.pushBlob(
          to,
          { digest: d.digest, size: d.size, open: () => source.openBlob(d.digest, d.size) },
          {
            ...(source.mountFrom ? { mountFrom: source.mountFrom } : {}),
            ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
            onProgress: (bytes) =>
              emit({ type: "blob-progress", digest: d.digest, bytes, size: d.size }),
          },
        );
        emit({ type: "blob-done", digest: d.digest, size: d.size, status });
        blobs.push({ digest: d.digest, size: d.size, status });
        return status;
      });
      pushed.set(d.digest, task);
    }
    return task;
  };

  const pushManifest = async (d: Descriptor, isRoot: boolean): Promise<string> => {
    const bytes = await source.readManifest(d.digest);
    const json = parseJson<Partial<ImageManifest & ImageIndex>>(bytes, d.digest);
    const mediaType = mediaTypeOf(d, json);
    if (isIndexMediaType(mediaType)) {
      for (const child of json.manifests ?? []) await pushManifest(child, false);
    } else {
      const parts = [json.config, ...(json.layers ?? [])].filter(
        (x): x is Descriptor => x !== undefined,
      );
      await Promise.all(
        parts.filter((p) => p.mediaType !== DOCKER_FOREIGN_LAYER_GZIP).map(pushBlob),
      );
    }
    const target =
      isRoot && (to.tag !== undefined || to.digest === undefined)
        ? withReference(to, { tag: to.tag ?? "latest" })
        : withReference(to, { tag: null, digest: d.digest });
    const { digest } = await client.putManifest(target, { mediaType, bytes });
    emit({ type: "manifest", digest, mediaType, reference: target.toString() });
    return mediaType;
  };

  const mediaType = await pushManifest(options.root, true);
  return {
    descriptor: { ...options.root, mediaType },
    reference: withReference(to, { digest: options.root.digest }),
    blobs,
  };
}

/** Pushes the image named `tag` (or the only one) of an OCI layout directory to `to`. */
export async function pushOciLayout(
  options: Omit<PushImageOptions, "source" | "root"> & { dir: string; tag?: string },
): Promise<TransferResult> {
  const layout = await readOciLayout(options.dir);
  return pushImage({ ...options, source: layoutSource(layout), root: layout.resolve(options.tag) });
}

/** Options of {@link pullImage}. */
export interface PullImageOptions {
  readonly client: RegistryClient;
  readonly from: ImageInput;
  /** The OCI layout directory to write (created atomically, or added to). */
  readonly dir: string;
  /** Only this platform of a multi-platform image (default: all of them). */
  readonly platform?: PlatformSelector;
  /** The `org.opencontainers.image.ref.name` to record (default the source tag). */
  readonly tag?: string;
  readonly onEvent?: (event: TransferEvent) => void;
}

/**
 * Pulls an image into an OCI layout directory: the manifest (or the index and its
 * manifests, or with `platform` just that platform's manifest) and every blob, verified.
 * An index entry with the same ref name in an existing layout is replaced.
 */
export async function pullImage(options: PullImageOptions): Promise<TransferResult> {
  const { client } = options;
  const from =
    typeof options.from === "string"
      ? parseReference(options.from)
      : withReference(options.from, {});
  const source = registrySource(client, from);
  const emit = options.onEvent ?? (() => undefined);
  const fetched = await client.getManifest(from);
  let root: Descriptor = {
    mediaType: fetched.mediaType,
    digest: fetched.digest,
    size: fetched.size,
  };
  const manifests = new Map<string, Buffer>([[fetched.digest, fetched.bytes]]);
  if (options.platform !== undefined && isIndexMediaType(fetched.mediaType)) {
    const chosen = selectPlatform(fetched.json as ImageIndex, options.platform);
    if (chosen === undefined) {
      const p = options.platform;
      throw new EventFlowError(
        "REGISTRY_MANIFEST_UNKNOWN",
        `Image ${from.familiar} has no ${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""} variant; pick another platform or image.`,
        { details: { reference: from.toString(), platform: p } },
      );
    }
    root = chosen;
    manifests.clear();
  }
  const blobs = new Map<string, Descriptor>();
  const walk = async (d: Descriptor): Promise<void> => {
    const bytes = manifests.get(d.digest) ?? (await source.readManifest(d.digest));
    manifests.set(d.digest, bytes);
    const json = parseJson<Partial<ImageManifest & ImageIndex>>(bytes, d.digest);
    if (isIndexMediaType(mediaTypeOf(d, json))) {
      for (const child of json.manifests ?? []) await walk(child);
      return;
    }
    for (const part of [json.config, ...(json.layers ?? [])]) {
      if (part !== undefined && part.mediaType !== DOCKER_FOREIGN_LAYER_GZIP)
        blobs.set(part.digest, part);
    }
  };
  await walk(root);

  const results: { digest: string; size: number; status: BlobStatus }[] = [];
  const layoutBlobs: LayoutBlob[] = [...manifests].map(([digest, bytes]) => ({
    digest,
    content: bytes,
  }));
  for (const d of blobs.values()) {
    layoutBlobs.push({
      digest: d.digest,
      size: d.size,
      content: () =>
        (async function* () {
          emit({ type: "blob-start", digest: d.digest, size: d.size, mediaType: d.mediaType });
          let bytes = 0;
          for await (const chunk of source.openBlob(d.digest, d.size)) {
            bytes += chunk.byteLength;
            emit({ type: "blob-progress", digest: d.digest, bytes, size: d.size });
            yield chunk;
          }
          results.push({ digest: d.digest, size: d.size, status: "downloaded" });
          emit({ type: "blob-done", digest: d.digest, size: d.size, status: "downloaded" });
        })(),
    });
  }
  const refName = options.tag ?? from.tag;
  const entry: Descriptor = {
    ...root,
    ...(refName === undefined
      ? {}
      : { annotations: { ...root.annotations, [REF_NAME_ANNOTATION]: refName } }),
  };
  const existing = await readOciLayout(options.dir).then(
    (layout) => layout.index.manifests,
    () => [] as Descriptor[],
  );
  const kept = existing.filter(
    (d) => refName === undefined || d.annotations?.[REF_NAME_ANNOTATION] !== refName,
  );
  await writeOciLayout(options.dir, {
    blobs: layoutBlobs,
    index: { schemaVersion: 2, manifests: [...kept, entry] },
  });
  for (const d of blobs.values()) {
    if (!results.some((r) => r.digest === d.digest))
      results.push({ digest: d.digest, size: d.size, status: "present" });
  }
  emit({
    type: "manifest",
    digest: root.digest,
    mediaType: root.mediaType,
    reference: `${from.registry}/${from.repository}@${root.digest}`,
  });
  return { descriptor: entry, reference: from, blobs: results };
}
