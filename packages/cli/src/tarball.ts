import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  OCI_INDEX,
  REF_NAME_ANNOTATION,
  type Descriptor,
  type ImageParts,
} from "@eventflow/registry";
import { tarHeader, tarPadding } from "./image/tar.js";

/** One member of an image tarball; `size` -1 marks a directory. */
export interface TarMember {
  readonly name: string;
  readonly size: number;
  readonly content: () => AsyncIterable<Uint8Array> | Uint8Array;
}

/**
 * The members of a tarball that both `docker load` (manifest.json, repositories) and
 * `podman load` / OCI tools (oci-layout, index.json, blobs/) read. For an index, docker's
 * manifest.json lists the platform of `architecture` (default the first).
 */
export function buildTarballMembers(options: {
  root: Descriptor;
  parts: ImageParts;
  open: (blob: Descriptor) => AsyncIterable<Uint8Array>;
  repoTag?: string | undefined;
  architecture?: string | undefined;
}): TarMember[] {
  const { root, parts, repoTag } = options;
  const images = parts.manifests.filter((m) => m.json.config !== undefined);
  const pick =
    images.find((m) => m.descriptor.platform?.architecture === options.architecture) ?? images[0];
  if (pick?.json.config === undefined) throw new RangeError("an image without a manifest");
  const config = pick.json.config.digest;
  const path = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;
  const json = (name: string, value: unknown): TarMember => {
    const bytes = Buffer.from(JSON.stringify(value));
    return { name, size: bytes.length, content: () => bytes };
  };
  const dockerManifest = [
    {
      Config: path(config),
      RepoTags: repoTag === undefined ? [] : [repoTag],
      Layers: (pick.json.layers ?? []).map((l) => path(l.digest)),
    },
  ];
  const annotations =
    repoTag === undefined
      ? {}
      : {
          annotations: {
            "io.containerd.image.name": repoTag,
            [REF_NAME_ANNOTATION]: repoTag.split(":").pop()!,
          },
        };
  const members: TarMember[] = [
    { name: "blobs/", size: -1, content: () => new Uint8Array(0) },
    { name: "blobs/sha256/", size: -1, content: () => new Uint8Array(0) },
    ...parts.blobs.map((b) => ({
      name: path(b.digest),
      size: b.size,
      content: () => options.open(b),
    })),
    ...parts.manifests.map((m) => ({
      name: path(m.descriptor.digest),
      size: m.bytes.length,
      content: () => m.bytes,
    })),
    json("index.json", {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: root.mediaType, digest: root.digest, size: root.size, ...annotations },
      ],
    }),
    json("manifest.json", dockerManifest),
    json("oci-layout", { imageLayoutVersion: "1.0.0" }),
  ];
  if (repoTag !== undefined) {
    const at = repoTag.lastIndexOf(":");
    members.push(
      json("repositories", {
        [repoTag.slice(0, at)]: { [repoTag.slice(at + 1)]: config.slice(7) },
      }),
    );
  }
  return members;
}

/** The bytes of a tarball of `members`, streamed: headers, contents, padding, end blocks. */
export async function* tarballChunks(
  members: readonly TarMember[],
  mtime = 0,
): AsyncGenerator<Uint8Array> {
  for (const m of members) {
    const isDir = m.size < 0;
    yield tarHeader({
      name: m.name,
      mode: isDir ? 0o755 : 0o644,
      size: isDir ? 0 : m.size,
      mtime,
      typeflag: isDir ? "5" : "0",
      linkname: "",
    });
    if (isDir) continue;
    const source = m.content();
    let written = 0;
    for await (const chunk of source instanceof Uint8Array ? [source] : source) {
      written += chunk.byteLength;
      yield chunk;
    }
    if (written !== m.size) {
      throw new EventFlowError(
        "REGISTRY_DIGEST_MISMATCH",
        `${m.name}: expected ${m.size} bytes, read ${written}`,
      );
    }
    yield tarPadding(m.size);
  }
  yield Buffer.alloc(1024);
}

/**
 * Streams a tarball of `members` to `file` through a temp file renamed into place; on any
 * failure (a source that breaks, a full disk) the temp file is removed and nothing appears.
 */
export async function writeTarball(
  file: string,
  members: readonly TarMember[],
  mtime = 0,
): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  try {
    await mkdir(dirname(file), { recursive: true });
    await pipeline(
      Readable.from(tarballChunks(members, mtime), { objectMode: false }),
      createWriteStream(temp, { flags: "w" }),
    );
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    if (isEventFlowError(error)) throw error;
    throw new EventFlowError(
      "BUILD_OUTPUT_FAILED",
      `cannot write ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
