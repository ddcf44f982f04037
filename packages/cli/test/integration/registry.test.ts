// `eventflow build --push` and `eventflow push` against Debian's docker-registry (plain HTTP
// on 127.0.0.1), read back by skopeo and umoci; the pushed /app/index.mjs runs on this
// machine's node. Base: node + its libraries (test/cli/base-image.ts), as one manifest and
// as a two-platform index. Reproducibility and failures are in registry-*.test.ts next to it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow, type TestBaseImage } from "../../../../test/cli/index.ts";
import {
  skopeo,
  skopeoFlags,
  skopeoInspect,
  type TestRegistry,
} from "../../../../test/registry/index.ts";
import { HELLO_HANDLER, makeProject, removeProjects, serveBundle } from "../helpers.ts";
import { HELLO, sha256, startBaseRegistry } from "./registry-support.ts";

const run = promisify(execFile);
let registry: TestRegistry;
let base: TestBaseImage;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ({ registry, base } = await startBaseRegistry());
}, 120_000);

afterAll(async () => {
  await removeProjects();
  await Promise.all(stops.map((s) => s()));
  await registry?.stop();
});

describe("build --push", () => {
  let pushed: Record<string, unknown>;

  it("pushes a two-platform index over a two-platform base, mounting base layers", async () => {
    const result = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/hello:1`,
      "--base",
      `${registry.host}/base/node:multi`,
      "--push",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    pushed = result.json!;
    expect(pushed.image).toBe(`${registry.host}/hello:1`);
    expect(pushed.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(pushed.platforms).toEqual(["linux/amd64", "linux/arm64/v8"]);
    expect(pushed.reference).toBe(`${registry.host}/hello@${pushed.digest as string}`);
    expect(result.stderr).toMatch(/base\s+[0-9a-f]{12}\s+.*mounted/);
    expect(result.stderr).toMatch(/app\s+[0-9a-f]{12}\s+.*uploaded/);

    const raw = await skopeo([
      "inspect",
      "--raw",
      ...skopeoFlags(registry),
      `docker://${registry.host}/hello:1`,
    ]);
    expect(sha256(Buffer.from(raw))).toBe(pushed.digest);
    const index = JSON.parse(raw) as {
      manifests: { platform: { architecture: string } }[];
      annotations: Record<string, string>;
    };
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(["amd64", "arm64"]);
    expect(index.annotations["org.opencontainers.image.base.name"]).toBe(
      `${registry.host}/base/node:multi`,
    );

    const amd64 = (await skopeoInspect(registry, `${registry.host}/hello:1`)) as {
      Labels: Record<string, string>;
      Layers: string[];
      Architecture: string;
    };
    const arm64 = JSON.parse(
      await skopeo([
        "inspect",
        "--override-arch",
        "arm64",
        "--override-variant",
        "v8",
        ...skopeoFlags(registry),
        `docker://${registry.host}/hello:1`,
      ]),
    ) as { Layers: string[]; Architecture: string };
    expect(amd64.Labels).toMatchObject({
      "dev.eventflow.function": "hello",
      "dev.eventflow.runtime": "node",
    });
    expect(arm64.Architecture).toBe("arm64");
    // One app layer serves both platforms.
    expect(arm64.Layers).toEqual(amd64.Layers);
    expect(amd64.Layers.at(-1)).toBe((pushed.appLayer as { digest: string }).digest);
  });

  it("skopeo copies it to an OCI layout whose digests check out; umoci unpacks it and /app/index.mjs answers 200", async () => {
    const dir = await makeProject({});
    await skopeo([
      "copy",
      ...skopeoFlags(registry, "src-creds"),
      `docker://${registry.host}/hello:1`,
      `oci:${dir}/copy:1`,
    ]);
    for (const name of await readdir(join(dir, "copy/blobs/sha256"))) {
      expect(sha256(await readFile(join(dir, "copy/blobs/sha256", name)))).toBe(`sha256:${name}`);
    }
    await run("umoci", ["unpack", "--rootless", "--image", `${dir}/copy:1`, `${dir}/bundle`]);
    const rootfs = join(dir, "bundle/rootfs");
    expect(existsSync(join(rootfs, "usr/bin/node"))).toBe(true);
    expect((await stat(join(rootfs, "app/index.mjs"))).mode & 0o777).toBe(0o644);
    const served = await serveBundle("/usr/bin/node", join(rootfs, "app/index.mjs"));
    stops.push(served.stop);
    expect(served.status).toBe(200);
    expect(served.body).toBe("Hello, test!");
  });

  it("a second build gives the same digest and finds every blob present", async () => {
    const result = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/hello:1`,
      "--base",
      `${registry.host}/base/node:multi`,
      "--push",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.digest).toBe(pushed.digest);
    expect(result.stderr).toMatch(/app\s+[0-9a-f]{12}\s+.*exists/);
    expect(result.stderr).not.toMatch(/uploaded/);
  });

  it("a Docker v2 base gives an OCI manifest over the same layer blobs", async () => {
    await skopeo([
      "copy",
      "--format",
      "v2s2",
      ...skopeoFlags(registry, "dest-creds"),
      `oci:${base.layout}:amd64`,
      `docker://${registry.host}/base/docker:v2`,
    ]);
    const baseRaw = JSON.parse(
      await skopeo([
        "inspect",
        "--raw",
        ...skopeoFlags(registry),
        `docker://${registry.host}/base/docker:v2`,
      ]),
    ) as {
      mediaType: string;
      layers: { digest: string; mediaType: string }[];
    };
    expect(baseRaw.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const result = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/from-docker:1`,
      "--base",
      `${registry.host}/base/docker:v2`,
      "--push",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const raw = JSON.parse(
      await skopeo([
        "inspect",
        "--raw",
        ...skopeoFlags(registry),
        `docker://${registry.host}/from-docker:1`,
      ]),
    ) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { digest: string; mediaType: string }[];
    };
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(raw.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(raw.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+gzip",
    ]);
    expect(raw.layers[0]!.digest).toBe(baseRaw.layers[0]!.digest);
  });

  it("--platform narrows a base index; scratch with two platforms gives an index", async () => {
    const arm = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/arm-only:1`,
      "--base",
      `${registry.host}/base/node:multi`,
      "--platform",
      "linux/arm64",
      "--push",
      "--json",
    ]);
    expect(arm.code, arm.stderr).toBe(0);
    expect(arm.json?.platforms).toEqual(["linux/arm64/v8"]);
    const both = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/scratch-multi:1`,
      "--base",
      "scratch",
      "--platform",
      "linux/amd64",
      "--platform",
      "linux/arm64",
      "--push",
      "--json",
    ]);
    expect(both.code, both.stderr).toBe(0);
    const raw = JSON.parse(
      await skopeo([
        "inspect",
        "--raw",
        ...skopeoFlags(registry),
        `docker://${registry.host}/scratch-multi:1`,
      ]),
    ) as {
      manifests: { platform: { architecture: string } }[];
    };
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(["amd64", "arm64"]);
    const missing = await runEventflow([
      "build",
      HELLO,
      "--base",
      `${registry.host}/base/node:multi`,
      "--platform",
      "linux/s390x",
      "--output",
      "oci:/tmp/never-written-platform",
      "--json",
    ]);
    expect(missing.code).toBe(1);
    expect((missing.json?.error as { code: string }).code).toBe("BUILD_BASE_IMAGE_NOT_FOUND");
    expect(existsSync("/tmp/never-written-platform")).toBe(false);
  });

  it("pushes to image.repository of eventflow.yaml when -t is not given", async () => {
    const dir = await makeProject({
      "eventflow.yaml": `functions:\n  - name: fromyaml\n    image: { repository: ${registry.host}/team/fromyaml, base: scratch }\n`,
      "src/index.ts": HELLO_HANDLER,
    });
    const result = await runEventflow(["build", dir, "--push", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.image).toBe(`${registry.host}/team/fromyaml:latest`);
    const inspected = (await skopeoInspect(registry, `${registry.host}/team/fromyaml:latest`)) as {
      Digest: string;
    };
    expect(inspected.Digest).toBe(result.json?.digest);
  });

  it("eventflow push sends an image from the local layout", async () => {
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER });
    const built = await runEventflow(
      ["build", ".", "--base", `${registry.host}/base/node:amd64`, "--json"],
      { cwd: dir },
    );
    expect(built.code, built.stderr).toBe(0);
    const result = await runEventflow(["push", `${registry.host}/pushed/app:2`, "--json"], {
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.digest).toBe(built.json?.digest);
    const inspected = (await skopeoInspect(registry, `${registry.host}/pushed/app:2`)) as {
      Digest: string;
    };
    expect(inspected.Digest).toBe(built.json?.digest);
    const multi = await runEventflow(
      [
        "build",
        ".",
        "--base",
        `${registry.host}/base/node:multi`,
        "--output",
        "oci:multi-layout:v2",
        "--json",
      ],
      { cwd: dir },
    );
    expect(multi.code, multi.stderr).toBe(0);
    const pushedIndex = await runEventflow(
      ["push", `${registry.host}/pushed/multi:2`, "--from", "oci:multi-layout:v2", "--json"],
      { cwd: dir },
    );
    expect(pushedIndex.code, pushedIndex.stderr).toBe(0);
    expect(pushedIndex.json?.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const raw = await skopeo([
      "inspect",
      "--raw",
      ...skopeoFlags(registry),
      `docker://${registry.host}/pushed/multi:2`,
    ]);
    expect(sha256(Buffer.from(raw))).toBe(multi.json?.digest);
    const missing = await runEventflow(
      ["push", `${registry.host}/pushed/app:3`, "--function", "nope", "--json"],
      { cwd: dir },
    );
    expect(missing.code).toBe(1);
    expect((missing.json?.error as { code: string }).code).toBe("BUILD_SOURCE_NOT_FOUND");
  });
});
