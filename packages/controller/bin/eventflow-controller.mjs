#!/usr/bin/env node
// The `eventflow-controller` command. This file is committed (dist/ is not), so npm links it into
// node_modules/.bin at `npm ci` on a fresh clone, before anything is built: npm skips a bin
// whose target does not exist yet. It runs the build, or says how to make one.
import { existsSync, readFileSync } from "node:fs";

// An older Node first on PATH would otherwise fail on a missing import with a SyntaxError.
const { engines } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const needed = Number(/^>=\s*(\d+)/.exec(engines?.node ?? "")?.[1] ?? 0);
if (Number(process.versions.node.split(".")[0]) < needed) {
  process.stderr.write(
    `eventflow-controller: needs Node.js ${engines.node}, this is ${process.version} (${process.execPath})\n` +
      "  next: put a newer node first on PATH (in a checkout: PATH=$PWD/node_modules/.bin:$PATH)\n",
  );
  process.exit(1);
}

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "eventflow-controller: @eventflow/controller is not built (its dist/bin.js is missing)\n" +
      "  next: run `npm run build` at the repository root, then run eventflow-controller again\n",
  );
  process.exit(1);
}
await import(entry.href);
