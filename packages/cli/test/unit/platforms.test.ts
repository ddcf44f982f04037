import { isEventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import type { ResolvedBase } from "../../src/image/assemble.js";
import { parsePlatform, selectBasePlatforms } from "../../src/image/platforms.js";
import type { ImageConfig, Platform } from "../../src/image/types.js";

const config = (p: Platform): ImageConfig => ({ ...p, rootfs: { type: "layers", diff_ids: [] } });
const image = (p: Platform) => ({ platform: p, config: config(p), layers: [] });
const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };
const armv7 = { os: "linux", architecture: "arm", variant: "v7" };
const index: ResolvedBase = {
  kind: "index",
  name: "r/base:1",
  images: [image(amd64), image(arm64), image(armv7)],
};
const single: ResolvedBase = { kind: "manifest", name: "r/base:1", images: [image(amd64)] };
const scratch: ResolvedBase = { kind: "scratch", images: [] };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return isEventFlowError(error) ? error.code : "OTHER";
  }
  return "NONE";
};

describe("parsePlatform", () => {
  it.each([
    ["linux/amd64", amd64],
    ["linux/arm64/v8", arm64],
    ["windows/amd64", { os: "windows", architecture: "amd64" }],
  ])("%s", (text, platform) => {
    expect(parsePlatform(text)).toEqual(platform);
  });
  it.each(["linux", "amd64/", "linux/amd64/v8/x", "Linux/AMD64", ""])("rejects %j", (text) => {
    expect(codeOf(() => parsePlatform(text))).toBe("CLI_USAGE");
  });
});

describe("selectBasePlatforms", () => {
  it.each([
    {
      name: "nothing asked keeps an index",
      base: index,
      wanted: [],
      kind: "index",
      archs: ["amd64", "arm64", "arm"],
    },
    {
      name: "one platform of an index",
      base: index,
      wanted: [arm64],
      kind: "index",
      archs: ["arm64"],
    },
    {
      name: "arm64 without variant matches v8",
      base: index,
      wanted: [{ os: "linux", architecture: "arm64" }],
      kind: "index",
      archs: ["arm64"],
    },
    {
      name: "two platforms keep the base's order",
      base: index,
      wanted: [armv7, amd64],
      kind: "index",
      archs: ["amd64", "arm"],
    },
    {
      name: "a matching single manifest",
      base: single,
      wanted: [amd64],
      kind: "manifest",
      archs: ["amd64"],
    },
    {
      name: "scratch for one platform",
      base: scratch,
      wanted: [arm64],
      kind: "scratch",
      archs: [],
    },
    {
      name: "scratch for two platforms becomes an index",
      base: scratch,
      wanted: [amd64, arm64],
      kind: "index",
      archs: ["amd64", "arm64"],
    },
  ])("$name", ({ base, wanted, kind, archs }) => {
    const out = selectBasePlatforms(base, wanted);
    expect(out.kind).toBe(kind);
    expect(out.images.map((i) => i.platform.architecture)).toEqual(archs);
  });

  it.each([
    {
      name: "a platform the index lacks",
      base: index,
      wanted: [{ os: "linux", architecture: "s390x" }],
    },
    { name: "a platform the manifest lacks", base: single, wanted: [arm64] },
  ])("fails with BUILD_BASE_IMAGE_NOT_FOUND for $name", ({ base, wanted }) => {
    expect(codeOf(() => selectBasePlatforms(base, wanted))).toBe("BUILD_BASE_IMAGE_NOT_FOUND");
  });
});
