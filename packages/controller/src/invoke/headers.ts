import { randomFillSync } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import { PLATFORM_ERROR_HEADER, REPLICA_KEY_HEADER } from "@eventflow/protocol";

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those a proxy must not forward. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Request headers the controller consumes itself: `host` (the replica gets its own),
 * `authorization` (the platform credential must not reach function code) and `expect`
 * (100-continue is answered by the controller's server, not forwarded).
 */
const CONSUMED = new Set([
  "host",
  "authorization",
  "expect",
  "x-request-id",
  "traceparent",
  REPLICA_KEY_HEADER,
]);

function connectionTokens(value: string | undefined): Set<string> | undefined {
  // Nearly every message says only one of these: no list to read.
  if (!value || value === "keep-alive" || value === "close") return undefined;
  const tokens = value
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "" && t !== "close" && t !== "keep-alive");
  return tokens.length > 0 ? new Set(tokens) : undefined;
}

/** Whether a header name (lower case) is hop-by-hop for this message. */
export function isHopByHop(name: string, listed?: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || (listed?.has(name) ?? false);
}

/** What the controller adds to every forwarded request. */
export interface ForwardedInfo {
  readonly requestId: string;
  readonly traceparent: string;
  readonly tracestate?: string;
  readonly clientIp?: string;
  readonly proto: string;
  readonly host?: string;
  /** Keep the caller's Authorization header (a public function's own credential). */
  readonly keepAuthorization?: boolean;
}

/**
 * Builds the upstream request headers from Node's `rawHeaders` (names keep their case and
 * duplicates their order) as the flat list undici accepts: hop-by-hop and consumed headers
 * dropped, request id, traceparent and X-Forwarded-* set.
 */
export function buildUpstreamHeaders(rawHeaders: readonly string[], info: ForwardedInfo): string[] {
  let connection: string | undefined;
  let forwardedFor: string | undefined;
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === "connection") connection = value;
    else if (lower === "x-forwarded-for")
      forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
    else if (
      !HOP_BY_HOP.has(lower) &&
      (!CONSUMED.has(lower) || (lower === "authorization" && info.keepAuthorization === true)) &&
      lower !== "tracestate" &&
      !lower.startsWith("x-forwarded-")
    ) {
      out.push(name, value);
    }
  }
  // Headers named in Connection are hop-by-hop too (rare: filtered after the fast pass).
  const listed = connectionTokens(connection);
  if (listed) {
    for (let i = out.length - 2; i >= 0; i -= 2)
      if (listed.has(out[i]!.toLowerCase())) out.splice(i, 2);
  }
  out.push("x-request-id", info.requestId, "traceparent", info.traceparent);
  if (info.tracestate !== undefined) out.push("tracestate", info.tracestate);
  const xff = info.clientIp
    ? forwardedFor
      ? `${forwardedFor}, ${info.clientIp}`
      : info.clientIp
    : forwardedFor;
  if (xff) out.push("x-forwarded-for", xff);
  out.push("x-forwarded-proto", info.proto);
  if (info.host) out.push("x-forwarded-host", info.host);
  return out;
}

/**
 * Puts the replica's key last in upstream headers built by {@link buildUpstreamHeaders} (which
 * drops any the caller sent), replacing the key of an earlier attempt on another replica, or
 * removes it when the replica has none.
 */
export function setReplicaKey(headers: string[], key: string | undefined): void {
  const n = headers.length;
  const has = n >= 2 && headers[n - 2] === REPLICA_KEY_HEADER;
  if (key === undefined) {
    if (has) headers.length = n - 2;
  } else if (has) headers[n - 1] = key;
  else headers.push(REPLICA_KEY_HEADER, key);
}

/**
 * The function's response headers as the client gets them: everything but hop-by-hop ones and
 * the platform's error marker (a function must not make its answer look like the platform's).
 */
export function toClientHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): OutgoingHttpHeaders {
  const c = headers.connection;
  const listed = c === undefined ? undefined : connectionTokens(Array.isArray(c) ? c.join(",") : c);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !isHopByHop(name, listed) && name !== PLATFORM_ERROR_HEADER)
      out[name] = value;
  }
  return out;
}

// Trace and span ids come from a pooled random buffer: one randomFillSync per 256 ids instead
// of a crypto call per request (random ids, not secrets).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The W3C traceparent to send upstream: the caller's trace continued with a new parent id
 * (the controller's hop), or a new sampled trace when the caller sent none or a bad one.
 */
export function nextTraceparent(incoming: string | undefined): {
  traceparent: string;
  continued: boolean;
} {
  const span = randomHex(8);
  const m = incoming ? TRACEPARENT.exec(incoming.trim()) : null;
  if (
    m &&
    m[1] !== "ff" &&
    !/^0+$/.test(m[2]!) &&
    !/^0+$/.test(m[3]!) &&
    (m[1] !== "00" || m[5] === undefined)
  ) {
    return { traceparent: `00-${m[2]}-${span}-${m[4]}`, continued: true };
  }
  return { traceparent: `00-${randomHex(16)}-${span}-01`, continued: false };
}
