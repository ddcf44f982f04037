import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { finished } from "node:stream/promises";
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
import { tarHeader, tarPadding } from "./image/tar.js";
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

function topDescriptor(image: AssembledImage, annotations?: Record<string, string>): Descriptor {
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

interface TarMember {
  readonly name: string;
  readonly size: number;
  readonly content: () => AsyncIterable<Uint8Array> | Uint8Array;
}

/**
 * The members of a tarball that both `docker load` (manifest.json, repositories) and
 * `podman load` / OCI tools (oci-layout, index.json, blobs/) read. For an index, docker's
 * manifest.json lists the platform chosen by `dockerPlatform` (default the first).
 */
export function buildTarballMembers(options: {
  image: AssembledImage;
  base: BaseSource;
  repoTag?: string | undefined;
  dockerPlatform?: number;
}): TarMember[] {
  const { image, base, repoTag } = options;
  const blobs = listImageBlobs(image, base);
  const pick = image.platforms[options.dockerPlatform ?? 0] ?? image.platforms[0]!;
  const path = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;
  const json = (name: string, value: unknown): TarMember => {
    const bytes = Buffer.from(JSON.stringify(value));
    return { name, size: bytes.length, content: () => bytes };
  };
  const dockerManifest = [
    {
      Config: path(pick.config.digest),
      RepoTags: repoTag === undefined ? [] : [repoTag],
      Layers: pick.layers.map((l) => path(l.digest)),
    },
  ];
  const members: TarMember[] = [
    { name: "blobs/", size: -1, content: () => new Uint8Array(0) },
    { name: "blobs/sha256/", size: -1, content: () => new Uint8Array(0) },
    ...blobs.map((b) => ({ name: path(b.digest), size: b.size, content: b.open })),
    json("index.json", {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        topDescriptor(
          image,
          repoTag === undefined
            ? undefined
            : {
                "io.containerd.image.name": repoTag,
                [REF_NAME_ANNOTATION]: repoTag.split(":").pop()!,
              },
        ),
      ],
    }),
    json("manifest.json", dockerManifest),
    json("oci-layout", { imageLayoutVersion: "1.0.0" }),
  ];
  if (repoTag !== undefined) {
    const at = repoTag.lastIndexOf(":");
    members.push(
      json("repositories", {
        [repoTag.slice(0, at)]: { [repoTag.slice(at + 1)]: pick.config.digest.slice(7) },
      }),
    );
  }
  return members;
}

/** Streams a tarball of `members` to `file` through a temp file renamed into place. */
export async function writeTarball(
  file: string,
  members: readonly TarMember[],
  mtime = 0,
): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(temp, { flags: "w" });
  const write = (chunk: Uint8Array) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()));
  try {
    for (const m of members) {
      const isDir = m.size < 0;
      await write(
        tarHeader({
          name: m.name,
          mode: isDir ? 0o755 : 0o644,
          size: isDir ? 0 : m.size,
          mtime,
          typeflag: isDir ? "5" : "0",
          linkname: "",
        }),
      );
      if (isDir) continue;
      const source = m.content();
      let written = 0;
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
        written += chunk.byteLength;
        await write(chunk);
      }
      if (written !== m.size) {
        throw new EventFlowError(
          "REGISTRY_DIGEST_MISMATCH",
          `${m.name}: expected ${m.size} bytes, read ${written}`,
        );
      }
      await write(tarPadding(m.size));
    }
    await write(Buffer.alloc(1024));
    out.end();
    await finished(out);
    await rename(temp, file);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    if (isEventFlowError(error)) throw error;
    throw new EventFlowError(
      "BUILD_OUTPUT_FAILED",
      `cannot write ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
