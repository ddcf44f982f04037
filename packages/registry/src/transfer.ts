import { EventFlowError } from "@eventflow/protocol";
import type { ImageInput, RegistryClient } from "./client.js";
import { layoutSource, registrySource, type ContentSource } from "./content.js";
import { sourceErrorOf } from "./errors.js";
import { walkImage, type ImageParts } from "./image-parts.js";
import { isIndexMediaType, OCI_INDEX } from "./media-types.js";
import {
  readOciLayout,
  REF_NAME_ANNOTATION,
  writeOciLayout,
  type LayoutBlob,
} from "./oci-layout.js";
import { selectPlatform, type PlatformSelector } from "./platform.js";
import {
  parseReference,
  withDefaultTag,
  withReference,
  type ImageReference,
} from "@eventflow/protocol";
import type { Descriptor, ImageIndex } from "./types.js";

/** How a blob ended up at its destination. */
export type BlobStatus = "uploaded" | "exists" | "mounted" | "downloaded" | "present" | "written";

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
      readonly mediaType: string;
      readonly status: BlobStatus;
    }
  | {
      readonly type: "manifest";
      readonly digest: string;
      readonly size: number;
      readonly mediaType: string;
      readonly reference: string;
      /** The tag already named this manifest: nothing was sent. */
      readonly unchanged?: boolean;
    };

type BlobResult = { digest: string; size: number; status: BlobStatus };

/** What a transfer did. */
export interface TransferResult {
  /** The root manifest or index written (its digest is the image digest). */
  readonly descriptor: Descriptor;
  /** The destination reference with the digest filled in (pushes), or the source (pulls). */
  readonly reference: ImageReference;
  /** Every blob (configs and layers) with what happened to it. */
  readonly blobs: readonly BlobResult[];
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
  /**
   * Send nothing when the destination tag already names the root: a registry keeps a manifest
   * only with every blob it names, so there is nothing to send.
   */
  readonly skipUnchanged?: boolean;
  readonly onEvent?: (event: TransferEvent) => void;
}

/**
 * Pushes an image (a manifest, or an index and all its manifests) with its blobs: blobs the
 * destination has are skipped, blobs from a source repository on the same registry are
 * mounted, child manifests go by digest and the root under the destination's tag. A registry
 * that stores a manifest under another digest is REGISTRY_DIGEST_MISMATCH.
 */
export async function pushImage(options: PushImageOptions): Promise<TransferResult> {
  const { client, source, root } = options;
  const to =
    typeof options.to === "string" ? parseReference(options.to) : withReference(options.to, {});
  const emit = options.onEvent ?? (() => undefined);
  const tagged = to.tag !== undefined || to.digest === undefined ? withDefaultTag(to) : undefined;
  const parts = await walkImage(source, root);
  const mediaType = parts.manifests.at(-1)?.descriptor.mediaType ?? root.mediaType;
  const result = (blobs: readonly BlobResult[]): TransferResult => ({
    descriptor: { ...root, mediaType },
    reference: withReference(to, { digest: root.digest }),
    blobs,
  });
  if (options.skipUnchanged === true && tagged !== undefined) {
    const current = await client.headManifest(tagged).catch(() => undefined);
    if (current?.digest === root.digest) {
      const blobs = parts.blobs.map((d) => ({
        digest: d.digest,
        size: d.size,
        status: "exists" as const,
      }));
      for (const d of parts.blobs) emit({ type: "blob-done", ...d, status: "exists" });
      emit({
        type: "manifest",
        digest: root.digest,
        size: root.size,
        mediaType,
        reference: tagged.toString(),
        unchanged: true,
      });
      return result(blobs);
    }
  }
  const limit = limiter(options.concurrency ?? 3);
  const blobs: BlobResult[] = [];
  const pushBlob = async (d: Descriptor): Promise<void> => {
    emit({ type: "blob-start", digest: d.digest, size: d.size, mediaType: d.mediaType });
    const { status } = await client
      .pushBlob(
        to,
        { digest: d.digest, size: d.size, open: () => source.openBlob(d.digest, d.size) },
        {
          ...(source.mountFrom ? { mountFrom: source.mountFrom } : {}),
          ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
          onProgress: (bytes) =>
            emit({ type: "blob-progress", digest: d.digest, bytes, size: d.size }),
        },
      )
      .catch((error: unknown) => {
        throw sourceErrorOf(error);
      });
    emit({ type: "blob-done", ...d, status });
    blobs.push({ digest: d.digest, size: d.size, status });
  };
  await Promise.all(parts.blobs.map((d) => limit(() => pushBlob(d))));
  for (const { descriptor: d, bytes } of parts.manifests) {
    const target =
      d.digest === root.digest && tagged !== undefined
        ? tagged
        : withReference(to, { tag: null, digest: d.digest });
    const { digest } = await client.putManifest(target, { mediaType: d.mediaType, bytes });
    if (digest !== d.digest) {
      throw new EventFlowError(
        "REGISTRY_DIGEST_MISMATCH",
        `The registry stored manifest ${d.digest} as ${digest}.`,
        { details: { expected: d.digest, actual: digest } },
      );
    }
    emit({ type: "manifest", ...d, reference: target.toString() });
  }
  return result(blobs);
}

