/**
 * Image references (`registry/repo:tag@digest`, `oci:DIR[:TAG]`) parsed by grammar alone, with
 * no I/O and no hashing, so the API, the CLI and the dashboard check an image the same way.
 */
import { EventFlowError } from "./errors.js";

const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Hex length of each digest algorithm a client can verify. */
export const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/** Whether `text` is a well-formed digest a client can verify (sha256, sha384, sha512). */
export function isDigest(text: string): boolean {
  if (!DIGEST_RE.test(text)) return false;
  const [algorithm, hex] = text.split(":") as [string, string];
  const length = DIGEST_HEX_LENGTH[algorithm];
  return length !== undefined && hex.length === length && /^[0-9a-f]+$/.test(hex);
}

/** The registry Docker Hub references normalise to. */
export const DOCKER_HUB = "docker.io";
const LEGACY_HUB_NAMES = new Set(["index.docker.io", "registry-1.docker.io"]);
const MAX_NAME_LENGTH = 255;

// The distribution reference grammar (distribution/reference/regexp.go), as plain parts.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PORT = /^[0-9]+$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;

/** A repository in a registry: what blob operations are scoped to. */
export interface RepositoryReference {
  /** Registry host, with port if any (`docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository path within the registry (`library/node`). */
  readonly repository: string;
}

/** A parsed, normalised image reference. */
export interface ImageReference extends RepositoryReference {
  /** Tag, when given (`latest` is not filled in: see {@link manifestIdentifier}). */
  readonly tag?: string;
  /** Digest, when given (`sha256:...`). */
  readonly digest?: string;
  /** The shortest form docker would print (`node:24`, `foo/bar`, `ghcr.io/x/y:1`). */
  readonly familiar: string;
  /** The fully-qualified form (`docker.io/library/node:24`). */
  toString(): string;
}

function fail(text: string, why: string): never {
  throw new EventFlowError(
    "IMAGE_REFERENCE_INVALID",
    `Invalid image reference "${text}": ${why}.`,
    {
      details: { reference: text },
    },
  );
}

function isDomain(text: string): boolean {
  let host = text;
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && !host.endsWith("]")) {
    const port = host.slice(colon + 1);
    if (!PORT.test(port) || Number(port) > 65535) return false;
    host = host.slice(0, colon);
  }
  if (IPV6.test(host)) return true;
  return host.length > 0 && host.split(".").every((part) => DOMAIN_COMPONENT.test(part));
}

/** Splits `name` into domain and path the way docker's normalisation does. */
function splitDomain(name: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  const looksLikeDomain =
    slash !== -1 &&
    (first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase());
  let registry = looksLikeDomain ? first : DOCKER_HUB;
  let repository = looksLikeDomain ? name.slice(slash + 1) : name;
  if (LEGACY_HUB_NAMES.has(registry)) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  return { registry, repository };
}

/** Builds an {@link ImageReference} from already-validated parts. */
export function toImageReference(parts: {
  registry: string;
  repository: string;
  tag?: string | undefined;
  digest?: string | undefined;
}): ImageReference {
  const { registry, repository, tag, digest } = parts;
  const suffix = `${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  let familiarName = `${registry}/${repository}`;
  if (registry === DOCKER_HUB) {
    familiarName =
      repository.startsWith("library/") && repository.split("/").length === 2
        ? repository.slice(8)
        : repository;
  }
  const full = `${registry}/${repository}${suffix}`;
  return Object.freeze({
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    familiar: `${familiarName}${suffix}`,
    toString: () => full,
  });
}

/**
 * Parses an image reference per the distribution grammar, with docker's normalisation:
 * `node` is `docker.io/library/node`, `index.docker.io` is `docker.io`. A first path
 * component is a registry when it contains `.` or `:`, is `localhost`, or has upper case.
 * Throws IMAGE_REFERENCE_INVALID, before any network I/O, on anything else.
 */
export function parseReference(text: string): ImageReference {
  if (typeof text !== "string" || text.length === 0) fail(String(text), "it is empty");
  if (text !== text.trim() || /\s/.test(text)) fail(text, "it contains white space");
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest))
      fail(text, `"${digest}" is not a valid digest (expected sha256:<64 lowercase hex>)`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag))
      fail(
        text,
        `"${tag}" is not a valid tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
      );
  }
  if (rest.length === 0) fail(text, "the repository name is missing");
  if (/^[a-f0-9]{64}$/.test(rest))
    fail(text, "a 64-character hexadecimal string is an image id, not a repository name");
  const { registry, repository } = splitDomain(rest);
  if (registry !== DOCKER_HUB && !isDomain(registry))
    fail(text, `"${registry}" is not a valid registry host`);
  if (repository !== repository.toLowerCase()) fail(text, "the repository name must be lower case");
  for (const component of repository.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      fail(
        text,
        `"${component}" is not a valid path component (lower-case letters and digits, separated by . _ __ or -)`,
      );
    }
  }
  if (rest.length > MAX_NAME_LENGTH)
    fail(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  return toImageReference({ registry, repository, tag, digest });
}

