// Runs skopeo and umoci, the independent OCI clients that check what EventFlow pushed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { TestRegistry } from "./registry.ts";

const run = promisify(execFile);

/** Runs `skopeo ARGS...` and returns its stdout (throws with stderr on failure). */
export async function skopeo(args: readonly string[]): Promise<string> {
  const { stdout } = await run("skopeo", [...args], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** skopeo flags to reach a test registry: TLS verification off, credentials when it has them. */
export function skopeoFlags(
  registry: TestRegistry,
  kind: "creds" | "src-creds" | "dest-creds" = "creds",
): string[] {
  const tlsFlag =
    kind === "creds"
      ? "--tls-verify=false"
      : kind === "src-creds"
        ? "--src-tls-verify=false"
        : "--dest-tls-verify=false";
  const creds =
    registry.username === undefined
      ? []
      : [`--${kind}`, `${registry.username}:${registry.password}`];
  return [tlsFlag, ...creds];
}

/** `skopeo inspect [--raw] docker://REF` parsed as JSON. */
export async function skopeoInspect(
  registry: TestRegistry,
  ref: string,
  options: { raw?: boolean } = {},
): Promise<Record<string, unknown>> {
  const out = await skopeo([
    "inspect",
    ...(options.raw ? ["--raw"] : []),
    ...skopeoFlags(registry),
    `docker://${ref}`,
  ]);
  return JSON.parse(out) as Record<string, unknown>;
}

/** `umoci ARGS...` (e.g. `unpack --rootless --image DIR:TAG BUNDLE`). */
export async function umoci(args: readonly string[]): Promise<string> {
  const { stdout } = await run("umoci", [...args], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
