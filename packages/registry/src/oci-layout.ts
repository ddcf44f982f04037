import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { Readable } from "node:stream";
import { EventFlowError } from "@eventflow/protocol";
import { isDigest, verifyChunks } from "./digest.js";
import { OCI_INDEX } from "./media-types.js";
import type { Descriptor, ImageIndex } from "./types.js";

/** The annotation that names an image in an OCI layout's index (skopeo's `oci:DIR:TAG`). */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
const LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: "1.0.0" });

/** A blob to write into a layout: its descriptor fields and its content. */
export interface LayoutBlob {
  readonly digest: string;
  readonly size?: number;
  /** The content, or a function opening it. */
  readonly content: Uint8Array | (() => AsyncIterable<Uint8Array> | Uint8Array);
}

/** An OCI image layout directory opened for reading. */
export interface OciLayout {
  readonly dir: string;
  /** The parsed index.json. */
  readonly index: ImageIndex;
  /** Path of a blob file (`blobs/<alg>/<hex>`). */
  blobPath(digest: string): string;
  /** Whether the blob file exists. */
  hasBlob(digest: string): Promise<boolean>;
  /** Reads a whole blob, verifying its digest. */
  readBlob(digest: string): Promise<Buffer>;
  /** Streams a blob, verifying its digest (and size, when given) while reading. */
  openBlob(digest: string, size?: number): Readable;
  /** The index entry named `tag` (ref.name annotation), or the only entry when `tag` is omitted. */
  resolve(tag?: string): Descriptor;
}

function layoutError(dir: string, why: string, cause?: unknown): EventFlowError {
  return new EventFlowError("FUNCTION_IMAGE_NOT_FOUND", `OCI layout ${dir}: ${why}.`, {
    cause,
    details: { dir },
  });
}

function blobFile(dir: string, digest: string): string {
  if (!isDigest(digest)) throw layoutError(dir, `"${digest}" is not a valid digest`);
  const [algorithm, hex] = digest.split(":") as [string, string];
  return join(dir, "blobs", algorithm, hex);
}

async function* fileChunks(dir: string, path: string, digest: string): AsyncGenerator<Uint8Array> {
  try {
    yield* createReadStream(path) as AsyncIterable<Buffer>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw layoutError(dir, `blob ${digest} is missing`, error);
    }
    throw error;
  }
}

/**
 * Opens an OCI image layout (`oci-layout`, `index.json`, `blobs/`), as written by skopeo,
 * umoci, buildah or {@link writeOciLayout}. A missing or malformed layout is FUNCTION_IMAGE_NOT_FOUND.
 */
export async function readOciLayout(dir: string): Promise<OciLayout> {
  let index: ImageIndex;
  try {
    const marker = JSON.parse(await readFile(join(dir, "oci-layout"), "utf8")) as {
      imageLayoutVersion?: unknown;
    };
    if (typeof marker.imageLayoutVersion !== "string") throw new Error("no imageLayoutVersion");
    index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new Error("index.json has no manifests array");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw layoutError(
      dir,
      code === "ENOENT"
        ? "not an OCI image layout (oci-layout or index.json missing)"
        : `unreadable (${(error as Error).message})`,
      error,
    );
  }
  const openBlob = (digest: string, size?: number): Readable => {
    const path = blobFile(dir, digest);
    const what = `blob ${digest} in OCI layout ${dir}`;
    return Readable.from(
      verifyChunks(fileChunks(dir, path, digest), {
        digest,
        what,
        ...(size === undefined ? {} : { size }),
      }),
    );
  };
  return {
    dir,
    index,
    blobPath: (digest) => blobFile(dir, digest),
    hasBlob: async (digest) =>
      stat(blobFile(dir, digest)).then(
        () => true,
        () => false,
      ),
    openBlob,
    readBlob: async (digest) => {
      const chunks: Buffer[] = [];
      for await (const chunk of openBlob(digest)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    resolve: (tag) => {
      const entries =
        tag === undefined
          ? index.manifests
          : index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
      if (entries.length === 1) return entries[0]!;
      if (entries.length === 0)
        throw layoutError(
          dir,
          tag === undefined ? "index.json lists no image" : `no image named "${tag}" in index.json`,
        );
      throw layoutError(dir, `index.json lists ${entries.length} images: name one (oci:DIR:TAG)`);
    },
  };
}

function outputError(dir: string, why: string, cause?: unknown): EventFlowError {
  return new EventFlowError("BUILD_OUTPUT_FAILED", `Cannot write OCI layout ${dir}: ${why}.`, {
    cause,
    details: { dir },
  });
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
}

/** Writes `content` to `path` through a temp file and rename, verifying its digest and size. */
async function writeBlobFile(path: string, blob: LayoutBlob, what: string): Promise<void> {
  const temp = tempName(path);
  const source = typeof blob.content === "function" ? blob.content() : blob.content;
  const chunks = source instanceof Uint8Array ? [source] : source;
  const file = await open(temp, "wx");
  try {
    for await (const chunk of verifyChunks(toAsync(chunks), {
      digest: blob.digest,
      what,
      ...(blob.size === undefined ? {} : { size: blob.size }),
    })) {
      await file.write(chunk);
    }
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

async function* toAsync(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

async function layoutState(dir: string): Promise<"absent" | "empty" | "layout"> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw outputError(dir, (error as Error).message, error);
  }
  if (entries.length === 0) return "empty";
  if (entries.includes("oci-layout")) return "layout";
  throw outputError(dir, "the directory exists and is not an OCI layout; refusing to overwrite it");
}

async function writeAll(
  root: string,
  blobs: readonly LayoutBlob[],
  index: ImageIndex,
  added: string[],
): Promise<void> {
  for (const blob of blobs) {
    const path = blobFile(root, blob.digest);
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      continue;
    await mkdir(dirname(path), { recursive: true });
    await writeBlobFile(path, blob, `blob ${blob.digest} for OCI layout ${root}`);
    added.push(path);
  }
  const layoutPath = join(root, "oci-layout");
  await writeFile(`${layoutPath}.tmp`, LAYOUT_FILE);
  await rename(`${layoutPath}.tmp`, layoutPath);
  const indexPath = join(root, "index.json");
  await writeFile(`${indexPath}.tmp`, JSON.stringify(index));
  await rename(`${indexPath}.tmp`, indexPath);
}

/**
 * Writes an OCI image layout: every blob (digest-verified) and `index.json`. Atomic: a new
 * directory is assembled beside `dir` and renamed into place; an existing layout receives
 * its new blobs through temp files and its index.json last, and on failure the blobs added
 * are removed again. An existing non-layout directory is refused (BUILD_OUTPUT_FAILED).
 */
export async function writeOciLayout(
  dir: string,
  content: { blobs: readonly LayoutBlob[]; index: ImageIndex },
): Promise<void> {
  const index: ImageIndex = { ...content.index, mediaType: content.index.mediaType ?? OCI_INDEX };
  const state = await layoutState(dir);
  const wrap = (error: unknown): unknown =>
    error instanceof EventFlowError
      ? error
      : outputError(dir, (error as Error).message ?? String(error), error);
  if (state === "layout") {
    const added: string[] = [];
    try {
      await writeAll(dir, content.blobs, index, added);
    } catch (error) {
      await Promise.all(added.map((path) => rm(path, { force: true })));
      throw wrap(error);
    }
    return;
  }
  const temp = tempName(dir);
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(temp);
    await writeAll(temp, content.blobs, index, []);
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw wrap(error);
  }
}
