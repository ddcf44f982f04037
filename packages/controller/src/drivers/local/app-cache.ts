import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { EventFlowError } from "@eventflow/protocol";
import { extract, type Header } from "tar-stream";

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

async function drain(entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function writeEntry(root: string, rel: string, entry: Entry): Promise<void> {
  const { header } = entry;
  const target = join(root, rel);
  switch (header.type) {
    case "directory":
      await mkdir(target, { recursive: true });
      break;
    case "file":
    case "contiguous-file":
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await drain(entry), { mode: (header.mode ?? 0o644) & 0o755 });
      return;
    case "symlink":
      // Only links that stay inside app/ are kept; the app must not reach the host through them.
      if (
        header.linkname &&
        !header.linkname.startsWith("/") &&
        toAppPath(join(dirname(rel), header.linkname))
      ) {
        await mkdir(dirname(target), { recursive: true });
        await symlink(header.linkname, target);
      }
      break;
    default:
  }
  await drain(entry);
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
    for await (const entry of untar as unknown as AsyncIterable<Entry>) {
      const rel = toAppPath(entry.header.name);
      if (rel) await writeEntry(tmp, rel, entry);
      else await drain(entry);
    }
    await feeding;
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
