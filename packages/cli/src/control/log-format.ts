/**
 * How `eventflow logs` shows a line (pure): `time replica level message key=value` from the
 * runtime's JSON lines, the line itself for plain text, and the parts of a long line joined
 * back into one before anything is parsed.
 */
import { EventFlowError, type LogEvent } from "@eventflow/protocol";
import { paint, visible, type Color } from "./render.js";

/** Levels from least to most severe (the runtime's four, pino's six). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** A log level. */
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** A whole log line: its event id, and its fields when it is one JSON object. */
export interface LogLine extends LogEvent {
  readonly id?: string | undefined;
  readonly fields?: Readonly<Record<string, unknown>> | undefined;
}

/** Parses `--level`. */
export function parseLogLevel(text: string): LogLevelName {
  const level = normalizeLevel(text.toLowerCase());
  if (level === undefined)
    throw new EventFlowError(
      "CLI_USAGE",
      `--level takes ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(text)}`,
    );
  return level;
}

const PINO_LEVELS: Readonly<Record<number, LogLevelName>> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
const ALIASES: Readonly<Record<string, LogLevelName>> = {
  warning: "warn",
  err: "error",
  critical: "fatal",
};

function normalizeLevel(value: unknown): LogLevelName | undefined {
  if (typeof value === "number") return PINO_LEVELS[value];
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower)
    ? (lower as LogLevelName)
    : ALIASES[lower];
}

/** The level a line states; a plain line has none. */
export function statedLevel(line: LogLine): LogLevelName | undefined {
  return normalizeLevel(line.fields?.level);
}

/**
 * The level `--level` compares: the stated one; a plain line counts as info on stdout and as
 * error on stderr (where a crash's stack goes).
 */
export function effectiveLevel(line: LogLine): LogLevelName {
  return statedLevel(line) ?? (line.stream === "stderr" ? "error" : "info");
}

/** Whether `line` is at `min` or above. */
export function isAtLeast(line: LogLine, min: LogLevelName): boolean {
  return LOG_LEVELS.indexOf(effectiveLevel(line)) >= LOG_LEVELS.indexOf(min);
}

const LEVEL_COLORS: Readonly<Record<LogLevelName, Color>> = {
  trace: "dim",
  debug: "dim",
  info: "green",
  warn: "yellow",
  error: "red",
  fatal: "red",
};

/** Fields shown in their own column, never as key=value. */
const SHOWN = new Set(["level", "time", "msg", "message"]);
/** Fields only `-o wide` shows: the function is the one asked for; console is the usual source. */
const WIDE_ONLY = new Set(["function", "source"]);

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function stackOf(value: unknown): string | undefined {
  const stack = (value as { stack?: unknown } | null)?.stack;
  return typeof value === "object" && typeof stack === "string" ? stack : undefined;
}

/** Options of {@link formatLogLine}. */
export interface LogFormatOptions {
  readonly color: boolean;
  /** `-o wide`: the stream, and the function and source fields too. */
  readonly wide: boolean;
}

/** One line as a person reads it, with its newline; an error's stack follows, indented. */
export function formatLogLine(line: LogLine, options: LogFormatOptions): string {
  const { color, wide } = options;
  const head = [
    paint(color, "dim", visible(line.timestamp)),
    paint(color, "dim", visible(line.replica)),
  ];
  if (wide) head.push(visible(line.stream));
  const fields = line.fields;
  if (fields === undefined) {
    const shown = visible(line.line);
    const text = line.stream === "stderr" ? paint(color, "red", shown) : shown;
    return `${[...head, " ".repeat(5), text].join(" ")}\n`;
  }
  const level = statedLevel(line);
  const levelText = visible((level ?? String(fields.level ?? "")).toUpperCase()).padEnd(5);
  const message = fields.msg ?? fields.message;
  const parts = [
    ...head,
    paint(color, LEVEL_COLORS[level ?? "info"], levelText),
    ...(message === undefined
      ? []
      : [visible(typeof message === "string" ? message : formatValue(message))]),
  ];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (SHOWN.has(key) || (!wide && WIDE_ONLY.has(key))) continue;
    const stack = stackOf(value);
    if (stack !== undefined) stacks.push(stack);
    const shown =
      stack === undefined ? formatValue(value) : formatValue(stack.split("\n")[0] ?? "");
    parts.push(`${paint(color, "dim", `${visible(key)}=`)}${visible(shown)}`);
  }
  const indented = stacks
    .flatMap((s) => s.split("\n").slice(1))
    .map((l) => `    ${paint(color, "dim", visible(l.trim()))}\n`)
    .join("");
  return `${parts.join(" ")}\n${indented}`;
}

/**
 * Joins the 16 KiB parts of long lines (`partial`), per replica, so that a JSON line is parsed
 * whole; a line is complete with its last part. `parse` turns a whole line into its fields.
 */
export function createLineJoiner(parse: (line: string) => LogLine["fields"]): {
  push(entry: LogLine): LogLine | undefined;
  /** What is still open when the stream ends (a line whose last part never came). */
  flush(): LogLine[];
} {
  const open = new Map<string, { first: LogLine; text: string }>();
  const complete = (first: LogLine, text: string, last: LogLine): LogLine => {
    const fields = parse(text);
    return {
      replica: first.replica,
      stream: first.stream,
      timestamp: first.timestamp,
      line: text,
      ...(last.id === undefined ? {} : { id: last.id }),
      ...(fields === undefined ? {} : { fields }),
    };
  };
  return {
    push(entry) {
      const pending = open.get(entry.replica);
      const text = (pending?.text ?? "") + entry.line;
      const first = pending?.first ?? entry;
      if (entry.partial === true) {
        open.set(entry.replica, { first, text });
        return undefined;
      }
      open.delete(entry.replica);
      return pending === undefined && entry.fields !== undefined
        ? entry
        : complete(first, text, entry);
    },
    flush() {
      const rest = [...open.values()].map((p) => complete(p.first, p.text, p.first));
      open.clear();
      return rest;
    },
  };
}
