import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  isCredentialSource,
  staticCredentials,
  type Credentials,
  type CredentialSource,
} from "./credentials.js";
import { fromTransportError } from "./errors.js";
import { digestLike, parseDigest, sha256Digest, verifyChunks } from "./digest.js";
import { MANIFEST_TYPES } from "./media-types.js";
import { manifestIdentifier, parseReference, type RepositoryReference } from "./reference.js";
import { backoffDelay, toRetryPolicy, type RetryOptions } from "./retry.js";
import { createDispatcher, header, RegistryTransport, type CallContext } from "./transport.js";
import { putChunked, putMonolithic, uploadLocation, type BlobSource } from "./upload.js";

/** Options of {@link createRegistryClient}. */
export interface RegistryClientOptions {
  /** Where credentials come from; plain `{ username, password }` applies to every registry. */
  readonly credentials?: CredentialSource | Credentials;
  /** Allow plain HTTP and unverified TLS for every registry (loopback ones get plain HTTP anyway). */
  readonly insecure?: boolean;
  /** Extra CA certificate(s), PEM, trusted besides the system roots. */
  readonly ca?: string | Buffer;
  /** Retry policy for 5xx, 429 and connection errors. */
  readonly retry?: RetryOptions;
  /** The undici dispatcher to send with (default: an Agent honouring `ca` and `insecure`). */
  readonly dispatcher?: Dispatcher;
  /** `User-Agent` header. */
  readonly userAgent?: string;
  /** Milliseconds clock for token expiry (default `Date.now`). */
  readonly now?: () => number;
}

/** A repository: a parsed reference or text such as `127.0.0.1:5000/team/app`. */
export type RepositoryInput = RepositoryReference | string;
/** An image: a parsed reference or text such as `127.0.0.1:5000/team/app:1`. */
export type ImageInput = (RepositoryReference & { tag?: string; digest?: string }) | string;

/** A manifest as fetched: its bytes are what its digest covers. */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
  readonly json: unknown;
}

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

