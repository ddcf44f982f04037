/** `eventflow logs NAME [-f] [--since D] [--tail N]`. */
import { EventFlowError } from "@eventflow/protocol";
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
  const c = io.env.color;
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
      const line = entry.stream === "stderr" ? paint(c, "red", entry.line) : entry.line;
      io.stdout.write(`${paint(c, "dim", `${entry.timestamp} ${entry.replica}`)} ${line}\n`);
    }
  } catch (error) {
    // Ctrl-C while following is how `logs -f` ends; bin.ts exits 130.
    if (io.signal.aborted) return;
    throw error;
  }
}
