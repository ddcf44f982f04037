import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { digestLike, sha256Digest } from "./digest.js";
import { MANIFEST_TYPES } from "./media-types.js";
import { manifestIdentifier, type RepositoryReference } from "@eventflow/protocol";
import { ctxFor, toImage, toRepo, type ImageInput, type RepositoryInput } from "./requests.js";
import { header, readBody, type RegistryTransport } from "./transport.js";
import { uploadLocation } from "./upload.js";

/** A manifest as fetched: its bytes are what its digest covers. */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
  readonly json: unknown;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function mediaTypeOf(contentType: string | undefined, json: unknown): string {
  const fromHeader = contentType?.split(";")[0]?.trim();
  if (fromHeader && fromHeader !== "application/json" && fromHeader !== "text/plain")
    return fromHeader;
  const fromBody = (json as { mediaType?: unknown } | null)?.mediaType;
  return typeof fromBody === "string" ? fromBody : (fromHeader ?? "application/json");
}

function parseTagList(bytes: Buffer): { tags?: unknown } {
  try {
    return JSON.parse(bytes.toString("utf8")) as { tags?: unknown };
  } catch (error) {
    throw new EventFlowError("REGISTRY_PROTOCOL_ERROR", "The tag list is not JSON.", {
      cause: error,
    });
  }
}

/** How an operation names a manifest in messages: `tag "1"` or `manifest sha256:...`. */
function manifestLabel(id: string): string {
  return id.includes(":") ? `manifest ${id}` : `tag "${id}"`;
}

/** Manifest operations, tag listing and access checks. */
export function createManifestOperations(transport: RegistryTransport) {
  const manifestPath = (repo: RepositoryReference, id: string) =>
    `/v2/${repo.repository}/manifests/${id}`;

  async function getManifest(
    input: ImageInput,
    opts: { accept?: readonly string[] } = {},
  ): Promise<FetchedManifest> {
    const ref = toImage(input);
    const id = manifestIdentifier(ref);
    const ctx = ctxFor(ref, "pull", `pull ${manifestLabel(id)}`, {
      notFound: "REGISTRY_MANIFEST_UNKNOWN",
    });
    const res = await transport.call(ctx, {
      method: "GET",
      path: manifestPath(ref, id),
      headers: { accept: (opts.accept ?? MANIFEST_TYPES).join(", ") },
      expect: [200],
    });
    // Past 4 MiB the body is refused without being read further (REGISTRY_PROTOCOL_ERROR).
    const bytes = await readBody(res, ctx, MAX_MANIFEST_BYTES);
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
    const ctx = ctxFor(ref, "pull", `check ${manifestLabel(id)}`, {
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
    const ctx = ctxFor(ref, "push", `push ${manifestLabel(id)}`, {
      notFound: "REGISTRY_BLOB_UNKNOWN",
    });
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
    const body = parseTagList(await readBody(res, ctx));
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

  return { getManifest, headManifest, putManifest, listTags, checkAccess };
}
