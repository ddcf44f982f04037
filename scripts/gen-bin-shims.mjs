#!/usr/bin/env node
// Writes every package's bin shims (packages/*/bin/*.mjs) from one template
// (scripts/lib/bin-shim.mjs), for each `bin` entry of the package's package.json.
// `--check` exits 1 when a shim is out of date (used by the packaging tests).
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderBinShim } from "./lib/bin-shim.mjs";

const packages = fileURLToPath(new URL("../packages/", import.meta.url));
const check = process.argv.includes("--check");
let stale = 0;
for (const dir of readdirSync(packages)) {
  const manifestPath = join(packages, dir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const [command, target] of Object.entries(manifest.bin ?? {})) {
    const path = join(packages, dir, target);
    const text = renderBinShim({ command, pkg: manifest.name });
    if (check) {
      if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
        console.error(`${path} is out of date: run \`npm run gen:bins\``);
        stale += 1;
      }
    } else {
      writeFileSync(path, text);
      chmodSync(path, 0o755);
    }
  }
}
process.exit(stale === 0 ? 0 : 1);
