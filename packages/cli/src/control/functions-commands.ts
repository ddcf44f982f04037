/** `eventflow list`, `get`, `describe`, `scale`, `delete`. */
import type { FunctionStatus } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import {
  formatAge,
  paint,
  parseOutputFormat,
  phaseColor,
  renderData,
  renderTable,
  type Column,
} from "./render.js";
import type { ControlIo } from "./io.js";
import { waitWithProgress } from "./wait.js";

/** Flags of the read commands. */
export interface OutputFlags extends ConnectionFlags {
  output?: string;
}

function columns(color: boolean): Column<FunctionStatus>[] {
  return [
    { header: "NAME", value: (f) => f.name },
    { header: "STATUS", value: (f) => paint(color, phaseColor(f.status), f.status) },
    { header: "READY", value: (f) => `${f.ready_replicas}/${f.replicas}` },
    { header: "AGE", value: (f) => formatAge(f.created_at) },
    { header: "IMAGE", value: (f) => f.image, shrink: true },
  ];
}

async function print(io: ControlIo, rows: FunctionStatus[], value: unknown, output?: string) {
  const format = parseOutputFormat(output);
  if (format === "name") io.stdout.write(rows.map((f) => `${f.name}\n`).join(""));
  else if (format === "table")
    io.stdout.write(renderTable(rows, columns(io.env.color), io.env.columns));
  else io.stdout.write(await renderData(value, format));
}

/** `eventflow list`: the functions of your tenant. */
export async function listCommand(flags: OutputFlags, io: ControlIo): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const list = await client.functions.list({ signal: io.signal, tenant: context.tenant });
  if (format === "table" && list.length === 0) {
    io.stderr.write("no functions yet: deploy one with `eventflow deploy`\n");
    return;
  }
  await print(io, list, list, flags.output);
}

/** `eventflow get NAME`: one function (a table row, or the whole object with -o json|yaml). */
export async function getCommand(name: string, flags: OutputFlags, io: ControlIo): Promise<void> {
  parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const fn = await client.functions.get(name, { signal: io.signal, tenant: context.tenant });
  await print(io, [fn], fn, flags.output);
}

/** `eventflow describe NAME`: status, spec, last error, recent logs and invocations. */
export async function describeCommand(
  name: string,
  flags: OutputFlags,
  io: ControlIo,
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
  if (format !== "table" && format !== "name") {
    io.stdout.write(await renderData({ ...fn, metrics, recentLogs: logs }, format));
    return;
  }
  const c = io.env.color;
  const invocations = metrics?.points.reduce((n, p) => n + p.invocations, 0) ?? 0;
  const errors = metrics?.points.reduce((n, p) => n + p.errors, 0) ?? 0;
  const rows: Array<[string, string]> = [
    ["Name", fn.name],
    ["Tenant", fn.tenant],
    ["Status", paint(c, phaseColor(fn.status), fn.status)],
    [
      "Replicas",
      `${fn.ready_replicas} ready, ${fn.updated_replicas} updated, ${fn.replicas} wanted`,
    ],
    ["Image", fn.image],
    ["Created", `${fn.created_at} (${formatAge(fn.created_at)} ago)`],
    ["Updated", `${fn.updated_at} (${formatAge(fn.updated_at)} ago)`],
    ["Timeout", fn.spec.timeoutSeconds === undefined ? "default" : `${fn.spec.timeoutSeconds}s`],
    ["Env", Object.keys(fn.spec.env ?? {}).join(", ") || "(none)"],
    ["Last hour", `${invocations} invocations, ${errors} errors`],
  ];
  if (fn.last_error !== undefined)
    rows.push([
      "Last error",
      paint(c, "red", `${fn.last_error.code}: ${fn.last_error.message} (${fn.last_error.at})`),
    ]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  let out = rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join("");
  if (logs.length > 0) {
    out += "Recent logs:\n";
    for (const l of logs) out += `  ${paint(c, "dim", l.timestamp)} ${l.line}\n`;
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
  io: ControlIo,
): Promise<void> {
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  let fn = await client.functions.scale(name, replicas, opts);
  if (flags.wait) fn = await waitWithProgress(client, name, { ...flags, ...opts, replicas }, io);
  if (parseOutputFormat(flags.output) === "table")
    io.stdout.write(`${name} scaled to ${replicas}\n`);
  else await print(io, [fn], fn, flags.output);
}

/** `eventflow delete NAME`. */
export async function deleteCommand(name: string, flags: OutputFlags, io: ControlIo) {
  const { client, context } = await connect(flags, io.env);
  await client.functions.delete(name, { signal: io.signal, tenant: context.tenant });
  io.stdout.write(`${name} deleted\n`);
}
