// What `npm pack` puts in each public package is what a user installs: built code with its
// types, the sources its maps point to, a README and a LICENSE, bins that exist before a build,
// and dependencies a registry can resolve (no private or workspace-only packages).
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packWorkspaces, publicPackages, type PackResult } from "./support/packages.ts";

const packages = publicPackages();
const byName = new Map(packages.map((p) => [p.manifest.name, p]));
const packed = new Map<string, Set<string>>();

/** Every file path an `exports` entry (or one of its conditions) names. */
function exportTargets(exports: Record<string, string | Record<string, string>>): string[] {
  return Object.values(exports).flatMap((e) =>
    typeof e === "string"
      ? [e]
      : Object.entries(e)
          .filter(([condition]) => condition !== "@eventflow/source")
          .map(([, target]) => target),
  );
}

describe("npm pack of the public packages", () => {
  beforeAll(async () => {
    const results: PackResult[] = await packWorkspaces(packages.map((p) => p.manifest.name));
    for (const r of results) packed.set(r.name, new Set(r.files.map((f) => f.path)));
  }, 60_000);

  it("packs every public package", () => {
    expect([...packed.keys()].sort()).toEqual(packages.map((p) => p.manifest.name).sort());
    expect(packed.size).toBeGreaterThanOrEqual(6);
  });

  it.each(packages)("$manifest.name: only shipped files, with README, LICENSE", ({ manifest }) => {
    const files = [...packed.get(manifest.name)!];
    expect(files).toContain("README.md");
    expect(files).toContain("LICENSE");
    // A template's test is part of the project `eventflow init` writes, not a test of ours.
    const stray = files
      .filter((f) => !f.startsWith("templates/"))
      .filter(
        (f) =>
          /(^|\/)(test|tests|__tests__|fixtures)\//.test(f) ||
          /\.(test|spec)\.[cm]?[jt]s$/.test(f) ||
          f.endsWith(".tsbuildinfo"),
      );
    expect(stray).toEqual([]);
  });

  it.each(packages)(
    "$manifest.name: exports, types and bins are in the package",
    ({ manifest }) => {
      const files = packed.get(manifest.name)!;
      const targets = exportTargets(manifest.exports ?? {});
      expect(targets.some((t) => t.endsWith(".d.ts"))).toBe(true);
      for (const t of targets) expect(files.has(normalize(t)), t).toBe(true);
      for (const t of Object.values(manifest.bin ?? {})) {
        expect(files.has(normalize(t)), t).toBe(true);
        expect(normalize(t).startsWith("dist/")).toBe(false);
      }
    },
  );

  it.each(packages)(
    "$manifest.name: every source map points into the package",
    ({ dir, manifest }) => {
      const files = packed.get(manifest.name)!;
      const missing: string[] = [];
      for (const file of [...files].filter((f) => f.endsWith(".map"))) {
        const map = JSON.parse(readFileSync(join(dir, file), "utf8")) as { sources: string[] };
        for (const source of map.sources) {
          const path = normalize(join(dirname(file), source));
          if (!files.has(path)) missing.push(`${file} -> ${path}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );

  it.each(packages)(
    "$manifest.name: publishable metadata and registry dependencies",
    ({ manifest }) => {
      expect(manifest.license).toBe("MIT");
      expect(manifest.engines?.node).toMatch(/^>=\d+/);
      expect(manifest.publishConfig?.access).toBe("public");
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        expect(range, dep).not.toMatch(/^(file:|link:|workspace:|\.|\/)/);
        if (!dep.startsWith("@eventflow/")) continue;
        // Our own packages: published with this one, at the same version.
        expect(byName.has(dep), `${dep} is not a public package`).toBe(true);
        expect(range).toBe(byName.get(dep)!.manifest.version);
      }
    },
  );
});
