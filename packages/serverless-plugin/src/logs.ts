/**
 * `logs -f NAME [--tail] [--startTime T] [--filter PATTERN]`: the function's log lines from the
 * controller's log stream, with the framework's options read as its AWS provider reads them.
 */
import { EventFlowError } from "@eventflow/protocol";
import { tenantOf, type Session } from "./session.js";

/** Lines shown without `--startTime`. */
export const DEFAULT_LOG_LINES = 100;

const DURATION = /^[0-9]{1,6}[smhd]$/;
const DATE =
  /^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?$/i;

/**
 * `--startTime` as the log stream's `since`: a duration back from now (`30m`, `2h`, `1d`,
 * also `90s`) as it is, or a date or date-time (`2026-01-31`, `2026-01-31T12:00`,
 * `2026-01-31 12:00:00+01:00`) as an instant, UTC when no offset is given (as the framework's
 * AWS provider reads it). Anything else is CLI_USAGE naming the option.
 */
export function parseStartTime(text: string): string {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) return trimmed;
  const match = DATE.exec(trimmed);
  const instant =
    match === null
      ? undefined
      : new Date(`${match[1]}T${match[2] ?? "00:00"}${match[3]?.toUpperCase() ?? "Z"}`);
  if (instant === undefined || Number.isNaN(instant.getTime()))
    throw new EventFlowError(
      "CLI_USAGE",
      `--startTime takes a duration back from now (90s, 30m, 2h, 1d) or a date (2026-01-31, 2026-01-31T12:00:00Z), got ${JSON.stringify(text)}`,
    );
  return instant.toISOString();
}

/**
 * `--filter`: the terms a line must all contain (case-sensitive, as CloudWatch's filter
 * patterns); a "quoted phrase" is one term.
 */
export function parseLogFilter(pattern: string): (line: string) => boolean {
  const terms = [...pattern.matchAll(/"([^"]*)"|(\S+)/g)]
    .map((m) => m[1] ?? m[2] ?? "")
    .filter((t) => t !== "");
  return (line) => terms.every((t) => line.includes(t));
}

/** `logs`: prints `TIMESTAMP REPLICA LINE`; `--tail` keeps following until interrupted. */
export async function showLogs(session: Session, signal: AbortSignal): Promise<void> {
  const fn = session.target();
  const { startTime, filter, tail, interval } = session.options;
  const since = typeof startTime === "string" ? parseStartTime(startTime) : undefined;
  const matches = typeof filter === "string" ? parseLogFilter(filter) : () => true;
  if (interval !== undefined)
    session.io.log.warning("--interval: EventFlow streams lines as they are written; ignored");
  const connection = await session.connect();
  for await (const entry of connection.client.logs(fn.name, {
    tenant: tenantOf(session, connection),
    follow: tail === true,
    signal,
    ...(since === undefined ? { tail: DEFAULT_LOG_LINES } : { since }),
  }))
    if (matches(entry.line))
      session.io.writeText(`${entry.timestamp} ${entry.replica} ${entry.line}`);
}
