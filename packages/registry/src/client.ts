import type { Dispatcher } from "undici";
import { createBlobOperations, type BlobDownload, type PushBlobOptions } from "./blobs.js";
import {
  isCredentialSource,
  staticCredentials,
  type Credentials,
  type CredentialSource,
} from "./credentials.js";
import { createManifestOperations, type FetchedManifest } from "./manifests.js";
import type { ImageInput, RepositoryInput } from "./requests.js";
import { toRetryPolicy, type RetryOptions } from "./retry.js";
import { createDispatcher, RegistryTransport } from "./transport.js";
import type { BlobSource } from "./upload.js";

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
  return {
    ...createBlobOperations(transport, retry),
    ...createManifestOperations(transport),
    close: async () => {
      await ownDispatcher?.close();
    },
  };
}

export type { BlobDownload, FetchedManifest, ImageInput, PushBlobOptions, RepositoryInput };
