/** `eventflow logs NAME [-f] [--since D] [--tail N] [--level L] [--raw] [-o wide|json|yaml]`. */
import { EventFlowError } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import type { CommandIo } from "../io.js";
import {
  createLineJoiner,
  formatLogLine,
  isAtLeast,
  parseLogLevel,
  type LogLevelName,
  type LogLine,
} from "./log-format.js";
import { parseOutputFormat, renderOutput, type OutputFormat } from "./render.js";

/** Flags of `eventflow logs`. */
export interface LogsFlags extends ConnectionFlags {
  follow?: boolean;
  since?: string;
  tail?: string;
  output?: string;
  level?: string;
  raw?: boolean;
}

/** What `-o json` prints for a line: its fields as an object when it is JSON, else its text. */
export function toLogRecord(line: LogLine): Record<string, unknown> {
  return {
    ...(line.id === undefined ? {} : { id: line.id }),
    timestamp: line.timestamp,
    replica: line.replica,
    stream: line.stream,
    ...(line.fields === undefined ? { line: line.line } : { fields: line.fields }),
  };
}

/** Options of {@link createLogWriter}. */
export interface LogWriterOptions {
  readonly format: OutputFormat;
  readonly color: boolean;
  readonly raw: boolean;
  readonly minLevel: LogLevelName | undefined;
  readonly parse: (line: string) => LogLine["fields"];
}

/**
 * Turns log events into output text: long lines joined, `--level` applied, then the raw line,
 * the readable one, or a JSON/YAML record. Pure apart from its own state.
 */
export function createLogWriter(options: LogWriterOptions): {
  entry(entry: LogLine): Promise<string>;
  end(): Promise<string>;
} {
  const joiner = createLineJoiner(options.parse);
  const write = async (line: LogLine): Promise<string> => {
    if (options.minLevel !== undefined && !isAtLeast(line, options.minLevel)) return "";
    if (options.raw) return `${line.line}\n`;
    return renderOutput(
      options.format,
      {
        data: toLogRecord(line),
        text: (wide) => formatLogLine(line, { color: options.color, wide }),
      },
      { stream: true },
    );
  };
  return {
    async entry(entry) {
      const whole = joiner.push(entry);
      return whole === undefined ? "" : write(whole);
    },
    async end() {
      let out = "";
      for (const line of joiner.flush()) out += await write(line);
      return out;
    },
  };
}

/** `eventflow logs`: readable lines; `--raw` the lines as written; `-o json` one object a line. */
export async function logsCommand(name: string, flags: LogsFlags, io: CommandIo): Promise<void> {
  const format = parseOutputFormat(flags.output, ["table", "wide", "json", "yaml"]);
  if (flags.raw === true && format !== "table")
    throw new EventFlowError("CLI_USAGE", "--raw prints the lines as written: drop -o");
  let tail: number | undefined;
  if (flags.tail !== undefined) {
    if (!/^[0-9]+$/.test(flags.tail))
      throw new EventFlowError("CLI_USAGE", `--tail takes a number, got ${flags.tail}`);
    tail = Number(flags.tail);
  }
  const minLevel = flags.level === undefined ? undefined : parseLogLevel(flags.level);
  const { client, context } = await connect(flags, io.env);
  const { toLogFields } = await import("@eventflow/sdk/client");
  const writer = createLogWriter({
    format,
    color: io.env.color,
    raw: flags.raw === true,
    minLevel,
    parse: toLogFields,
  });
  try {
    for await (const entry of client.logs(name, {
      follow: flags.follow === true,
      ...(tail === undefined ? {} : { tail }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      tenant: context.tenant,
      signal: io.signal,
    })) {
      const text = await writer.entry(entry);
      if (text !== "") io.stdout.write(text);
    }
    io.stdout.write(await writer.end());
  } catch (error) {
    // Ctrl-C while following is how `logs -f` ends; bin.ts exits 130.
    if (io.signal.aborted) return;
    throw error;
  }
}
