import type { RepositoryReference } from "@eventflow/protocol";
import { parseReference } from "@eventflow/protocol";
import type { CallContext } from "./transport.js";

/** A repository: a parsed reference or text such as `127.0.0.1:5000/team/app`. */
export type RepositoryInput = RepositoryReference | string;
/** An image: a parsed reference or text such as `127.0.0.1:5000/team/app:1`. */
export type ImageInput = (RepositoryReference & { tag?: string; digest?: string }) | string;

/** The repository of an input, parsed when given as text. */
export function toRepo(input: RepositoryInput): RepositoryReference {
  if (typeof input !== "string") return input;
  const ref = parseReference(input);
  return { registry: ref.registry, repository: ref.repository };
}

/** The image reference of an input, parsed when given as text. */
export function toImage(
  input: ImageInput,
): RepositoryReference & { tag?: string | undefined; digest?: string | undefined } {
  return typeof input === "string" ? parseReference(input) : input;
}

/** The token scope for `access` to a repository. */
export function scope(repo: RepositoryReference, access: "pull" | "push"): string {
  return `repository:${repo.repository}:${access === "push" ? "pull,push" : "pull"}`;
}

/** The call context of one operation on a repository. */
export function ctxFor(
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
