// Bundles the EventFlow runtime serving examples/hello into ONE .mjs file, the way the CLI will:
// an entry importing the handler module and `runMain` from @eventflow/runtime/main, bundled
// with esbuild (platform node, format esm, target node20), no node_modules at run time.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The entry source the CLI generates for a handler file. */
export function buildEntrySource({ handlerFile, source }) {
  return [
    `import * as mod from ${JSON.stringify(handlerFile)};`,
    `import { runMain } from "@eventflow/runtime/main";`,
    `await runMain({ module: mod, source: ${JSON.stringify(source)} });`,
    "",
  ].join("\n");
}

/**
 * Writes the bundle to `outfile` and resolves its path. `runtimeMain` (a file path) replaces
 * `@eventflow/runtime/main`, to bench another build of the runtime; by default the package's
 * published entry (dist/, so `npm run build` first) is bundled, as an installed package would be.
 */
export async function bundleEventflowHello({
  outfile = join(repoRoot, "bench/results/runtime/eventflow-hello.mjs"),
  handlerFile = join(repoRoot, "examples/hello/src/index.ts"),
  runtimeMain,
  minify = false,
} = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  const plugins = runtimeMain
    ? [
        {
          name: "runtime-main-override",
          setup(b) {
            b.onResolve({ filter: /^@eventflow\/runtime\/main$/ }, () => ({
              path: resolve(runtimeMain),
            }));
          },
        },
      ]
    : [];
  await build({
    stdin: {
      contents: buildEntrySource({ handlerFile, source: "hello" }),
      resolveDir: repoRoot,
      sourcefile: "eventflow-entry.mjs",
      loader: "js",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    minify,
    logLevel: "warning",
    // CommonJS dependencies inside an ESM bundle still call require() for node builtins.
    banner: {
      js: 'import { createRequire as __efCreateRequire } from "node:module"; const require = __efCreateRequire(import.meta.url);',
    },
    plugins,
  });
  return outfile;
}
