import { createHash, type Hash } from "node:crypto";
import { DIGEST_HEX_LENGTH, EventFlowError, isDigest } from "@eventflow/protocol";

export { isDigest };

/** Returns `text` when it is a verifiable digest, otherwise throws IMAGE_REFERENCE_INVALID. */
export function parseDigest(text: string): string {
  if (!isDigest(text)) {
    throw new EventFlowError(
      "IMAGE_REFERENCE_INVALID",
      `"${text}" is not a valid digest: expected sha256:<64 lowercase hex> (or sha384/sha512).`,
    );
  }
  return text;
}

/** The `sha256:<hex>` digest of `bytes`. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A hash object for the algorithm of `digest` (sha256 for anything else). */
export function hasherFor(digest: string): Hash {
  const algorithm = digest.slice(0, digest.indexOf(":"));
  return createHash(algorithm in DIGEST_HEX_LENGTH ? algorithm : "sha256");
}

/** The digest of `bytes` in the same algorithm as `expected`. */
export function digestLike(expected: string, bytes: Uint8Array): string {
  const algorithm = expected.slice(0, expected.indexOf(":"));
  return `${algorithm}:${hasherFor(expected).update(bytes).digest("hex")}`;
}

/**
 * Wraps a stream of chunks, hashing and counting while they pass; after the last chunk it
 * throws REGISTRY_DIGEST_MISMATCH when the content does not match `digest` (or `size`).
 */
export async function* verifyChunks(
  chunks: AsyncIterable<Uint8Array>,
  expected: { digest: string; size?: number; what: string },
): AsyncGenerator<Uint8Array> {
  const hash = hasherFor(expected.digest);
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
    if (expected.size !== undefined && size > expected.size) break;
    yield chunk;
  }
  const actual = `${expected.digest.slice(0, expected.digest.indexOf(":"))}:${hash.digest("hex")}`;
  if (actual !== expected.digest || (expected.size !== undefined && size !== expected.size)) {
    throw new EventFlowError(
      "REGISTRY_DIGEST_MISMATCH",
      `${expected.what}: content does not match its descriptor (expected ${expected.digest}` +
        `${expected.size === undefined ? "" : `, ${expected.size} bytes`}; got ${actual}, ${size} bytes). ` +
        "The copy is corrupt: retry, and if it persists the source is damaged.",
      { details: { expected: expected.digest, actual, size } },
    );
  }
}
