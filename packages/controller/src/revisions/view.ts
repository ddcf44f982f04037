/** A stored revision as the API answers it. */
import { revisionName, sameRevisionSpec, type FunctionRevision } from "@eventflow/protocol";
import type { FunctionSpec, StoredRevision } from "../drivers/driver.js";

/**
 * The wire form of `revision`; `current` when it is the newest of the function's revisions and
 * the function runs its spec (a Function changed around the API runs none of them).
 */
export function toRevisionView(
  revision: StoredRevision,
  newest: boolean,
  running: FunctionSpec,
): FunctionRevision {
  return {
    name: revisionName(revision.function, revision.number),
    number: revision.number,
    image: revision.spec.image,
    ...(revision.digest === undefined ? {} : { digest: revision.digest }),
    created_by: revision.createdBy,
    created_at: revision.createdAt,
    current: newest && sameRevisionSpec(revision.spec, running),
    spec: revision.spec,
  };
}
