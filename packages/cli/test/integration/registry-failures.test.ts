// `eventflow build` when a registry or a base fails: a corrupted base layer, a registry that
// is down, hangs or drops the connection mid-blob, a base that does not exist, SIGINT while
// pushing or writing a tarball. Nothing half-written is left behind. Registry: Debian's
// docker-registry on 127.0.0.1, with the test base image (test/cli/base-image.ts) in it.
import { existsSync } from "node:fs";
import { cp, open, readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow, type TestBaseImage } from "../../../../test/cli/index.ts";
import { skopeoInspect, type TestRegistry } from "../../../../test/registry/index.ts";
import {
  HELLO_HANDLER,
  freePort,
  makeProject,
  removeProjects,
  startRegistryFront,
} from "../helpers.ts";
import { HELLO, startBaseRegistry } from "./registry-support.ts";

let registry: TestRegistry;
let base: TestBaseImage;

beforeAll(async () => {
  ({ registry, base } = await startBaseRegistry());
}, 120_000);

afterAll(async () => {
  await removeProjects();
  await registry?.stop();
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