/** The OCI Distribution client. Every failure is an EventFlowError with a REGISTRY_* code. */
export interface RegistryClient {
  /** Whether the repository has the blob (`HEAD /v2/<name>/blobs/<digest>`). */
  hasBlob(repo: RepositoryInput, digest: string): Promise<boolean>;
  /** Downloads a blob; the stream verifies the digest while it is read. */
  getBlob(repo: RepositoryInput, digest: string): Promise<BlobDownload>;
  /** Downloads a small blob (e.g. an image config) into memory, verified. */
  getBlobBytes(repo: RepositoryInput, digest: string): Promise<Buffer>;
  /** Uploads a blob unless present; mounts it from `mountFrom` when possible. */
  pushBlob(
    repo: RepositoryInput,
    blob: BlobSource,
    options?: PushBlobOptions,
  ): Promise<{ status: "uploaded" | "exists" | "mounted" }>;
  /** Fetches a manifest or index by tag or digest (default Accept: OCI and Docker v2, images and indexes). */
  getManifest(ref: ImageInput, options?: { accept?: readonly string[] }): Promise<FetchedManifest>;
  /** `HEAD` of a manifest: its digest, media type and size, or undefined when absent. */
  headManifest(
    ref: ImageInput,
    options?: { accept?: readonly string[] },
  ): Promise<{ digest: string; mediaType: string; size: number } | undefined>;
  /** Uploads a manifest under the reference's tag (or its digest, or by content digest). */
  putManifest(
    ref: ImageInput,
    manifest: { mediaType: string; bytes: Uint8Array },
  ): Promise<{ digest: string }>;
  /** Lists the repository's tags. */
  listTags(repo: RepositoryInput): Promise<string[]>;
  /** Fails early with REGISTRY_UNAUTHORIZED/DENIED/UNREACHABLE unless `access` is granted. */
  checkAccess(repo: RepositoryInput, access: "pull" | "push"): Promise<void>;
  /** Closes the connections of the dispatcher the client created (not an injected one). */
  close(): Promise<void>;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

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

function toRepo(input: RepositoryInput): RepositoryReference {
  if (typeof input !== "string") return input;
  const ref = parseReference(input);
  return { registry: ref.registry, repository: ref.repository };
}

function toImage(
  input: ImageInput,
): RepositoryReference & { tag?: string | undefined; digest?: string | undefined } {
  return typeof input === "string" ? parseReference(input) : input;
}

function scope(repo: RepositoryReference, access: "pull" | "push"): string {
  return `repository:${repo.repository}:${access === "push" ? "pull,push" : "pull"}`;
}

function ctxFor(
  repo: RepositoryReference,
  access: "pull" | "push",
  operation: string,
  extra: Partial<CallContext> = {},
): CallContext {
  return {
    registry: repo.registry,
    repository: repo.repository,
    access,
    operation,
    scopes: [scope(repo, access)],
    ...extra,
  };
}

function mediaTypeOf(contentType: string | undefined, json: unknown): string {
  const fromHeader = contentType?.split(";")[0]?.trim();
  if (fromHeader && fromHeader !== "application/json" && fromHeader !== "text/plain")
    return fromHeader;
  const fromBody = (json as { mediaType?: unknown } | null)?.mediaType;
  return typeof fromBody === "string" ? fromBody : (fromHeader ?? "application/json");
}

/**
 * Creates a registry client over undici. Loopback registries (127.0.0.0/8, localhost, ::1)
 * use plain HTTP when they do not speak TLS, like docker; `insecure` extends that to every
 * registry and skips TLS verification.
 */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const ownDispatcher = options.dispatcher === undefined ? createDispatcher(options) : undefined;
  const retry = toRetryPolicy(options.retry);
  const credentials =
    options.credentials === undefined || isCredentialSource(options.credentials)
      ? options.credentials
      : staticCredentials(options.credentials);
  const transport = new RegistryTransport({
    dispatcher: options.dispatcher ?? ownDispatcher!,
    retry,
    insecure: options.insecure ?? false,
    userAgent: options.userAgent ?? "eventflow-registry/0.1",
    credentials,
    now: options.now ?? Date.now,
  });
  const blobPath = (repo: RepositoryReference, digest: string) =>
    `/v2/${repo.repository}/blobs/${digest}`;
  const manifestPath = (repo: RepositoryReference, id: string) =>
    `/v2/${repo.repository}/manifests/${id}`;

