/**
 * `eventflow deploy [DIR]`: builds every function of eventflow.yaml, pushes the images that
 * changed (by digest) and creates or updates only the functions whose image or settings changed.
 */
import { join, resolve } from "node:path";
import {
  EventFlowError,
  type FunctionSpecInput,
  type FunctionStatus,
  parseReference,
  withReference,
  withDefaultTag,
} from "@eventflow/protocol";
import type { EventFlowClient } from "@eventflow/sdk/client";
import { buildFunctionImage } from "../build.js";
import { createClient as createRegistryClient, type RegistryFlags } from "../commands.js";
import { DEFAULT_BASE, LOCAL_LAYOUT } from "../defaults.js";
import { emit, type Destination } from "../emit.js";
import { createStreamProgress, silentProgress } from "../progress.js";
import { loadProject, type FunctionConfig } from "../project.js";
import { connect, type ConnectionFlags } from "./connect.js";
import type { CommandIo } from "../io.js";
import { paint, parseOutputFormat, renderOutput, renderTable, type Column } from "./render.js";
import { waitWithProgress } from "./wait.js";
import { applyScalingFlags, type ScalingFlags } from "./scaling-flags.js";

/** Flags of `eventflow deploy`. */
export interface DeployFlags extends ConnectionFlags, RegistryFlags, ScalingFlags {
  wait?: boolean;
  registry?: string;
  base?: string;
  function?: string;
  timeout?: string;
  output?: string;
  quiet?: boolean;
}

/** What happened to one function. */
export interface DeployResult {
  readonly function: string;
  readonly image: string;
  readonly digest: string;
  readonly action: "created" | "updated" | "unchanged";
  readonly status?: FunctionStatus["status"];
}

/** The API spec eventflow.yaml describes for `fn` (replicas kept from the running function). */
export function buildDeploySpec(
  fn: FunctionConfig,
  image: string,
  current: FunctionStatus | undefined,
): FunctionSpecInput {
  const replicas = current?.replicas ?? Math.max(1, fn.scaling?.minReplicas ?? 1);
  return {
    image,
    replicas,
    ...(fn.env === undefined ? {} : { env: fn.env }),
    ...(fn.resources === undefined ? {} : { resources: fn.resources }),
    ...(fn.scaling === undefined ? {} : { scaling: fn.scaling }),
    ...(fn.containerConcurrency === undefined
      ? {}
      : { containerConcurrency: fn.containerConcurrency }),
    ...(fn.timeoutSeconds === undefined ? {} : { timeoutSeconds: fn.timeoutSeconds }),
    ...(fn.triggers === undefined ? {} : { triggers: fn.triggers }),
    ...(fn.retry === undefined ? {} : { retry: fn.retry }),
  };
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  ) ?? "";

const secretsOf = (refs: FunctionSpecInput["secrets"]) =>
  (refs ?? []).map((r) => ({ mount: "files", ...r }));

/**
 * Whether the running function already matches the wanted spec (same image digest and
 * settings; the replica count is the autoscaler's or `scale`'s, not a setting). Also what
 * serverless-eventflow's deploy skips by.
 */
export function isUnchanged(current: FunctionStatus, wanted: FunctionSpecInput): boolean {
  const s = current.spec;
  return (
    s.image === wanted.image &&
    canonical(s.command) === canonical(wanted.command) &&
    canonical(s.args) === canonical(wanted.args) &&
    (s.auth ?? "token") === (wanted.auth ?? "token") &&
    canonical(s.cors) === canonical(wanted.cors) &&
    s.maxBodyBytes === wanted.maxBodyBytes &&
    canonical(secretsOf(s.secrets)) === canonical(secretsOf(wanted.secrets)) &&
    canonical(s.env ?? {}) === canonical(wanted.env ?? {}) &&
    canonical(s.resources) === canonical(wanted.resources) &&
    canonical(s.scaling) === canonical(wanted.scaling) &&
    (s.containerConcurrency ?? 0) === (wanted.containerConcurrency ?? 0) &&
    s.timeoutSeconds === wanted.timeoutSeconds &&
    canonical(s.triggers ?? []) === canonical(wanted.triggers ?? []) &&
    canonical(s.retry) === canonical(wanted.retry)
  );
}

