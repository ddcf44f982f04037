/**
 * Secret values at rest in the local driver's data directory: sealed with AES-256-GCM under a
 * key kept in its own file (mode 0600), never in the database the values are stored in, so a
 * copy of the database or of a backup reveals nothing without the key file.
 *
 * A sealed value is `version (1) | key id (8) | iv (12) | tag (16) | ciphertext`. The key id
 * (the first 8 bytes of the key's SHA-256) tells a wrong key from a damaged value. The
 * additional data binds a value to its place (tenant, secret, key): a value copied to another
 * row or tenant does not open there.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { link, lstat, open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { EventFlowError } from "@eventflow/protocol";

const VERSION = 1;
const KEY_BYTES = 32;
const ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = 1 + ID_BYTES + IV_BYTES + TAG_BYTES;

/** Seals and opens secret values with one key. */
export interface SecretBox {
  /** Hex id of the key (not secret): names it in errors and in the store. */
  readonly keyId: string;
  seal(plaintext: Uint8Array, place: string): Buffer;
  open(sealed: Uint8Array, place: string): Buffer;
}

function keyIdOf(key: Uint8Array): Buffer {
  return createHash("sha256").update(key).digest().subarray(0, ID_BYTES);
}

function unreadable(place: string, why: string): EventFlowError {
  return new EventFlowError("LOCAL_SECRET_UNREADABLE", `secret value ${place} ${why}`);
}

/** A box over a 32-byte key (pure: no I/O). */
export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== KEY_BYTES) throw new RangeError(`a secret key has ${KEY_BYTES} bytes`);
  const id = keyIdOf(key);
  return {
    keyId: id.toString("hex"),
    seal(plaintext, place) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(place, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), id, iv, cipher.getAuthTag(), body]);
    },
    open(sealed, place) {
      const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (data.length < HEADER || data[0] !== VERSION)
        throw unreadable(place, "is damaged (not a sealed value of this version)");
      const sealedId = data.subarray(1, 1 + ID_BYTES);
      if (!sealedId.equals(id))
        throw unreadable(
          place,
          `was sealed with key ${sealedId.toString("hex")}, but the key file holds key ${id.toString("hex")}: restore the key file it was sealed with`,
        );
      const iv = data.subarray(1 + ID_BYTES, 1 + ID_BYTES + IV_BYTES);
      const tag = data.subarray(1 + ID_BYTES + IV_BYTES, HEADER);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(place, "utf8"));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(data.subarray(HEADER)), decipher.final()]);
      } catch {
        throw unreadable(
          place,
          "is damaged or was moved from another place (authentication failed)",
        );
      }
    },
  };
}

function keyInvalid(path: string, why: string, cause?: unknown): EventFlowError {
  // The path is safe to show; the key never goes into a message.
  return new EventFlowError("LOCAL_SECRET_KEY_INVALID", `secret key file ${path} ${why}`, {
    cause,
  });
}

/** Options of {@link loadSecretKey}. */
export interface LoadSecretKeyOptions {
  /**
   * Make a new key when the file does not exist. Only when nothing was sealed yet: a new key
   * would make every stored value unreadable, so a lost key file is an error instead.
   */
  readonly create: boolean;
}

/**
 * Reads the key file (base64 of 32 bytes, one line), or creates it (mode 0600, never over an
 * existing file). Refuses a file others may read, a link, and a file that is empty or damaged:
 * it never replaces a key it cannot read.
 */
export async function loadSecretKey(path: string, options: LoadSecretKeyOptions): Promise<Buffer> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw keyInvalid(path, `cannot be read (${error.code ?? "error"})`, error);
  });
  if (info === undefined) {
    if (!options.create)
      throw keyInvalid(
        path,
        "is missing, but secrets were sealed with a key: restore the key file from where you backed it up",
      );
    return createKeyFile(path);
  }
  if (!info.isFile()) throw keyInvalid(path, "is not a regular file (a link or a directory)");
  if ((info.mode & 0o077) !== 0)
    throw keyInvalid(
      path,
      `may be read by other users (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`,
    );
  if (typeof process.getuid === "function" && info.uid !== process.getuid())
    throw keyInvalid(path, `belongs to uid ${info.uid}, not to the controller's user`);
  const text = (await readFile(path, "utf8")).trim();
  const key = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]+=*$/.test(text) || key.length !== KEY_BYTES)
    throw keyInvalid(
      path,
      text === ""
        ? "is empty: restore it from where you backed it up"
        : `is damaged (not the base64 of ${KEY_BYTES} bytes)`,
    );
  return key;
}

/**
 * Writes a new key to a temporary file and links it into place: the key file is whole or
 * absent after a crash, and a file made meanwhile by another process is never replaced.
 */
async function createKeyFile(path: string): Promise<Buffer> {
  const key = randomBytes(KEY_BYTES);
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const file = await open(temp, "wx", 0o600);
    try {
      await file.writeFile(`${key.toString("base64")}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await link(temp, path);
  } catch (error) {
    throw keyInvalid(path, `cannot be created (${(error as NodeJS.ErrnoException).code})`, error);
  } finally {
    await rm(temp, { force: true });
  }
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return key;
}
