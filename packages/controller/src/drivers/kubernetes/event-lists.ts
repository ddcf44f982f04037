/**
 * A namespace's Events, listed at most once per `ttlMs` whoever asks: every open function page
 * asks for its function's events every few seconds, each ask would otherwise list the whole
 * namespace (its Events of the last hour, possibly thousands, for every function in it), and
 * any reader of any function in the namespace could make the controller do so as often as
 * they like. A failed list is not kept; a kept list is dropped after `ttlMs` so a namespace no
 * one asks about any more holds no memory.
 */
import type { CoreV1EventList } from "@kubernetes/client-node";

/** Lists `namespace`'s Events, or answers the list another caller started less than ttlMs ago. */
export type EventLists = (namespace: string) => Promise<CoreV1EventList>;

/** The shared lists over `list` (the API call). */
export function createEventLists(
  list: (namespace: string) => Promise<CoreV1EventList>,
  ttlMs = 2000,
): EventLists {
  const recent = new Map<string, Promise<CoreV1EventList>>();
  return (namespace) => {
    const kept = recent.get(namespace);
    if (kept !== undefined) return kept;
    const listed = list(namespace);
    recent.set(namespace, listed);
    const forget = () => {
      if (recent.get(namespace) === listed) recent.delete(namespace);
    };
    setTimeout(forget, ttlMs).unref();
    listed.catch(forget);
    return listed;
  };
}
