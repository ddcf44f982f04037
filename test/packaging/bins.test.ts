// Every package's commands resolve right after `npm ci` on a fresh clone: npm links a bin into
// node_modules/.bin only when its target exists at install time, and dist/ is built later, so
// the targets are committed shims that load dist/bin.js or say how to build it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../cli/index.ts";
import { publicPackages, type Manifest } from "./support/packages.ts";

const run = promisify(execFile);
const packages = publicPackages().filter((p) => p.manifest.bin !== undefined);
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

/** Runs a command and returns its exit code and output instead of throwing on failure. */
async function exec(file: string, args: string[], options: { cwd?: string } = {}) {
  // This process's Node first, as the pinned node@24 is in an npm script's PATH; none of the
  // npm_* variables of the npx that started vitest (they name the monorepo as the prefix).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
  );
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
  try {
    const { stdout, stderr } = await run(file, args, { ...options, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("package bins", () => {
  it("has bins to check", () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual([
      "@eventflow/cli",
      "@eventflow/controller",
      "@eventflow/runtime",
    ]);
  });

  it("every shim is the one template's text (scripts/gen-bin-shims.mjs --check)", async () => {
    const checked = await exec(process.execPath, [
      join(REPO_ROOT, "scripts/gen-bin-shims.mjs"),
      "--check",
    ]);
    expect(checked.code, checked.stderr).toBe(0);
  });

  it.each(packages)(
    "$manifest.name: every bin target is a committed, executable file",
    async (p) => {
      for (const target of Object.values(p.manifest.bin ?? {})) {
        const path = relative(REPO_ROOT, join(p.dir, target));
        expect(path.startsWith(relative(REPO_ROOT, join(p.dir, "dist")))).toBe(false);
        const { stdout } = await run("git", ["ls-files", "--stage", "--", path], {
          cwd: REPO_ROOT,
        });
        // mode 100755: tracked and executable, so a clone has it before any build.
        expect(stdout.split(" ")[0], `${path} is not committed`).toBe("100755");
        expect(await readFile(join(REPO_ROOT, path), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
      }
    },
  );

  it("npm links the bins of a package with no dist/; they say how to build, then run the build", async () => {
    // A workspace with a copy of the CLI's committed files only (its dependencies left out so
    // that the install is offline and instant), installed by the real npm as `npm ci` would.
    const cli = packages.find((p) => p.manifest.name === "@eventflow/cli")!;
    const root = await mkdtemp(join(tmpdir(), "ef-bins-"));
    temps.push(root);
    const copy = join(root, "packages/cli");
    await mkdir(copy, { recursive: true });
    await cp(join(cli.dir, "bin"), join(copy, "bin"), { recursive: true });
    const {
      dependencies: _,
      devDependencies: __,
      ...manifest
    } = cli.manifest as Manifest & {
      devDependencies?: unknown;
    };
    await writeFile(join(copy, "package.json"), JSON.stringify(manifest));
    await writeFile(
      join(root, "package.json"),
      JSON.stringify({ name: "fresh-clone", private: true, workspaces: ["packages/*"] }),
    );
    const install = await exec("npm", ["install", "--offline", "--ignore-scripts", "--no-audit"], {
      cwd: root,
    });
    expect(install.code, install.stderr).toBe(0);

    const unbuilt = await exec("npx", ["--no-install", "eventflow", "--version"], { cwd: root });
    expect(unbuilt.stderr).not.toContain("could not determine executable");
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toContain("npm run build");

    // The build appears (the real one): the same link now runs it.
    await symlink(join(cli.dir, "dist"), join(copy, "dist"));
    const built = await exec("npx", ["--no-install", "eventflow", "--version"], { cwd: root });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout.trim()).toBe(cli.manifest.version);
  });

  it.each(packages)("$manifest.name: the shim runs the built package", async (p) => {
    const [name, target] = Object.entries(p.manifest.bin ?? {})[0]!;
    // --version for the CLI; the runtime's usage (exit 0); the controller's config check (exit 2).
    const args = name === "eventflow-runtime" ? ["--help"] : ["--version"];
    const result = await exec(process.execPath, [join(p.dir, target), ...args], { cwd: tmpdir() });
    if (name === "eventflow") expect(result.stdout.trim()).toBe(p.manifest.version);
    else if (name === "eventflow-runtime")
      expect(result.stderr).toContain("usage: eventflow-runtime");
    else expect(result.stderr).toContain("CONFIG_INVALID");
    expect(result.code).toBe(name === "eventflow-controller" ? 2 : 0);
  });

  // Node 20 as scripts/setup/05-node-versions.sh installs it (a user's system Node, here too).
  const node20 = join(
    process.env.EVENTFLOW_CACHE ?? join(homedir(), ".cache", "eventflow"),
    `node20/node_modules/node-linux-${process.arch === "arm64" ? "arm64" : "x64"}/bin/node`,
  );
  it.skipIf(!existsSync(node20))(
    "an older Node than engines says is named, not a SyntaxError",
    async () => {
      const cli = packages.find((p) => p.manifest.name === "@eventflow/cli")!;
      const old = await exec(node20, [join(cli.dir, "bin/eventflow.mjs"), "--version"]);
      expect(old.code).toBe(1);
      expect(old.stderr).toContain(`needs Node.js ${cli.manifest.engines?.node}`);
      expect(old.stderr).not.toContain("SyntaxError");
      // The runtime supports Node 20: its shim runs it there.
      const runtime = packages.find((p) => p.manifest.name === "@eventflow/runtime")!;
      const served = await exec(node20, [join(runtime.dir, "bin/eventflow-runtime.mjs"), "--help"]);
      expect(served.code, served.stderr).toBe(0);
    },
  );
});
