import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { assembleImage, type ResolvedBase } from "../../src/image/assemble.js";
import {
  buildImageConfig,
  epochToCreated,
  mergeEnv,
  type ImageMetadata,
} from "../../src/image/config.js";
import { sha256Digest } from "../../src/image/digest.js";
import { buildAppLayer, gzipFixed } from "../../src/image/layer.js";
import { MediaType, type ImageConfig } from "../../src/image/types.js";

const meta: ImageMetadata = { functionName: "hello", eventflowVersion: "0.1.0" };
const amd64 = { architecture: "amd64", os: "linux" };
const baseConfig = (architecture: string): ImageConfig => ({
  created: "2026-01-01T00:00:00Z",
  architecture,
  os: "linux",
  config: {
    Env: ["PATH=/usr/local/bin:/usr/bin", "NODE_VERSION=24.0.0", "PORT=3000"],
    Entrypoint: ["docker-entrypoint.sh"],
    Cmd: ["node"],
    User: "node",
    WorkingDir: "/home/node",
    Labels: { maintainer: "someone" },
    ExposedPorts: { "9229/tcp": {} },
  },
  rootfs: { type: "layers", diff_ids: ["sha256:aaa"] },
  history: [{ created: "2026-01-01T00:00:00Z", created_by: "base" }],
});

describe("mergeEnv", () => {
  it.each<{ base: string[]; set: Record<string, string>; out: string[] }>([
    { base: [], set: { A: "1" }, out: ["A=1"] },
    { base: ["A=0", "B=2"], set: { A: "1" }, out: ["A=1", "B=2"] },
    {
      base: ["PATH=/bin"],
      set: { PORT: "8080", NODE_ENV: "production" },
      out: ["PATH=/bin", "PORT=8080", "NODE_ENV=production"],
    },
    { base: ["AB=1"], set: { A: "2" }, out: ["AB=1", "A=2"] },
  ])("$base + $set", ({ base, set, out }) => {
    expect(mergeEnv(base, set)).toEqual(out);
  });
});

describe("epochToCreated", () => {
  it.each([
    [0, "1970-01-01T00:00:00Z"],
    [1700000000, "2023-11-14T22:13:20Z"],
  ])("%d -> %s", (epoch, text) => {
    expect(epochToCreated(epoch)).toBe(text);
  });
});

describe("buildImageConfig", () => {
  it.each([
    {
      name: "scratch, no timestamps",
      base: null,
      options: {},
      expectCreated: undefined,
      env: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "PORT=8080",
        "NODE_ENV=production",
        "EVENTFLOW_FUNCTION_NAME=hello",
      ],
      diffIds: ["sha256:app"],
    },
    {
      name: "base config, created from SOURCE_DATE_EPOCH",
      base: baseConfig("arm64"),
      options: { created: "1970-01-01T00:00:00Z", env: { GREETING: "hi" } },
      expectCreated: "1970-01-01T00:00:00Z",
      env: [
        "PATH=/usr/local/bin:/usr/bin",
        "NODE_VERSION=24.0.0",
        "PORT=8080",
        "GREETING=hi",
        "NODE_ENV=production",
        "EVENTFLOW_FUNCTION_NAME=hello",
      ],
      diffIds: ["sha256:aaa", "sha256:app"],
    },
  ])("$name", ({ base, options, expectCreated, env, diffIds }) => {
    const config = buildImageConfig(base, {
      ...meta,
      ...options,
      appDiffId: "sha256:app",
      platform: amd64,
    });
    expect(config.created).toBe(expectCreated);
    expect(config.architecture).toBe(base?.architecture ?? "amd64");
    expect(config.config?.Env).toEqual(env);
    expect(config.config?.Entrypoint).toEqual(["node", "--enable-source-maps", "/app/index.mjs"]);
    expect(config.config).not.toHaveProperty("Cmd");
    expect(config.config?.User).toBe("65532:65532");
    expect(config.config?.WorkingDir).toBe("/app");
    expect(config.config?.ExposedPorts).toHaveProperty(["8080/tcp"]);
    expect(config.config?.Labels).toMatchObject({
      "dev.eventflow.function": "hello",
      "dev.eventflow.runtime": "node",
      "dev.eventflow.version": "0.1.0",
    });
    expect(config.rootfs.diff_ids).toEqual(diffIds);
    expect(config.history?.at(-1)?.created).toBe(expectCreated);
    const labels = config.config?.Labels ?? {};
    expect("org.opencontainers.image.created" in labels).toBe(expectCreated !== undefined);
    expect("org.opencontainers.image.source" in labels).toBe(false);
  });

  it("adds source and revision labels only when given", () => {
    const config = buildImageConfig(null, {
      ...meta,
      source: "https://example.test/r",
      revision: "abc",
      appDiffId: "sha256:x",
      platform: amd64,
    });
    expect(config.config?.Labels).toMatchObject({
      "org.opencontainers.image.source": "https://example.test/r",
      "org.opencontainers.image.revision": "abc",
    });
  });
});