  async function hasBlob(input: RepositoryInput, digest: string): Promise<boolean> {
    const repo = toRepo(input);
    parseDigest(digest);
    const ctx = ctxFor(repo, "pull", `check blob ${digest}`, { notFound: "REGISTRY_BLOB_UNKNOWN" });
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
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function pushBlob(input: RepositoryInput, blob: BlobSource, opts: PushBlobOptions = {}) {
    const repo = toRepo(input);
    parseDigest(blob.digest);
    if (await hasBlob(repo, blob.digest)) return { status: "exists" as const };
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
        if (attempt >= retry.attempts || !isEventFlowError(error) || !error.retryable) throw error;
        await retry.sleep(backoffDelay(retry, attempt));
      }
    }
  }

  async function getManifest(
    input: ImageInput,
    opts: { accept?: readonly string[] } = {},
  ): Promise<FetchedManifest> {
    const ref = toImage(input);
    const id = manifestIdentifier(ref);
    const ctx = ctxFor(ref, "pull", `pull manifest ${id}`, {
      notFound: "REGISTRY_MANIFEST_UNKNOWN",
    });
    const res = await transport.call(ctx, {
      method: "GET",
      path: manifestPath(ref, id),
      headers: { accept: (opts.accept ?? MANIFEST_TYPES).join(", ") },
      expect: [200],
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new EventFlowError(
        "REGISTRY_PROTOCOL_ERROR",
        `Manifest ${id} of ${ref.registry}/${ref.repository} exceeds 4 MiB.`,
      );
    }
    const claimed = ref.digest ?? header(res.headers, "docker-content-digest");
    const digest = claimed === undefined ? sha256Digest(bytes) : digestLike(claimed, bytes);
    if (claimed !== undefined && claimed !== digest) {
      throw new EventFlowError(
        "REGISTRY_DIGEST_MISMATCH",
        `Manifest ${id} of ${ref.registry}/${ref.repository} does not match its digest (expected ${claimed}, got ${digest}); the registry or a proxy altered it.`,
        { details: { expected: claimed, actual: digest } },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new EventFlowError(
        "REGISTRY_PROTOCOL_ERROR",
        `Manifest ${id} of ${ref.registry}/${ref.repository} is not JSON.`,
        { cause: error },
      );
    }
    return {
      mediaType: mediaTypeOf(header(res.headers, "content-type"), json),
      digest,
      size: bytes.length,
      bytes,
      json,
    };
  }

  async function headManifest(input: ImageInput, opts: { accept?: readonly string[] } = {}) {
    const ref = toImage(input);
    const id = manifestIdentifier(ref);
    const ctx = ctxFor(ref, "pull", `check manifest ${id}`, {
      notFound: "REGISTRY_MANIFEST_UNKNOWN",
    });
    const res = await transport.call(ctx, {
      method: "HEAD",
      path: manifestPath(ref, id),
      headers: { accept: (opts.accept ?? MANIFEST_TYPES).join(", ") },
      expect: [200, 404],
    });
    await res.body.dump();
    if (res.status === 404) return undefined;
    const digest = header(res.headers, "docker-content-digest") ?? ref.digest;
    if (digest === undefined) return undefined;
    return {
      digest,
      mediaType: header(res.headers, "content-type")?.split(";")[0]?.trim() ?? "",
      size: Number(header(res.headers, "content-length") ?? 0),
    };
  }

  async function putManifest(
    input: ImageInput,
    manifest: { mediaType: string; bytes: Uint8Array },
  ) {
    const ref = toImage(input);
    const digest = sha256Digest(manifest.bytes);
    const id = ref.tag ?? ref.digest ?? digest;
    const ctx = ctxFor(ref, "push", `push manifest ${id}`, { notFound: "REGISTRY_BLOB_UNKNOWN" });
    const bytes = Buffer.from(manifest.bytes);
    const res = await transport.call(ctx, {
      method: "PUT",
      path: manifestPath(ref, id),
      headers: { "content-type": manifest.mediaType },
      body: bytes,
      expect: [201, 200],
    });
    await res.body.dump();
    const echoed = header(res.headers, "docker-content-digest");
    if (echoed !== undefined && echoed.startsWith("sha256:") && echoed !== digest) {
      throw new EventFlowError(
        "REGISTRY_DIGEST_MISMATCH",
        `Registry ${ref.registry} stored manifest ${id} of ${ref.repository} under ${echoed}, not ${digest}.`,
      );
    }
    return { digest };
  }

  async function listTags(input: RepositoryInput): Promise<string[]> {
    const repo = toRepo(input);
    const ctx = ctxFor(repo, "pull", "list tags", { notFound: "REGISTRY_NAME_UNKNOWN" });
    const res = await transport.call(ctx, {
      method: "GET",
      path: `/v2/${repo.repository}/tags/list`,
      expect: [200],
    });
    const body = (await res.body.json()) as { tags?: unknown };
    return Array.isArray(body.tags)
      ? body.tags.filter((t): t is string => typeof t === "string")
      : [];
  }

  async function checkAccess(input: RepositoryInput, access: "pull" | "push"): Promise<void> {
    const repo = toRepo(input);
    if (access === "pull") {
      try {
        await listTags(repo);
      } catch (error) {
        // The repository may not exist yet: that is not an access problem.
        if (!isEventFlowError(error) || error.code !== "REGISTRY_NAME_UNKNOWN") throw error;
      }
      return;
    }
    const ctx = ctxFor(repo, "push", "start an upload (access check)");
    const started = await transport.call(ctx, {
      method: "POST",
      path: `/v2/${repo.repository}/blobs/uploads/`,
      expect: [202],
    });
    await started.body.dump();
    const cancel = await transport.call(ctx, {
      method: "DELETE",
      path: uploadLocation(started, ctx).toString(),
      expect: [204, 200, 404, 405],
    });
    await cancel.body.dump();
  }

  return {
    hasBlob,
    getBlob,
    getBlobBytes,
    pushBlob,
    getManifest,
    headManifest,
    putManifest,
    listTags,
    checkAccess,
    close: async () => {
      await ownDispatcher?.close();
    },
  };
}
