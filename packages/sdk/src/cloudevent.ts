import { randomUUID } from "node:crypto";
import { EventFlowError } from "@eventflow/protocol";
import { decodeHeaderValue, encodeHeaderValue } from "./cloudevent-header.js";
import { BYTES_TYPE, JSON_TYPE, TEXT_TYPE } from "./media-types.js";
import type { Headers } from "./types.js";

/** A CloudEvents 1.0 event. Extension attributes are lower-case alphanumeric keys. */
export interface CloudEvent<TData = unknown> {
  readonly specversion: "1.0";
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly data?: TData;
  readonly [extension: string]: unknown;
}

/** How a CloudEvent travelled over HTTP. */
export type CloudEventMode = "binary" | "structured";

/** Attributes accepted by {@link cloudEvent}; `id`, `time` and `specversion` are filled in. */
export type CloudEventInit<TData = unknown> = Omit<CloudEvent<TData>, "specversion" | "id"> & {
  readonly id?: string;
  readonly specversion?: "1.0";
};

const REPLY = Symbol.for("eventflow.cloudevent.reply");

/** A CloudEvent a handler returns; the runtime writes it in the request's mode (binary by default). */
export interface CloudEventReply<TData = unknown> {
  readonly [REPLY]: true;
  readonly event: CloudEvent<TData>;
  readonly mode: CloudEventMode | undefined;
}

/**
 * Builds a CloudEvent to return from a handler: `return cloudEvent({ type, source, data })`.
 * `id` defaults to a random UUID and `time` to now.
 */
export function cloudEvent<TData>(
  init: CloudEventInit<TData>,
  options: { mode?: CloudEventMode } = {},
): CloudEventReply<TData> {
  const event = {
    ...init,
    specversion: "1.0",
    id: init.id ?? randomUUID(),
    time: init.time ?? new Date().toISOString(),
  } as CloudEvent<TData>;
  const problem = checkAttributes(event);
  if (problem !== undefined) throw new TypeError(`cloudEvent(): ${problem}`);
  return { [REPLY]: true, event, mode: options.mode };
}

/** Whether a handler result is a {@link CloudEventReply}. */
export function isCloudEventReply(value: unknown): value is CloudEventReply {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[REPLY] === true
  );
}

const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const STRING_ATTRIBUTES = [
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
];
const CORE = new Set([...STRING_ATTRIBUTES, "specversion", "data", "data_base64"]);
// Characters the CloudEvents type system does not allow in a String: C0 and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Whether `value` is an RFC 3339 timestamp (`2026-12-05T08:15:10Z`, `...+01:00`), dates checked. */
export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (m === null) return false;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, oh = 0, om = 0] = m
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return (
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth &&
    h <= 23 &&
    mi <= 59 &&
    s <= 60 &&
    oh <= 23 &&
    om <= 59
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "number" ? String(value) : `a ${typeof value}`;
}

function stringProblem(key: string, value: string): string | undefined {
  if (CONTROL.test(value)) return `attribute '${key}' contains a control character`;
  if (LONE_SURROGATE.test(value)) return `attribute '${key}' contains a lone surrogate`;
  return undefined;
}

/** Why `event` is not a valid CloudEvent 1.0, or undefined when it is. */
function checkAttributes(event: Record<string, unknown>): string | undefined {
  if (event.specversion !== "1.0")
    return `unsupported specversion ${JSON.stringify(event.specversion)} (only 1.0)`;
  for (const key of ["id", "source", "type"] as const) {
    if (typeof event[key] !== "string" || event[key] === "")
      return `attribute '${key}' is required and must be a non-empty string`;
  }
  for (const key of STRING_ATTRIBUTES) {
    const value = event[key];
    if (value === undefined) continue;
    if (typeof value !== "string") return `attribute '${key}' must be a string`;
    const problem = stringProblem(key, value);
    if (problem !== undefined) return problem;
  }
  if (event.time !== undefined && !isRfc3339(event.time as string)) {
    return `attribute 'time' must be an RFC 3339 timestamp such as 2026-12-05T08:15:10Z, not ${JSON.stringify(event.time)}`;
  }
  for (const key of Object.keys(event)) {
    if (CORE.has(key)) continue;
    if (!ATTRIBUTE_NAME.test(key))
      return `attribute name '${key}' must be lower-case letters and digits, at most 20`;
    const value = event[key];
    if (value === undefined || typeof value === "boolean" || value instanceof Uint8Array) continue;
    if (typeof value === "string") {
      const problem = stringProblem(key, value);
      if (problem !== undefined) return problem;
      continue;
    }
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < INT32_MIN ||
      value > INT32_MAX
    )
      return `extension '${key}' must be a string, boolean, 32-bit integer or bytes, not ${describe(value)}`;
  }
  return undefined;
}

