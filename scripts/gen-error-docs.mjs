#!/usr/bin/env node
// Writes docs/errors.md from packages/protocol/src/error-codes.ts (the single source of truth).
// `--check` exits 1 when the file is out of date (used by the contract test).
import { readFileSync, writeFileSync } from "node:fs";
import { renderErrorDocs } from "./lib/error-docs.mjs";

const target = new URL("../docs/errors.md", import.meta.url);
const { ERROR_CODES } = await import("../packages/protocol/src/error-codes.ts");
const text = renderErrorDocs(ERROR_CODES);
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== text) {
    console.error("docs/errors.md is out of date: run `npm run docs:errors`");
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
