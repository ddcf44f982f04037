import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAppExtracted } from "../../src/drivers/local/app-cache.js";
import type { Driver } from "../../src/drivers/driver.js";
import { startDriver, tempDir } from "./helpers/driver-harness.js";
import {
  FIXTURE_APP,
  tarOfEntries,
  writeTestImage,
  type TestTarEntry,
} from "./helpers/oci-image.js";

// Crafted app layers (the attacks of a hostile image) through the real extraction code: every
// write must stay inside <cache>/<digest>/app, a refused layer leaves nothing behind, and the
// refusal carries FUNCTION_IMAGE_UNSAFE.

const ENTRY: TestTarEntry = { name: "app/index.mjs", content: "export default () => 1;\n" };

/** The chained-symlink escape of the issue: each link is harmless on paper, the chain is not. */
const CHAINED: TestTarEntry[] = [
  { name: "app/", type: "directory" },
  ENTRY,
  { name: "app/d1/", type: "directory" },
  { name: "app/d1/up", type: "symlink", linkname: ".." },
  { name: "app/p1", type: "symlink", linkname: "d1/up/.." },
  { name: "app/p2", type: "symlink", linkname: "p1/.." },
  { name: "app/p3", type: "symlink", linkname: "p2/.." },
  { name: "app/p4", type: "symlink", linkname: "p3/.." },
  { name: "app/p5", type: "symlink", linkname: "p4" },
  { name: "app/p5/escape/x", content: "pwned" },
];

async function extract(cacheDir: string, entries: readonly TestTarEntry[], limits?: object) {
  const tar = await tarOfEntries(entries);
  const digest = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  return ensureAppExtracted({
    cacheDir,
    digest,
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    open: async () => Readable.from([tar]),
    ...(limits ? { limits: limits as never } : {}),
  });
}

/** Every path under `dir` (not following links). */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const rel = prefix ? `${prefix}/${name}` : name;
    out.push(rel);
    if (lstatSync(join(dir, name)).isDirectory()) out.push(...walk(join(dir, name), rel));
  }
  return out;
}

