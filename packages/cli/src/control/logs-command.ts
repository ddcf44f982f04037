/** `eventflow logs NAME [-f] [--since D] [--tail N]`. */
import { EventFlowError, type LogEvent } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import type { ControlIo } from "./io.js";
import { paint, parseOutputFormat } from "./render.js";

/** Flags of `eventflow logs`. */
export interface LogsFlags extends ConnectionFlags {
  follow?: boolean;
  since?: string;
  tail?: string;
  output?: string;
}

/**
 * Text of log entries, one line each. The 16 KiB parts of a long line (`partial`) are joined
 * back: the prefix once, the parts after it, the newline after the last (or before another
 * replica's line comes between). Pure apart from its own state.
 */
export function createLogText(color: boolean): {
  entry(entry: LogEvent): string;
  end(): string;
} {
  let open: string | undefined;
  return {
    entry(entry) {
      let out = "";
      if (open !== undefined && open !== entry.replica) out += "\n";
      if (open !== entry.replica)
        out += `${paint(color, "dim", `${entry.timestamp} ${entry.replica}`)} `;
      out += entry.stream === "stderr" ? paint(color, "red", entry.line) : entry.line;
      open = entry.partial === true ? entry.replica : undefined;
      return open === undefined ? `${out}\n` : out;
    },
    end() {
      const unfinished = open !== undefined;
      open = undefined;
      return unfinished ? "\n" : "";
    },
  };
}

/** `eventflow logs`: one line per log line; `-o json` prints one JSON object per line. */
export async function logsCommand(name: string, flags: LogsFlags, io: ControlIo): Promise<void> {
  const format = parseOutputFormat(flags.output);
  if (format === "yaml" || format === "name")
    throw new EventFlowError("CLI_USAGE", "logs prints table (text) or json lines");
  let tail: number | undefined;
  if (flags.tail !== undefined) {
    if (!/^[0-9]+$/.test(flags.tail))
      throw new EventFlowError("CLI_USAGE", `--tail takes a number, got ${flags.tail}`);
    tail = Number(flags.tail);
  }
  const { client, context } = await connect(flags, io.env);
  const text = createLogText(io.env.color);
  try {
    for await (const entry of client.logs(name, {
      follow: flags.follow === true,
      ...(tail === undefined ? {} : { tail }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      tenant: context.tenant,
      signal: io.signal,
    })) {
      if (format === "json") {
        io.stdout.write(`${JSON.stringify(entry)}\n`);
        continue;
      }
      io.stdout.write(text.entry(entry));
    }
    io.stdout.write(text.end());
  } catch (error) {
    // Ctrl-C while following is how `logs -f` ends; bin.ts exits 130.
    if (io.signal.aborted) return;
    throw error;
  }
}
