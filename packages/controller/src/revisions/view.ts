/** A stored revision as the API answers it. */
import {
  revisionName,
  sameRevisionSpec,
  type FunctionRevision,
  type TrafficStatus,
} from "@eventflow/protocol";
import type { FunctionSpec, StoredRevision } from "../drivers/driver.js";

/**
 * The wire form of `revision`; `current` when it is the newest of the function's revisions and
 * the function runs its spec (a Function changed around the API runs none of them); its share
 * of the requests and its tags from the function's resolved `traffic`.
 */
export function toRevisionView(
  revision: StoredRevision,
  newest: boolean,
  running: FunctionSpec,
  traffic: readonly TrafficStatus[] = [],
): FunctionRevision {
  const own = traffic.filter((t) => t.revision === revision.number);
  const tags = own.flatMap((t) => (t.tag === undefined ? [] : [t.tag]));
  return {
    name: revisionName(revision.function, revision.number),
    number: revision.number,
    image: revision.spec.image,
    ...(revision.digest === undefined ? {} : { digest: revision.digest }),
    created_by: revision.createdBy,
    created_at: revision.createdAt,
    current: newest && sameRevisionSpec(revision.spec, running),
    percent: own.reduce((sum, t) => sum + t.percent, 0),
    ...(tags.length === 0 ? {} : { tags }),
    spec: revision.spec,
  };
}