describe("gzipFixed and buildAppLayer", () => {
  it("writes a gzip header without time, name or OS", () => {
    const gz = gzipFixed(Buffer.from("hello"));
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    expect(gunzipSync(gz).toString()).toBe("hello");
  });

  it.each([
    { name: "with map", files: { code: Buffer.from("export {}"), map: Buffer.from("{}") } },
    { name: "without map", files: { code: Buffer.from("export {}") } },
  ])("layer digests are the sha256 of the blob and of the tar ($name)", ({ files }) => {
    const layer = buildAppLayer(files, { mtime: 0 });
    expect(layer.digest).toBe(sha256Digest(layer.blob));
    expect(layer.diffId).toBe(sha256Digest(gunzipSync(layer.blob)));
    expect(layer.size).toBe(layer.blob.length);
    expect(buildAppLayer(files, { mtime: 0 }).digest).toBe(layer.digest);
    expect(buildAppLayer(files, { mtime: 1 }).diffId).not.toBe(layer.diffId);
  });
});

describe("assembleImage", () => {
  const appLayer = buildAppLayer({ code: Buffer.from("export {}") }, { mtime: 0 });
  const baseLayer = { mediaType: MediaType.dockerLayerGzip, digest: "sha256:bbb", size: 10 };
  const bases: {
    name: string;
    base: ResolvedBase;
    topType: string;
    platforms: string[];
    baseLayers: number;
  }[] = [
    {
      name: "scratch",
      base: { kind: "scratch", images: [] },
      topType: MediaType.ociManifest,
      platforms: ["amd64"],
      baseLayers: 0,
    },
    {
      name: "one manifest",
      base: {
        kind: "manifest",
        name: "reg/base:1",
        digest: "sha256:m",
        images: [{ platform: amd64, config: baseConfig("amd64"), layers: [baseLayer] }],
      },
      topType: MediaType.ociManifest,
      platforms: ["amd64"],
      baseLayers: 1,
    },
    {
      name: "an index of two platforms sharing a layer",
      base: {
        kind: "index",
        name: "reg/base:1",
        digest: "sha256:i",
        images: [
          { platform: amd64, config: baseConfig("amd64"), layers: [baseLayer] },
          {
            platform: { architecture: "arm64", os: "linux", variant: "v8" },
            config: baseConfig("arm64"),
            layers: [baseLayer],
          },
        ],
      },
      topType: MediaType.ociIndex,
      platforms: ["amd64", "arm64"],
      baseLayers: 1,
    },
  ];
  it.each(bases)("$name", ({ base, topType, platforms, baseLayers }) => {
    const image = assembleImage({ base, appLayer, meta, platform: amd64 });
    expect(image.top.mediaType).toBe(topType);
    expect(image.top.digest).toBe(sha256Digest(image.top.bytes));
    expect(image.platforms.map((p) => p.platform.architecture)).toEqual(platforms);
    expect(image.baseLayers).toHaveLength(baseLayers);
    for (const p of image.platforms) {
      const manifest = JSON.parse(p.manifest.bytes.toString());
      expect(manifest.mediaType).toBe(MediaType.ociManifest);
      expect(manifest.config).toEqual({
        mediaType: MediaType.ociConfig,
        digest: p.config.digest,
        size: p.config.size,
      });
      expect(manifest.layers.at(-1)).toEqual({
        mediaType: MediaType.ociLayerGzip,
        digest: appLayer.digest,
        size: appLayer.size,
      });
      expect(
        manifest.layers.every((l: { mediaType: string }) =>
          l.mediaType.startsWith("application/vnd.oci."),
        ),
      ).toBe(true);
      expect(manifest.annotations["dev.eventflow.function"]).toBe("hello");
      expect(JSON.parse(p.config.bytes.toString()).architecture).toBe(p.platform.architecture);
    }
    if (topType === MediaType.ociIndex) {
      const index = JSON.parse(image.top.bytes.toString());
      expect(
        index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
      ).toEqual(platforms);
      expect(index.annotations["org.opencontainers.image.base.digest"]).toBe("sha256:i");
    }
  });

  it("changing only the handler changes only the app layer, configs and manifests", () => {
    const base = bases[2]!.base;
    const a = assembleImage({ base, appLayer, meta, platform: amd64 });
    const other = buildAppLayer({ code: Buffer.from("export const x = 1") }, { mtime: 0 });
    const b = assembleImage({ base, appLayer: other, meta, platform: amd64 });
    expect(b.baseLayers).toEqual(a.baseLayers);
    expect(b.top.digest).not.toBe(a.top.digest);
    expect(assembleImage({ base, appLayer, meta, platform: amd64 }).top.digest).toBe(a.top.digest);
  });
});
