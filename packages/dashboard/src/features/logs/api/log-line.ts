/**
 * A log record as the viewer shows it: one level, one message and the other fields. The
 * runtime's structured lines are JSON (`level`, `time`, `msg`, `requestId`, ...); the SDK
 * client parses them into `fields`. Plain lines are their text, at `error` on stderr.
 */
import type { LogRecord } from "../../../lib/api-client.ts";

/** Levels, least severe first (the runtime's own). */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What one line shows. */
export interface ShownLine {
  readonly level: LogLevel;
  readonly message: string;
  /** `key=value` of the fields other than level, time and msg (their own timestamp). */
  readonly extra: string;
}

const LEVEL_ALIASES: Record<string, LogLevel> = { warning: "warn", fatal: "error", trace: "debug" };

function toLevel(value: unknown, stream: string): LogLevel {
  const name = typeof value === "string" ? value.toLowerCase() : "";
  const known = (LOG_LEVELS as readonly string[]).includes(name) ? (name as LogLevel) : undefined;
  return known ?? LEVEL_ALIASES[name] ?? (stream === "stderr" ? "error" : "info");
}

const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The level, message and other fields of `record`. */
export function toShownLine(record: LogRecord): ShownLine {
  const fields = record.fields;
  if (fields === undefined)
    return { level: toLevel(undefined, record.stream), message: record.line, extra: "" };
  const { level, time: _time, msg, message, ...rest } = fields;
  return {
    level: toLevel(level, record.stream),
    message: shown(msg ?? message ?? ""),
    extra: Object.entries(rest)
      .map(([k, v]) => `${k}=${shown(v)}`)
      .join(" "),
  };
}

/** Whether `level` is at least `min` (every line when `min` is undefined). */
export function atLeast(level: LogLevel, min: LogLevel | undefined): boolean {
  return min === undefined || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(min);
}
