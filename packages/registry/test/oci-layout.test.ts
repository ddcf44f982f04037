// Tier 4 (real files, umoci as independent reader): OCI image layout directories written
// atomically, read back, and refused or rolled back on failure.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OCI_INDEX,
  OCI_MANIFEST,
  REF_NAME_ANNOTATION,
  readOciLayout,
  sha256Digest,
  writeOciLayout,
  type ImageIndex,
} from "../src/index.ts";
import { makeImage, rejectsWithCode } from "./helpers.ts";

const run = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "eventflow-layout-"));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function layoutOf(image: ReturnType<typeof makeImage>, tag: string) {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: image.manifestDigest,
        size: image.manifestBytes.length,
        annotations: { [REF_NAME_ANNOTATION]: tag },
      },
    ],
  };
  const blobs = [
    {
      digest: image.layer.digest,
      size: image.layer.size,
      content: () =>
        (async function* () {
          yield image.layer.bytes;
        })(),
    },
    { digest: image.config.digest, content: image.config.bytes },
    { digest: image.manifestDigest, content: image.manifestBytes },
  ];
  return { index, blobs };
}

describe("OCI layout", () => {
  it("writes a layout that we and umoci read back", async () => {
    const dir = join(work, "one");
    const image = makeImage();
    await writeOciLayout(dir, layoutOf(image, "v1"));
    const layout = await readOciLayout(dir);
    expect(layout.index.mediaType).toBe(OCI_INDEX);
    expect(layout.resolve("v1").digest).toBe(image.manifestDigest);
    expect(layout.resolve().digest).toBe(image.manifestDigest);
    expect(await layout.hasBlob(image.layer.digest)).toBe(true);
    expect((await layout.readBlob(image.config.digest)).equals(image.config.bytes)).toBe(true);
    expect(await readdir(work)).toEqual(["one"]);
    const { stdout } = await run("umoci", ["list", "--layout", dir]);
    expect(stdout.trim()).toBe("v1");
  });

  it("adds a second image to an existing layout", async () => {
    const dir = join(work, "one");
    const first = await readOciLayout(dir);
    const image = makeImage();
    const second = layoutOf(image, "v2");
    await writeOciLayout(dir, {
      blobs: second.blobs,
      index: { ...second.index, manifests: [...first.index.manifests, ...second.index.manifests] },
    });
    const layout = await readOciLayout(dir);
    expect(layout.index.manifests).toHaveLength(2);
    expect(layout.resolve("v2").digest).toBe(image.manifestDigest);
    await rejectsWithCode(
      Promise.resolve().then(() => layout.resolve()),
      "FUNCTION_IMAGE_NOT_FOUND",
    );
    await rejectsWithCode(
      Promise.resolve().then(() => layout.resolve("v3")),
      "FUNCTION_IMAGE_NOT_FOUND",
    );
  });

  it("leaves nothing behind when a blob does not match its digest (new directory)", async () => {
    const dir = join(work, "bad-new");
    const image = makeImage();
    const { index, blobs } = layoutOf(image, "v1");
    const corrupt = [
      ...blobs,
      { digest: sha256Digest("other"), content: Buffer.from("not other") },
    ];
    await rejectsWithCode(
      writeOciLayout(dir, { index, blobs: corrupt }),
      "REGISTRY_DIGEST_MISMATCH",
    );
    expect((await readdir(work)).filter((name) => name.includes("bad-new"))).toEqual([]);
  });

  it("rolls back added blobs and keeps the old index.json when updating an existing layout fails", async () => {
    const dir = join(work, "one");
    const indexBefore = await readFile(join(dir, "index.json"), "utf8");
    const blobsBefore = (await readdir(join(dir, "blobs/sha256"))).sort();
    const image = makeImage();
    const { index, blobs } = layoutOf(image, "v9");
    const corrupt = [...blobs, { digest: sha256Digest("x"), size: 1, content: Buffer.from("y") }];
    await rejectsWithCode(
      writeOciLayout(dir, { index, blobs: corrupt }),
      "REGISTRY_DIGEST_MISMATCH",
    );
    expect(await readFile(join(dir, "index.json"), "utf8")).toBe(indexBefore);
    expect((await readdir(join(dir, "blobs/sha256"))).sort()).toEqual(blobsBefore);
  });

  it("refuses to overwrite a directory that is not a layout, and writes into an empty one", async () => {
    const dir = join(work, "not-layout");
    await mkdir(dir);
    await writeFile(join(dir, "precious.txt"), "keep me");
    await rejectsWithCode(writeOciLayout(dir, layoutOf(makeImage(), "v1")), "BUILD_OUTPUT_FAILED");
    expect(await readFile(join(dir, "precious.txt"), "utf8")).toBe("keep me");
    const empty = join(work, "empty");
    await mkdir(empty);
    await writeOciLayout(empty, layoutOf(makeImage(), "v1"));
    expect((await readOciLayout(empty)).index.manifests).toHaveLength(1);
  });

  it("detects a blob corrupted on disk while reading, and a missing layout", async () => {
    const dir = join(work, "rot");
    const image = makeImage();
    await writeOciLayout(dir, layoutOf(image, "v1"));
    const layout = await readOciLayout(dir);
    await writeFile(layout.blobPath(image.config.digest), "tampered");
    await rejectsWithCode(layout.readBlob(image.config.digest), "REGISTRY_DIGEST_MISMATCH");
    await rejectsWithCode(layout.readBlob(sha256Digest("absent")), "FUNCTION_IMAGE_NOT_FOUND");
    await rejectsWithCode(readOciLayout(join(work, "nowhere")), "FUNCTION_IMAGE_NOT_FOUND");
  });
});
