import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Why a handler module could not be loaded, with the place in user code when known. */
export class HandlerLoadError extends Error {
  /** `file:line[:column]` of a syntax error, when Node reports it. */
  readonly location: string | undefined;
  constructor(message: string, options: { cause?: unknown; location?: string }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HandlerLoadError";
    this.location = options.location;
  }
}

const LOCATION = /^(?:file:\/\/)?(\/[^\n:]+):(\d+)(?::(\d+))?/;

/** Finds `file:line` of a syntax error from the first line of its stack. */
export function syntaxErrorLocation(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== "string") return undefined;
  const match = LOCATION.exec(error.stack);
  if (match === null) return undefined;
  return `${decodeURIComponent(match[1]!)}:${match[2]}${match[3] === undefined ? "" : `:${match[3]}`}`;
}

/** Imports a handler file (ESM or CommonJS) and turns every failure into a clear message. */
export async function loadHandlerFile(file: string): Promise<unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new HandlerLoadError(`handler file not found: ${path}`, {});
  try {
    return await import(pathToFileURL(path).href);
  } catch (error) {
    if (error instanceof SyntaxError) {
      const location = syntaxErrorLocation(error) ?? checkSyntax(path) ?? path;
      throw new HandlerLoadError(`syntax error in ${location}: ${error.message}`, {
        cause: error,
        location,
      });
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new HandlerLoadError(`handler module ${path} threw while loading: ${message}`, {
      cause: error,
    });
  }
}

/** A default function name from a handler path: `src/hello.ts` -> `hello`, `x/index.mjs` -> `x`. */
export function nameFromSource(source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  const base = basename(source, extname(source));
  if (base !== "index") return base;
  const parent = basename(resolve(source, ".."));
  return parent === "src" ? basename(resolve(source, "../..")) : parent;
}

/**
 * Node does not put the place of a syntax error into errors from `import()`, so on that
 * (rare) failure path ask `node --check`, which prints `file:line` first.
 */
function checkSyntax(path: string): string | undefined {
  const result = spawnSync(process.execPath, ["--check", path], {
    encoding: "utf8",
    timeout: 10_000,
  });
  const first = result.stderr?.split("\n", 1)[0] ?? "";
  return LOCATION.test(first)
    ? syntaxErrorLocation(Object.assign(new Error(), { stack: first }))
    : undefined;
}
