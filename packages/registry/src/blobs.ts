import { Readable } from "node:stream";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { BODY_LIMITS, readAtMost } from "./bounded-body.js";
import { parseDigest, verifyChunks } from "./digest.js";
import { fromTransportError } from "./errors.js";
import { ctxFor, scope, toRepo, type RepositoryInput } from "./requests.js";
import { backoffDelay, type RetryPolicy } from "./retry.js";
import { header, type CallContext, type RegistryTransport } from "./transport.js";
import { putChunked, putMonolithic, uploadLocation, type BlobSource } from "./upload.js";
import type { RepositoryReference } from "@eventflow/protocol";

/** A blob download: a stream that fails with REGISTRY_DIGEST_MISMATCH if the content is wrong. */
export interface BlobDownload {
  /** Content-Length reported by the registry, when it sent one. */
  readonly size: number | undefined;
  readonly stream: Readable;
}

/** Options of {@link RegistryClient.pushBlob}. */
export interface PushBlobOptions {
  /** A repository of the same registry that may hold the blob: it is mounted, not uploaded. */
  readonly mountFrom?: RepositoryInput;
  /** Upload in PATCH chunks of this many bytes (default: one monolithic PUT). */
  readonly chunkSize?: number;
  /** Called with the cumulative number of bytes sent. */
  readonly onProgress?: (bytes: number) => void;
}

/** A response body whose socket failures mid-stream become REGISTRY_UNREACHABLE. */
async function* mapStreamErrors(
  body: AsyncIterable<Uint8Array>,
  ctx: CallContext,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw isEventFlowError(error) ? error : fromTransportError(ctx, error);
  }
}

/** Blob operations: HEAD, verified GET (following redirects) and uploads with mounts. */
export function createBlobOperations(transport: RegistryTransport, retry: RetryPolicy) {
  const blobPath = (repo: RepositoryReference, digest: string) =>
    `/v2/${repo.repository}/blobs/${digest}`;

  async function hasBlob(
    input: RepositoryInput,
    digest: string,
    access: "pull" | "push" = "pull",
  ): Promise<boolean> {
    const repo = toRepo(input);
    parseDigest(digest);
    const ctx = ctxFor(repo, access, `check blob ${digest}`, { notFound: "REGISTRY_BLOB_UNKNOWN" });
    const res = await transport.call(ctx, {
      method: "HEAD",
      path: blobPath(repo, digest),
      expect: [200, 404],
    });
    await res.body.dump();
    return res.status === 200;
  }

  async function getBlob(input: RepositoryInput, digest: string): Promise<BlobDownload> {
    const repo = toRepo(input);
    parseDigest(digest);
    const ctx = ctxFor(repo, "pull", `pull blob ${digest}`, { notFound: "REGISTRY_BLOB_UNKNOWN" });
    let path = blobPath(repo, digest);
    for (let hop = 0; ; hop++) {
      const res = await transport.call(ctx, {
        method: "GET",
        path,
        expect: [200, 301, 302, 303, 307, 308],
      });
      const location = header(res.headers, "location");
      if (res.status === 200 || location === undefined || hop >= 5) {
        if (res.status !== 200) {
          await res.body.dump();
          throw new EventFlowError(
            "REGISTRY_PROTOCOL_ERROR",
            `Registry ${repo.registry} redirected blob ${digest} too often.`,
          );
        }
        const length = header(res.headers, "content-length");
        const size = length === undefined ? undefined : Number(length);
        const what = `blob ${digest} from ${repo.registry}/${repo.repository}`;
        const body = mapStreamErrors(res.body, ctx);
        return { size, stream: Readable.from(verifyChunks(body, { digest, what })) };
      }
      await res.body.dump();
      path = new URL(location, res.url).toString();
    }
  }

  async function getBlobBytes(input: RepositoryInput, digest: string): Promise<Buffer> {
    const { stream } = await getBlob(input, digest);
    const bytes = await readAtMost(stream, BODY_LIMITS.blob);
    if (bytes === undefined)
      throw new EventFlowError(
        "REGISTRY_PROTOCOL_ERROR",
        `Blob ${digest} is larger than ${BODY_LIMITS.blob} bytes, too large to read into memory.`,
      );
    return bytes;
  }

  async function pushBlob(input: RepositoryInput, blob: BlobSource, opts: PushBlobOptions = {}) {
    const repo = toRepo(input);
    parseDigest(blob.digest);
    if (await hasBlob(repo, blob.digest, "push")) return { status: "exists" as const };
    const from = opts.mountFrom === undefined ? undefined : toRepo(opts.mountFrom);
    const mount =
      from !== undefined && from.registry === repo.registry && from.repository !== repo.repository
        ? from
        : undefined;
    const ctx = ctxFor(repo, "push", `push blob ${blob.digest}`, {
      notFound: "REGISTRY_BLOB_UNKNOWN",
      scopes: [scope(repo, "push"), ...(mount === undefined ? [] : [scope(mount, "pull")])],
    });
    for (let attempt = 1; ; attempt++) {
      // Starting an upload retries on its own; a failed transfer restarts the whole upload.
      let transferring = false;
      try {
        const query =
          mount === undefined
            ? ""
            : `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mount.repository)}`;
        const started = await transport.call(ctx, {
          method: "POST",
          path: `/v2/${repo.repository}/blobs/uploads/${query}`,
          expect: [201, 202],
        });
        await started.body.dump();
        if (started.status === 201) return { status: "mounted" as const };
        const location = uploadLocation(started, ctx);
        transferring = true;
        if (opts.chunkSize !== undefined && opts.chunkSize > 0) {
          await putChunked(transport, ctx, location, blob, {
            chunkSize: opts.chunkSize,
            onProgress: opts.onProgress,
          });
        } else {
          await putMonolithic(transport, ctx, location, blob, opts.onProgress);
        }
        return { status: "uploaded" as const };
      } catch (error) {
        const restart = transferring && isEventFlowError(error) && error.retryable;
        if (!restart || attempt >= retry.attempts) throw error;
        await retry.sleep(backoffDelay(retry, attempt));
      }
    }
  }

  return { hasBlob, getBlob, getBlobBytes, pushBlob };
}
