import { randomUUID } from "node:crypto";
import { EventFlowError } from "@eventflow/protocol";
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

/** Builds a CloudEvent to return from a handler: `return cloudEvent({ type, source, data })`. */
export function cloudEvent<TData>(
  init: CloudEventInit<TData>,
  options: { mode?: CloudEventMode } = {},
): CloudEventReply<TData> {
  const event = { ...init, specversion: "1.0", id: init.id ?? randomUUID() } as CloudEvent<TData>;
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
const CORE = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
  "data",
  "data_base64",
]);

function checkAttributes(event: Record<string, unknown>): string | undefined {
  if (event.specversion !== "1.0")
    return `unsupported specversion ${JSON.stringify(event.specversion)} (only 1.0)`;
  for (const key of ["id", "source", "type"] as const) {
    if (typeof event[key] !== "string" || event[key] === "")
      return `attribute '${key}' is required and must be a non-empty string`;
  }
  if (
    event.time !== undefined &&
    (typeof event.time !== "string" || Number.isNaN(Date.parse(event.time)))
  ) {
    return "attribute 'time' must be an RFC 3339 timestamp";
  }
  for (const key of Object.keys(event)) {
    if (!CORE.has(key) && !ATTRIBUTE_NAME.test(key))
      return `attribute name '${key}' must be lower-case letters and digits, at most 20`;
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
      if (value !== undefined) event[name.slice(3)] = decodeHeaderValue(value);
    }
  }
  const contentType = first(headers["content-type"]);
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (data !== undefined) event.data = data;
  const problem = checkAttributes(event);
  if (problem !== undefined) throw invalid(`binary-mode CloudEvent: ${problem}`);
  return event as CloudEvent;
}

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
  if (typeof event.data_base64 === "string") {
    event.data = Buffer.from(event.data_base64, "base64");
    delete event.data_base64;
  }
  const problem = checkAttributes(event);
  if (problem !== undefined) throw invalid(`structured-mode CloudEvent: ${problem}`);
  return event as CloudEvent;
}

// Header values are percent-encoded for characters outside printable ASCII (spec 3.1.3.2).
function decodeHeaderValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function encodeHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && !value.includes("%") && !value.includes('"')
    ? value
    : encodeURIComponent(value);
}

/** Headers and body for sending `event` in binary mode. */
export function toBinary(event: CloudEvent): { headers: Record<string, string>; data: unknown } {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "data" || key === "data_base64" || key === "datacontenttype" || value === undefined)
      continue;
    headers[`ce-${key}`] = encodeHeaderValue(
      typeof value === "string" ? value : JSON.stringify(value),
    );
  }
  if (event.datacontenttype !== undefined) headers["content-type"] = event.datacontenttype;
  return { headers, data: event.data };
}

/** The JSON text for sending `event` in structured mode (bytes become `data_base64`). */
export function toStructured(event: CloudEvent): string {
  const { data, ...attributes } = event;
  const out: Record<string, unknown> = { ...attributes };
  if (data instanceof Uint8Array) out.data_base64 = Buffer.from(data).toString("base64");
  else if (data !== undefined) out.data = data;
  return JSON.stringify(out);
}
