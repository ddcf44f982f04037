// Writes the Function CRD into deploy/ (kustomize base and the Helm chart's crds/) from the
// function spec schema. `--check` exits 1 when a committed file differs from the generator's.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FUNCTION_CRD_FILES, renderFunctionCrd } from "./lib/function-crd.ts";

const text = await renderFunctionCrd();
let stale = 0;
for (const file of FUNCTION_CRD_FILES) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  if (!process.argv.includes("--check")) writeFileSync(path, text);
  else if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
    console.error(`${file} is out of date: run \`npm run gen:crd\``);
    stale += 1;
  }
}
process.exit(stale === 0 ? 0 : 1);
