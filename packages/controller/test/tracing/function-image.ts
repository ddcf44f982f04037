/**
 * An image of the real runtime serving a fixture handler, bundled with esbuild from the
 * runtime's sources the way `eventflow build` bundles it (one ESM file), for the local driver.
 */
import { build } from "esbuild";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** Bundles `fixtures/<handler>` with the runtime and writes it as an `oci:` image; returns the ref. */
export async function writeRuntimeImage(options: {
  readonly dir: string;
  readonly handler: string;
}): Promise<string> {
  const result = await build({
    stdin: {
      contents: [
        `import * as mod from ${JSON.stringify(`./${options.handler}`)};`,
        `import { runMain } from "@eventflow/runtime/main";`,
        `await runMain({ module: mod, source: ${JSON.stringify(options.handler)} });`,
      ].join("\n"),
      resolveDir: FIXTURES,
      loader: "js",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@eventflow/source"],
    mainFields: ["module", "main"],
    banner: {
      js:
        'import { createRequire as __eventflowCreateRequire } from "node:module";\n' +
        "const require = __eventflowCreateRequire(import.meta.url);",
    },
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return writeTestImage({
    dir: options.dir,
    tag: "v1",
    files: { "app/index.mjs": Buffer.from(code) },
  });
}