async function currentOf(
  client: EventFlowClient,
  name: string,
  tenant: string | undefined,
  signal: AbortSignal,
) {
  try {
    return await client.functions.get(name, { signal, tenant });
  } catch (error) {
    if ((error as { code?: string }).code === "FUNCTION_NOT_FOUND") return undefined;
    throw error;
  }
}

/** `eventflow deploy`. */
export async function deployCommand(
  dirArg: string | undefined,
  flags: DeployFlags,
  io: CommandIo,
): Promise<void> {
  const cliEnv = io.env;
  const format = parseOutputFormat(flags.output);
  const dir = resolve(io.cwd, dirArg ?? ".");
  const project = await loadProject(dir);
  // The scaling flags apply to every function deployed; checked before anything is built.
  const fns = project.functions
    .filter((f) => flags.function === undefined || f.name === flags.function)
    .map((f) => ({ ...f, ...applyScalingFlags(f, flags) }));
  if (fns.length === 0)
    throw new EventFlowError("CLI_USAGE", `no function named ${flags.function} in ${dir}`);
  const { client, context } = await connect(flags, io.env);
  const registry = await createRegistryClient(flags, io);
  const progress =
    flags.quiet || (format !== "table" && format !== "wide")
      ? silentProgress
      : createStreamProgress(io.stderr, { interactive: cliEnv.interactive });
  const results: DeployResult[] = [];
  try {
    for (const fn of fns) {
      const built = await buildFunctionImage({
        dir,
        fn,
        base: flags.base ?? fn.image?.base ?? DEFAULT_BASE,
        client: registry,
        sourceDateEpoch: cliEnv.sourceDateEpoch,
      });
      const digest = built.image.root.digest;
      const repository = flags.registry
        ? `${flags.registry.replace(/\/+$/, "")}/${fn.name}`
        : fn.image?.repository;
      // No registry: an OCI layout in the project, for a controller on this machine (local driver).
      const destination: Destination =
        repository === undefined
          ? {
              kind: "oci",
              dir: join(dir, LOCAL_LAYOUT),
              tag: `${fn.name}-${digest.slice("sha256:".length, "sha256:".length + 12)}`,
            }
          : {
              kind: "registry",
              client: registry,
              target: withDefaultTag(parseReference(repository)),
            };
      await emit(built.image, destination, progress);
      const image =
        destination.kind === "oci"
          ? `oci:${destination.dir}:${destination.tag}`
          : `${withReference(destination.target, { tag: null })}@${digest}`;
      const current = await currentOf(client, fn.name, context.tenant, io.signal);
      const spec = buildDeploySpec(fn, image, current);
      const opts = { signal: io.signal, tenant: context.tenant };
      let action: DeployResult["action"];
      let status: FunctionStatus | undefined = current;
      if (current === undefined) {
        status = await client.functions.create({ name: fn.name, ...spec }, opts);
        action = "created";
      } else if (isUnchanged(current, spec)) action = "unchanged";
      else {
        status = await client.functions.update(fn.name, spec, opts);
        action = "updated";
      }
      if (format === "table" || format === "wide")
        io.stderr.write(
          `${fn.name}: ${paint(io.env.color, action === "unchanged" ? "dim" : "green", action)} (${digest.slice(0, 19)})\n`,
        );
      if (flags.wait && action !== "unchanged")
        status = await waitWithProgress(
          client,
          fn.name,
          { ...opts, ...(flags.timeout ? { timeout: flags.timeout } : {}) },
          io,
        );
      results.push({
        function: fn.name,
        image,
        digest,
        action,
        ...(status ? { status: status.status } : {}),
      });
    }
  } finally {
    await registry.close();
  }
  io.stdout.write(
    await renderOutput(format, {
      data: results,
      names: results.map((r) => r.function),
      text: (wide) =>
        wide
          ? renderTable(results, WIDE_COLUMNS, undefined, { wide })
          : results.map((r) => `${r.function}\t${r.action}\t${r.image}\n`).join(""),
    }),
  );
}

const WIDE_COLUMNS: Column<DeployResult>[] = [
  { header: "FUNCTION", value: (r) => r.function },
  { header: "ACTION", value: (r) => r.action },
  { header: "STATUS", value: (r) => r.status ?? "" },
  { header: "DIGEST", value: (r) => r.digest },
  { header: "IMAGE", value: (r) => r.image },
];
