// Bundles the EventFlow runtime serving examples/hello into ONE .mjs file, the way the CLI will:
// an entry importing the handler module and `runMain` from @eventflow/runtime/main, bundled
// with esbuild (platform node, format esm, target node20), no node_modules at run time.
import { execFileSync } from "node:child_process";
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
    // As the CLI does: ESM builds of dependencies, so esbuild drops what is not imported.
    mainFields: ["module", "main"],
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

/**
 * The runtime as it was before tracing existed (commit `rev`, default the last one without any
 * tracing code), bundled like the current one: the baseline of `throughput_tracing_off_vs_untraced`.
 * Its sources are taken with `git archive` into bench/results (no checkout of the work tree).
 */
export async function bundleUntracedHello({ rev = UNTRACED_REV } = {}) {
  const dir = join(repoRoot, "bench/results/runtime/untraced");
  mkdirSync(dir, { recursive: true });
  execFileSync("bash", [
    "-c",
    `git -C "${repoRoot}" archive "${rev}" packages/runtime/src | tar -x -C "${dir}"`,
  ]);
  return bundleEventflowHello({
    outfile: join(repoRoot, "bench/results/runtime/eventflow-hello-untraced.mjs"),
    runtimeMain: join(dir, "packages/runtime/src/main.ts"),
  });
}

/**
 * The last commit whose runtime has no tracing code. The history that added tracing was restored
 * as one commit that also brought the autoscaler's load counter (e5bc68f), so this runtime has
 * neither: `throughput_tracing_off_vs_untraced` is an upper bound of what tracing off costs.
 */
export const UNTRACED_REV = "c4e1b14";