/** Pushes the image named `tag` (or the only one) of an OCI layout directory to `to`. */
export async function pushOciLayout(
  options: Omit<PushImageOptions, "source" | "root"> & { dir: string; tag?: string },
): Promise<TransferResult> {
  const layout = await readOciLayout(options.dir);
  return pushImage({ ...options, source: layoutSource(layout), root: layout.resolve(options.tag) });
}

/** Options of {@link writeImageLayout}. */
export interface WriteImageLayoutOptions {
  /** The OCI layout directory to write (created atomically, or added to). */
  readonly dir: string;
  readonly root: Descriptor;
  readonly source: ContentSource;
  /** The `org.opencontainers.image.ref.name` to record; an entry with the same one is replaced. */
  readonly tag?: string | undefined;
  /** Manifest bytes already read, by digest. */
  readonly known?: ReadonlyMap<string, Buffer>;
  /** What a blob copied into the layout is reported as (default `written`). */
  readonly status?: BlobStatus;
  readonly onEvent?: (event: TransferEvent) => void;
}

/** What {@link writeImageLayout} wrote. */
export interface LayoutWriteResult {
  /** The index entry of the image. */
  readonly descriptor: Descriptor;
  /** Every blob: copied (`status`), or `present` when the layout had it. */
  readonly blobs: readonly BlobResult[];
  readonly parts: ImageParts;
}

/**
 * Writes an image from any source into an OCI layout directory, every blob verified; other
 * images of the layout stay.
 */
export async function writeImageLayout(
  options: WriteImageLayoutOptions,
): Promise<LayoutWriteResult> {
  const { source, root, tag } = options;
  const emit = options.onEvent ?? (() => undefined);
  const status = options.status ?? "written";
  const parts = await walkImage(source, root, options.known);
  const results: BlobResult[] = [];
  const layoutBlobs: LayoutBlob[] = parts.manifests.map((m) => ({
    digest: m.descriptor.digest,
    content: m.bytes,
  }));
  for (const d of parts.blobs) {
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
          results.push({ digest: d.digest, size: d.size, status });
          emit({ type: "blob-done", ...d, status });
        })(),
    });
  }
  const entry: Descriptor = {
    ...root,
    ...(tag === undefined
      ? {}
      : { annotations: { ...root.annotations, [REF_NAME_ANNOTATION]: tag } }),
  };
  const existing = await readOciLayout(options.dir).then(
    (layout) => layout.index.manifests,
    () => [] as Descriptor[],
  );
  const kept = existing.filter(
    (d) => tag === undefined || d.annotations?.[REF_NAME_ANNOTATION] !== tag,
  );
  await writeOciLayout(options.dir, {
    blobs: layoutBlobs,
    index: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...kept, entry] },
  });
  for (const d of parts.blobs) {
    if (!results.some((r) => r.digest === d.digest))
      results.push({ digest: d.digest, size: d.size, status: "present" });
  }
  return { descriptor: entry, blobs: results, parts };
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
  const fetched = await client.getManifest(from);
  let root: Descriptor = {
    mediaType: fetched.mediaType,
    digest: fetched.digest,
    size: fetched.size,
  };
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
  }
  const written = await writeImageLayout({
    dir: options.dir,
    root,
    source: registrySource(client, from),
    tag: options.tag ?? from.tag,
    known: new Map([[fetched.digest, fetched.bytes]]),
    status: "downloaded",
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  options.onEvent?.({
    type: "manifest",
    ...root,
    reference: `${from.registry}/${from.repository}@${root.digest}`,
  });
  return { descriptor: written.descriptor, reference: from, blobs: written.blobs };
}
