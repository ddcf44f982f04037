/** `eventflow list`, `get`, `describe`, `scale`, `delete`. */
import {
  describeAutoscaler,
  describeScaling,
  isEventFlowError,
  scalingOf,
  type FunctionStatus,
} from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import {
  formatAge,
  paint,
  parseOutputFormat,
  phaseColor,
  renderOutput,
  renderTable,
  visible,
  type Column,
} from "./render.js";
import type { CommandIo } from "../io.js";
import { formatLogLine } from "./log-format.js";
import {
  describeRollout,
  describeTraffic,
  rolloutSummary,
  trafficSummary,
} from "./traffic-format.js";
import { waitWithProgress } from "./wait.js";
import { watchFunctions, type WatchEvent } from "./watch.js";

/** Flags of the read commands. */
export interface OutputFlags extends ConnectionFlags {
  output?: string;
  watch?: boolean;
}

/** How often `--watch` asks the controller (it has no change stream). */
const WATCH_INTERVAL_MS = 2000;

function columns(color: boolean): Column<FunctionStatus>[] {
  return [
    { header: "NAME", value: (f) => f.name },
    { header: "STATUS", value: (f) => paint(color, phaseColor(f.status), f.status) },
    { header: "READY", value: (f) => `${f.ready_replicas}/${f.replicas}` },
    { header: "SCALING", value: (f) => describeScaling(scalingOf(f.spec), { compact: true }) },
    // Public functions stand out: anyone with the URL can call them.
    {
      header: "AUTH",
      value: (f) => (f.spec.auth === "public" ? paint(color, "yellow", "public") : "token"),
    },
    { header: "UP-TO-DATE", value: (f) => String(f.updated_replicas), wide: true },
    { header: "AUTOSCALER", value: (f) => describeAutoscaler(f.autoscaler), wide: true },
    { header: "TRAFFIC", value: (f) => trafficSummary(f.traffic), wide: true },
    { header: "ROLLOUT", value: rolloutSummary, wide: true },
    { header: "AGE", value: (f) => formatAge(f.created_at) },
    { header: "TENANT", value: (f) => f.tenant, wide: true },
    { header: "IMAGE", value: (f) => f.image, shrink: true },
    { header: "URL", value: (f) => f.url, wide: true },
    {
      header: "LAST ERROR",
      value: (f) =>
        f.last_error === undefined ? "" : `${f.last_error.code}: ${visible(f.last_error.message)}`,
      wide: true,
    },
  ];
}

/** Functions in every format: a table, `-o wide`, the objects, or their names. */
function printable(io: CommandIo, rows: readonly FunctionStatus[], data: unknown, header = true) {
  return {
    data,
    names: rows.map((f) => f.name),
    text: (wide: boolean) =>
      renderTable(rows, columns(io.env.color), io.env.columns, { wide, header }),
  };
}

async function print(io: CommandIo, rows: FunctionStatus[], value: unknown, output?: string) {
  io.stdout.write(await renderOutput(parseOutputFormat(output), printable(io, rows, value)));
}

/**
 * `--watch`: the first state as without it, then each change: a table row (a deleted function
 * shows as Deleted), a name, or with -o json|yaml one `{type, object}` event per change.
 */
async function watch(
  io: CommandIo,
  flags: OutputFlags,
  poll: () => Promise<readonly FunctionStatus[]>,
  single: boolean,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  let first = true;
  let headerShown = false;
  const onChange = async (events: readonly WatchEvent[]) => {
    if (format === "json" || format === "yaml") {
      for (const e of events)
        io.stdout.write(await renderOutput(format, { data: e, text: () => "" }, { stream: true }));
    } else if (events.length > 0) {
      const rows = events.map((e) =>
        e.type === "DELETED"
          ? { ...e.object, status: "Deleted" as FunctionStatus["status"] }
          : e.object,
      );
      io.stdout.write(await renderOutput(format, printable(io, rows, rows, !headerShown)));
      headerShown = true;
    } else if (first && !single) {
      io.stderr.write("no functions yet; watching for new ones (Ctrl-C ends)\n");
    }
    first = false;
  };
  try {
    await watchFunctions({ poll, onChange, intervalMs: WATCH_INTERVAL_MS, signal: io.signal });
  } catch (error) {
    // Ctrl-C is how a watch ends; bin.ts exits 130.
    if (!io.signal.aborted) throw error;
  }
}

/** `eventflow list`: the functions of your tenant. */
export async function listCommand(flags: OutputFlags, io: CommandIo): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  if (flags.watch === true) return watch(io, flags, () => client.functions.list(opts), false);
  const list = await client.functions.list(opts);
  if ((format === "table" || format === "wide") && list.length === 0) {
    io.stderr.write("no functions yet: deploy one with `eventflow deploy`\n");
    return;
  }
  await print(io, list, list, flags.output);
}

