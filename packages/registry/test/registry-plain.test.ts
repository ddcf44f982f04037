// Tier 4: the client against Debian's docker-registry over plain HTTP on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryClient, OCI_MANIFEST, type RegistryClient } from "../src/index.ts";
import { startRegistry, type TestRegistry } from "../../../test/registry/index.ts";
import { makeImage, randomBlob, rejectsWithCode } from "./helpers.ts";

let registry: TestRegistry;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startRegistry({ mode: "plain" });
  client = createRegistryClient({ retry: { attempts: 2, baseMs: 10 } });
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
});

describe("plain HTTP registry", () => {
  it("pushes a blob monolithically, then skips it, and reads it back verified", async () => {
    const repo = `${registry.host}/smoke/one`;
    const blob = randomBlob(100_000);
    expect(await client.hasBlob(repo, blob.digest)).toBe(false);
    expect(await client.pushBlob(repo, blob)).toEqual({ status: "uploaded" });
    expect(await client.pushBlob(repo, blob)).toEqual({ status: "exists" });
    expect(await client.hasBlob(repo, blob.digest)).toBe(true);
    const back = await client.getBlobBytes(repo, blob.digest);
    expect(back.equals(blob.bytes)).toBe(true);
  });

  it("pushes a manifest and fetches it by tag", async () => {
    const repo = `${registry.host}/smoke/image`;
    const image = makeImage();
    await client.pushBlob(repo, image.layer);
    await client.pushBlob(repo, image.config);
    const { digest } = await client.putManifest(`${repo}:v1`, {
      mediaType: OCI_MANIFEST,
      bytes: image.manifestBytes,
    });
    expect(digest).toBe(image.manifestDigest);
    const got = await client.getManifest(`${repo}:v1`);
    expect(got.digest).toBe(image.manifestDigest);
    expect(got.mediaType).toBe(OCI_MANIFEST);
    expect(got.bytes.equals(image.manifestBytes)).toBe(true);
  });

  it("maps a missing tag to REGISTRY_MANIFEST_UNKNOWN", async () => {
    await rejectsWithCode(
      client.getManifest(`${registry.host}/smoke/image:nope`),
      "REGISTRY_MANIFEST_UNKNOWN",
    );
  });
});
