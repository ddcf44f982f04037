/**
 * What `eventflow build` and `push` print, through the CLI's one formatter (control/render.ts):
 * `IMAGE@DIGEST` a line by default, `-o wide` a table, `-o json` one object a line (as `--json`
 * always printed), `-o yaml` one document per image, `-o name` the pinned references.
 */
import { EventFlowError } from "@eventflow/protocol";
import {
  OUTPUT_FORMATS,
  parseOutputFormat,
  renderOutput,
  renderTable,
  type Column,
  type OutputFormat,
} from "./control/render.js";
import { formatBytes } from "./progress.js";

/** The fields of a result every printer uses. */
export interface ImageResult {
  readonly image: string;
  readonly digest: string;
  readonly function?: string;
  readonly platforms?: readonly string[];
  readonly bundle?: { readonly bytes: number };
  readonly durationMs?: number;
  readonly mediaType?: string;
}

/**
 * Splits build's `-o` values into the one format and the destinations (`oci:`/`tar:`): the two
 * never look alike, so `-o json -o oci:out` is both.
 */
export function splitBuildOutput(flags: { output?: string[]; json?: boolean }): {
  format: OutputFormat;
  destinations: string[];
} {
  const values = flags.output ?? [];
  const formats = values.filter((v) => (OUTPUT_FORMATS as readonly string[]).includes(v));
  if (flags.json === true) formats.push("json");
  if (new Set(formats).size > 1)
    throw new EventFlowError("CLI_USAGE", `-o names one format, got ${formats.join(" and ")}`);
  return {
    format: parseOutputFormat(formats[0]),
    destinations: values.filter((v) => !formats.includes(v)),
  };
}

/** The format of push's `-o` and `--json`. */
export function pushOutputFormat(flags: { output?: string; json?: boolean }): OutputFormat {
  if (flags.json === true && flags.output !== undefined && flags.output !== "json")
    throw new EventFlowError("CLI_USAGE", `--json and -o ${flags.output} disagree`);
  return parseOutputFormat(flags.json === true ? "json" : flags.output);
}

const COLUMNS: Column<ImageResult>[] = [
  { header: "FUNCTION", value: (r) => r.function ?? "" },
  { header: "IMAGE", value: (r) => r.image },
  { header: "DIGEST", value: (r) => r.digest },
  { header: "PLATFORMS", value: (r) => (r.platforms ?? []).join(",") },
  { header: "BUNDLE", value: (r) => (r.bundle ? formatBytes(r.bundle.bytes) : "") },
  { header: "TIME", value: (r) => (r.durationMs === undefined ? "" : `${r.durationMs} ms`) },
  { header: "TYPE", value: (r) => r.mediaType ?? "" },
];

/** One result as it is printed when it is ready (`-o wide` waits for all: see printImageTable). */
export function printImageResult(format: OutputFormat, result: ImageResult): Promise<string> {
  const pinned = `${result.image}@${result.digest}`;
  return renderOutput(
    format,
    { data: result, names: [pinned], text: () => `${pinned}\n` },
    { stream: true },
  );
}

/** `-o wide`: every result as one table, the columns that have a value. */
export function printImageTable(results: readonly ImageResult[]): string {
  const used = COLUMNS.filter((c) => results.some((r) => c.value(r) !== ""));
  return renderTable(results, used, undefined, { wide: true });
}
