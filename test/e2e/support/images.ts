/** Images of the e2e tier, built by EventFlow's own builder and pushed to the test registry. */
import { expect } from "vitest";
import { REPO_ROOT, ensureTestBaseImage, runEventflow } from "../../cli/index.ts";
import { skopeo, skopeoFlags, type TestRegistry } from "../../registry/index.ts";

/** Copies the CLI tests' node base (this machine's node + libs) to `<registry>/base/node:multi`. */
export async function pushFunctionBase(registry: TestRegistry): Promise<string> {
  const base = await ensureTestBaseImage();
  const ref = `${registry.host}/base/node:multi`;
  await skopeo([
    "copy",
    "--all",
    ...skopeoFlags(registry, "dest-creds"),
    `oci:${base.layout}:multi`,
    `docker://${ref}`,
  ]);
  return ref;
}

/** `eventflow build examples/<example> --push`; returns `<registry>/e2e/<example>@<digest>`. */
export function buildExample(
  registry: TestRegistry,
  example: string,
  base: string,
  extra: readonly string[] = [],
): Promise<string> {
  return buildProject(registry, `${REPO_ROOT}examples/${example}`, example, base, extra);
}

/** `eventflow build DIR --push` as `<registry>/e2e/<repo>`; returns the reference by digest. */
export async function buildProject(
  registry: TestRegistry,
  dir: string,
  repo: string,
  base: string,
  extra: readonly string[] = [],
): Promise<string> {
  const built = await runEventflow(
    [
      "build",
      dir,
      "-t",
      `${registry.host}/e2e/${repo}:1`,
      "--base",
      base,
      "--push",
      "--json",
      ...extra,
    ],
    { timeoutMs: 120_000 },
  );
  expect(built.code, built.stderr).toBe(0);
  return `${registry.host}/e2e/${repo}@${built.json?.digest as string}`;
}
