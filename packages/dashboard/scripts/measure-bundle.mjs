#!/usr/bin/env node
// Sizes of the production bundle (after `npm run build`): raw and gzip (level 9) of every
// JavaScript and CSS file, and of what the first page loads (the files index.html references).
// Prints a table to stderr and one JSON object on stdout.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]));
const files = readdirSync(join(dist, "assets"))
  .filter((f) => /\.(js|css)$/.test(f))
  .map((f) => {
    const bytes = readFileSync(join(dist, "assets", f));
    return {
      file: `assets/${f}`,
      bytes: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      initial: initial.has(`assets/${f}`),
    };
  })
  .sort((a, b) => b.bytes - a.bytes);
const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
const first = files.filter((f) => f.initial);
for (const f of files) {
  process.stderr.write(
    `${f.initial ? "*" : " "} ${f.file.padEnd(48)} ${String(f.bytes).padStart(8)} B ${String(f.gzip).padStart(8)} B gzip\n`,
  );
}
process.stderr.write(
  `first page (*): ${sum(first, "bytes")} B, ${sum(first, "gzip")} B gzip; all: ${sum(files, "bytes")} B, ${sum(files, "gzip")} B gzip\n`,
);
console.log(
  JSON.stringify({
    firstPage: { bytes: sum(first, "bytes"), gzip: sum(first, "gzip") },
    all: { bytes: sum(files, "bytes"), gzip: sum(files, "gzip") },
    files,
  }),
);