function invalid(message: string): EventFlowError {
  return new EventFlowError("CLOUDEVENT_INVALID", message);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Content type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether a media type (from {@link mediaType}) is JSON: `application/json` or `*+json`. */
export function isJsonMediaType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json");
}

/** Whether the request carries a CloudEvent in binary or structured mode. */
export function detectCloudEventMode(headers: Headers): CloudEventMode | undefined {
  const type = mediaType(first(headers["content-type"]));
  if (type.startsWith("application/cloudevents")) {
    if (type === "application/cloudevents-batch+json") {
      throw new EventFlowError(
        "CLOUDEVENT_BATCH_UNSUPPORTED",
        "batched CloudEvents are not supported; send events one by one",
      );
    }
    return "structured";
  }
  return headers["ce-specversion"] === undefined ? undefined : "binary";
}

/** Reads a binary-mode CloudEvent: attributes from `ce-*` headers, data is the parsed body. */
export function fromBinary(headers: Headers, data: unknown): CloudEvent {
  const event: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) {
    if (name.startsWith("ce-")) {
      const value = first(headers[name]);
      if (value === undefined) continue;
      try {
        event[name.slice(3)] = decodeHeaderValue(value);
      } catch (error) {
        throw invalid(`binary-mode CloudEvent: header ${name} ${(error as Error).message}`);
      }
    }
  }
  const contentType = first(headers["content-type"]);
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (data !== undefined) event.data = data;
  const problem = checkAttributes(event);
  if (problem !== undefined) throw invalid(`binary-mode CloudEvent: ${problem}`);
  return event as CloudEvent;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a structured-mode CloudEvent from its JSON body. */
export function fromStructured(rawBody: Buffer): CloudEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw invalid("structured-mode CloudEvent body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid("structured-mode CloudEvent body must be a JSON object");
  }
  const event = { ...(parsed as Record<string, unknown>) };
  // A null attribute is an absent one (JSON format).
  for (const key of Object.keys(event)) if (event[key] === null) delete event[key];
  if (event.data_base64 !== undefined) {
    if (event.data !== undefined)
      throw invalid("structured-mode CloudEvent has both 'data' and 'data_base64'");
    if (typeof event.data_base64 !== "string" || !BASE64.test(event.data_base64))
      throw invalid("structured-mode CloudEvent: 'data_base64' must be a base64 string");
    event.data = Buffer.from(event.data_base64, "base64");
    delete event.data_base64;
  }
  const problem = checkAttributes(event);
  if (problem !== undefined) throw invalid(`structured-mode CloudEvent: ${problem}`);
  return event as CloudEvent;
}

/** An attribute value's canonical string form (CloudEvents type system). */
function canonicalString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return String(value);
}

/**
 * The HTTP body for `event.data` and its content type: bytes as they are; a string as text
 * unless `datacontenttype` is JSON, then (like any other value) as JSON text, so a string is
 * quoted under `application/json`. Without `datacontenttype` the type follows the value.
 */
export function encodeData(event: CloudEvent): {
  body: string | Uint8Array | undefined;
  contentType: string | undefined;
} {
  const { data, datacontenttype } = event;
  if (data === undefined) return { body: undefined, contentType: datacontenttype };
  if (data instanceof Uint8Array) return { body: data, contentType: datacontenttype ?? BYTES_TYPE };
  if (data instanceof ArrayBuffer)
    return { body: new Uint8Array(data), contentType: datacontenttype ?? BYTES_TYPE };
  const json = datacontenttype === undefined || isJsonMediaType(mediaType(datacontenttype));
  if (typeof data === "string" && !(json && datacontenttype !== undefined))
    return { body: data, contentType: datacontenttype ?? TEXT_TYPE };
  if (typeof data === "function" || typeof data === "symbol" || typeof data === "bigint")
    throw new TypeError(`CloudEvent data cannot be a ${typeof data}`);
  return { body: JSON.stringify(data), contentType: datacontenttype ?? JSON_TYPE };
}

/** Headers and body for sending `event` in binary mode (spec 3.1: `ce-*` headers, data as body). */
export function toBinary(event: CloudEvent): {
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
} {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "data" || key === "data_base64" || key === "datacontenttype" || value === undefined)
      continue;
    headers[`ce-${key}`] = encodeHeaderValue(canonicalString(value));
  }
  const { body, contentType } = encodeData(event);
  if (contentType !== undefined) headers["content-type"] = contentType;
  return { headers, body };
}

/** The JSON text for sending `event` in structured mode (bytes become `data_base64`). */
export function toStructured(event: CloudEvent): string {
  const { data, ...attributes } = event;
  const out: Record<string, unknown> = { ...attributes };
  if (data instanceof Uint8Array) out.data_base64 = Buffer.from(data).toString("base64");
  else if (data !== undefined) out.data = data;
  return JSON.stringify(out);
}
