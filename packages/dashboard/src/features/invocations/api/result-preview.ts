/** What the invocation detail shows of a stored result: its body as text, indented when JSON. */
import type { Invocation } from "@eventflow/sdk/client";
import { prettyBody } from "../../../lib/format.ts";

/** A result as the page shows it. */
export interface ResultPreview {
  readonly status: number;
  readonly contentType: string | undefined;
  /** The body as text (JSON indented), or undefined when it is not UTF-8 text. */
  readonly text: string | undefined;
  /** Bytes the controller kept (at most its result limit). */
  readonly bytes: number;
  /** The controller cut the body at its result limit. */
  readonly truncated: boolean;
}

function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** The preview of `result` (the API keeps bodies base64). */
export function toResultPreview(result: NonNullable<Invocation["result"]>): ResultPreview {
  const bytes = fromBase64(result.body);
  let text: string | undefined;
  try {
    // `fatal`: bytes that are not UTF-8 (an image, a gzip) are said to be binary, not garbled.
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  return {
    status: result.status,
    contentType: result.contentType,
    text: text === undefined ? undefined : prettyBody(text, result.contentType),
    bytes: bytes.length,
    truncated: result.truncated,
  };
}

/** Milliseconds an attempt took, or undefined while it runs. */
export function attemptDurationMs(attempt: {
  readonly startedAt: string;
  readonly finishedAt?: string | undefined;
}): number | undefined {
  if (attempt.finishedAt === undefined) return undefined;
  const ms = Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt);
  return Number.isFinite(ms) ? ms : undefined;
}
