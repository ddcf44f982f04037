// Tier 1: image references per the distribution grammar, with docker's normalisation.
import { describe, expect, it } from "vitest";
import {
  manifestIdentifier,
  parseImageSource,
  parseReference,
  parseRepository,
  withReference,
} from "../src/index.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference", () => {
  it.each([
    ["node", "docker.io", "library/node", undefined, undefined, "node"],
    ["node:24", "docker.io", "library/node", "24", undefined, "node:24"],
    ["library/node:24-slim", "docker.io", "library/node", "24-slim", undefined, "node:24-slim"],
    ["docker.io/node", "docker.io", "library/node", undefined, undefined, "node"],
    ["index.docker.io/library/node:lts", "docker.io", "library/node", "lts", undefined, "node:lts"],
    ["registry-1.docker.io/foo/bar", "docker.io", "foo/bar", undefined, undefined, "foo/bar"],
    ["foo/bar:1.0", "docker.io", "foo/bar", "1.0", undefined, "foo/bar:1.0"],
    ["foo/bar/baz", "docker.io", "foo/bar/baz", undefined, undefined, "foo/bar/baz"],
    ["ghcr.io/acme/app:v1", "ghcr.io", "acme/app", "v1", undefined, "ghcr.io/acme/app:v1"],
    ["localhost/app", "localhost", "app", undefined, undefined, "localhost/app"],
    ["localhost:5000/app:dev", "localhost:5000", "app", "dev", undefined, "localhost:5000/app:dev"],
    [
      "127.0.0.1:5000/a/b_c__d-e.f:t",
      "127.0.0.1:5000",
      "a/b_c__d-e.f",
      "t",
      undefined,
      "127.0.0.1:5000/a/b_c__d-e.f:t",
    ],
    ["[::1]:5000/app", "[::1]:5000", "app", undefined, undefined, "[::1]:5000/app"],
    [
      "Registry.Example/app",
      "Registry.Example",
      "app",
      undefined,
      undefined,
      "Registry.Example/app",
    ],
    [`node@${D}`, "docker.io", "library/node", undefined, D, `node@${D}`],
    [`quay.io/a/b:1@${D}`, "quay.io", "a/b", "1", D, `quay.io/a/b:1@${D}`],
    ["a/b---c:_x", "docker.io", "a/b---c", "_x", undefined, "a/b---c:_x"],
  ])("%s", (text, registry, repository, tag, digest, familiar) => {
    const ref = parseReference(text);
    expect(ref.registry).toBe(registry);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
    expect(ref.familiar).toBe(familiar);
    expect(ref.toString()).toBe(
      `${registry}/${repository}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`,
    );
    expect(parseReference(ref.toString()).toString()).toBe(ref.toString());
  });

  it.each([
    [""],
    [" node"],
    ["node "],
    ["Node"],
    ["foo/Bar"],
    ["node:"],
    ["node:-x"],
    ["node:.x"],
    [`node:${"t".repeat(129)}`],
    ["node@sha256:abc"],
    [`node@sha256:${"A".repeat(64)}`],
    [`node@md5:${"a".repeat(64)}`],
    ["a//b"],
    ["a/b/"],
    ["/a"],
    ["a__-b"],
    ["-a/b"],
    ["a/_b"],
    ["a/b."],
    ["host:99999/a"],
    ["host:port/a"],
    ["-host.io/a"],
    ["a".repeat(64).replace(/a/g, "f")],
    [`${"a".repeat(250)}/${"b".repeat(10)}`],
    ["a b"],
    ["a/b@"],
  ])("rejects %j with IMAGE_REFERENCE_INVALID", (text) => {
    expect(() => parseReference(text)).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
  });
});

describe("helpers", () => {
  it("parseRepository refuses tags and digests", () => {
    expect(parseRepository("127.0.0.1:5000/a/b")).toEqual({
      registry: "127.0.0.1:5000",
      repository: "a/b",
    });
    expect(() => parseRepository("a/b:1")).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
  });

  it("withReference changes and removes tag and digest", () => {
    const ref = parseReference("ghcr.io/a/b:1");
    expect(withReference(ref, { digest: D }).toString()).toBe(`ghcr.io/a/b:1@${D}`);
    expect(withReference(ref, { tag: null, digest: D }).toString()).toBe(`ghcr.io/a/b@${D}`);
    expect(withReference(ref, { tag: "2" }).familiar).toBe("ghcr.io/a/b:2");
    expect(() => withReference(ref, { tag: "-bad" })).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
  });

  it("manifestIdentifier prefers digest, then tag, then latest", () => {
    expect(manifestIdentifier(parseReference(`a:1@${D}`))).toBe(D);
    expect(manifestIdentifier(parseReference("a:1"))).toBe("1");
    expect(manifestIdentifier(parseReference("a"))).toBe("latest");
  });
});

describe("parseImageSource", () => {
  it.each([
    ["oci:/tmp/layout", { kind: "oci-layout", dir: "/tmp/layout" }],
    ["oci:/tmp/layout:v1", { kind: "oci-layout", dir: "/tmp/layout", tag: "v1" }],
    ["oci:./out", { kind: "oci-layout", dir: "./out" }],
    ["oci:relative/dir:latest", { kind: "oci-layout", dir: "relative/dir", tag: "latest" }],
    [`oci:/tmp/l:v1@${D}`, { kind: "oci-layout", dir: "/tmp/l", tag: "v1", digest: D }],
    [`oci:/tmp/l@${D}`, { kind: "oci-layout", dir: "/tmp/l", digest: D }],
    ["oci:/tmp/with@sign", { kind: "oci-layout", dir: "/tmp/with@sign" }],
  ])("%s", (text, expected) => {
    expect(parseImageSource(text)).toEqual(expected);
  });

  it("accepts registry references with or without docker://", () => {
    const a = parseImageSource("docker://127.0.0.1:5000/app:1");
    const b = parseImageSource("node:24");
    expect(a.kind === "registry" && a.reference.toString()).toBe("127.0.0.1:5000/app:1");
    expect(b.kind === "registry" && b.reference.toString()).toBe("docker.io/library/node:24");
  });

  it("rejects oci: without a directory and invalid references", () => {
    expect(() => parseImageSource("oci:")).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
    expect(() => parseImageSource("oci::tag")).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
    expect(() => parseImageSource("NOPE")).toThrow(
      expect.objectContaining({ code: "IMAGE_REFERENCE_INVALID" }),
    );
  });
});
