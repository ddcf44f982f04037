// The set-up the registry-*.test.ts files share: Debian's docker-registry (plain HTTP on
// 127.0.0.1) holding the test base image (node + its libraries, test/cli/base-image.ts) as a
// two-platform index (base/node:multi) and as one manifest (base/node:amd64).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { REPO_ROOT, ensureTestBaseImage, type TestBaseImage } from "../../../../test/cli/index.ts";
import {
  skopeo,
  skopeoFlags,
  startRegistry,
  type TestRegistry,
} from "../../../../test/registry/index.ts";

/** The example function the builds push. */
export const HELLO = join(REPO_ROOT, "examples/hello");

/** The OCI digest of `bytes`. */
export const sha256 = (bytes: Buffer) =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A started registry with the base image in it, and the base's local OCI layout. */
export interface BaseRegistry {
  readonly registry: TestRegistry;
  readonly base: TestBaseImage;
}

/** Starts the registry and copies the base into it as base/node:multi and base/node:amd64. */
export async function startBaseRegistry(): Promise<BaseRegistry> {
  const [registry, base] = await Promise.all([
    startRegistry({ mode: "plain" }),
    ensureTestBaseImage(),
  ]);
  await skopeo([
    "copy",
    "--all",
    ...skopeoFlags(registry, "dest-creds"),
    `oci:${base.layout}:multi`,
    `docker://${registry.host}/base/node:multi`,
  ]);
  await skopeo([
    "copy",
    ...skopeoFlags(registry, "dest-creds"),
    `oci:${base.layout}:amd64`,
    `docker://${registry.host}/base/node:amd64`,
  ]);
  return { registry, base };
}
