/** `eventflow revisions NAME` and `eventflow rollback NAME [--to N]`: a function's history. */
import { EventFlowError, type FunctionRevision } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import { formatAge, parseOutputFormat, renderOutput, renderTable, type Column } from "./render.js";
import { revisionTrafficText, soleTarget } from "./traffic-format.js";
import type { CommandIo } from "../io.js";

/** Flags of `eventflow revisions`. */
export interface RevisionsFlags extends ConnectionFlags {
  output?: string;
}

/** Flags of `eventflow rollback`. */
export interface RollbackFlags extends ConnectionFlags {
  output?: string;
  /** The revision to go back to: a number or a name (`hello-00003`). */
  to?: string;
}

const SHORT_DIGEST = 12;

function columns(): Column<FunctionRevision>[] {
  return [
    { header: "REVISION", value: (r) => String(r.number) },
    {
      header: "IMAGE",
      value: (r) =>
        r.digest === undefined
          ? r.image
          : `${r.image} (${r.digest.replace(/^sha256:/, "").slice(0, SHORT_DIGEST)})`,
      shrink: true,
    },
    { header: "CREATED", value: (r) => formatAge(r.created_at) },
    { header: "BY", value: (r) => r.created_by },
    { header: "CURRENT", value: (r) => (r.current ? "*" : "") },
    { header: "TRAFFIC", value: revisionTrafficText },
    { header: "NAME", value: (r) => r.name, wide: true },
    { header: "DIGEST", value: (r) => r.digest ?? "", wide: true },
  ];
}

/** `eventflow revisions NAME`: REVISION IMAGE CREATED BY CURRENT TRAFFIC, newest first. */
export async function revisionsCommand(
  name: string,
  flags: RevisionsFlags,
  io: CommandIo,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const list = await client.functions.revisions(name, {
    signal: io.signal,
    tenant: context.tenant,
  });
  const text = (wide: boolean) => renderTable(list, columns(), io.env.columns, { wide });
  io.stdout.write(await renderOutput(format, { data: list, names: list.map((r) => r.name), text }));
}

/** `--to`: a whole number, or a revision name the controller checks. */
function parseTo(to: string | undefined): number | string | undefined {
  if (to === undefined) return undefined;
  if (/^[0-9]+$/.test(to)) return Number(to);
  if (to === "") throw new EventFlowError("CLI_USAGE", "--to takes a revision number or name");
  return to;
}

/**
 * `eventflow rollback NAME [--to N]`: moves all the traffic to an earlier revision at once
 * (no revision is made) and says where it went and how many of its replicas are ready.
 */
export async function rollbackCommand(
  name: string,
  flags: RollbackFlags,
  io: CommandIo,
): Promise<void> {
  const format = parseOutputFormat(flags.output, ["table", "json", "yaml", "name"]);
  const to = parseTo(flags.to);
  const { client, context } = await connect(flags, io.env);
  const fn = await client.functions.rollback(name, to, {
    signal: io.signal,
    tenant: context.tenant,
  });
  const target = soleTarget(fn.traffic);
  const where =
    target === undefined
      ? to === undefined
        ? "the previous revision"
        : `revision ${String(to)}`
      : `${target.name} (${target.ready_replicas} ready ${target.ready_replicas === 1 ? "replica" : "replicas"})`;
  const text = () => `${name} rolled back: all traffic to ${where}\n`;
  io.stdout.write(await renderOutput(format, { data: fn, names: [name], text }));
}
