import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ENTRY = fileURLToPath(new URL("../../src/client/index.ts", import.meta.url));

// The dashboard bundles the client for browsers: esbuild with platform "browser" fails on any
// Node built-in (node:*, fs, http, ...) reachable from the entry.
describe("@eventflow/sdk/client is browser-safe", () => {
  it("bundles for the browser with no Node built-ins", async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "browser",
      format: "esm",
      conditions: ["@eventflow/source"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("eventsource"))).toBe(true);
    expect(inputs.filter((i) => /^node:|(^|\/)node_modules\/(undici|ws)\//.test(i))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["'](node:)?(fs|http|https|net|stream|crypto)["']\)/);
  });
});
