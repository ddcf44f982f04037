/**
 * What the JetStream queue publishes, as pure functions: a delivery's subject (one per
 * invocation, `<base>.<tenant>.<id>`, so a queued invocation can be read, listed and purged by
 * subject) and its body, either the whole record (a new invocation's only stored copy until a
 * worker starts it) or a pointer `{tenant, id}` to the record in the KV bucket (redrives,
 * enqueues with an idempotency key, and every message of a controller from before records
 * were carried, published on `<base>` itself).
 */
import type { Invocation } from "./model.js";

/** Bytes kept as they are in a subject token; every other byte is `_` and two hex digits. */
const TOKEN_SAFE = /^[A-Za-z0-9-]$/;

/**
 * One subject token for any string: tenants and ids are DNS labels and UUIDs when they come
 * from the API, but a token must never hold `.`, `*`, `>` or spaces (a read by subject would
 * become a wildcard), so anything else is escaped, one to one.
 */
export function toSubjectToken(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += TOKEN_SAFE.test(c) ? c : `_${byte.toString(16).padStart(2, "0")}`;
  }
  return out === "" ? "_" : out;
}

/** The string a {@link toSubjectToken} token stands for. */
export function fromSubjectToken(token: string): string {
  if (token === "_") return "";
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "_") {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The subject an invocation's deliveries are published on. */
export function buildDeliverySubject(base: string, tenant: string, id: string): string {
  return `${base}.${toSubjectToken(tenant)}.${toSubjectToken(id)}`;
}

/** A delivery message's body: whose invocation, and its record when the message carries it. */
export interface DeliveryBody {
  readonly tenant: string;
  readonly id: string;
  readonly record?: Invocation;
}

/** Reads a delivery message's JSON; throws when it is neither a record nor a pointer. */
export function parseDeliveryBody(json: unknown): DeliveryBody {
  if (typeof json !== "object" || json === null) throw new Error("delivery is not an object");
  const body = json as Record<string, unknown>;
  if (typeof body.tenant !== "string" || typeof body.id !== "string")
    throw new Error("delivery names no invocation");
  const carries =
    typeof body.createdAt === "string" &&
    typeof body.state === "string" &&
    typeof body.request === "object" &&
    Array.isArray(body.attempts);
  return carries
    ? { tenant: body.tenant, id: body.id, record: body as unknown as Invocation }
    : { tenant: body.tenant, id: body.id };
}
