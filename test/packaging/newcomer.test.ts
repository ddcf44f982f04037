// The first five minutes of a newcomer, with the packages as a user gets them: every public
// package packed and published to a real npm registry (Verdaccio) on loopback, then, in an
// empty directory outside the monorepo: `npx eventflow init`, `npm install`, `npm test`,
// `eventflow build --base scratch`, then `npm install @eventflow/controller` and its
// `eventflow-controller` (local driver, dev auth), login, deploy and invoke. Third-party
// packages come from the npm client's usual registry through a cache kept between runs
// (~/.cache/eventflow/npm-packaging).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../cli/index.ts";
import { packWorkspaces, publicPackages } from "./support/packages.ts";
import {
  startPublishedController,
  type PublishedController,
} from "./support/published-controller.ts";
import { startNpmRegistry, type TestNpmRegistry } from "./support/verdaccio.ts";

const run = promisify(execFile);
const NPM_CACHE = join(
  process.env.EVENTFLOW_CACHE ?? join(homedir(), ".cache", "eventflow"),
  "npm-packaging",
);

/** Removes npx's installs of our packages from the test's npm cache: npx reuses an install of
 * the same version, and every run publishes 0.1.0 again with new contents. */
async function forgetNpxInstalls(): Promise<void> {
  const npx = join(NPM_CACHE, "_npx");
  if (!existsSync(npx)) return;
  for (const entry of await readdir(npx)) {
    const manifest = join(npx, entry, "package.json");
    if (existsSync(manifest) && (await readFile(manifest, "utf8")).includes("@eventflow/"))
      await rm(join(npx, entry), { recursive: true, force: true });
  }
}

describe("a newcomer's project from the published packages", () => {
  let work: string;
  let registry: TestNpmRegistry;
  let controller: PublishedController | undefined;
  let env: NodeJS.ProcessEnv;
  let project: string;

  /** Runs a command of the newcomer's shell; resolves with its output whatever the exit code. */
  async function sh(cmd: string, args: string[], cwd = project) {
    try {
      const { stdout, stderr } = await run(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number | string; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ef-newcomer-"));
    expect(work.startsWith(REPO_ROOT)).toBe(false);
    registry = await startNpmRegistry(join(work, "registry"));
    // The newcomer's npm: our scope from the loopback registry only, its own cache and
    // config; no PATH entry of the monorepo (its node_modules/.bin), Node 24 first.
    const npmrc = join(work, ".npmrc");
    const host = registry.url.replace(/^http:/, "");
    await writeFile(
      npmrc,
      [
        `@eventflow:registry=${registry.url}`,
        `${host}:_authToken=${registry.token}`,
        "audit=false",
        "fund=false",
        "update-notifier=false",
        "",
      ].join("\n"),
    );
    const path = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.startsWith(REPO_ROOT));
    env = {
      ...process.env,
      // The CLI's config (login contexts) in the temp directory, not the user's.
      HOME: join(work, "home"),
      XDG_CONFIG_HOME: join(work, "home/.config"),
      NO_COLOR: "1",
      PATH: [dirname(process.execPath), ...path].join(delimiter),
      npm_config_userconfig: npmrc,
      npm_config_cache: NPM_CACHE,
    };
    for (const key of Object.keys(env))
      if (/^npm_(?!config_(userconfig|cache)$)/i.test(key)) delete env[key];
    await mkdir(NPM_CACHE, { recursive: true });
    await forgetNpxInstalls();

    const tarballs = join(work, "tarballs");
    await mkdir(tarballs);
    const packed = await packWorkspaces(
      publicPackages().map((p) => p.manifest.name),
      tarballs,
    );
    for (const p of packed) {
      const published = await sh(
        "npm",
        ["publish", "--registry", registry.url, join(tarballs, p.filename)],
        work,
      );
      expect(published.code, published.stderr).toBe(0);
    }
    project = join(work, "greeter");
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([registry?.stop(), controller?.stop()]);
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it("npx eventflow init, npm install, npm run typecheck, npm test", async () => {
    const init = await sh(
      "npx",
      ["--yes", "--package", "@eventflow/cli", "eventflow", "init", "greeter"],
      work,
    );
    expect(init.code, init.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(project, "package.json"), "utf8"));
    expect(manifest.dependencies["@eventflow/sdk"]).toBeDefined();

    const install = await sh("npm", ["install"]);
    expect(install.code, install.stderr).toBe(0);
    // Our packages came from the loopback registry, and nothing of ours from anywhere else.
    const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as {
      packages: Record<string, { resolved?: string }>;
    };
    const ours = Object.entries(lock.packages).filter(([path]) => path.includes("@eventflow/"));
    expect(ours.length).toBeGreaterThanOrEqual(4);
    for (const [path, entry] of ours)
      expect(entry.resolved, path).toMatch(`${registry.url}@eventflow/`);
    // Types for an editor: the SDK's declarations came with it.
    expect(existsSync(join(project, "node_modules/@eventflow/sdk/dist/index.d.ts"))).toBe(true);
    expect(existsSync(join(project, "node_modules/.bin/eventflow"))).toBe(true);

    // What an editor shows: the project type-checks against the packages' declarations.
    const typecheck = await sh("npm", ["run", "typecheck"]);
    expect(typecheck.code, `${typecheck.stdout}\n${typecheck.stderr}`).toBe(0);

    const test = await sh("npm", ["test"]);
    expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
  });

  it("eventflow build --base scratch writes an OCI layout", async () => {
    const build = await sh("npx", [
      "eventflow",
      "build",
      "--base",
      "scratch",
      "--output",
      "oci:image",
      "--json",
    ]);
    expect(build.code, build.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(project, "image/index.json"), "utf8"));
    expect(index.manifests.length).toBeGreaterThan(0);
  });

  it("the published controller: login, deploy --wait, invoke", async () => {
    controller = await startPublishedController(join(work, "controller"), env);
    const login = await sh("npx", ["eventflow", "login", "--url", controller.url, "--dev"]);
    expect(login.code, login.stderr).toBe(0);
    const deploy = await sh("npx", ["eventflow", "deploy", "--wait", "--base", "scratch"]);
    expect(deploy.code, deploy.stderr).toBe(0);
    const invoked = await sh("npx", [
      "eventflow",
      "invoke",
      "greeter",
      "--data",
      '{"name":"Ada"}',
      "--raw",
    ]);
    expect(invoked.code, invoked.stderr).toBe(0);
    expect(JSON.parse(invoked.stdout)).toEqual({ greeting: "Hello, Ada!" });
  });
});
