// `eventflow build --push` and `eventflow push` against Debian's docker-registry (plain HTTP
// on 127.0.0.1), read back by skopeo and umoci; the pushed /app/index.mjs runs on this
// machine's node. Base: node + its libraries (test/cli/base-image.ts), as one manifest and
// as a two-platform index.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, open, readdir, readFile, stat, utimes } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  ensureTestBaseImage,
  runEventflow,
  type TestBaseImage,
} from "../../../../test/cli/index.ts";
import {
  skopeo,
  skopeoFlags,
  skopeoInspect,
  startRegistry,
  type TestRegistry,
} from "../../../../test/registry/index.ts";
import {
  HELLO_HANDLER,
  freePort,
  makeProject,
  removeProjects,
  serveBundle,
  startRegistryFront,
} from "../helpers.ts";

const run = promisify(execFile);
const HELLO = join(REPO_ROOT, "examples/hello");
let registry: TestRegistry;
let base: TestBaseImage;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [registry, base] = await Promise.all([startRegistry({ mode: "plain" }), ensureTestBaseImage()]);
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
}, 120_000);

afterAll(async () => {
  await removeProjects();
  await Promise.all(stops.map((s) => s()));
  await registry?.stop();
});

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

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

describe("reproducibility", () => {
  it("gives the same digest whatever the time, TZ, umask, cwd, locale and source mtimes", async () => {
    const dir = await makeProject({
      "src/index.ts": HELLO_HANDLER,
      "package.json": JSON.stringify({ name: "repro", type: "module" }),
    });
    const args = [
      "build",
      dir,
      "--base",
      `${registry.host}/base/node:multi`,
      "--output",
      `oci:${dir}/out`,
      "--json",
      "-q",
    ];
    const first = await runEventflow(args, {
      cwd: "/",
      umask: 0o022,
      env: { TZ: "UTC", LANG: "C" },
    });
    await new Promise((r) => setTimeout(r, 1100));
    await utimes(join(dir, "src/index.ts"), new Date(), new Date("2001-02-03T04:05:06Z"));
    const other = await makeProject({});
    const second = await runEventflow(args, {
      cwd: other,
      umask: 0o077,
      env: { TZ: "Pacific/Chatham", LANG: "de_DE.UTF-8" },
    });
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json?.digest).toBe(first.json?.digest);

    const epoch = { SOURCE_DATE_EPOCH: "1700000000" };
    const a = await runEventflow(args, { env: { ...epoch, TZ: "UTC" } });
    const b = await runEventflow(args, { env: { ...epoch, TZ: "Asia/Kolkata" }, umask: 0o027 });
    expect(a.json?.digest).toBe(b.json?.digest);
    expect(a.json?.digest).not.toBe(first.json?.digest);
    const config = JSON.parse(await skopeo(["inspect", "--config", `oci:${dir}/out:repro`])) as {
      created: string;
    };
    expect(config.created).toBe("2023-11-14T22:13:20Z");
  });
});

