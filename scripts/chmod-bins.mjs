#!/usr/bin/env node
// After `tsc -b`: make every package's bin entry executable (tsc does not keep modes, and
// `npm ci` links node_modules/.bin before dist/ exists on a fresh clone).
import { chmodSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../packages/", import.meta.url).pathname;
for (const dir of readdirSync(root)) {
  const manifest = join(root, dir, "package.json");
  if (!existsSync(manifest)) continue;
  const bin = JSON.parse(readFileSync(manifest, "utf8")).bin ?? {};
  for (const file of typeof bin === "string" ? [bin] : Object.values(bin)) {
    const path = join(root, dir, file);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}
