import { createHash, randomBytes } from "node:crypto";
import { constants, existsSync } from "node:fs";
import { link, mkdir, open, rename, rm, symlink } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { EventFlowError } from "@eventflow/protocol";
import { extract, type Header } from "tar-stream";
import { LayerTree } from "./layer-tree.js";

/** The entry file of an EventFlow-built image, relative to the app directory's parent. */
export const APP_ENTRY = "app/index.mjs";

/** Where the app layer with `digest` is (or will be) extracted under `cacheDir`. */
export function appCacheDir(cacheDir: string, digest: string): string {
  return join(cacheDir, digest.replace(":", "-"));
}

/** Maps a tar entry name to a path under the extraction root, or undefined if it is not under app/. */
export function toAppPath(entryName: string): string | undefined {
  const cleaned = normalize(entryName.replace(/^(\.\/|\/)+/, ""));
  if (cleaned.startsWith("..") || cleaned.includes(`${sep}..${sep}`)) return undefined;
  if (cleaned !== "app" && !cleaned.startsWith(`app${sep}`)) return undefined;
  return cleaned;
}

function digestCheck(expected: string): Transform {
  const [alg, hex] = expected.split(":");
  const hash = createHash(alg === "sha512" ? "sha512" : "sha256");
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const got = hash.digest("hex");
      done(
        got === hex
          ? null
          : new EventFlowError("REGISTRY_DIGEST_MISMATCH", `layer ${expected} hashed to ${got}`),
      );
    },
  });
}

type Entry = AsyncIterable<Buffer> & { header: Header; resume(): unknown };

/** Caps on one app layer, against decompression bombs and entry floods. */
export interface ExtractLimits {
  /** Bytes of file content written, summed over the layer. */
  readonly maxBytes: number;
  /** Entries of the layer, kept or not. */
  readonly maxEntries: number;
}

/** 2 GiB of files and 200k entries: far above any bundled function, far below a full disk. */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxBytes: 2 * 1024 ** 3,
  maxEntries: 200_000,
};

async function discard(entry: Entry): Promise<void> {
  for await (const _ of entry) void _;
}

/** Writes one layer's entries under a fresh root; every path is resolved by {@link LayerTree}. */
class LayerWriter {
  readonly #tree = new LayerTree("app");
  #bytes = 0;
  #entries = 0;

  constructor(
    private readonly root: string,
    private readonly limits: ExtractLimits,
  ) {}

  async write(entry: Entry): Promise<void> {
    if (++this.#entries > this.limits.maxEntries) {
      throw new EventFlowError(
        "FUNCTION_IMAGE_UNSAFE",
        `the app layer has more than ${this.limits.maxEntries} entries`,
      );
    }
    const { header } = entry;
    const rel = toAppPath(header.name);
    const kind = header.type;
    if (!rel || !["directory", "file", "contiguous-file", "symlink", "link"].includes(kind ?? "")) {
      // Outside app/, or a device, fifo or other special file: never created.
      await discard(entry);
      return;
    }
    const parts = this.#tree.resolveEntry(rel);
    const target = join(this.root, ...parts);
    const existing = this.#tree.get(parts);
    if (kind === "directory") {
      if (existing !== "dir") await this.#makeRoom(parts, existing);
      await mkdir(target, { recursive: true, mode: 0o755 });
      this.#tree.set(parts, { kind: "dir" });
    } else if (kind === "symlink") {
      await this.#makeRoom(parts, existing);
      await symlink(header.linkname ?? "", target);
      this.#tree.set(parts, { kind: "symlink", target: header.linkname ?? "" });
    } else if (kind === "link") {
      const linked = toAppPath(header.linkname ?? "");
      const source = linked === undefined ? undefined : this.#tree.resolveEntry(linked);
      if (source === undefined || this.#tree.get(source) !== "file") {
        throw new EventFlowError(
          "FUNCTION_IMAGE_UNSAFE",
          `hard link ${JSON.stringify(rel)} names ${JSON.stringify(header.linkname)}, which is not a file extracted before it`,
        );
      }
      await this.#makeRoom(parts, existing);
      await link(join(this.root, ...source), target);
      this.#tree.set(parts, { kind: "file" });
    } else {
      await this.#makeRoom(parts, existing);
      await this.#writeFile(target, entry, (header.mode ?? 0o644) & 0o755);
      this.#tree.set(parts, { kind: "file" });
      return;
    }
    await discard(entry);
  }

  /** Runs once after the last entry: every link must still point inside app/. */
  finish(): void {
    this.#tree.checkLinks();
  }

  /** Removes what a new entry replaces and makes its parent directories (all real ones). */
  async #makeRoom(parts: readonly string[], existing: string | undefined): Promise<void> {
    if (existing !== undefined)
      await rm(join(this.root, ...parts), { recursive: true, force: true });
    await mkdir(join(this.root, ...parts.slice(0, -1)), { recursive: true, mode: 0o755 });
  }

  /** Streams a file's content with O_NOFOLLOW | O_EXCL: even a model error cannot write through a link. */
  async #writeFile(target: string, entry: Entry, mode: number): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const file = await open(target, flags, mode);
    try {
      for await (const chunk of entry) {
        this.#bytes += chunk.length;
        if (this.#bytes > this.limits.maxBytes) {
          throw new EventFlowError(
            "FUNCTION_IMAGE_UNSAFE",
            `the app layer unpacks to more than ${this.limits.maxBytes} bytes`,
          );
        }
        await file.write(chunk);
      }
      // umask may have narrowed the mode at creation; the layer's own bits (less setuid) win.
      await file.chmod(mode);
    } finally {
      await file.close();
    }
  }
}

/**
 * Extracts the `app/` entries of a (gzip) tar layer into the cache, keyed by the layer digest,
 * verifying the digest while streaming. Writes to a temporary directory and renames it, so a
 * crash halfway leaves no half-extracted app behind. Returns the directory holding `app/`.
 */
export async function ensureAppExtracted(options: {
  cacheDir: string;
  digest: string;
  mediaType: string;
  open: () => Promise<Readable>;
  limits?: ExtractLimits;
}): Promise<string> {
  const finalDir = appCacheDir(options.cacheDir, options.digest);
  if (existsSync(join(finalDir, APP_ENTRY))) return finalDir;
  const tmp = `${finalDir}.tmp-${randomBytes(4).toString("hex")}`;
  await mkdir(tmp, { recursive: true });
  try {
    const untar = extract();
    const source = await options.open();
    const gz = options.mediaType.endsWith("gzip");
    const stages: NodeJS.ReadWriteStream[] = [
      digestCheck(options.digest),
      ...(gz ? [createGunzip()] : []),
    ];
    const feeding = pipeline([source, ...stages, untar as unknown as Writable]);
    feeding.catch(() => undefined);
    const writer = new LayerWriter(tmp, options.limits ?? DEFAULT_EXTRACT_LIMITS);
    for await (const entry of untar as unknown as AsyncIterable<Entry>) await writer.write(entry);
    await feeding;
    writer.finish();
    if (!existsSync(join(tmp, APP_ENTRY))) {
      throw new EventFlowError(
        "FUNCTION_IMAGE_UNSUPPORTED",
        `the app layer ${options.digest} has no ${APP_ENTRY}`,
      );
    }
    try {
      await rename(tmp, finalDir);
    } catch (error) {
      // Another extraction of the same digest won the race; its result is identical.
      if (!existsSync(join(finalDir, APP_ENTRY))) throw error;
      await rm(tmp, { recursive: true, force: true });
    }
    return finalDir;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
