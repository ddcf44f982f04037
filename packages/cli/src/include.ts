import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, posix, resolve } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import type { TarEntryInput } from "./image/tar.js";

/** One `--include SRC:DEST`: a file or directory tree copied into the app layer at DEST. */
export interface IncludeSpec {
  /** Absolute path on this machine. */
  readonly source: string;
  /** Absolute path inside the image. */
  readonly dest: string;
}

/** Parses `SRC:DEST` (SRC relative to `cwd`; DEST absolute, outside /app's generated files). */
export function parseInclude(text: string, cwd: string): IncludeSpec {
  const at = text.lastIndexOf(":");
  const source = text.slice(0, at);
  const dest = posix.normalize(text.slice(at + 1));
  if (at <= 0 || !dest.startsWith("/") || dest === "/" || dest.split("/").includes("..")) {
    throw new EventFlowError(
      "CLI_USAGE",
      `--include needs SRC:/ABSOLUTE/DEST, got ${JSON.stringify(text)}`,
    );
  }
  if (/^\/app\/(index\.mjs(\.map)?|package\.json)$/.test(dest) || dest === "/app") {
    throw new EventFlowError("CLI_USAGE", `--include cannot replace ${dest} (the bundle's files)`);
  }
  return { source: isAbsolute(source) ? source : resolve(cwd, source), dest };
}

async function walk(dir: string, into: string, out: TarEntryInput[]): Promise<void> {
  out.push({ type: "dir", path: into });
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const from = join(dir, e.name);
    const to = `${into}/${e.name}`;
    if (e.isDirectory()) await walk(from, to, out);
    else if (e.isFile()) out.push({ type: "file", path: to, data: await readFile(from) });
  }
}

/**
 * The layer entries of the includes: regular files and directories (symlinks and special
 * files are skipped); modes and times are normalised by the tar writer, so the digest does not
 * depend on the machine. A missing SRC is BUILD_HANDLER_NOT_FOUND-like usage: CLI_USAGE.
 */
export async function readIncludes(specs: readonly IncludeSpec[]): Promise<TarEntryInput[]> {
  const out: TarEntryInput[] = [];
  for (const spec of specs) {
    const s = await stat(spec.source).catch(() => undefined);
    const into = spec.dest.slice(1);
    if (s?.isDirectory()) await walk(spec.source, into, out);
    else if (s?.isFile()) out.push({ type: "file", path: into, data: await readFile(spec.source) });
    else throw new EventFlowError("CLI_USAGE", `--include: ${spec.source} does not exist`);
  }
  return out;
}
