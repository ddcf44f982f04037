/**
 * `eventflow secret create|update|list|describe|delete`: a tenant's secrets. Values go to the
 * controller and are never printed: every output shows key names, versions and users only.
 */
import { EventFlowError, isEventFlowError, type SecretInfo } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import { formatAge, parseOutputFormat, renderOutput, renderTable, type Column } from "./render.js";
import {
  collectSecretSources,
  readSecretValues,
  type SecretSourceFlags,
} from "./secret-sources.js";
import type { CommandIo } from "../io.js";

/** Flags of the secret commands. */
export interface SecretFlags extends ConnectionFlags, SecretSourceFlags {
  output?: string;
  force?: boolean;
}

function columns(): Column<SecretInfo>[] {
  return [
    { header: "NAME", value: (s) => s.name },
    { header: "KEYS", value: (s) => s.keys.join(","), shrink: true },
    { header: "USED-BY", value: (s) => s.used_by.join(",") || "<none>", shrink: true },
    { header: "UPDATED", value: (s) => formatAge(s.updated_at) },
    { header: "VERSION", value: (s) => s.version, wide: true },
    { header: "TENANT", value: (s) => s.tenant, wide: true },
  ];
}

async function print(
  io: CommandIo,
  format: ReturnType<typeof parseOutputFormat>,
  rows: readonly SecretInfo[],
  data: unknown,
) {
  const text = (wide: boolean) => renderTable(rows, columns(), io.env.columns, { wide });
  io.stdout.write(await renderOutput(format, { data, names: rows.map((s) => s.name), text }));
}

/** `secret create NAME` and `secret update NAME`: the values read first, then one call. */
async function write(
  mode: "create" | "update",
  name: string,
  flags: SecretFlags,
  io: CommandIo,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  // Every usage problem (a bad flag, a missing file, a bad env line) before any request.
  const sources = await collectSecretSources(flags, io.cwd);
  const values = await readSecretValues(sources, io.stdin);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  const info = await client.secrets[mode](name, values, opts);
  if (format === "table" || format === "wide") {
    const users = info.used_by.length === 0 ? "" : `; rolling ${info.used_by.join(", ")}`;
    io.stdout.write(
      `secret ${info.name} ${mode}d (keys: ${info.keys.join(", ")}${mode === "update" ? users : ""})\n`,
    );
  } else await print(io, format, [info], info);
}

/** `eventflow secret create NAME --from-literal|--from-file|--from-env-file ...`. */
export function secretCreateCommand(name: string, flags: SecretFlags, io: CommandIo) {
  return write("create", name, flags, io);
}

/** `eventflow secret update NAME ...`: replaces every key (the functions using it roll). */
export function secretUpdateCommand(name: string, flags: SecretFlags, io: CommandIo) {
  return write("update", name, flags, io);
}

/** `eventflow secret list`: NAME KEYS USED-BY UPDATED. */
export async function secretListCommand(flags: SecretFlags, io: CommandIo): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const list = await client.secrets.list({ signal: io.signal, tenant: context.tenant });
  if ((format === "table" || format === "wide") && list.length === 0) {
    io.stderr.write("no secrets yet: create one with `eventflow secret create NAME`\n");
    return;
  }
  await print(io, format, list, list);
}

/** `eventflow secret describe NAME`: its keys, users, version and times (no values). */
export async function secretDescribeCommand(name: string, flags: SecretFlags, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const s = await client.secrets.get(name, { signal: io.signal, tenant: context.tenant });
  if (format !== "table" && format !== "wide") return print(io, format, [s], s);
  const rows: Array<[string, string]> = [
    ["Name", s.name],
    ["Tenant", s.tenant],
    ["Keys", s.keys.join(", ") || "(none)"],
    ["Used by", s.used_by.join(", ") || "(no function)"],
    ["Version", s.version],
    ["Created", `${s.created_at} (${formatAge(s.created_at)} ago)`],
    ["Updated", `${s.updated_at} (${formatAge(s.updated_at)} ago)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  io.stdout.write(rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join(""));
}

function functionsOf(details: unknown): string[] {
  const fns = (details as { functions?: unknown } | undefined)?.functions;
  return Array.isArray(fns) ? fns.filter((f): f is string => typeof f === "string") : [];
}

/** `eventflow secret delete NAME [--force]`: refused while functions use it, unless --force. */
export async function secretDeleteCommand(name: string, flags: SecretFlags, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant, force: flags.force === true };
  try {
    await client.secrets.delete(name, opts);
  } catch (error) {
    if (!isEventFlowError(error) || error.code !== "SECRET_IN_USE") throw error;
    const fns = functionsOf(error.details);
    throw new EventFlowError(
      "SECRET_IN_USE",
      `secret ${name} is used by ${fns.join(", ") || "functions"}: remove it from their specs, or delete with --force (they then fail to start until it exists again)`,
      {
        details: error.details,
        cause: error,
        ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      },
    );
  }
  const data = { name, tenant: context.tenant ?? null, deleted: true };
  io.stdout.write(
    await renderOutput(format, { data, names: [name], text: () => `secret ${name} deleted\n` }),
  );
}
