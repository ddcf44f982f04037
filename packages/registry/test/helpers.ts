// Small builders shared by this package's tests: random blobs and minimal images.
import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { EventFlowError } from "@eventflow/protocol";
import {
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  sha256Digest,
  type ImageManifest,
} from "../src/index.ts";

/** A blob with its descriptor fields and an `open()` as pushBlob takes it. */
export interface TestBlob {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly size: number;
  open(): Buffer;
}

/** A blob of `size` random bytes. */
export function randomBlob(size: number): TestBlob {
  const bytes = randomBytes(size);
  return { bytes, digest: sha256Digest(bytes), size, open: () => bytes };
}

/** A blob holding `bytes`. */
export function blobOf(bytes: Buffer): TestBlob {
  return { bytes, digest: sha256Digest(bytes), size: bytes.length, open: () => bytes };
}

/** The diff_id of a layer: the digest of its uncompressed content. */
export function diffId(layer: Buffer): string {
  return sha256Digest(layer[0] === 0x1f && layer[1] === 0x8b ? gunzipSync(layer) : layer);
}

/** A minimal image: a config and one gzip layer (random content, not a tar, unless `layer` given). */
export function makeImage(options: { layer?: Buffer; architecture?: string } = {}) {
  const layer = blobOf(options.layer ?? gzipSync(randomBytes(2048)));
  const config = blobOf(
    Buffer.from(
      JSON.stringify({
        architecture: options.architecture ?? "amd64",
        os: "linux",
        config: { Env: ["PATH=/usr/bin"] },
        rootfs: { type: "layers", diff_ids: [diffId(layer.bytes)] },
      }),
    ),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
    layers: [{ mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return { layer, config, manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes) };
}

/** Expects `promise` to reject with an EventFlowError of `code`; returns the error. */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: string,
): Promise<EventFlowError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected ${code}, but nothing was thrown`);
  const got = (caught as { code?: unknown }).code;
  if (got !== code)
    throw new Error(`expected ${code}, got ${String(got)}: ${(caught as Error).message}`, {
      cause: caught,
    });
  return caught as EventFlowError;
}
