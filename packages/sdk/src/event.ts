import { EventFlowError } from "@eventflow/protocol";
import {
  detectCloudEventMode,
  fromBinary,
  fromStructured,
  isJsonMediaType,
  mediaType,
  type CloudEvent,
  type CloudEventMode,
} from "./cloudevent.js";
import type { Headers, HttpEvent } from "./types.js";

/** A request as the runtime (or the testing entry) has read it. */
export interface RawRequest {
  readonly method: string;
  /** Path and query, e.g. `/a/b?x=1`. */
  readonly url: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

const EMPTY = Buffer.alloc(0);

function isText(type: string): boolean {
  return (
    type.startsWith("text/") ||
    type === "application/x-www-form-urlencoded" ||
    type === "application/xml" ||
    type.endsWith("+xml")
  );
}

/** Parses a body by its content type; malformed JSON throws RUNTIME_INVALID_JSON. */
export function parseBody(contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const type = mediaType(contentType);
  if (isJsonMediaType(type)) {
    try {
      return JSON.parse(raw.toString("utf8"));
    } catch (error) {
      throw new EventFlowError(
        "RUNTIME_INVALID_JSON",
        `request body is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  if (isText(type)) return raw.toString("utf8");
  return raw;
}

class Event implements HttpEvent {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: unknown;
  readonly rawBody: Buffer;
  readonly cloudEvent: CloudEvent | undefined;
  readonly #search: string;
  #query: Record<string, string> | undefined;
  #params: URLSearchParams | undefined;

  constructor(raw: RawRequest, rawBody: Buffer, body: unknown, cloudEvent: CloudEvent | undefined) {
    const q = raw.url.indexOf("?");
    this.method = raw.method;
    this.path = q === -1 ? raw.url : raw.url.slice(0, q);
    this.#search = q === -1 ? "" : raw.url.slice(q + 1);
    this.headers = raw.headers;
    this.rawBody = rawBody;
    this.body = body;
    this.cloudEvent = cloudEvent;
  }

  get searchParams(): URLSearchParams {
    return (this.#params ??= new URLSearchParams(this.#search));
  }

  get query(): Record<string, string> {
    if (this.#query === undefined) {
      const query: Record<string, string> = {};
      for (const [key, value] of this.searchParams)
        if (!Object.hasOwn(query, key)) query[key] = value;
      this.#query = query;
    }
    return this.#query;
  }
}

/** The event a handler receives for `raw`, with the mode of its CloudEvent when it has one. */
export function buildEvent(raw: RawRequest): {
  event: HttpEvent;
  mode: CloudEventMode | undefined;
} {
  const body = raw.body.length === 0 ? EMPTY : raw.body;
  const mode = detectCloudEventMode(raw.headers);
  if (mode === "structured") {
    const ce = fromStructured(body);
    return { event: new Event(raw, body, ce.data, ce), mode };
  }
  const contentType = raw.headers["content-type"];
  const parsed = parseBody(Array.isArray(contentType) ? contentType[0] : contentType, body);
  const ce = mode === "binary" ? fromBinary(raw.headers, parsed) : undefined;
  return { event: new Event(raw, body, parsed, ce), mode };
}
