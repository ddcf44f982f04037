/**
 * Asynchronous invocations: `eventflow invoke NAME --async [--wait]` and `eventflow invocations
 * get|list|dead|redrive|purge`. The id of a queued invocation goes to stdout (for scripts).
 */
import { EventFlowError } from "@eventflow/protocol";
import type { DeadLetterSelector, Invocation } from "@eventflow/sdk/client";
import { connect, type ConnectionFlags } from "./connect.js";
import { formatAge, parseOutputFormat, renderOutput, renderTable, type Column } from "./render.js";
import type { CommandIo } from "../io.js";

/** Flags of the invocations commands. */
export interface InvocationsFlags extends ConnectionFlags {
  output?: string;
  state?: string;
  limit?: string;
  function?: string;
  id?: string[];
  all?: boolean;
}

function columns(): Column<Invocation>[] {
  return [
    { header: "ID", value: (i) => i.id },
    { header: "FUNCTION", value: (i) => i.function },
    { header: "STATE", value: (i) => i.state },
    { header: "ATTEMPTS", value: (i) => `${i.attempts.length}/${i.maxAttempts}` },
    { header: "STATUS", value: (i) => (i.result ? String(i.result.status) : "") },
    {
      header: "LAST-ERROR",
      value: (i) => i.attempts.findLast((a) => a.error)?.error?.code ?? "",
      shrink: true,
    },
    { header: "CREATED", value: (i) => formatAge(i.createdAt) },
    { header: "TENANT", value: (i) => i.tenant, wide: true },
  ];
}

async function print(
  io: CommandIo,
  flags: InvocationsFlags,
  rows: readonly Invocation[],
  data: unknown,
) {
  const format = parseOutputFormat(flags.output);
  const text = (wide: boolean) => renderTable(rows, columns(), io.env.columns, { wide });
  io.stdout.write(await renderOutput(format, { data, names: rows.map((i) => i.id), text }));
}

function limitOf(flags: InvocationsFlags): number | undefined {
  if (flags.limit === undefined) return undefined;
  const n = Number(flags.limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new EventFlowError(
      "CLI_USAGE",
      `--limit takes 1..1000, got ${JSON.stringify(flags.limit)}`,
    );
  return n;
}

const STATES = new Set(["queued", "running", "succeeded", "failed", "dead"]);

function statesOf(flags: InvocationsFlags) {
  if (flags.state === undefined) return undefined;
  const states = flags.state.split(",").map((s) => s.trim());
  for (const s of states)
    if (!STATES.has(s))
      throw new EventFlowError("CLI_USAGE", `--state takes ${[...STATES].join(",")}, got ${s}`);
  return states as Invocation["state"][];
}

/** `invocations get ID`. */
export async function invocationGetCommand(id: string, flags: InvocationsFlags, io: CommandIo) {
  const { client, context } = await connect(flags, io.env);
  const inv = await client.invocations.get(id, { signal: io.signal, tenant: context.tenant });
  await print(io, flags, [inv], inv);
}

/** `invocations list NAME [--state S,S] [--limit N]`. */
export async function invocationListCommand(name: string, flags: InvocationsFlags, io: CommandIo) {
  const states = statesOf(flags);
  const limit = limitOf(flags);
  const { client, context } = await connect(flags, io.env);
  const list = await client.invocations.list(name, {
    signal: io.signal,
    tenant: context.tenant,
    ...(states === undefined ? {} : { states }),
    ...(limit === undefined ? {} : { limit }),
  });
  await print(io, flags, list, list);
}

/** `invocations dead [--function NAME]`: the dead letters. */
export async function deadLettersCommand(flags: InvocationsFlags, io: CommandIo) {
  const limit = limitOf(flags);
  const { client, context } = await connect(flags, io.env);
  const list = await client.invocations.deadLetters({
    signal: io.signal,
    tenant: context.tenant,
    ...(flags.function === undefined ? {} : { function: flags.function }),
    ...(limit === undefined ? {} : { limit }),
  });
  await print(io, flags, list, list);
}

/** The dead letters `--id`, `--function` or `--all` name (exactly one of them). */
function selectorOf(flags: InvocationsFlags): DeadLetterSelector {
  const given = [flags.id?.length ? 1 : 0, flags.function ? 1 : 0, flags.all ? 1 : 0];
  if (given.reduce((a, b) => a + b, 0) !== 1)
    throw new EventFlowError(
      "CLI_USAGE",
      "name the dead letters: --id ID (repeatable), --function NAME or --all",
    );
  if (flags.id?.length) return { ids: flags.id };
  if (flags.function) return { function: flags.function };
  return { all: true };
}

/** `invocations redrive|purge (--id ID... | --function NAME | --all)`. */
export async function deadLetterActionCommand(
  action: "redrive" | "purge",
  flags: InvocationsFlags,
  io: CommandIo,
) {
  const selector = selectorOf(flags);
  const format = parseOutputFormat(flags.output, ["table", "json", "yaml", "name"]);
  const { client, context } = await connect(flags, io.env);
  const ids = await client.invocations[action](selector, {
    signal: io.signal,
    tenant: context.tenant,
  });
  io.stdout.write(
    await renderOutput(format, {
      data: { ids, count: ids.length },
      names: ids,
      text: () =>
        `${ids.length} dead letter${ids.length === 1 ? "" : "s"} ${action === "redrive" ? "redriven" : "purged"}\n`,
    }),
  );
}

/** What `invoke --async` sends, read by invoke-command. */
export interface AsyncInvokeInput {
  readonly name: string;
  readonly bytes?: Uint8Array;
  readonly contentType?: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly idempotencyKey?: string;
  readonly callbackUrl?: string;
  readonly wait: boolean;
  readonly output?: string;
}

/** `invoke NAME --async`: the id on stdout; with `--wait`, the ended invocation. */
export async function invokeAsyncCommand(
  input: AsyncInvokeInput,
  flags: ConnectionFlags,
  io: CommandIo,
) {
  const format = parseOutputFormat(input.output, ["table", "json", "yaml"]);
  const { client, context } = await connect(flags, io.env);
  const accepted = await client.invocations.enqueue(input.name, {
    ...(input.bytes === undefined ? {} : { bytes: input.bytes }),
    ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
    query: input.query,
    headers: input.headers,
    ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    ...(input.callbackUrl === undefined ? {} : { callbackUrl: input.callbackUrl }),
    signal: io.signal,
    ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
  });
  if (!input.wait) {
    if (format === "table") {
      io.stderr.write(
        `queued${accepted.replayed ? " (idempotent replay)" : ""}: ${accepted.location}\n`,
      );
      io.stdout.write(`${accepted.id}\n`);
    } else io.stdout.write(await renderOutput(format, { data: accepted, text: () => "" }));
    return;
  }
  const inv = await client.invocations.wait(accepted.id, {
    signal: io.signal,
    timeoutMs: 3_600_000,
    ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
  });
  if (format !== "table") {
    io.stdout.write(await renderOutput(format, { data: inv, text: () => "" }));
  } else {
    io.stderr.write(`${inv.state} after ${inv.attempts.length} attempt(s): ${accepted.id}\n`);
    if (inv.result !== undefined) io.stdout.write(Buffer.from(inv.result.body, "base64"));
  }
  if (inv.state !== "succeeded")
    throw new EventFlowError("INVOCATION_FAILED", `invocation ${accepted.id} ended ${inv.state}`);
}
