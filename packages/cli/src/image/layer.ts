import { gzipSync } from "node:zlib";
import { sha256Digest } from "./digest.js";
import { buildTar, type TarEntryInput } from "./tar.js";

/** gzip level of every layer EventFlow writes: fixed, since it changes the bytes. */
export const LAYER_GZIP_LEVEL = 9;

/** A layer held in memory: the gzip blob and the digest of its uncompressed tar. */
export interface BuiltLayer {
  /** The compressed blob, pushed as is. */
  readonly blob: Buffer;
  /** `sha256:` of {@link blob}: the layer's descriptor digest. */
  readonly digest: string;
  /** `sha256:` of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  readonly diffId: string;
  /** Size of {@link blob} in bytes. */
  readonly size: number;
  /** Size of the uncompressed tar in bytes. */
  readonly uncompressedSize: number;
}

/**
 * gzip with a fixed header: zlib already writes mtime 0 and no file name; the OS byte
 * varies between zlib builds (3 on Unix, 19 on macOS since 1.2.12), so it is set to 255
 * ("unknown") as Go's compress/gzip does.
 */
export function gzipFixed(bytes: Uint8Array, level = LAYER_GZIP_LEVEL): Buffer {
  const out = gzipSync(bytes, { level, memLevel: 8, windowBits: 15 });
  out.writeUInt32LE(0, 4);
  out[9] = 0xff;
  return out;
}

/** Builds a gzip-compressed layer from entries (see {@link buildTar} for normalisation). */
export function buildLayer(
  entries: readonly TarEntryInput[],
  options: { mtime: number },
): BuiltLayer {
  const tar = buildTar(entries, options);
  const blob = gzipFixed(tar);
  return {
    blob,
    digest: sha256Digest(blob),
    diffId: sha256Digest(tar),
    size: blob.length,
    uncompressedSize: tar.length,
  };
}

/** The files of the app layer, as produced by the bundler. */
export interface AppFiles {
  /** The bundled ESM entry, /app/index.mjs. */
  readonly code: Uint8Array;
  /** Its source map, /app/index.mjs.map (omitted when absent). */
  readonly map?: Uint8Array;
  /** `--include`: more files and directories, anywhere in the image. */
  readonly extra?: readonly TarEntryInput[];
}

/** The directory the app layer populates inside the image. */
export const APP_DIR = "app";

/** package.json that makes Node treat /app as ESM whatever the file extension. */
export const APP_PACKAGE_JSON = `${JSON.stringify({ type: "module" })}\n`;

/** Builds the one EventFlow layer: /app/index.mjs, its map and a `{"type":"module"}` package.json. */
export function buildAppLayer(files: AppFiles, options: { mtime: number }): BuiltLayer {
  const entries: TarEntryInput[] = [
    { type: "dir", path: APP_DIR },
    { type: "file", path: `${APP_DIR}/index.mjs`, data: files.code },
    { type: "file", path: `${APP_DIR}/package.json`, data: Buffer.from(APP_PACKAGE_JSON) },
  ];
  if (files.map !== undefined) {
    entries.push({ type: "file", path: `${APP_DIR}/index.mjs.map`, data: files.map });
  }
  // The writer adds the parents of every path and sorts, so includes may name any directory.
  for (const e of files.extra ?? []) if (!(e.type === "dir" && e.path === APP_DIR)) entries.push(e);
  return buildLayer(entries, options);
}
