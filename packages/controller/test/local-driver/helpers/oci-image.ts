import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/** The fixture app every local-driver test runs (a stand-in with the runtime's contract). */
export const FIXTURE_APP = new URL("../fixtures/fixture-app.mjs", import.meta.url).pathname;

/** One raw tar entry, written in the order given (crafted layers: links, odd types, bad names). */
export interface TestTarEntry {
  readonly name: string;
  readonly type?: "file" | "directory" | "symlink" | "link" | "fifo" | "character-device";
  readonly linkname?: string;
  readonly mode?: number;
  readonly content?: string | Buffer;
}

/** A tar of `entries` in order, exactly as given. */
export async function tarOfEntries(entries: readonly TestTarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type ?? "file",
      mode: e.mode ?? (e.type === "directory" ? 0o755 : 0o644),
      mtime: new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    };
    if (e.content === undefined) p.entry(header);
    else p.entry(header, typeof e.content === "string" ? Buffer.from(e.content) : e.content);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The default layer: `app/` and `files` (sorted), or the raw `entries` when given. */
function tarOf(
  files: Record<string, string | Buffer>,
  entries?: readonly TestTarEntry[],
): Promise<Buffer> {
  return tarOfEntries(
    entries ?? [
      { name: "app/", type: "directory" },
      ...Object.entries(files)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, content]) => ({ name, content })),
    ],
  );
}

async function putBlob(
  dir: string,
  content: Buffer | string,
): Promise<{ digest: string; size: number }> {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  const hex = createHash("sha256").update(buf).digest("hex");
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "blobs", "sha256", hex), buf);
  return { digest: `sha256:${hex}`, size: buf.length };
}

/** Options of {@link writeTestImage}. */
export interface TestImageOptions {
  /** OCI layout directory (created or extended). */
  readonly dir: string;
  readonly tag?: string;
  /** Files of the app layer, keyed by path (under `app/`). Default: the fixture app as app/index.mjs. */
  readonly files?: Record<string, string | Buffer>;
  /** Config labels; default carries `dev.eventflow.function`. */
  readonly labels?: Record<string, string>;
  readonly env?: string[];
  /** Raw app-layer entries in order; replaces `files` when given. */
  readonly entries?: readonly TestTarEntry[];
}

/**
 * Writes a minimal EventFlow-style image (one gzip app layer, labelled config) into an OCI
 * layout and returns its `oci:DIR:tag` reference. Used until the CLI's builder lands.
 */
export async function writeTestImage(options: TestImageOptions): Promise<string> {
  const tag = options.tag ?? "latest";
  const files = options.files ?? { "app/index.mjs": await readFile(FIXTURE_APP) };
  const layer = gzipSync(await tarOf(files, options.entries));
  const layerDesc = await putBlob(options.dir, layer);
  const config = {
    architecture: "amd64",
    os: "linux",
    config: {
      Env: options.env ?? ["NODE_ENV=production"],
      Labels: options.labels ?? { "dev.eventflow.function": "fixture" },
    },
    rootfs: {
      type: "layers",
      diff_ids: [
        `sha256:${createHash("sha256")
          .update(await tarOf(files, options.entries))
          .digest("hex")}`,
      ],
    },
  };
  const configDesc = await putBlob(options.dir, JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configDesc },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layerDesc }],
  };
  const manifestDesc = await putBlob(options.dir, JSON.stringify(manifest));
  let index: {
    schemaVersion: number;
    mediaType?: string;
    manifests: { annotations?: Record<string, string> }[];
  };
  try {
    index = JSON.parse(await readFile(join(options.dir, "index.json"), "utf8"));
  } catch {
    index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [],
    };
  }
  index.manifests = index.manifests.filter(
    (m) => m.annotations?.["org.opencontainers.image.ref.name"] !== tag,
  );
  index.manifests.push({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    ...manifestDesc,
    annotations: { "org.opencontainers.image.ref.name": tag },
  } as never);
  await writeFile(join(options.dir, "index.json"), JSON.stringify(index));
  await writeFile(join(options.dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return `oci:${options.dir}:${tag}`;
}
