// The workspace's public packages (not "private") as npm sees them, and packing them.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../cli/index.ts";

const run = promisify(execFile);

/** The fields of a package.json the packaging tier checks. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly private?: boolean;
  readonly bin?: Record<string, string>;
  readonly exports?: Record<string, string | Record<string, string>>;
  readonly files?: string[];
  readonly engines?: { node?: string };
  readonly dependencies?: Record<string, string>;
  readonly publishConfig?: { access?: string };
}

/** A workspace package: its directory and manifest. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Every package under packages/ that is meant to be published. */
export function publicPackages(): WorkspacePackage[] {
  const root = join(REPO_ROOT, "packages");
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest,
    }))
    .filter((p) => p.manifest.private !== true);
}

/** One entry of `npm pack --json`. */
export interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: { path: string }[];
}

/** `npm pack` of the given workspaces (a dry run unless `destination` is given). */
export async function packWorkspaces(
  names: readonly string[],
  destination?: string,
): Promise<PackResult[]> {
  const args = ["pack", "--json", "--ignore-scripts", ...names.flatMap((n) => ["-w", n])];
  args.push(...(destination === undefined ? ["--dry-run"] : ["--pack-destination", destination]));
  const { stdout } = await run("npm", args, { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as PackResult[];
}
