/** `eventflow events NAME`: a function's recent events, newest first. */
import { EventFlowError, describeFunctionEvent, type FunctionEvent } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import {
  formatAge,
  parseOutputFormat,
  renderOutput,
  renderTable,
  visible,
  type Column,
} from "./render.js";
import type { CommandIo } from "../io.js";

/** Flags of `eventflow events`. */
export interface EventsFlags extends ConnectionFlags {
  output?: string;
  /** At most this many (1 to 100). */
  limit?: string;
}

function columns(): Column<FunctionEvent>[] {
  return [
    { header: "AGE", value: (e) => formatAge(e.time) },
    { header: "TYPE", value: (e) => e.type },
    // A message can carry what a function wrote (a crash's stderr line, its termination
    // message): shown with its control characters escaped, as logs are.
    { header: "REASON", value: (e) => visible(e.reason) },
    { header: "DETAIL", value: (e) => visible(describeFunctionEvent(e)) },
    { header: "COUNT", value: (e) => (e.count === undefined ? "" : String(e.count)) },
    { header: "REPLICA", value: (e) => visible(e.replica ?? ""), wide: true },
    { header: "TIME", value: (e) => visible(e.time), wide: true },
    { header: "MESSAGE", value: (e) => visible(e.message), shrink: true },
  ];
}

function parseLimit(limit: string | undefined): number | undefined {
  if (limit === undefined) return undefined;
  const n = Number(limit);
  if (!/^[0-9]+$/.test(limit) || n < 1 || n > 100)
    throw new EventFlowError("CLI_USAGE", "--limit takes a whole number from 1 to 100");
  return n;
}

/** `eventflow events NAME`: AGE TYPE REASON DETAIL COUNT MESSAGE, newest first. */
export async function eventsCommand(
  name: string,
  flags: EventsFlags,
  io: CommandIo,
): Promise<void> {
  const format = parseOutputFormat(flags.output, ["table", "wide", "json", "yaml"]);
  const limit = parseLimit(flags.limit);
  const { client, context } = await connect(flags, io.env);
  const list = await client.functions.events(name, {
    signal: io.signal,
    tenant: context.tenant,
    limit,
  });
  const text = (wide: boolean) => renderTable(list, columns(), io.env.columns, { wide });
  io.stdout.write(await renderOutput(format, { data: list, names: [], text }));
}
