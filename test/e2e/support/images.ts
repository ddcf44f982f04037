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
export async function buildExample(
  registry: TestRegistry,
  example: string,
  base: string,
  extra: readonly string[] = [],
): Promise<string> {
  const built = await runEventflow(
    [
      "build",
      `${REPO_ROOT}examples/${example}`,
      "-t",
      `${registry.host}/e2e/${example}:1`,
      "--base",
      base,
      "--push",
      "--json",
      ...extra,
    ],
    { timeoutMs: 120_000 },
  );
  expect(built.code, built.stderr).toBe(0);
  return `${registry.host}/e2e/${example}@${built.json?.digest as string}`;
}
