// Tier 4: whole-image transfers. A real tar layer (made by tar and gzip here) goes from an
// OCI layout to the registry and back; skopeo and umoci check the result independently.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OCI_INDEX,
  OCI_MANIFEST,
  combineSources,
  createRegistryClient,
  registrySource,
  memorySource,
  pullImage,
  pushImage,
  pushOciLayout,
  readOciLayout,
  sha256Digest,
  type ImageIndex,
  type RegistryClient,
  type TransferEvent,
} from "../src/index.ts";
import {
  skopeo,
  skopeoInspect,
  startRegistry,
  umoci,
  type TestRegistry,
} from "../../../test/registry/index.ts";
import { blobOf, makeImage, rejectsWithCode } from "./helpers.ts";

const run = promisify(execFile);
let registry: TestRegistry;
let client: RegistryClient;
let work: string;
let tarLayer: Buffer;

beforeAll(async () => {
  registry = await startRegistry({ mode: "plain" });
  client = createRegistryClient({ retry: { attempts: 1 } });
  work = await mkdtemp(join(tmpdir(), "eventflow-transfer-"));
  const root = join(work, "rootfs");
  await mkdir(join(root, "app"), { recursive: true });
  await writeFile(join(root, "app/index.mjs"), "console.log('hello from the layer');\n");
  const { stdout } = await run(
    "sh",
    ["-c", `tar -C '${root}' --owner=0 --group=0 --numeric-owner -cf - app | gzip -n`],
    {
      encoding: "buffer",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  tarLayer = stdout;
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A two-platform image whose layers are the real tar layer (one per platform config). */
function multiPlatform() {
  const amd = makeImage({ layer: tarLayer, architecture: "amd64" });
  const arm = makeImage({ layer: tarLayer, architecture: "arm64" });
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
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
        platform: { os: "linux", architecture: "arm64" },
      },
    ],
  };
  const indexBytes = Buffer.from(JSON.stringify(index));
  const contents = [
    amd.layer.bytes,
    amd.config.bytes,
    arm.config.bytes,
    amd.manifestBytes,
    arm.manifestBytes,
    indexBytes,
  ];
  return { amd, arm, index, indexBytes, indexDigest: sha256Digest(indexBytes), contents };
}

describe("pushImage / pullImage", () => {
  it("pushes an in-memory multi-platform image once per blob, then skips everything", async () => {
    const image = multiPlatform();
    const events: TransferEvent[] = [];
    const first = await pushImage({
      client,
      source: memorySource(image.contents),
      root: { mediaType: OCI_INDEX, digest: image.indexDigest, size: image.indexBytes.length },
      to: `${registry.host}/transfer/multi:1`,
      onEvent: (e) => events.push(e),
    });
    expect(first.reference.toString()).toBe(
      `${registry.host}/transfer/multi:1@${image.indexDigest}`,
    );
    expect(first.blobs.map((b) => b.status).sort()).toEqual(["uploaded", "uploaded", "uploaded"]);
    expect(events.filter((e) => e.type === "manifest")).toHaveLength(3);
    const again = await pushImage({
      client,
      source: memorySource(image.contents),
      root: { mediaType: OCI_INDEX, digest: image.indexDigest, size: image.indexBytes.length },
      to: `${registry.host}/transfer/multi:1`,
    });
    expect(again.blobs.map((b) => b.status)).toEqual(["exists", "exists", "exists"]);
    const raw = await skopeoInspect(registry, `${registry.host}/transfer/multi:1`, { raw: true });
    expect(raw).toEqual(image.index);
  });

  it("pulls one platform into an OCI layout that umoci unpacks, then pushes the layout elsewhere by mount", async () => {
    const image = multiPlatform();
    await pushImage({
      client,
      source: memorySource(image.contents),
      root: { mediaType: OCI_INDEX, digest: image.indexDigest, size: image.indexBytes.length },
      to: `${registry.host}/transfer/src:2`,
    });
    const dir = join(work, "pulled");
    const pulled = await pullImage({
      client,
      from: `${registry.host}/transfer/src:2`,
      dir,
      platform: { os: "linux", architecture: "arm64" },
    });
    expect(pulled.descriptor.digest).toBe(image.arm.manifestDigest);
    expect(pulled.blobs.map((b) => b.status)).toEqual(["downloaded", "downloaded"]);
    const layout = await readOciLayout(dir);
    expect(layout.resolve("2").digest).toBe(image.arm.manifestDigest);
    const bundle = join(work, "bundle");
    await umoci(["unpack", "--rootless", "--image", `${dir}:2`, bundle]);
    expect(await readFile(join(bundle, "rootfs/app/index.mjs"), "utf8")).toContain(
      "hello from the layer",
    );

    const again = await pullImage({
      client,
      from: `${registry.host}/transfer/src:2`,
      dir,
      platform: { os: "linux", architecture: "arm64" },
    });
    expect(again.blobs.map((b) => b.status)).toEqual(["present", "present"]);
    expect((await readOciLayout(dir)).index.manifests).toHaveLength(1);

    const pushed = await pushOciLayout({
      client,
      dir,
      tag: "2",
      to: `${registry.host}/transfer/copy:arm`,
    });
    expect(pushed.descriptor.digest).toBe(image.arm.manifestDigest);
    const inspected = await skopeoInspect(registry, `${registry.host}/transfer/copy:arm`);
    expect(inspected).toMatchObject({ Digest: image.arm.manifestDigest, Architecture: "arm64" });
  });

  it("pushes a layout that skopeo wrote, and pulls a whole index", async () => {
    const image = multiPlatform();
    await pushImage({
      client,
      source: memorySource(image.contents),
      root: { mediaType: OCI_INDEX, digest: image.indexDigest, size: image.indexBytes.length },
      to: `${registry.host}/transfer/all:3`,
    });
    const skopeoDir = join(work, "skopeo-layout");
    await skopeo([
      "copy",
      "--all",
      "--src-tls-verify=false",
      `docker://${registry.host}/transfer/all:3`,
      `oci:${skopeoDir}:three`,
    ]);
    const result = await pushOciLayout({
      client,
      dir: skopeoDir,
      tag: "three",
      to: `${registry.host}/transfer/back:3`,
    });
    expect(result.descriptor.digest).toBe(image.indexDigest);
    const full = join(work, "full");
    const pulled = await pullImage({ client, from: `${registry.host}/transfer/back:3`, dir: full });
    expect(pulled.descriptor).toMatchObject({ digest: image.indexDigest, mediaType: OCI_INDEX });
    const layout = await readOciLayout(full);
    expect(await layout.hasBlob(image.arm.config.digest)).toBe(true);
    expect(await layout.hasBlob(image.amd.manifestDigest)).toBe(true);
  });

  it("combines a base image in the registry with app content in memory: base layers are mounted", async () => {
    const base = makeImage({ layer: tarLayer });
    await pushImage({
      client,
      source: memorySource([base.layer.bytes, base.config.bytes, base.manifestBytes]),
      root: {
        mediaType: OCI_MANIFEST,
        digest: base.manifestDigest,
        size: base.manifestBytes.length,
      },
      to: `${registry.host}/transfer/base:1`,
    });
    const app = makeImage();
    const manifest = {
      ...app.manifest,
      layers: [base.manifest.layers[0]!, ...app.manifest.layers],
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const source = combineSources(
      memorySource([app.layer.bytes, app.config.bytes, manifestBytes]),
      registrySource(client, { registry: registry.host, repository: "transfer/base" }),
    );
    const result = await pushImage({
      client,
      source,
      root: {
        mediaType: OCI_MANIFEST,
        digest: sha256Digest(manifestBytes),
        size: manifestBytes.length,
      },
      to: `${registry.host}/transfer/app:1`,
    });
    const byDigest = new Map(result.blobs.map((b) => [b.digest, b.status]));
    expect(byDigest.get(base.layer.digest)).toBe("mounted");
    expect(byDigest.get(app.layer.digest)).toBe("uploaded");
    expect((await skopeoInspect(registry, `${registry.host}/transfer/app:1`)).Layers).toEqual([
      base.layer.digest,
      app.layer.digest,
    ]);
  });

  it("fails cleanly: missing platform, missing image, unreachable registry; no layout left behind", async () => {
    const image = makeImage({ layer: blobOf(tarLayer).bytes });
    await pushImage({
      client,
      source: memorySource([image.layer.bytes, image.config.bytes, image.manifestBytes]),
      root: {
        mediaType: OCI_MANIFEST,
        digest: image.manifestDigest,
        size: image.manifestBytes.length,
      },
      to: `${registry.host}/transfer/single`,
    });
    expect((await client.getManifest(`${registry.host}/transfer/single:latest`)).digest).toBe(
      image.manifestDigest,
    );
    const multi = multiPlatform();
    await pushImage({
      client,
      source: memorySource(multi.contents),
      root: { mediaType: OCI_INDEX, digest: multi.indexDigest, size: multi.indexBytes.length },
      to: `${registry.host}/transfer/multi2:1`,
    });
    const dir = join(work, "never");
    await rejectsWithCode(
      pullImage({
        client,
        from: `${registry.host}/transfer/multi2:1`,
        dir,
        platform: { os: "linux", architecture: "s390x" },
      }),
      "REGISTRY_MANIFEST_UNKNOWN",
    );
    await rejectsWithCode(
      pullImage({ client, from: `${registry.host}/transfer/none:1`, dir }),
      "REGISTRY_MANIFEST_UNKNOWN",
    );
    const down = createRegistryClient({ retry: { attempts: 1 } });
    try {
      await rejectsWithCode(
        pullImage({ client: down, from: "127.0.0.1:1/x/y:1", dir }),
        "REGISTRY_UNREACHABLE",
      );
    } finally {
      await down.close();
    }
    await expect(readOciLayout(dir)).rejects.toMatchObject({ code: "FUNCTION_IMAGE_NOT_FOUND" });
    await rejectsWithCode(
      pushImage({
        client,
        source: memorySource([image.manifestBytes]),
        root: {
          mediaType: OCI_MANIFEST,
          digest: image.manifestDigest,
          size: image.manifestBytes.length,
        },
        to: `${registry.host}/transfer/incomplete:1`,
      }),
      "REGISTRY_BLOB_UNKNOWN",
    );
  });
});
