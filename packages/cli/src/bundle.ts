import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { build, type Message, type Plugin } from "esbuild";

/** The runtime module the generated entry imports. */
export const RUNTIME_MAIN = "@eventflow/runtime/main";

/** Options of {@link bundleFunction}. */
export interface BundleOptions {
  /** Project directory: import paths, node_modules lookup and source-map paths start here. */
  readonly dir: string;
  /** Handler entry, relative to {@link dir} (or absolute). */
  readonly handler: string;
  readonly minify?: boolean;
  /**
   * `eventflow build --entry`: the file is a plain Node program (e.g. the controller), bundled
   * as it is, without the runtime's handler wrapper.
   */
  readonly plain?: boolean;
}

/** The bundle that becomes /app/index.mjs and /app/index.mjs.map. */
export interface BundleResult {
  readonly code: Uint8Array;
  readonly map: Uint8Array;
  /** Files esbuild read, relative to the project, for diagnostics. */
  readonly inputs: readonly string[];
}

/** CommonJS dependencies call `require`; an ESM bundle has none unless the banner makes one. */
export const BUNDLE_BANNER =
  'import { createRequire as __eventflowCreateRequire } from "node:module";\n' +
  "const require = __eventflowCreateRequire(import.meta.url);";

const NATIVE_LOADERS =
  /^(bindings|node-gyp-build|node-gyp-build-optional-packages|prebuild-install|node-pre-gyp|@mapbox\/node-pre-gyp)$/;

const toImportPath = (path: string) => {
  const posix = path.split(sep).join("/");
  return posix.startsWith(".") ? posix : `./${posix}`;
};

/** The generated entry of a plain program (`--entry`): it only imports the program. */
export function buildProgramEntrySource(programImport: string): string {
  return `import ${JSON.stringify(programImport)};\n`;
}

/** The generated entry: the handler module handed to the runtime's runMain. */
export function buildEntrySource(handlerImport: string, source: string): string {
  return [
    `import * as mod from ${JSON.stringify(handlerImport)};`,
    `import { runMain } from ${JSON.stringify(RUNTIME_MAIN)};`,
    `await runMain({ module: mod, source: ${JSON.stringify(source)} });`,
    "",
  ].join("\n");
}

function ownInstallation(specifier: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(specifier);
  } catch {
    return undefined;
  }
}

/**
 * Rejects native addons (`.node` files and the usual loaders of them) and resolves the
 * runtime from the project first, then from the CLI's own dependencies.
 */
export function eventflowPlugin(found: { native?: string }): Plugin {
  return {
    name: "eventflow",
    setup(b) {
      b.onResolve({ filter: /\.node$/ }, (args) => {
        found.native ??= args.path;
        return {
          errors: [
            { text: `native addon ${args.path} cannot be bundled (imported by ${args.importer})` },
          ],
        };
      });
      b.onResolve({ filter: NATIVE_LOADERS }, (args) => {
        found.native ??= args.path;
        return {
          errors: [
            {
              text: `${args.path} loads a native addon, which cannot be bundled (imported by ${args.importer})`,
            },
          ],
        };
      });
      // A project made by `eventflow init` builds before it ran `npm install` (or before any
      // EventFlow package is published): the runtime and the SDK come from the CLI's installation.
      b.onResolve({ filter: /^@eventflow\/(runtime\/main|sdk)$/ }, async (args) => {
        if (args.pluginData === "fallback") return undefined;
        const own = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: "fallback",
        });
        if (own.errors.length === 0) return { path: own.path };
        const fallback = ownInstallation(args.path);
        return fallback === undefined ? { errors: own.errors } : { path: fallback };
      });
    },
  };
}

function messageDetails(messages: readonly Message[]) {
  return messages.map((m) => ({
    file: m.location?.file ?? "",
    line: m.location?.line ?? 0,
    column: m.location?.column ?? 0,
    message: m.text,
  }));
}

/** Bundles a handler with the runtime into one ESM file for Node >= 20, with its source map. */
export async function bundleFunction(options: BundleOptions): Promise<BundleResult> {
  const dir = resolve(options.dir);
  const handlerPath = isAbsolute(options.handler) ? options.handler : join(dir, options.handler);
  const handlerStat = await stat(handlerPath).catch(() => undefined);
  if (!handlerStat?.isFile()) {
    throw new EventFlowError(
      "BUILD_HANDLER_NOT_FOUND",
      `handler ${options.handler} not found in ${dir}`,
      {
        details: [{ path: "handler", message: `no file at ${handlerPath}` }],
      },
    );
  }
  const relHandler = relative(dir, handlerPath).split(sep).join("/");
  const found: { native?: string } = {};
  try {
    const result = await build({
      absWorkingDir: dir,
      stdin: {
        contents: options.plain
          ? buildProgramEntrySource(toImportPath(relHandler))
          : buildEntrySource(toImportPath(relHandler), relHandler),
        resolveDir: dir,
        sourcefile: "eventflow-entry.mjs",
        loader: "js",
      },
      outfile: join(dir, "index.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      sourcesContent: true,
      minify: options.minify ?? false,
      keepNames: true,
      mainFields: ["module", "main"],
      banner: { js: BUNDLE_BANNER },
      legalComments: "eof",
      metafile: true,
      write: false,
      logLevel: "silent",
      plugins: [eventflowPlugin(found)],
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".mjs"));
    const map = result.outputFiles.find((f) => f.path.endsWith(".mjs.map"));
    if (code === undefined || map === undefined) throw new Error("esbuild produced no output");
    return {
      code: code.contents,
      map: map.contents,
      inputs: Object.keys(result.metafile.inputs).sort(),
    };
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (errors === undefined) throw error;
    const code = found.native === undefined ? "BUILD_BUNDLE_FAILED" : "BUILD_NATIVE_ADDON";
    const first = errors[0];
    const where = first?.location
      ? `${first.location.file}:${first.location.line}:${first.location.column}: `
      : "";
    throw new EventFlowError(
      code,
      `bundling ${relHandler} failed: ${where}${first?.text ?? "unknown error"}`,
      {
        details: messageDetails(errors),
        cause: error,
      },
    );
  }
}