describe("failures", () => {
  it("a corrupted base layer is caught by digest (REGISTRY_DIGEST_MISMATCH) and no tag appears", async () => {
    const dir = await makeProject({});
    await cp(base.layout, join(dir, "base"), { recursive: true });
    const manifestDigest = (
      JSON.parse(await readFile(join(dir, "base/index.json"), "utf8")) as {
        manifests: { digest: string; annotations?: Record<string, string> }[];
      }
    ).manifests.find(
      (m) => m.annotations?.["org.opencontainers.image.ref.name"] === "amd64",
    )!.digest;
    const manifest = JSON.parse(
      await readFile(join(dir, "base/blobs/sha256", manifestDigest.slice(7)), "utf8"),
    ) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0]!;
    const file = await open(join(dir, "base/blobs/sha256", layer.digest.slice(7)), "r+");
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, Math.floor(layer.size / 2));
    await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, Math.floor(layer.size / 2));
    await file.close();
    const result = await runEventflow([
      "build",
      HELLO,
      "-t",
      `${registry.host}/corrupt:1`,
      "--base",
      `oci:${dir}/base:amd64`,
      "--push",
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect((result.json?.error as { code: string }).code).toBe("REGISTRY_DIGEST_MISMATCH");
    await expect(skopeoInspect(registry, `${registry.host}/corrupt:1`)).rejects.toThrow();
  });

  it("a registry that is down: exit 1, REGISTRY_UNREACHABLE, nothing written locally", async () => {
    const port = await freePort();
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER });
    const result = await runEventflow([
      "build",
      dir,
      "-t",
      `127.0.0.1:${port}/x:1`,
      "--base",
      "scratch",
      "--push",
      "--output",
      `oci:${dir}/out`,
      "--output",
      `tar:${dir}/x.tar`,
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect((result.json?.error as { code: string }).code).toBe("REGISTRY_UNREACHABLE");
    expect((await readdir(dir)).sort()).toEqual(["src"]);
  });

  it("a base that does not exist: exit 1, BUILD_BASE_IMAGE_NOT_FOUND", async () => {
    const result = await runEventflow([
      "build",
      HELLO,
      "--base",
      `${registry.host}/base/node:nope`,
      "--output",
      "oci:/tmp/never-written",
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect((result.json?.error as { code: string }).code).toBe("BUILD_BASE_IMAGE_NOT_FOUND");
    expect(existsSync("/tmp/never-written")).toBe(false);
  });

  it("SIGINT while a registry hangs: exit 130 and no temp files", async () => {
    const sockets: import("node:net").Socket[] = [];
    let connected: () => void = () => {};
    const reached = new Promise<void>((r) => (connected = r));
    const blackhole: Server = createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
    const port = (blackhole.address() as { port: number }).port;
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER });
    try {
      const result = await runEventflow(
        ["build", ".", "-t", `127.0.0.1:${port}/x:1`, "--base", "scratch", "--push"],
        {
          cwd: dir,
          // Interrupt once the CLI is waiting on the registry (not on a timer: CI may be slow).
          onSpawn: (child) => void reached.then(() => setTimeout(() => child.kill("SIGINT"), 200)),
        },
      );
      expect(result.code).toBe(130);
      expect(sockets.length).toBeGreaterThan(0);
      expect((await readdir(dir)).sort()).toEqual(["src"]);
    } finally {
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  it("SIGINT while a tarball is being written: exit 130, no tarball and no temp file", async () => {
    // Layer blobs stall half-way, so the CLI is interrupted inside writeTarball.
    const front = await startRegistryFront(registry.url, "stall");
    const port = front.port;
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER });
    try {
      const result = await runEventflow(
        [
          "build",
          ".",
          "--base",
          `127.0.0.1:${port}/base/node:amd64`,
          "--output",
          `tar:${dir}/out/image.tar`,
        ],
        {
          cwd: dir,
          // Interrupt once a layer has stalled half-way, i.e. inside writeTarball.
          onSpawn: (child) =>
            void front.stalled.then(() => setTimeout(() => child.kill("SIGINT"), 300)),
        },
      );
      expect(result.code).toBe(130);
      expect(result.stderr).not.toMatch(/wrote/);
      expect(await readdir(join(dir, "out"))).toEqual([]);
    } finally {
      await front.close();
    }
  });

  it.each([
    { output: "tar", spec: (dir: string) => `tar:${dir}/out/image.tar` },
    { output: "oci", spec: (dir: string) => `oci:${dir}/out/layout` },
  ])(
    "a registry that drops the connection mid-blob ($output output): exit 1, nothing written",
    async ({ spec }) => {
      const front = await startRegistryFront(registry.url, "cut");
      const dir = await makeProject({ "src/index.ts": HELLO_HANDLER, "out/keep": "" });
      try {
        const result = await runEventflow(
          [
            "build",
            ".",
            "--base",
            `127.0.0.1:${front.port}/base/node:amd64`,
            "--output",
            spec(dir),
            "--json",
          ],
          { cwd: dir },
        );
        expect(result.code, result.stdout + result.stderr).toBe(1);
        expect((result.json?.error as { code: string }).code).toBe("REGISTRY_UNREACHABLE");
        expect(await readdir(join(dir, "out"))).toEqual(["keep"]);
      } finally {
        await front.close();
      }
    },
  );
});
