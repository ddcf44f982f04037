/**
 * `deploy` and `deploy function -f`: build, write the images, create or update each function
 * through the SDK client, wait until ready and print the endpoints. A function the controller
 * already runs with the same image digest and settings is left alone unless `--force`.
 */
import { isUnchanged } from "@eventflow/cli";
import { EventFlowError, type FunctionStatus } from "@eventflow/protocol";
import type { EventFlowClient } from "@eventflow/sdk/client";
import { openImageBuilder } from "./build-images.js";
import { buildServiceSpecs } from "./service-spec.js";
import { tenantOf, type Session } from "./session.js";

/** What happened to one function. */
export interface Deployed {
  readonly key: string;
  readonly action: "created" | "updated" | "unchanged";
  readonly status: FunctionStatus;
}

/** The function as the controller holds it, or undefined when it does not exist. */
export async function currentOf(
  client: EventFlowClient,
  name: string,
  options: { tenant: string | undefined; signal?: AbortSignal },
): Promise<FunctionStatus | undefined> {
  try {
    return await client.functions.get(name, options);
  } catch (error) {
    if ((error as { code?: string }).code === "FUNCTION_NOT_FOUND") return undefined;
    throw error;
  }
}

/**
 * Deploys the functions `keys` names (all of the service's when absent), checked against the
 * controller's own limits (its replica ceiling and body size may differ from the defaults the
 * framework's schema was built with). Each image is built to learn its digest; an unchanged
 * function is neither written, updated nor waited for. An update keeps the running replica
 * count, as `eventflow deploy` does (the controller puts it within the scaling bounds).
 * `--update-config` (deploy function) changes the settings only, on the image that runs.
 */
export async function deployFunctions(
  session: Session,
  keys: readonly string[] | undefined,
  signal: AbortSignal,
): Promise<Deployed[]> {
  const { client, ...connection } = await session.connect();
  const tenant = tenantOf(session, { client, ...connection });
  const limits = await client.limits({ signal });
  const fns = buildServiceSpecs(session.input, limits).functions.filter(
    (f) => keys === undefined || keys.includes(f.key),
  );
  const force = session.options.force === true;
  const configOnly = keys !== undefined && session.options["update-config"] === true;
  if (!configOnly) session.io.log.notice(`Building ${fns.length} function image(s)`);
  const builder = configOnly
    ? undefined
    : await openImageBuilder({ serviceDir: session.serviceDir, env: session.env, signal });
  const results: Deployed[] = [];
  try {
    for (const fn of fns) {
      const current = await currentOf(client, fn.name, { tenant, signal });
      const built = await builder?.build(fn);
      if (built === undefined && current === undefined)
        throw new EventFlowError(
          "CLI_USAGE",
          `--update-config changes a deployed function's settings, and ${fn.name} is not deployed: deploy ${fn.key} without it first`,
        );
      const image = built?.image ?? current!.spec.image;
      const label = built === undefined ? "settings only" : built.digest.slice(0, 19);
      const replicas = current?.replicas ?? fn.spec.replicas;
      const request = {
        name: fn.name,
        image,
        ...fn.spec,
        ...(replicas === undefined ? {} : { replicas }),
      };
      if (!force && current !== undefined && isUnchanged(current, request)) {
        session.io.log.notice(
          `${fn.key}: unchanged ${fn.name} (${label}), skipped; --force redeploys`,
        );
        results.push({ key: fn.key, action: "unchanged", status: current });
        continue;
      }
      await built?.write();
      const applied = await client.functions.createOrUpdate(request, { tenant, signal });
      session.io.log.notice(`${fn.key}: ${applied.action} ${fn.name} (${label})`);
      const status = await client.functions.waitUntilReady(fn.name, { tenant, signal });
      results.push({ key: fn.key, action: applied.action, status });
    }
  } finally {
    await builder?.close();
  }
  return results;
}

/** The `endpoints:` block printed after a deploy and by `info`. */
export function formatEndpoints(
  rows: readonly { key: string; status: Pick<FunctionStatus, "url" | "status" | "name"> }[],
): string {
  return [
    "endpoints:",
    ...rows.map((r) => `  ${r.key}: ${r.status.url}`),
    "functions:",
    ...rows.map((r) => `  ${r.key}: ${r.status.name} (${r.status.status})`),
  ].join("\n");
}
