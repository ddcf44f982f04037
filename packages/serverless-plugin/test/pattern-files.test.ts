// package.patterns against a real directory tree (node:fs glob).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectPatternFiles } from "../src/build-images.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ef-sls-patterns-"));
  for (const file of ["data/a.json", "data/b.tmp", "data/deep/c.txt", "src/x.ts", "package.json"]) {
    await mkdir(join(dir, file, ".."), { recursive: true });
    await writeFile(join(dir, file), file);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("collectPatternFiles", () => {
  it.each<[string[], string[]]>([
    [[], []],
    [["data/**"], ["data/a.json", "data/b.tmp", "data/deep/c.txt"]],
    [
      ["data/**", "!data/*.tmp"],
      ["data/a.json", "data/deep/c.txt"],
    ],
    [
      ["data/*.json", "src/*.ts"],
      ["data/a.json", "src/x.ts"],
    ],
    // The bundle's package.json is never replaced.
    [["*.json"], []],
  ])("%j", async (patterns, files) => {
    const found = await collectPatternFiles(dir, patterns);
    expect(found.map((f) => f.dest)).toEqual(files.map((f) => `/app/${f}`));
    for (const f of found) expect(f.source).toBe(join(dir, f.dest.slice("/app/".length)));
  });
});
