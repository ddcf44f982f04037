/**
 * The deploys of a function as events, from the revisions a driver stores (pure): both drivers
 * answer them the same way, so a deploy is one event whichever driver runs it.
 */
import type { FunctionEvent } from "@eventflow/protocol";
import type { StoredRevision } from "./driver.js";

/** Revision 1 is the function's first deploy; every later one an update (a rollback too). */
export function toRevisionEvents(revisions: readonly StoredRevision[]): FunctionEvent[] {
  return revisions.map((r) => ({
    time: r.createdAt,
    type: r.number === 1 ? "deployed" : "updated",
    reason: r.number === 1 ? "Deployed" : "Updated",
    message: `revision ${r.number}: ${r.spec.image}${r.digest ? ` (${r.digest})` : ""} by ${r.createdBy}`,
    revision: r.number,
  }));
}
