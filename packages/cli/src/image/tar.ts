/**
 * A deterministic tar writer (POSIX ustar with PAX extended headers for long paths).
 * Everything that tools usually take from the file system (owner, names, mtime, order) is
 * fixed here, so equal inputs give equal bytes on every machine.
 */

/** One entry of a layer, before normalisation. Paths are relative and use `/`. */
export type TarEntryInput =
  | {
      readonly type: "file";
      readonly path: string;
      readonly data: Uint8Array;
      readonly executable?: boolean;
    }
  | { readonly type: "dir"; readonly path: string }
  | { readonly type: "symlink"; readonly path: string; readonly target: string };

/** Options of {@link buildTar}. */
export interface BuildTarOptions {
  /** mtime of every entry, in seconds since the epoch (SOURCE_DATE_EPOCH or 0). */
  readonly mtime: number;
}

const BLOCK = 512;
const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;
const DIR_MODE = 0o755;
const SYMLINK_MODE = 0o777;

/** Checks that a path stays inside the layer: relative, no `.`/`..` segments, no NUL. */
export function normalizeEntryPath(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const parts = trimmed.split("/");
  if (
    trimmed.length === 0 ||
    trimmed.startsWith("/") ||
    trimmed.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new RangeError(`invalid layer path: ${JSON.stringify(path)}`);
  }
  return trimmed;
}

interface Normalized {
  readonly path: string;
  readonly typeflag: "0" | "5" | "2";
  readonly mode: number;
  readonly data: Uint8Array;
  readonly linkname: string;
}

/**
 * Adds missing parent directories, rejects duplicates and sorts entries by path bytes, so
 * the archive does not depend on the order the caller listed files in.
 */
export function normalizeEntries(entries: readonly TarEntryInput[]): Normalized[] {
  const byPath = new Map<string, Normalized>();
  const empty = new Uint8Array(0);
  for (const entry of entries) {
    const path = normalizeEntryPath(entry.path);
    if (byPath.has(path)) throw new RangeError(`duplicate layer path: ${path}`);
    if (entry.type === "file") {
      byPath.set(path, {
        path,
        typeflag: "0",
        mode: entry.executable ? EXEC_MODE : FILE_MODE,
        data: entry.data,
        linkname: "",
      });
    } else if (entry.type === "dir") {
      byPath.set(path, { path, typeflag: "5", mode: DIR_MODE, data: empty, linkname: "" });
    } else {
      byPath.set(path, {
        path,
        typeflag: "2",
        mode: SYMLINK_MODE,
        data: empty,
        linkname: entry.target,
      });
    }
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const existing = byPath.get(parent);
      if (existing === undefined) {
        byPath.set(parent, {
          path: parent,
          typeflag: "5",
          mode: DIR_MODE,
          data: empty,
          linkname: "",
        });
      } else if (existing.typeflag !== "5") {
        throw new RangeError(`layer path ${path} is below the non-directory ${parent}`);
      }
    }
  }
  const key = (n: Normalized) => Buffer.from(n.typeflag === "5" ? `${n.path}/` : n.path, "utf8");
  return [...byPath.values()].sort((a, b) => Buffer.compare(key(a), key(b)));
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new RangeError(`tar field too long: ${value}`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, "0");
  if (digits.length > length - 1) throw new RangeError(`tar numeric field overflows: ${value}`);
  block.write(`${digits}\0`, offset, length, "ascii");
}

/** One ustar header block (uid/gid 0, empty owner names); `name` must fit in 100 bytes. */
export function tarHeader(fields: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write("        ", 148, 8, "ascii");
  block.write(fields.typeflag, 156, 1, "ascii");
  writeString(block, 157, 100, fields.linkname);
  block.write("ustar\0", 257, 6, "ascii");
  block.write("00", 263, 2, "ascii");
  // uname/gname (265, 297) stay empty: numeric 0/0 only.
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return block;
}

/** Zero bytes that pad a member of `size` bytes to the 512-byte block size. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** One PAX record: `"<len> <key>=<value>\n"`, where len counts the whole record. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body, "utf8");
  let length = bodyLength + String(bodyLength).length;
  if (String(length).length + bodyLength !== length) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

const fitsUstar = (value: string) =>
  Buffer.byteLength(value, "utf8") <= 100 && /^[\x20-\x7e]*$/.test(value);

/** Builds the archive bytes: normalised entries, PAX headers where needed, two zero blocks. */
export function buildTar(entries: readonly TarEntryInput[], options: BuildTarOptions): Buffer {
  const mtime = Math.max(0, Math.floor(options.mtime));
  const chunks: Buffer[] = [];
  for (const entry of normalizeEntries(entries)) {
    const name = entry.typeflag === "5" ? `${entry.path}/` : entry.path;
    const pax: string[] = [];
    if (!fitsUstar(name)) pax.push(paxRecord("path", name));
    if (!fitsUstar(entry.linkname)) pax.push(paxRecord("linkpath", entry.linkname));
    if (pax.length > 0) {
      const data = Buffer.from(pax.join(""), "utf8");
      chunks.push(
        tarHeader({
          name: "././@PaxHeader",
          mode: FILE_MODE,
          size: data.length,
          mtime,
          typeflag: "x",
          linkname: "",
        }),
        data,
        tarPadding(data.length),
      );
    }
    const asciiName = fitsUstar(name) ? name : name.replace(/[^\x20-\x7e]/g, "_").slice(-99);
    const asciiLink = fitsUstar(entry.linkname) ? entry.linkname : "";
    chunks.push(
      tarHeader({
        name: asciiName,
        mode: entry.mode,
        size: entry.data.length,
        mtime,
        typeflag: entry.typeflag,
        linkname: asciiLink,
      }),
      Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength),
      tarPadding(entry.data.length),
    );
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}
