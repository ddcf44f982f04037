/** Output of the control commands: tables that fit the terminal, JSON, YAML; colours on a TTY only. */
import { EventFlowError } from "@eventflow/protocol";

/** `-o` formats. */
export const OUTPUT_FORMATS = ["table", "json", "yaml", "name"] as const;
/** An output format. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Parses `-o`. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = value ?? "table";
  if ((OUTPUT_FORMATS as readonly string[]).includes(format)) return format as OutputFormat;
  throw new EventFlowError(
    "CLI_USAGE",
    `-o takes ${OUTPUT_FORMATS.join(", ")}, got ${JSON.stringify(format)}`,
  );
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
/** A colour. */
export type Color = keyof typeof CODES;

/** Colours text when enabled (never when piped). */
export function paint(enabled: boolean, color: Color, text: string): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
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
const visible = (s: string) => s.replace(ANSI, "").length;

/** A column of a table; `shrink` columns are cut (with …) when the table is wider than the terminal. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly shrink?: boolean;
}

/** Renders rows as an aligned table; fits `columns` by cutting the shrinkable columns. */
export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  width: number | undefined,
): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => visible(row[i] ?? ""))),
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
    const plain = visible(text);
    if (plain <= w) return text + " ".repeat(w - plain);
    return `${text.replace(ANSI, "").slice(0, Math.max(0, w - 1))}…`;
  };
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const w = widths[i]!;
        return visible(cell) > w || i < row.length - 1 ? fit(cell, w) : cell;
      })
      .join(" ".repeat(gap))
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n") + "\n";
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
