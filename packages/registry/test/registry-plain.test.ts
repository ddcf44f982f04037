// Tier 4: the client against Debian's docker-registry over plain HTTP on 127.0.0.1, with
// skopeo as an independent reader of what was pushed.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  createRegistryClient,
  readOciLayout,
  selectPlatform,
  sha256Digest,
  type ImageIndex,
  type RegistryClient,
} from "../src/index.ts";
import {
  skopeo,
  skopeoInspect,
  startRegistry,
  type TestRegistry,
} from "../../../test/registry/index.ts";
import { blobOf, makeImage, randomBlob, rejectsWithCode } from "./helpers.ts";

let registry: TestRegistry;
let client: RegistryClient;
let work: string;

beforeAll(async () => {
  registry = await startRegistry({ mode: "plain" });
  client = createRegistryClient({ retry: { attempts: 2, baseMs: 10 } });
  work = await mkdtemp(join(tmpdir(), "eventflow-registry-test-"));
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Pushes config, layer and manifest of a test image under `tag`. */
async function pushImage(repo: string, tag: string, image = makeImage()) {
  await client.pushBlob(repo, image.layer);
  await client.pushBlob(repo, image.config);
  await client.putManifest(`${repo}:${tag}`, {
    mediaType: OCI_MANIFEST,
    bytes: image.manifestBytes,
  });
  return image;
}

/** The registry's on-disk data file of a blob (to corrupt it behind the registry's back). */
function storedBlobPath(digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(registry.storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

describe("blobs", () => {
  it("pushes monolithically, skips when present, reads back verified", async () => {
    const repo = `${registry.host}/blobs/mono`;
    const blob = randomBlob(300_000);
    const progress: number[] = [];
    expect(await client.hasBlob(repo, blob.digest)).toBe(false);
    expect(await client.pushBlob(repo, blob, { onProgress: (n) => progress.push(n) })).toEqual({
      status: "uploaded",
    });
    expect(progress.at(-1)).toBe(blob.size);
    expect(await client.pushBlob(repo, blob)).toEqual({ status: "exists" });
    const download = await client.getBlob(repo, blob.digest);
    expect(download.size).toBe(blob.size);
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(blob.bytes)).toBe(true);
  });

  it("pushes in PATCH chunks from a stream of odd-sized pieces", async () => {
    const repo = `${registry.host}/blobs/chunked`;
    const blob = randomBlob(250_001);
    const pieces = async function* () {
      for (let i = 0; i < blob.size; i += 7_777) yield blob.bytes.subarray(i, i + 7_777);
    };
    const progress: number[] = [];
    const result = await client.pushBlob(
      repo,
      { digest: blob.digest, size: blob.size, open: pieces },
      { chunkSize: 65_536, onProgress: (n) => progress.push(n) },
    );
    expect(result.status).toBe("uploaded");
    expect(progress).toEqual([65_536, 131_072, 196_608, 250_001]);
    expect((await client.getBlobBytes(repo, blob.digest)).equals(blob.bytes)).toBe(true);
  });

  it("pushes an empty blob chunked and monolithically", async () => {
    const empty = blobOf(Buffer.alloc(0));
    expect(
      (await client.pushBlob(`${registry.host}/blobs/empty-a`, empty, { chunkSize: 1024 })).status,
    ).toBe("uploaded");
    expect((await client.pushBlob(`${registry.host}/blobs/empty-b`, empty)).status).toBe(
      "uploaded",
    );
    expect(await client.getBlobBytes(`${registry.host}/blobs/empty-a`, empty.digest)).toHaveLength(
      0,
    );
  });

  it("mounts a blob from another repository instead of uploading", async () => {
    const blob = randomBlob(10_000);
    await client.pushBlob(`${registry.host}/mount/source`, blob);
    const result = await client.pushBlob(`${registry.host}/mount/target`, blob, {
      mountFrom: `${registry.host}/mount/source`,
    });
    expect(result).toEqual({ status: "mounted" });
    expect(await client.hasBlob(`${registry.host}/mount/target`, blob.digest)).toBe(true);
  });

  it("uploads when the mount source lacks the blob", async () => {
    const blob = randomBlob(5_000);
    const result = await client.pushBlob(`${registry.host}/mount/target2`, blob, {
      mountFrom: `${registry.host}/mount/empty`,
    });
    expect(result).toEqual({ status: "uploaded" });
  });

  it("maps a corrupted upload (wrong digest) to REGISTRY_DIGEST_MISMATCH and stores nothing", async () => {
    const repo = `${registry.host}/blobs/corrupt`;
    const good = randomBlob(4096);
    const claimed = sha256Digest(Buffer.from("something else"));
    const bad = { digest: claimed, size: good.size, open: () => good.bytes };
    const error = await rejectsWithCode(client.pushBlob(repo, bad), "REGISTRY_DIGEST_MISMATCH");
    expect(error).toMatchObject({
      details: { registryErrors: [expect.objectContaining({ code: "DIGEST_INVALID" })] },
    });
    await rejectsWithCode(
      client.pushBlob(repo, bad, { chunkSize: 1000 }),
      "REGISTRY_DIGEST_MISMATCH",
    );
    expect(await client.hasBlob(repo, claimed)).toBe(false);
  });

  it("detects a blob corrupted in the registry's storage while downloading", async () => {
    const repo = `${registry.host}/blobs/rot`;
    const blob = randomBlob(8192);
    await client.pushBlob(repo, blob);
    const flipped = Buffer.from(blob.bytes);
    flipped[100] = flipped[100]! ^ 0xff;
    await writeFile(storedBlobPath(blob.digest), flipped);
    await rejectsWithCode(client.getBlobBytes(repo, blob.digest), "REGISTRY_DIGEST_MISMATCH");
  });

  it("maps a missing blob to REGISTRY_BLOB_UNKNOWN", async () => {
    await rejectsWithCode(
      client.getBlobBytes(`${registry.host}/blobs/mono`, randomBlob(1).digest),
      "REGISTRY_BLOB_UNKNOWN",
    );
  });
});

describe("manifests", () => {
  it("round-trips a manifest by tag and by digest; skopeo reads it back", async () => {
    const repo = `${registry.host}/manifests/app`;
    const image = await pushImage(repo, "v1");
    const byTag = await client.getManifest(`${repo}:v1`);
    expect(byTag).toMatchObject({
      digest: image.manifestDigest,
      mediaType: OCI_MANIFEST,
      size: image.manifestBytes.length,
    });
    expect(byTag.json).toEqual(image.manifest);
    const byDigest = await client.getManifest(`${repo}@${image.manifestDigest}`);
    expect(byDigest.bytes.equals(image.manifestBytes)).toBe(true);
    expect(await client.headManifest(`${repo}:v1`)).toEqual({
      digest: image.manifestDigest,
      mediaType: OCI_MANIFEST,
      size: image.manifestBytes.length,
    });
    expect(await client.headManifest(`${repo}:absent`)).toBeUndefined();
    expect(await client.listTags(repo)).toEqual(["v1"]);

    const inspected = await skopeoInspect(registry, `${repo}:v1`);
    expect(inspected.Digest).toBe(image.manifestDigest);
    expect(inspected.Layers).toEqual([image.layer.digest]);
    expect(inspected.Architecture).toBe("amd64");
  });

  it("maps an unknown tag to REGISTRY_MANIFEST_UNKNOWN and an unknown repository's tags to REGISTRY_NAME_UNKNOWN", async () => {
    await rejectsWithCode(
      client.getManifest(`${registry.host}/manifests/app:nope`),
      "REGISTRY_MANIFEST_UNKNOWN",
    );
    await rejectsWithCode(
      client.getManifest(`${registry.host}/manifests/nothing-here:v1`),
      "REGISTRY_MANIFEST_UNKNOWN",
    );
    await rejectsWithCode(
      client.listTags(`${registry.host}/manifests/nothing-here`),
      "REGISTRY_NAME_UNKNOWN",
    );
  });

  it("refuses a manifest whose blobs were never pushed (REGISTRY_BLOB_UNKNOWN)", async () => {
    const image = makeImage();
    await rejectsWithCode(
      client.putManifest(`${registry.host}/manifests/missing:v1`, {
        mediaType: OCI_MANIFEST,
        bytes: image.manifestBytes,
      }),
      "REGISTRY_BLOB_UNKNOWN",
    );
  });

  it("refuses an invalid manifest (REGISTRY_MANIFEST_INVALID)", async () => {
    await rejectsWithCode(
      client.putManifest(`${registry.host}/manifests/bad:v1`, {
        mediaType: OCI_MANIFEST,
        bytes: Buffer.from('{"schemaVersion":2,"config":'),
      }),
      "REGISTRY_MANIFEST_INVALID",
    );
  });

  it("detects a manifest corrupted in storage when fetched by digest", async () => {
    const repo = `${registry.host}/manifests/rot`;
    const image = await pushImage(repo, "v1");
    const altered = Buffer.from(
      image.manifestBytes.toString("utf8").replace('"schemaVersion":2', '"schemaVersion":2 '),
    );
    await writeFile(storedBlobPath(image.manifestDigest), altered);
    await rejectsWithCode(
      client.getManifest(`${repo}@${image.manifestDigest}`),
      "REGISTRY_DIGEST_MISMATCH",
    );
  });

  it.each([
    ["OCI index", OCI_INDEX],
    ["Docker manifest list", DOCKER_MANIFEST_LIST],
  ])(
    "pushes a two-platform %s; platforms resolve; skopeo copies it to an OCI layout we read",
    async (_name, indexType) => {
      const repo = `${registry.host}/multi/${indexType === OCI_INDEX ? "oci" : "docker"}`;
      const amd = makeImage({ architecture: "amd64" });
      const arm = makeImage({ architecture: "arm64" });
      for (const image of [amd, arm]) {
        await client.pushBlob(repo, image.layer);
        await client.pushBlob(repo, image.config);
        await client.putManifest(`${repo}@${image.manifestDigest}`, {
          mediaType: OCI_MANIFEST,
          bytes: image.manifestBytes,
        });
      }
      const index: ImageIndex = {
        schemaVersion: 2,
        mediaType: indexType,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: amd.manifestDigest,
            size: amd.manifestBytes.length,
            platform: { os: "linux", architecture: "amd64" },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: arm.manifestDigest,
            size: arm.manifestBytes.length,
            platform: { os: "linux", architecture: "arm64", variant: "v8" },
          },
        ],
      };
      const indexBytes = Buffer.from(JSON.stringify(index));
      const { digest } = await client.putManifest(`${repo}:multi`, {
        mediaType: indexType,
        bytes: indexBytes,
      });
      const fetched = await client.getManifest(`${repo}:multi`);
      expect(fetched).toMatchObject({ mediaType: indexType, digest });
      const chosen = selectPlatform(fetched.json as ImageIndex, {
        os: "linux",
        architecture: "arm64",
      });
      expect(chosen?.digest).toBe(arm.manifestDigest);

      const raw = await skopeoInspect(registry, `${repo}:multi`, { raw: true });
      expect(raw).toEqual(index);
      const layoutDir = join(work, `layout-${indexType === OCI_INDEX ? "oci" : "docker"}`);
      await skopeo([
        "copy",
        "--all",
        "--src-tls-verify=false",
        `docker://${repo}:multi`,
        `oci:${layoutDir}:multi`,
      ]);
      const layout = await readOciLayout(layoutDir);
      const entry = layout.resolve("multi");
      const copiedIndex = JSON.parse(
        (await layout.readBlob(entry.digest)).toString("utf8"),
      ) as ImageIndex;
      const copiedArm = selectPlatform(copiedIndex, { os: "linux", architecture: "arm64" })!;
      const armManifest = JSON.parse(
        (await layout.readBlob(copiedArm.digest)).toString("utf8"),
      ) as { layers: { digest: string }[] };
      expect(armManifest.layers[0]!.digest).toBe(arm.layer.digest);
      expect((await layout.readBlob(arm.layer.digest)).equals(arm.layer.bytes)).toBe(true);
      expect(JSON.parse(await readFile(join(layoutDir, "oci-layout"), "utf8"))).toEqual({
        imageLayoutVersion: "1.0.0",
      });
    },
  );
});

describe("access checks", () => {
  it("checkAccess passes for pull (even of a missing repository) and push on an open registry", async () => {
    await expect(
      client.checkAccess(`${registry.host}/access/none`, "pull"),
    ).resolves.toBeUndefined();
    await expect(
      client.checkAccess(`${registry.host}/access/app`, "push"),
    ).resolves.toBeUndefined();
  });
});
