// The base image for the CLI's tests, made locally since no registry can be pulled from here:
// a rootfs holding this machine's node binary and the libraries `ldd` lists, built with umoci
// (an independent OCI tool) into an OCI layout cached under ~/.cache/eventflow. A second,
// arm64-labelled entry over the same layer makes a two-platform index to exercise indexes.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  readOciLayout,
  writeOciLayout,
  type ImageIndex,
  type ImageManifest,
} from "@eventflow/registry";

const run = promisify(execFile);

/** The node binary the base image carries (this machine's system node). */
export const BASE_NODE = "/usr/bin/node";

/** A cached base image: an OCI layout with tags `amd64` (one manifest) and `multi` (index). */
export interface TestBaseImage {
  readonly layout: string;
  /** `node --version` of the binary inside. */
  readonly nodeVersion: string;
}

async function libraries(binary: string): Promise<string[]> {
  const { stdout } = await run("ldd", [binary]);
  return [...stdout.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]!).sort();
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

async function buildWithUmoci(target: string, files: readonly string[]): Promise<void> {
  const work = `${target}.work-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const layout = join(work, "layout");
  const bundle = join(work, "bundle");
  await run("umoci", ["init", "--layout", layout]);
  await run("umoci", ["new", "--image", `${layout}:amd64`]);
  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:amd64`, bundle]);
  for (const file of files) {
    const dest = join(bundle, "rootfs", file);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(await realpath(file), dest);
  }
  await mkdir(join(bundle, "rootfs", "tmp"), { recursive: true });
  await run("umoci", ["repack", "--image", `${layout}:amd64`, bundle]);
  await run("umoci", [
    "config",
    "--image",
    `${layout}:amd64`,
    "--os",
    "linux",
    "--architecture",
    "amd64",
    "--config.env",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "--config.cmd",
    "node",
    "--config.workingdir",
    "/",
    "--no-history",
  ]);
  await addMultiPlatform(layout);
  await mkdir(dirname(target), { recursive: true });
  // Test files run in parallel processes: the first rename wins, the others keep its layout.
  await rename(layout, target).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
  });
  await rm(work, { recursive: true, force: true });
}

/** Adds tag `multi`: an index of the amd64 image and an arm64-labelled twin over the same layers. */
async function addMultiPlatform(dir: string): Promise<void> {
  const layout = await readOciLayout(dir);
  const amd64 = layout.resolve("amd64");
  const manifest = JSON.parse((await layout.readBlob(amd64.digest)).toString()) as ImageManifest;
  const config = JSON.parse((await layout.readBlob(manifest.config.digest)).toString()) as Record<
    string,
    unknown
  >;
  const armConfig = Buffer.from(
    JSON.stringify({ ...config, architecture: "arm64", variant: "v8" }),
  );
  const armConfigDigest = `sha256:${sha256(armConfig)}`;
  const armManifest = Buffer.from(
    JSON.stringify({
      ...manifest,
      config: { ...manifest.config, digest: armConfigDigest, size: armConfig.length },
    }),
  );
  const armDigest = `sha256:${sha256(armManifest)}`;
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: amd64.mediaType,
        digest: amd64.digest,
        size: amd64.size,
        platform: { os: "linux", architecture: "amd64" },
      },
      {
        mediaType: amd64.mediaType,
        digest: armDigest,
        size: armManifest.length,
        platform: { os: "linux", architecture: "arm64", variant: "v8" },
      },
    ],
  };
  const indexBytes = Buffer.from(JSON.stringify(index));
  const indexDigest = `sha256:${sha256(indexBytes)}`;
  await writeOciLayout(dir, {
    blobs: [
      { digest: armConfigDigest, content: armConfig },
      { digest: armDigest, content: armManifest },
      { digest: indexDigest, content: indexBytes },
    ],
    index: {
      schemaVersion: 2,
      manifests: [
        ...layout.index.manifests,
        {
          mediaType: index.mediaType!,
          digest: indexDigest,
          size: indexBytes.length,
          annotations: { "org.opencontainers.image.ref.name": "multi" },
        },
      ],
    },
  });
}

/**
 * Returns the cached base layout, building it first when this machine's node or its
 * libraries changed (about 10 s once; then instant).
 */
export async function ensureTestBaseImage(): Promise<TestBaseImage> {
  const libs = await libraries(BASE_NODE);
  const files = [BASE_NODE, ...libs];
  const stats = await Promise.all(
    files.map(async (f) => `${f}:${(await stat(await realpath(f))).size}`),
  );
  const key = sha256(`v1\n${stats.join("\n")}`).slice(0, 16);
  const layout = join(homedir(), ".cache", "eventflow", "cli-test-base", key);
  const ready = await stat(join(layout, "index.json")).then(
    () => true,
    () => false,
  );
  if (!ready) await buildWithUmoci(layout, files);
  const { stdout } = await run(BASE_NODE, ["--version"]);
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as ImageIndex;
  if (
    !index.manifests.some((d) => d.annotations?.["org.opencontainers.image.ref.name"] === "multi")
  ) {
    throw new Error(`base layout ${layout} lacks the multi tag; delete it to rebuild`);
  }
  return { layout, nodeVersion: stdout.trim() };
}
