#!/usr/bin/env node
// The `eventflow` command. This file is committed (dist/ is not), so npm links it into
// node_modules/.bin at `npm ci` on a fresh clone, before anything is built: npm skips a bin
// whose target does not exist yet. It runs the build, or says how to make one.
import { existsSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "eventflow: @eventflow/cli is not built (its dist/bin.js is missing)\n" +
      "  next: run `npm run build` at the repository root, then run eventflow again\n",
  );
  process.exit(1);
}
await import(entry.href);