/** Parses `registry/repository` (no tag or digest allowed) into a {@link RepositoryReference}. */
export function parseRepository(text: string): RepositoryReference {
  const ref = parseReference(text);
  if (ref.tag !== undefined || ref.digest !== undefined)
    fail(text, "a repository name takes no tag or digest");
  return { registry: ref.registry, repository: ref.repository };
}

/** The same reference with another tag and/or digest (`undefined` keeps, `null` removes). */
export function withReference(
  ref: RepositoryReference & { tag?: string; digest?: string },
  change: { tag?: string | null; digest?: string | null },
): ImageReference {
  const tag = change.tag === null ? undefined : (change.tag ?? ref.tag);
  const digest = change.digest === null ? undefined : (change.digest ?? ref.digest);
  if (tag !== undefined && !TAG.test(tag)) fail(tag, "not a valid tag");
  if (digest !== undefined && !isDigest(digest)) fail(digest, "not a valid digest");
  return toImageReference({ registry: ref.registry, repository: ref.repository, tag, digest });
}

/** The tag a reference without one means (requests and pushes use it). */
export const DEFAULT_TAG = "latest";

/** What a manifest request names: the digest if any, else the tag, else {@link DEFAULT_TAG}. */
export function manifestIdentifier(ref: {
  tag?: string | undefined;
  digest?: string | undefined;
}): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** `ref` with {@link DEFAULT_TAG} when it has no tag. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined ? withReference(ref, { tag: DEFAULT_TAG }) : ref;
}

/** Where an image comes from: a registry reference or an OCI image layout directory. */
export type ImageSource =
  | { readonly kind: "registry"; readonly reference: ImageReference }
  | {
      readonly kind: "oci-layout";
      readonly dir: string;
      /** The `org.opencontainers.image.ref.name` to pick from index.json. */
      readonly tag?: string;
      /** A manifest digest the image is pinned to (`oci:DIR:TAG@sha256:...`). */
      readonly digest?: string;
    };

/**
 * Parses `oci:DIR[:TAG][@DIGEST]` (an OCI image layout directory, optionally naming the
 * `org.opencontainers.image.ref.name` to use and pinning the manifest digest) or a registry
 * reference (an optional `docker://` prefix is accepted, as skopeo writes it).
 */
export function parseImageSource(text: string): ImageSource {
  if (text.startsWith("oci:")) {
    let body = text.slice(4);
    let digest: string | undefined;
    const at = body.lastIndexOf("@");
    if (at !== -1 && isDigest(body.slice(at + 1))) {
      digest = body.slice(at + 1);
      body = body.slice(0, at);
    }
    const colon = body.lastIndexOf(":");
    const maybeTag = colon === -1 ? undefined : body.slice(colon + 1);
    const hasTag = maybeTag !== undefined && TAG.test(maybeTag);
    const dir = hasTag ? body.slice(0, colon) : body;
    if (dir.length === 0) {
      throw new EventFlowError(
        "IMAGE_REFERENCE_INVALID",
        `Invalid image source "${text}": oci: needs a directory (oci:DIR[:TAG][@DIGEST]).`,
      );
    }
    return {
      kind: "oci-layout",
      dir,
      ...(hasTag ? { tag: maybeTag } : {}),
      ...(digest === undefined ? {} : { digest }),
    };
  }
  const reference = parseReference(text.startsWith("docker://") ? text.slice(9) : text);
  return { kind: "registry", reference };
}
