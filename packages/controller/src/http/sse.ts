/** Server-sent events framing: pure builders, one event per log line. */
import type { LogLine } from "../drivers/driver.js";

/** One SSE event; `data` may hold newlines (each becomes its own `data:` line). */
export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
  readonly retryMs?: number;
}

const NEWLINES = /\r\n|\r|\n/;

/** Encodes one event; fields never carry raw newlines, so a line cannot forge another event. */
export function sseEncode(event: SseEvent): string {
  let out = "";
  if (event.retryMs !== undefined) out += `retry: ${Math.floor(event.retryMs)}\n`;
  if (event.id !== undefined) out += `id: ${event.id.replace(/[\r\n\0]/g, "")}\n`;
  if (event.event !== undefined) out += `event: ${event.event.replace(/[\r\n]/g, "")}\n`;
  for (const line of event.data.split(NEWLINES)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: keeps proxies and clients from timing out an idle stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, " ")}\n\n`;
}

/** The `log` event of one line; the id lets `Last-Event-ID` resume after it. */
export function sseEncodeLog(line: LogLine): string {
  return sseEncode({
    id: line.id,
    event: "log",
    data: JSON.stringify({
      replica: line.replica,
      stream: line.stream,
      timestamp: line.timestamp,
      line: line.line,
      ...(line.partial === true ? { partial: true } : {}),
    }),
  });
}