/** `eventflow get NAME`: one function (a table row, or the whole object with -o json|yaml). */
export async function getCommand(name: string, flags: OutputFlags, io: CommandIo): Promise<void> {
  parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  const fn = await client.functions.get(name, opts);
  if (flags.watch === true) {
    const poll = async () => {
      const found = await client.functions.get(name, opts).catch((error: unknown) => {
        if (isEventFlowError(error) && error.code === "FUNCTION_NOT_FOUND") return undefined;
        throw error;
      });
      return found === undefined ? [] : [found];
    };
    let initial: readonly FunctionStatus[] | undefined = [fn];
    return watch(
      io,
      flags,
      async () => {
        const now = initial ?? (await poll());
        initial = undefined;
        return now;
      },
      true,
    );
  }
  await print(io, [fn], fn, flags.output);
}

/** `eventflow describe NAME`: status, spec, last error, recent logs and invocations. */
export async function describeCommand(
  name: string,
  flags: OutputFlags,
  io: CommandIo,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  const fn = await client.functions.get(name, opts);
  const [metrics, logs] = await Promise.all([
    client.metrics(name, { ...opts, range: "1h" }).catch(() => undefined),
    (async () => {
      const lines = [];
      for await (const entry of client.logs(name, { ...opts, tail: 10 })) lines.push(entry);
      return lines;
    })().catch(() => []),
  ]);
  if (format === "json" || format === "yaml" || format === "name") {
    const data = { ...fn, metrics, recentLogs: logs };
    io.stdout.write(await renderOutput(format, { data, names: [fn.name], text: () => "" }));
    return;
  }
  const c = io.env.color;
  const invocations = metrics?.points.reduce((n, p) => n + p.invocations, 0) ?? 0;
  const errors = metrics?.points.reduce((n, p) => n + p.errors, 0) ?? 0;
  const coldStarts = metrics?.points.reduce((n, p) => n + p.cold_starts, 0) ?? 0;
  const rows: Array<[string, string]> = [
    ["Name", fn.name],
    ["Tenant", fn.tenant],
    ["Status", paint(c, phaseColor(fn.status), fn.status)],
    [
      "Replicas",
      `${fn.ready_replicas} ready, ${fn.updated_replicas} updated, ${fn.replicas} wanted`,
    ],
    ["Scaling", describeScaling(scalingOf(fn.spec))],
    ...(fn.autoscaler === undefined
      ? []
      : [["Autoscaler", describeAutoscaler(fn.autoscaler)] as [string, string]]),
    ["Image", fn.image],
    ["URL", fn.url],
    [
      "Access",
      fn.spec.auth === "public"
        ? paint(c, "yellow", "PUBLIC: anyone with the URL can call it, no token")
        : "token",
    ],
    ["Created", `${fn.created_at} (${formatAge(fn.created_at)} ago)`],
    ["Updated", `${fn.updated_at} (${formatAge(fn.updated_at)} ago)`],
    ["Timeout", fn.spec.timeoutSeconds === undefined ? "default" : `${fn.spec.timeoutSeconds}s`],
    ["Env", Object.keys(fn.spec.env ?? {}).join(", ") || "(none)"],
    ...(fn.traffic === undefined || fn.traffic.length === 0
      ? []
      : [["Traffic", describeTraffic(fn.traffic)] as [string, string]]),
    ...(fn.rollout === undefined
      ? []
      : [["Rollout", visible(describeRollout(fn))] as [string, string]]),
    ["Last hour", `${invocations} invocations, ${errors} errors, ${coldStarts} cold starts`],
  ];
  if (fn.last_error !== undefined)
    rows.push([
      "Last error",
      paint(
        c,
        "red",
        `${fn.last_error.code}: ${visible(fn.last_error.message)} (${fn.last_error.at})`,
      ),
    ]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  // A value of several lines (the traffic) continues under the first.
  const indent = `\n${" ".repeat(width)}`;
  let out = rows
    .map(([k, v]) => `${`${k}:`.padEnd(width)}${v.split("\n").join(indent)}\n`)
    .join("");
  if (logs.length > 0) {
    out += "Recent logs:\n";
    for (const l of logs) out += `  ${formatLogLine(l, { color: c, wide: false })}`;
  }
  io.stdout.write(out);
}

/** Flags of scale and delete. */
export interface ChangeFlags extends OutputFlags {
  wait?: boolean;
  timeout?: string;
}

/** `eventflow scale NAME N [--wait]`. */
export async function scaleCommand(
  name: string,
  replicas: number,
  flags: ChangeFlags,
  io: CommandIo,
): Promise<void> {
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  let fn = await client.functions.scale(name, replicas, opts);
  if (flags.wait) fn = await waitWithProgress(client, name, { ...flags, ...opts, replicas }, io);
  const format = parseOutputFormat(flags.output);
  if (format === "table") io.stdout.write(`${name} scaled to ${replicas}\n`);
  else await print(io, [fn], fn, flags.output);
}

/** `eventflow delete NAME`: `NAME deleted`, or `-o name` / `-o json|yaml` for scripts. */
export async function deleteCommand(name: string, flags: OutputFlags, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  await client.functions.delete(name, { signal: io.signal, tenant: context.tenant });
  const data = { name, tenant: context.tenant ?? null, deleted: true };
  io.stdout.write(
    await renderOutput(format, { data, names: [name], text: () => `${name} deleted\n` }),
  );
}
