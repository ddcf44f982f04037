/** Output of the control commands: tables that fit the terminal, JSON, YAML; colours on a TTY only. */
import { EventFlowError } from "@eventflow/protocol";

/**
 * `-o` formats, as kubectl names them: the default (`table`: a table or a few lines), `wide`
 * (more columns), `json`, `yaml` (the API's objects) and `name` (one name a line, for scripts).
 */
export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml", "name"] as const;
/** An output format. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Parses `-o` against the formats the command prints (all of them unless it says otherwise). */
export function parseOutputFormat(
  value: string | undefined,
  accepted: readonly OutputFormat[] = OUTPUT_FORMATS,
): OutputFormat {
  const format = value ?? "table";
  if ((accepted as readonly string[]).includes(format)) return format as OutputFormat;
  throw new EventFlowError(
    "CLI_USAGE",
    `-o takes ${accepted.filter((f) => f !== "table").join(", ")}, got ${JSON.stringify(format)}`,
  );
}

/** What a command prints, in each format it accepts. */
export interface Printable {
  /** `-o json` and `-o yaml`: the objects themselves. */
  readonly data: unknown;
  /** `-o name`: one per line. */
  readonly names?: readonly string[] | undefined;
  /** The default (`wide` false) and `-o wide`. */
  readonly text: (wide: boolean) => string;
}

/**
 * The one output formatter of the CLI. `stream` is for commands that print one result after
 * another (build, logs, --watch): JSON as one compact object per line, YAML as documents.
 */
export async function renderOutput(
  format: OutputFormat,
  printable: Printable,
  options: { stream?: boolean } = {},
): Promise<string> {
  if (format === "json" && options.stream === true) return `${JSON.stringify(printable.data)}\n`;
  if (format === "json" || format === "yaml") {
    const text = await renderData(printable.data, format);
    return format === "yaml" && options.stream === true ? `---\n${text}` : text;
  }
  if (format === "name") {
    if (printable.names === undefined)
      throw new EventFlowError("CLI_USAGE", "this command has no -o name");
    return printable.names.map((n) => `${n}\n`).join("");
  }
  return printable.text(format === "wide");
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
/** A colour. */
export type Color = keyof typeof CODES;

/** Colours text when enabled (never when piped). */
export function paint(enabled: boolean, color: Color, text: string): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

// C0 and C1 controls but the tab, and the bidirectional overrides that reorder what a line
// shows (U+202A-U+202E, U+2066-U+2069).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text a function wrote (a log line, a crash reason) as it may reach a terminal: control
 * characters as `\x1b`, `\n`, `\u202e`, so a hostile function can neither send escape
 * sequences (a clipboard write, a cleared screen, a window title) to the user's terminal nor
 * forge a log line with a newline. `keepNewlines` for multi-line messages (an error's).
 */
export function visible(text: string, keepNewlines = false): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return keepNewlines ? c : "\\n";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** The colour of a function phase. */
export function phaseColor(phase: string): Color {
  if (phase === "Running") return "green";
  if (phase === "Failed") return "red";
  if (phase === "Degraded" || phase === "Deploying" || phase === "Pending") return "yellow";
  return "dim";
}

/** The colour of an HTTP status. */
export function statusColor(status: number): Color {
  return status >= 500 ? "red" : status >= 400 ? "yellow" : "green";
}

// eslint-disable-next-line no-control-regex -- strips the colour codes paint() adds
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string) => s.replace(ANSI, "").length;

/**
 * A column of a table; `shrink` columns are cut (with …) when the table is wider than the
 * terminal; `wide` columns appear only with `-o wide`.
 */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly shrink?: boolean;
  readonly wide?: boolean;
}

/**
 * Renders rows as an aligned table; fits `width` by cutting the shrinkable columns. With
 * `wide`, the wide columns are added and nothing is cut (as kubectl's `-o wide`).
 */
export function renderTable<T>(
  rows: readonly T[],
  allColumns: readonly Column<T>[],
  width: number | undefined,
  options: { wide?: boolean; header?: boolean } = {},
): string {
  const wide = options.wide === true;
  const columns = allColumns.filter((c) => wide || c.wide !== true);
  if (wide) width = undefined;
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => visibleLength(row[i] ?? ""))),
  );
  const gap = 3;
  if (width !== undefined) {
    let excess = widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1) - width;
    for (let i = columns.length - 1; i >= 0 && excess > 0; i--) {
      if (!columns[i]!.shrink) continue;
      const cut = Math.min(excess, widths[i]! - Math.max(8, columns[i]!.header.length));
      if (cut > 0) {
        widths[i]! -= cut;
        excess -= cut;
      }
    }
  }
  const fit = (text: string, w: number) => {
    const plain = visibleLength(text);
    if (plain <= w) return text + " ".repeat(w - plain);
    return `${text.replace(ANSI, "").slice(0, Math.max(0, w - 1))}…`;
  };
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const w = widths[i]!;
        return visibleLength(cell) > w || i < row.length - 1 ? fit(cell, w) : cell;
      })
      .join(" ".repeat(gap))
      .trimEnd();
  const lines = cells.map(line);
  if (options.header !== false) lines.unshift(line(columns.map((c) => c.header)));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** A compact age: 45s, 12m, 3h, 2d. */
export function formatAge(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return "?";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Milliseconds as `12 ms` or `1.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Serialises a value as JSON (pretty) or YAML; `yaml` loads only when asked for. */
export async function renderData(value: unknown, format: "json" | "yaml"): Promise<string> {
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  const { stringify } = await import("yaml");
  return stringify(value);
}
