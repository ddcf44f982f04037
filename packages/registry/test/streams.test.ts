// Tier 1: digests, verified streams, re-chunking and docker config key normalisation.
import { describe, expect, it } from "vitest";
import { configKeyHost, isDigest, sha256Digest, verifyChunks } from "../src/index.ts";
import { rechunk } from "../src/upload.ts";

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function* pieces(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe("isDigest", () => {
  it.each([
    [`sha256:${"a".repeat(64)}`, true],
    [`sha512:${"0".repeat(128)}`, true],
    [`sha256:${"a".repeat(63)}`, false],
    [`sha256:${"A".repeat(64)}`, false],
    [`md5:${"a".repeat(32)}`, false],
    ["sha256", false],
  ])("%s -> %s", (text, expected) => {
    expect(isDigest(text)).toBe(expected);
  });
});

describe("verifyChunks", () => {
  it("passes matching content through unchanged", async () => {
    const digest = sha256Digest("hello world");
    const out = await collect(
      verifyChunks(pieces("hello", " ", "world"), { digest, size: 11, what: "t" }),
    );
    expect(Buffer.concat(out).toString()).toBe("hello world");
  });

  it.each([
    ["wrong content", ["hello there"], 11],
    ["too short", ["hello"], 11],
    ["too long", ["hello world!!"], 11],
  ])("fails with REGISTRY_DIGEST_MISMATCH: %s", async (_name, parts, size) => {
    const digest = sha256Digest("hello world");
    await expect(
      collect(verifyChunks(pieces(...parts), { digest, size, what: "t" })),
    ).rejects.toMatchObject({
      code: "REGISTRY_DIGEST_MISMATCH",
    });
  });
});

describe("rechunk", () => {
  it.each([
    [["abc", "defgh", "ij"], 4, ["abcd", "efgh", "ij"]],
    [["abcdefghij"], 3, ["abc", "def", "ghi", "j"]],
    [["ab", "cd"], 2, ["ab", "cd"]],
    [[], 4, []],
  ])("%j by %i -> %j", async (parts, size, expected) => {
    const out = await collect(rechunk(pieces(...parts), size));
    expect(out.map((b) => b.toString())).toEqual(expected);
  });

  it("accepts a single buffer", async () => {
    expect((await collect(rechunk(Buffer.from("abcde"), 2))).map(String)).toEqual([
      "ab",
      "cd",
      "e",
    ]);
  });
});

describe("configKeyHost", () => {
  it.each([
    ["https://index.docker.io/v1/", "index.docker.io"],
    ["http://127.0.0.1:5000", "127.0.0.1:5000"],
    ["registry.example:5000/v2/", "registry.example:5000"],
    ["ghcr.io", "ghcr.io"],
  ])("%s -> %s", (key, host) => {
    expect(configKeyHost(key)).toBe(host);
  });
});
