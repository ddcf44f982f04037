import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";

/**
 * The check of a replica's key (EVENTFLOW_REPLICA_KEY), or undefined when there is none.
 * It compares in constant time and removes the header either way, so the handler never sees
 * the key. Only the local driver sets a key: its replicas listen on 127.0.0.1, where every
 * process of the machine could otherwise call them directly, past the controller's auth.
 */
export function createReplicaKeyCheck(
  key: string | undefined,
): ((req: IncomingMessage) => boolean) | undefined {
  if (key === undefined) return undefined;
  const expected = Buffer.from(key, "latin1");
  return (req) => {
    const headers = req.headers;
    const given = headers[REPLICA_KEY_HEADER];
    if (given === undefined) return false;
    delete headers[REPLICA_KEY_HEADER];
    if (typeof given !== "string") return false;
    const bytes = Buffer.from(given, "latin1");
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
}

/** Health probes need no key: the driver's readiness probe and liveness checks are not invokes. */
export function isProbePath(url: string): boolean {
  return url.startsWith("/_eventflow/healthz") || url.startsWith("/_eventflow/readyz");
}