describe("app layer extraction against hostile layers", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let base: string;
  let cache: string;
  let n = 0;

  beforeAll(async () => {
    data = await tempDir("extract");
  });
  afterAll(() => data.cleanup());

  async function fresh(): Promise<void> {
    base = join(data.path, `case-${n++}`);
    cache = join(base, "cache", "apps");
    await mkdir(cache, { recursive: true });
  }

  it("refuses the chained-symlink escape and writes nothing outside the cache", async () => {
    await fresh();
    await expect(extract(cache, CHAINED)).rejects.toMatchObject({ code: "FUNCTION_IMAGE_UNSAFE" });
    // Nothing above the cache dir: the data dir holds only cache/apps, which is empty again.
    expect(walk(base)).toEqual(["cache", "cache/apps"]);
  });

  it.each<[string, TestTarEntry[]]>([
    [
      "a link climbing above the image root",
      [ENTRY, { name: "app/up", type: "symlink", linkname: "../.." }],
    ],
    [
      "a link to a host path",
      [ENTRY, { name: "app/etc", type: "symlink", linkname: "/etc/passwd" }],
    ],
    [
      "a link that leaves app/",
      [ENTRY, { name: "app/sib", type: "symlink", linkname: "../other" }],
    ],
    [
      "a dangling link completed later into an escape",
      [
        ENTRY,
        { name: "app/a", type: "symlink", linkname: "b/../../x" },
        { name: "app/b", type: "symlink", linkname: "c" },
      ],
    ],
    [
      "a write through a link to the image root",
      [
        ENTRY,
        { name: "app/r", type: "symlink", linkname: ".." },
        { name: "app/r/evil", content: "x" },
      ],
    ],
    [
      "a link loop",
      [
        ENTRY,
        { name: "app/l1", type: "symlink", linkname: "l2" },
        { name: "app/l2", type: "symlink", linkname: "l1" },
      ],
    ],
    [
      "a hard link to a file outside app/",
      [ENTRY, { name: "app/h", type: "link", linkname: "etc/passwd" }],
    ],
    [
      "a hard link to nothing extracted",
      [ENTRY, { name: "app/h", type: "link", linkname: "app/later" }],
    ],
    ["a path component over 255 bytes", [ENTRY, { name: `app/${"a".repeat(300)}`, content: "x" }]],
  ])("refuses %s and keeps nothing of the layer", async (_name, entries) => {
    await fresh();
    await expect(extract(cache, entries)).rejects.toMatchObject({ code: "FUNCTION_IMAGE_UNSAFE" });
    expect(walk(base)).toEqual(["cache", "cache/apps"]);
  });

  it("caps the bytes and the entries a layer unpacks to", async () => {
    await fresh();
    const big: TestTarEntry[] = [ENTRY, { name: "app/big", content: Buffer.alloc(64 * 1024) }];
    await expect(
      extract(cache, big, { maxBytes: 32 * 1024, maxEntries: 100 }),
    ).rejects.toMatchObject({
      code: "FUNCTION_IMAGE_UNSAFE",
    });
    const many = [
      ENTRY,
      ...Array.from({ length: 20 }, (_, i) => ({ name: `app/f${i}`, content: "x" })),
    ];
    await expect(extract(cache, many, { maxBytes: 1 << 20, maxEntries: 10 })).rejects.toMatchObject(
      {
        code: "FUNCTION_IMAGE_UNSAFE",
      },
    );
    expect(walk(base)).toEqual(["cache", "cache/apps"]);
  });

  it("keeps links that stay inside app/, strips setuid, skips special files and replaces in order", async () => {
    await fresh();
    const dir = await extract(cache, [
      { name: "app/", type: "directory" },
      ENTRY,
      { name: "app/lib/", type: "directory" },
      { name: "app/lib/util.mjs", content: "old", mode: 0o4755 },
      { name: "app/lib/util.mjs", content: "new", mode: 0o6755 },
      { name: "app/node_modules/.bin/tool", type: "symlink", linkname: "../../lib/util.mjs" },
      { name: "app/abs", type: "symlink", linkname: "/app/lib" },
      { name: "app/hard", type: "link", linkname: "app/lib/util.mjs" },
      { name: "app/fifo", type: "fifo" },
      { name: "etc/passwd", content: "outside app/, never extracted" },
    ]);
    expect(readFileSync(join(dir, "app/lib/util.mjs"), "utf8")).toBe("new");
    expect(lstatSync(join(dir, "app/lib/util.mjs")).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(join(dir, "app/node_modules/.bin/tool"))).toBe("../../lib/util.mjs");
    expect(readFileSync(join(dir, "app/node_modules/.bin/tool"), "utf8")).toBe("new");
    expect(readFileSync(join(dir, "app/hard"), "utf8")).toBe("new");
    expect(existsSync(join(dir, "app/fifo"))).toBe(false);
    expect(existsSync(join(dir, "etc"))).toBe(false);
  });
});

describe("a hostile image deployed on the local driver", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;

  beforeAll(async () => {
    data = await tempDir("hostile-image");
    driver = await startDriver(join(data.path, "data"));
  });
  afterAll(async () => {
    await driver.close();
    await data.cleanup();
  });

  it("refuses the chained-symlink layer with FUNCTION_IMAGE_UNSAFE and writes nothing outside its root", async () => {
    // The fixture app as the entry, so only the links make this image hostile.
    const app = await readFile(FIXTURE_APP);
    const entries = CHAINED.map((e) => (e.name === "app/index.mjs" ? { ...e, content: app } : e));
    const image = await writeTestImage({ dir: join(data.path, "layout"), entries });
    await expect(
      driver.create({ tenant: "t1", name: "hostile", image, replicas: 1 }),
    ).rejects.toMatchObject({ code: "FUNCTION_IMAGE_UNSAFE" });
    const dataDir = join(data.path, "data");
    // The escape wrote `escape/x` into the data dir itself; nothing of the sort may exist now.
    expect(walk(dataDir).filter((p) => p.includes("escape"))).toEqual([]);
    expect(readdirSync(join(dataDir, "cache", "apps"))).toEqual([]);
  });
});
