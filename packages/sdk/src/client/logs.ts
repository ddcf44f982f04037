/**
 * Function logs as an async iterator over server-sent events (the `eventsource` package).
 * Reconnects after a dropped connection with `Last-Event-ID`, so no line is lost or repeated.
 */
import {
  EventFlowError,
  isErrorEnvelope,
  fromErrorEnvelope,
  type LogEvent,
} from "@eventflow/protocol";
import { EventSource } from "eventsource";
import { errorFromResponse, unreachable } from "./errors.js";
import { functionPath, type CallOptions } from "./functions.js";
import { sleep } from "./retry.js";
import type { Transport } from "./transport.js";

/** Options of `client.logs`. */
export interface LogsOptions extends CallOptions {
  /** Keep the stream open and yield new lines as they are written. */
  readonly follow?: boolean | undefined;
  /** Start with the last N lines of history (0: none). */
  readonly tail?: number | undefined;
  /** Only lines since this instant, or a duration back from now (`10m`). */
  readonly since?: Date | string | undefined;
  /** Resume after this event id (from an earlier {@link LogEntry.id}). */
  readonly after?: string | undefined;
  /** Consecutive failed reconnects before giving up (default 30, about a minute). */
  readonly maxReconnects?: number | undefined;
}

/** One log line with its event id (monotonic per function; resume with `after`). */
export interface LogEntry extends LogEvent {
  readonly id: string;
  /**
   * The line parsed, when it is one JSON object (the runtime's structured lines:
   * `level`, `time`, `msg`, `requestId`, ...); absent for plain text and partial lines.
   */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A log line as an object when it is one JSON object, otherwise undefined. */
export function toLogFields(line: string): Readonly<Record<string, unknown>> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `log` event's data as the API defines it, or undefined when it is not (bad JSON, a field
 * missing or of another type): a damaged or hostile stream ends the iterator with an error
 * instead of throwing inside the event source, where nothing could catch it.
 */
export function parseLogEvent(data: string): LogEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    typeof e.replica === "string" &&
    (e.stream === "stdout" || e.stream === "stderr") &&
    typeof e.timestamp === "string" &&
    typeof e.line === "string" &&
    (e.partial === undefined || e.partial === true);
  return ok ? (value as LogEvent) : undefined;
}

function toLogEntry(event: LogEvent, id: string): LogEntry {
  const fields = event.partial === true ? undefined : toLogFields(event.line);
  return { ...event, id, ...(fields === undefined ? {} : { fields }) };
}

/** Whether event id `id` comes after `last` (numeric ids compare as numbers). */
export function isAfter(id: string, last: string | undefined): boolean {
  if (last === undefined) return true;
  if (/^[0-9]+$/.test(id) && /^[0-9]+$/.test(last))
    return id.length !== last.length ? id.length > last.length : id > last;
  return id !== last;
}

type Outcome =
  { kind: "entry"; entry: LogEntry } | { kind: "end" } | { kind: "error"; error: unknown };

/**
 * Streams a function's logs; break out of the loop or abort the signal to stop (an abort ends
 * the iteration quietly, like a `break`).
 */
export async function* streamLogs(
  transport: Transport,
  name: string,
  options: LogsOptions = {},
): AsyncGenerator<LogEntry, void, undefined> {
  const since = options.since instanceof Date ? options.since.toISOString() : options.since;
  const url = transport.urlFor(functionPath(name, "/logs"), {
    follow: options.follow === true ? "true" : undefined,
    tail: options.tail,
    since,
    tenant: options.tenant,
  });
  const maxReconnects = options.maxReconnects ?? 30;
  const queue: Outcome[] = [];
  let wake: (() => void) | undefined;
  const push = (o: Outcome) => {
    queue.push(o);
    wake?.();
  };
  let lastId = options.after;
  let failures = 0;
  let opened = false;
  let source: EventSource | undefined;
  // A pending promise does not keep Node's event loop alive, and eventsource unrefs its
  // reconnect timer: hold a timer while the iterator is open so `logs -f` waits.
  const keepAlive = setInterval(() => undefined, 60_000);
  const onAbort = () => push({ kind: "end" });
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const open = (refresh: boolean) => {
    let failure: unknown;
    let refreshed = refresh;
    const es = new EventSource(url, {
      fetch: async (input, init) => {
        const headers: Record<string, string> = {
          ...init.headers,
          ...(await transport.authHeaders(options.signal, refreshed)),
        };
        if (lastId !== undefined) headers["Last-Event-ID"] = lastId;
        let res: Response;
        try {
          res = await transport.fetch(input, { ...init, headers } as RequestInit);
        } catch (error) {
          if ((error as { name?: string }).name === "AbortError") throw error;
          failures += 1;
          if (!opened || failures > maxReconnects) {
            push({ kind: "error", error: unreachable(transport.baseUrl, error) });
            es.close();
          }
          throw error;
        }
        if (res.status !== 200) {
          failure = await errorFromResponse(res);
          return new Response(null, { status: res.status });
        }
        return res;
      },
    });
    es.addEventListener("open", () => {
      opened = true;
      failures = 0;
      refreshed = false;
    });
    es.addEventListener("log", (event) => {
      const id = event.lastEventId;
      if (!isAfter(id, lastId)) return;
      lastId = id;
      const parsed = parseLogEvent(String(event.data));
      if (parsed === undefined) {
        es.close();
        push({
          kind: "error",
          error: new EventFlowError(
            "CLIENT_BAD_RESPONSE",
            "the log stream sent an event that is not a log line",
          ),
        });
        return;
      }
      push({ kind: "entry", entry: toLogEntry(parsed, id) });
    });
    es.addEventListener("end", () => {
      es.close();
      push({ kind: "end" });
    });
    es.addEventListener("error", (event) => {
      const data = (event as { data?: unknown }).data;
      if (typeof data === "string") {
        // The server's own `error` event: the envelope of a failure after the stream started.
        let value: unknown;
        try {
          value = JSON.parse(data);
        } catch {
          value = undefined;
        }
        es.close();
        push({
          kind: "error",
          error: isErrorEnvelope(value)
            ? fromErrorEnvelope(value, 500)
            : new EventFlowError("CLIENT_BAD_RESPONSE", "the log stream failed"),
        });
        return;
      }
      if (es.readyState !== EventSource.CLOSED) return; // eventsource reconnects by itself
      const error = failure as EventFlowError | undefined;
      if (error !== undefined && error.code === "AUTH_TOKEN_EXPIRED" && !refresh) {
        reopen(true, 0);
        return;
      }
      if (error !== undefined && error.retryable && opened && failures < maxReconnects) {
        failures += 1;
        reopen(false, 1000);
        return;
      }
      push({
        kind: "error",
        error: error ?? new EventFlowError("CLIENT_BAD_RESPONSE", "the log stream was refused"),
      });
    });
    source = es;
  };
  const reopen = (refresh: boolean, delayMs: number) => {
    void sleep(delayMs, options.signal).then(
      () => open(refresh),
      () => undefined,
    );
  };

  try {
    if (options.signal?.aborted) return;
    open(false);
    for (;;) {
      // Aborted: whatever is queued (a fetch the abort cut short) is not the caller's concern.
      if (options.signal?.aborted) return;
      const next = queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (next.kind === "end") return;
      if (next.kind === "error") throw next.error;
      yield next.entry;
    }
  } finally {
    clearInterval(keepAlive);
    options.signal?.removeEventListener("abort", onAbort);
    source?.close();
  }
}
