import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  REF_NAME_ANNOTATION,
  readOciLayout,
  writeOciLayout,
  type ImageReference,
  type LayoutBlob,
  type RegistryClient,
} from "@eventflow/registry";
import type { BaseSource } from "./base.js";
import type { AssembledImage } from "./image/assemble.js";
import { MediaType, type Descriptor } from "./image/types.js";
import type { Progress } from "./progress.js";

/** A blob of the built image and where its bytes come from. */
export interface ImageBlob {
  /** "base", "app", "config", "manifest", "index". */
  readonly label: string;
  readonly digest: string;
  readonly size: number;
  readonly open: () => AsyncIterable<Uint8Array> | Uint8Array;
  /** Whether the base's repository may hold it (mount instead of upload). */
  readonly fromBase: boolean;
}

/** Every blob of an image, each once, base layers first and the top manifest/index last. */
export function listImageBlobs(image: AssembledImage, base: BaseSource): ImageBlob[] {
  const out: ImageBlob[] = [];
  const seen = new Set<string>();
  const add = (blob: ImageBlob) => {
    if (seen.has(blob.digest)) return;
    seen.add(blob.digest);
    out.push(blob);
  };
  for (const layer of image.baseLayers) {
    add({
      label: "base",
      digest: layer.digest,
      size: layer.size,
      open: () => base.blobs.open(layer.digest, layer.size),
      fromBase: true,
    });
  }
  const app = image.appLayer;
  add({ label: "app", digest: app.digest, size: app.size, open: () => app.blob, fromBase: false });
  for (const p of image.platforms)
    add({ label: "config", ...bytesBlob(p.config.bytes), digest: p.config.digest });
  if (image.top.mediaType === MediaType.ociIndex) {
    for (const p of image.platforms)
      add({ label: "manifest", ...bytesBlob(p.manifest.bytes), digest: p.manifest.digest });
  }
  add({
    label: image.top.mediaType === MediaType.ociIndex ? "index" : "manifest",
    ...bytesBlob(image.top.bytes),
    digest: image.top.digest,
  });
  return out;
}

function bytesBlob(bytes: Buffer) {
  return { size: bytes.length, open: () => bytes, fromBase: false };
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * The registry client reports a failure of the content being uploaded (e.g. a corrupted
 * local blob failing its digest check while it streams) as REGISTRY_UNREACHABLE with the
 * real error as `cause`; this surfaces the real one.
 */
export function unwrapSourceError(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return isEventFlowError(cause) && cause.code === "REGISTRY_DIGEST_MISMATCH" ? cause : error;
}

/** Options of {@link pushImage}. */
export interface PushOptions {
  readonly client: RegistryClient;
  readonly image: AssembledImage;
  readonly base: BaseSource;
  /** Target reference; its tag (default `latest`) is what the top manifest is put under. */
  readonly target: ImageReference;
  readonly progress: Progress;
}

/**
 * Pushes blobs (mounting base layers from the base's repository on the same registry,
 * skipping those present), then per-platform manifests by digest, then the tag.
 */
export async function pushImage(options: PushOptions): Promise<{ digest: string }> {
  const { client, image, base, target, progress } = options;
  const repo = { registry: target.registry, repository: target.repository };
  const mountFrom =
    base.blobs.repository !== undefined &&
    base.blobs.repository.registry === repo.registry &&
    base.blobs.repository.repository !== repo.repository
      ? base.blobs.repository
      : undefined;
  const blobs = listImageBlobs(image, base).filter(
    (b) => b.label === "base" || b.label === "app" || b.label === "config",
  );
  const tag = target.tag ?? "latest";
  // A registry stores a manifest only when every blob it names is present, so a tag that
  // already points at this exact digest means there is nothing to send (the warm path).
  const current = await client.headManifest({ ...repo, tag }).catch(() => undefined);
  if (current?.digest === image.top.digest) {
    for (const blob of blobs) progress.blobDone(blob.label, blob.digest, blob.size, "exists");
    progress.blobDone(topLabel(image), image.top.digest, image.top.size, `unchanged ${tag}`);
    return { digest: image.top.digest };
  }
  await inParallel(blobs, 3, async (blob) => {
    const result = await client
      .pushBlob(
        repo,
        { digest: blob.digest, size: blob.size, open: blob.open },
        {
          ...(blob.fromBase && mountFrom !== undefined ? { mountFrom } : {}),
          onProgress: (sent) => progress.blobBytes(blob.label, blob.digest, sent, blob.size),
        },
      )
      .catch((error: unknown) => {
        throw unwrapSourceError(error);
      });
    progress.blobDone(blob.label, blob.digest, blob.size, result.status);
  });
  if (image.top.mediaType === MediaType.ociIndex) {
    for (const p of image.platforms) {
      await client.putManifest({ ...repo, digest: p.manifest.digest }, p.manifest);
      progress.blobDone("manifest", p.manifest.digest, p.manifest.size, "put");
    }
  }
  const put = await client.putManifest({ ...repo, tag }, image.top);
  if (put.digest !== image.top.digest) {
    throw new EventFlowError(
      "REGISTRY_DIGEST_MISMATCH",
      `registry stored the manifest as ${put.digest}, expected ${image.top.digest}`,
    );
  }
  progress.blobDone(topLabel(image), image.top.digest, image.top.size, `tagged ${tag}`);
  return { digest: image.top.digest };
}

function topLabel(image: AssembledImage): string {
  return image.top.mediaType === MediaType.ociIndex ? "index" : "manifest";
}

/** The descriptor of the image's top manifest or index, with optional annotations. */
export function topDescriptor(
  image: AssembledImage,
  annotations?: Record<string, string>,
): Descriptor {
  return {
    mediaType: image.top.mediaType,
    digest: image.top.digest,
    size: image.top.size,
    ...(annotations ? { annotations } : {}),
  };
}

/**
 * Writes the image into an OCI layout under `tag` (ref.name). Other images already in the
 * layout stay; an entry with the same tag is replaced. Atomic per writeOciLayout.
 */
export async function writeLayoutOutput(options: {
  dir: string;
  tag: string;
  image: AssembledImage;
  base: BaseSource;
  progress: Progress;
}): Promise<void> {
  const { dir, tag, image, base, progress } = options;
  let kept: Descriptor[] = [];
  try {
    const existing = await readOciLayout(dir);
    kept = existing.index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== tag);
  } catch (error) {
    if (!isEventFlowError(error)) throw error;
  }
  const blobs = listImageBlobs(image, base);
  const layoutBlobs: LayoutBlob[] = blobs.map((b) => ({
    digest: b.digest,
    size: b.size,
    content: b.open,
  }));
  await writeOciLayout(dir, {
    blobs: layoutBlobs,
    index: {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [...kept, topDescriptor(image, { [REF_NAME_ANNOTATION]: tag })],
    },
  });
  for (const b of blobs) progress.blobDone(b.label, b.digest, b.size, "written");
}
