#!/usr/bin/env node
// Bundles the controller (packages/controller/src/bin.ts) into OUT/index.mjs with EventFlow's
// own image bundler, exactly as `eventflow build --entry src/bin.ts` lays out /app: used by
// Dockerfile.controller, so the Dockerfile and the daemonless image carry the same bundle.
// Usage: node deploy/docker/bundle-controller.mjs OUT   (after `npm run build`)
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleFunction } from "@eventflow/cli";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: bundle-controller.mjs OUT\n");
  process.exit(2);
}
const dir = fileURLToPath(new URL("../../packages/controller/", import.meta.url));
const bundle = await bundleFunction({ dir, handler: "src/bin.ts", plain: true });
await mkdir(out, { recursive: true });
await writeFile(join(out, "index.mjs"), bundle.code);
await writeFile(join(out, "index.mjs.map"), bundle.map);
// The same package.json the image builder writes into /app (the test compares the bytes).
await writeFile(join(out, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
process.stdout.write(`${join(out, "index.mjs")} (${bundle.code.length} bytes)\n`);
