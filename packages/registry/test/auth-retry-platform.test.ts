// Tier 1: challenge parsing, scope merging, backoff arithmetic and platform selection.
import { describe, expect, it } from "vitest";
import {
  DOCKER_MANIFEST_LIST,
  backoffDelay,
  isLoopbackRegistry,
  mergeScopes,
  parseChallenge,
  selectPlatform,
  toOciPlatform,
  toRetryPolicy,
  type Descriptor,
} from "../src/index.ts";

describe("parseChallenge", () => {
  it.each([
    [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.example/token",
          service: "registry.example",
          scope: "repository:a/b:pull,push",
        },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: "basic", params: { realm: "Registry Realm" } }],
    [
      'Bearer realm="r",error="insufficient_scope", scope="repository:x:pull"',
      {
        scheme: "bearer",
        params: { realm: "r", error: "insufficient_scope", scope: "repository:x:pull" },
      },
    ],
    [
      "Bearer realm=unquoted,service=s",
      { scheme: "bearer", params: { realm: "unquoted", service: "s" } },
    ],
    ['Bearer realm="with \\"quote\\""', { scheme: "bearer", params: { realm: 'with "quote"' } }],
  ])("%s", (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it("returns undefined without a header", () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge("")).toBeUndefined();
  });
});

describe("mergeScopes", () => {
  it("unites actions per resource and sorts", () => {
    expect(
      mergeScopes([
        "repository:b:pull",
        "repository:a:push",
        "repository:a:pull",
        "repository:b:pull",
      ]),
    ).toEqual(["repository:a:pull,push", "repository:b:pull"]);
    expect(mergeScopes(["repository:a:pull repository:c:pull"])).toEqual([
      "repository:a:pull",
      "repository:c:pull",
    ]);
  });
});

describe("backoffDelay", () => {
  const policy = toRetryPolicy({ baseMs: 100, maxMs: 1000, random: () => 0.5 });
  it("doubles per retry with jitter and a cap", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([75, 150, 300, 600, 1000]);
    expect(backoffDelay(toRetryPolicy({ baseMs: 100, random: () => 0 }), 1)).toBe(50);
  });
  it("honours retry-after seconds, capped", () => {
    expect(backoffDelay(policy, 1, "0.2")).toBe(200);
    expect(backoffDelay(policy, 1, "120")).toBe(1000);
    expect(backoffDelay(policy, 1, "Wed, 21 Oct 2015 07:28:00 GMT")).toBe(75);
  });
  it("defaults to 3 attempts", () => {
    expect(toRetryPolicy().attempts).toBe(3);
    expect(toRetryPolicy({ attempts: 0 }).attempts).toBe(1);
  });
});

describe("isLoopbackRegistry", () => {
  it.each([
    ["127.0.0.1:5000", true],
    ["127.8.9.10", true],
    ["localhost:5000", true],
    ["localhost", true],
    ["[::1]:5000", true],
    ["10.0.0.1:5000", false],
    ["registry.example", false],
    ["localhost.example.com", false],
    ["128.0.0.1:5000", false],
  ])("%s -> %s", (host, expected) => {
    expect(isLoopbackRegistry(host)).toBe(expected);
  });
});

describe("selectPlatform", () => {
  const d = (architecture: string, variant?: string, os = "linux"): Descriptor => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${architecture}${variant ?? ""}`.padEnd(71, "0"),
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const index = {
    mediaType: DOCKER_MANIFEST_LIST,
    manifests: [
      d("unknown", undefined, "unknown"),
      d("amd64"),
      d("arm", "v6"),
      d("arm", "v7"),
      d("arm64", "v8"),
      d("s390x"),
    ],
  };
  it("finds os/architecture, with variants and arm64 v8 normalisation", () => {
    expect(selectPlatform(index, { os: "linux", architecture: "amd64" })).toBe(index.manifests[1]);
    expect(selectPlatform(index, { os: "linux", architecture: "arm", variant: "v7" })).toBe(
      index.manifests[3],
    );
    expect(selectPlatform(index, { os: "linux", architecture: "arm" })).toBe(index.manifests[2]);
    expect(selectPlatform(index, { os: "linux", architecture: "arm64" })).toBe(index.manifests[4]);
    expect(selectPlatform(index, { os: "linux", architecture: "arm64", variant: "v8" })).toBe(
      index.manifests[4],
    );
    expect(selectPlatform(index, { os: "windows", architecture: "amd64" })).toBeUndefined();
    expect(selectPlatform(index, { os: "linux", architecture: "riscv64" })).toBeUndefined();
  });
  it("maps Node's platform names", () => {
    expect(toOciPlatform("linux", "x64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(toOciPlatform("linux", "arm64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(toOciPlatform("win32", "ia32")).toEqual({ os: "windows", architecture: "386" });
  });
});
