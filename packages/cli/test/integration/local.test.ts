// The CLI as a child process without a registry: init, eventflow.yaml validation, bundling
// failures, OCI layout and tarball outputs read back by skopeo, umoci and tar.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, ensureTestBaseImage, runEventflow } from "../../../../test/cli/index.ts";
import { HELLO_HANDLER, makeProject, removeProjects, serveBundle } from "../helpers.ts";

const run = promisify(execFile);
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  await removeProjects();
  await Promise.all(stops.map((s) => s()));
});

describe("eventflow init", () => {
  it.each(["http", "cloudevent"])(
    "creates a %s project whose own test passes and that builds",
    async (template) => {
      const parent = await makeProject({});
      const created = await runEventflow(["init", "demo-fn", "--template", template], {
        cwd: parent,
      });
      expect(created.code).toBe(0);
      const dir = join(parent, "demo-fn");
      for (const file of [
        "eventflow.yaml",
        "package.json",
        "src/index.ts",
        "test/index.test.ts",
        ".gitignore",
        "tsconfig.json",
      ]) {
        expect(existsSync(join(dir, file)), file).toBe(true);
      }
      const yaml = await readFile(join(dir, "eventflow.yaml"), "utf8");
      expect(yaml).toContain("name: demo-fn");
      // The base image is shown (commented, with the default) and scratch is explained.
      expect(yaml).toMatch(/^ {4}# {3}base: docker\.io\/library\/node:24-slim$/m);
      expect(yaml.replace(/\n[\s#]*/g, " ")).toContain("such images run only on the local driver");
      // The project resolves @eventflow/sdk and vitest through the monorepo's node_modules.
      await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
      const test = await run(
        process.execPath,
        [join(REPO_ROOT, "node_modules/vitest/vitest.mjs"), "run", "--root", dir],
        { cwd: dir },
      ).then(
        () => 0,
        (error: { code?: number; stdout?: string }) => error.code ?? 1,
      );
      expect(test).toBe(0);
      const build = await runEventflow(["build", dir, "--base", "scratch", "--json"], {
        cwd: parent,
      });
      expect(build.code).toBe(0);
      expect(build.json?.function).toBe("demo-fn");
      expect(build.json?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    },
  );

  it.each([
    {
      name: "a target that is not empty",
      args: ["init", "taken"],
      setup: { "taken/file.txt": "x" },
      code: "INIT_TARGET_EXISTS",
    },
    {
      name: "an invalid function name",
      args: ["init", "Not_A_Name"],
      setup: {},
      code: "REQUEST_VALIDATION_FAILED",
    },
  ])("refuses $name with exit 2", async ({ args, setup, code }) => {
    const parent = await makeProject(setup);
    const result = await runEventflow(args, { cwd: parent });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error[${code}]`);
  });

  it("rejects an unknown template as a usage error", async () => {
    const result = await runEventflow(["init", "x", "--template", "nope"], {
      cwd: await makeProject({}),
    });
    expect(result.code).toBe(2);
  });
});

describe("eventflow build failures", () => {
  it("reports every problem of eventflow.yaml at once (exit 2)", async () => {
    const dir = await makeProject({
      "eventflow.yaml": [
        "functions:",
        "  - name: Bad_Name",
        "    timeoutSeconds: 0",
        "    scaling: { minReplicas: 5, maxReplicas: 2 }",
        "    resources: { requests: { cpu: lots } }",
        "    unknownKey: 1",
        "  - name: ok",
        "    env: { 1BAD: x }",
      ].join("\n"),
    });
    const result = await runEventflow(["build", dir, "--base", "scratch", "--json"]);
    expect(result.code).toBe(2);
    const error = result.json?.error as { code: string; details: { path: string }[] };
    expect(error.code).toBe("CONFIG_INVALID");
    const paths = error.details.map((d) => d.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        "functions.0.name",
        "functions.0.timeoutSeconds",
        "functions.0.scaling.minReplicas",
        "functions.0.resources.requests.cpu",
        "functions.1.env.1BAD",
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(6);
  });

  it.each([
    {
      name: "YAML syntax",
      files: { "eventflow.yaml": "functions: [\n  - name: x" },
      exit: 2,
      code: "CONFIG_INVALID",
    },
    {
      name: "missing handler",
      files: { "eventflow.yaml": "functions:\n  - name: x\n    handler: src/missing.ts\n" },
      exit: 2,
      code: "BUILD_HANDLER_NOT_FOUND",
    },
    {
      name: "a syntax error in the handler",
      files: { "src/index.ts": "export default (=> 1;\n" },
      exit: 1,
      code: "BUILD_BUNDLE_FAILED",
    },
    {
      name: "an unresolvable import",
      files: { "src/index.ts": 'import x from "not-installed-anywhere";\nexport default x;\n' },
      exit: 1,
      code: "BUILD_BUNDLE_FAILED",
    },
    {
      name: "a native addon",
      files: {
        "src/index.ts": 'import addon from "./addon.node";\nexport default () => addon;\n',
        "src/addon.node": "\x7fELF",
      },
      exit: 1,
      code: "BUILD_NATIVE_ADDON",
    },
    {
      name: "a native addon loader",
      files: {
        "src/index.ts": 'import bindings from "bindings";\nexport default () => bindings("x");\n',
      },
      exit: 1,
      code: "BUILD_NATIVE_ADDON",
    },
    {
      name: "a missing base layout",
      files: { "src/index.ts": HELLO_HANDLER },
      args: ["--base", "oci:/nonexistent/layout"],
      exit: 1,
      code: "BUILD_BASE_IMAGE_NOT_FOUND",
    },
    {
      name: "--push without a target",
      files: { "src/index.ts": HELLO_HANDLER },
      args: ["--base", "scratch", "--push"],
      exit: 2,
      code: "CLI_USAGE",
    },
    {
      name: "a bad --output",
      files: { "src/index.ts": HELLO_HANDLER },
      args: ["--base", "scratch", "--output", "zip:x"],
      exit: 2,
      code: "CLI_USAGE",
    },
    {
      name: "an invalid -t",
      files: { "src/index.ts": HELLO_HANDLER },
      args: ["--base", "scratch", "-t", "UPPER/Case::x"],
      exit: 2,
      code: "IMAGE_REFERENCE_INVALID",
    },
  ])("$name: exit $exit with $code, nothing written", async ({ files, args, exit, code }) => {
    const dir = await makeProject(files);
    const result = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      ...(args ?? []),
      "--json",
    ]);
    expect(result.code).toBe(exit);
    expect((result.json?.error as { code: string }).code).toBe(code);
    expect(existsSync(join(dir, ".eventflow"))).toBe(false);
  });

  it("refuses to write a layout into a directory that is not one (BUILD_OUTPUT_FAILED, exit 1)", async () => {
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER, "out/notes.txt": "mine" });
    const result = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "--output",
      `oci:${dir}/out`,
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect((result.json?.error as { code: string }).code).toBe("BUILD_OUTPUT_FAILED");
    expect(await readdir(join(dir, "out"))).toEqual(["notes.txt"]);
  });

  it("exits 2 on an unknown option", async () => {
    const result = await runEventflow(["build", "--no-such-flag"]);
    expect(result.code).toBe(2);
  });
});

describe("eventflow build outputs", () => {
  it("writes an OCI layout and a tarball that skopeo, umoci and tar read, and /app/index.mjs serves HTTP 200", async () => {
    const dir = await makeProject({
      "package.json": JSON.stringify({ name: "@acme/greeter", type: "module" }),
      "src/index.ts":
        'import { greet } from "cjs-dep";\nexport default (event: { query: Record<string, string> }) => greet(event.query.name ?? "world");\n',
      // A CommonJS dependency that calls require(): works thanks to the createRequire banner.
      "node_modules/cjs-dep/package.json": JSON.stringify({ name: "cjs-dep", main: "index.js" }),
      "node_modules/cjs-dep/index.js":
        'const { basename } = require("node:path");\nexports.greet = (n) => `Hello, ${basename(n)}!`;\n',
    });
    const out = join(dir, "out");
    const result = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "-t",
      "127.0.0.1:5999/greeter:v1",
      "--output",
      `oci:${out}/layout`,
      "--output",
      `tar:${out}/image.tar`,
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.function).toBe("greeter");
    const digest = result.json?.digest as string;
    expect(result.stderr).toContain("written");

    const inspected = JSON.parse(
      (await run("skopeo", ["inspect", `oci:${out}/layout:v1`])).stdout,
    ) as { Digest: string; Labels: Record<string, string> };
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Labels["dev.eventflow.function"]).toBe("greeter");
    const config = JSON.parse(
      (await run("skopeo", ["inspect", "--config", `oci:${out}/layout:v1`])).stdout,
    ) as {
      created?: string;
      config: {
        User: string;
        Entrypoint: string[];
        ExposedPorts: Record<string, unknown>;
        Env: string[];
      };
    };
    expect(config.created).toBeUndefined();
    expect(config.config.User).toBe("65532:65532");
    expect(config.config.Entrypoint).toEqual(["node", "--enable-source-maps", "/app/index.mjs"]);
    expect(Object.keys(config.config.ExposedPorts)).toEqual(["8080/tcp"]);
    expect(config.config.Env).toContain("EVENTFLOW_FUNCTION_NAME=greeter");

    const listing = (await run("tar", ["-tf", `${out}/image.tar`])).stdout.split("\n");
    expect(listing).toEqual(
      expect.arrayContaining(["manifest.json", "index.json", "oci-layout", "repositories"]),
    );
    expect((await readdir(out)).sort()).toEqual(["image.tar", "layout"]);
    // Both readings of the tarball: docker-archive (manifest.json) and OCI archive (index.json).
    const fromDocker = JSON.parse(
      (await run("skopeo", ["inspect", `docker-archive:${out}/image.tar`])).stdout,
    ) as {
      Labels: Record<string, string>;
      Layers: string[];
    };
    expect(fromDocker.Labels["dev.eventflow.function"]).toBe("greeter");
    expect(fromDocker.Layers).toHaveLength(1);
    const fromOci = JSON.parse(
      (await run("skopeo", ["inspect", `oci-archive:${out}/image.tar:v1`])).stdout,
    ) as { Digest: string };
    expect(fromOci.Digest).toBe(digest);

    await run("umoci", ["unpack", "--rootless", "--image", `${out}/layout:v1`, `${out}/bundle`]);
    const rootfs = join(out, "bundle", "rootfs");
    expect((await readdir(join(rootfs, "app"))).sort()).toEqual([
      "index.mjs",
      "index.mjs.map",
      "package.json",
    ]);
    const served = await serveBundle("/usr/bin/node", join(rootfs, "app", "index.mjs"));
    stops.push(served.stop);
    expect(served.status).toBe(200);
    expect(served.body).toBe("Hello, test!");
  });

  it("builds on a base from an OCI layout (a two-platform index) without any registry", async () => {
    const base = await ensureTestBaseImage();
    const dir = await makeProject({ "src/index.ts": HELLO_HANDLER });
    const result = await runEventflow([
      "build",
      dir,
      "--base",
      `oci:${base.layout}:multi`,
      "--output",
      `oci:${dir}/out:v1`,
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.platforms).toEqual(["linux/amd64", "linux/arm64/v8"]);
    const index = JSON.parse(
      (await run("skopeo", ["inspect", "--raw", `oci:${dir}/out:v1`])).stdout,
    ) as {
      manifests: unknown[];
      annotations: Record<string, string>;
    };
    expect(index.manifests).toHaveLength(2);
    // A local path never lands in the image (it would tie the digest to the directory).
    expect(index.annotations["org.opencontainers.image.base.name"]).toBeUndefined();
    const inspected = JSON.parse(
      (await run("skopeo", ["inspect", `oci:${dir}/out:v1`])).stdout,
    ) as { Layers: string[] };
    expect(inspected.Layers).toHaveLength(2);
  });

  it("writes to DIR/.eventflow/oci by default and adds to an existing layout", async () => {
    const dir = await makeProject({
      "eventflow.yaml":
        "functions:\n  - name: one\n    handler: a.ts\n  - name: two\n    handler: b.ts\n",
      "a.ts": HELLO_HANDLER,
      "b.ts": HELLO_HANDLER.replace("Hello", "Bye"),
    });
    const result = await runEventflow(["build", dir, "--base", "scratch", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { function: string; digest: string });
    expect(lines.map((l) => l.function)).toEqual(["one", "two"]);
    expect(lines[0]!.digest).not.toBe(lines[1]!.digest);
    const index = JSON.parse(await readFile(join(dir, ".eventflow/oci/index.json"), "utf8")) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(
      index.manifests.map((m) => [m.annotations["org.opencontainers.image.ref.name"], m.digest]),
    ).toEqual(lines.map((l) => [l.function, l.digest]));
    const again = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "--function",
      "two",
      "-t",
      "r.test/two:x",
      "--json",
    ]);
    expect(again.code).toBe(0);
    const after = JSON.parse(await readFile(join(dir, ".eventflow/oci/index.json"), "utf8")) as {
      manifests: unknown[];
    };
    expect(after.manifests).toHaveLength(2);
    const several = await runEventflow(["build", dir, "--base", "scratch", "-t", "r.test/x:1"]);
    expect(several.code).toBe(2);
    await writeFile(join(dir, "unused"), "");
  });

  it("applies eventflow.yaml env, --source/--revision/--label and --minify; the map has no absolute paths", async () => {
    const dir = await makeProject({
      "eventflow.yaml": "functions:\n  - name: labelled\n    env: { GREETING: Hi, PORT: '1' }\n",
      "src/index.ts": HELLO_HANDLER,
    });
    const plain = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "--output",
      `oci:${dir}/plain`,
      "--json",
    ]);
    const result = await runEventflow([
      "build",
      dir,
      "--base",
      "scratch",
      "--minify",
      "--source",
      "https://example.test/repo",
      "--revision",
      "abc123",
      "--label",
      "team=payments",
      "--output",
      `oci:${dir}/out`,
      "--json",
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(result.code, result.stderr).toBe(0);
    const minified = (result.json?.bundle as { bytes: number }).bytes;
    expect(minified).toBeLessThan((plain.json?.bundle as { bytes: number }).bytes * 0.8);
    const config = JSON.parse(
      (await run("skopeo", ["inspect", "--config", `oci:${dir}/out:labelled`])).stdout,
    ) as {
      config: { Env: string[]; Labels: Record<string, string> };
    };
    expect(config.config.Env).toEqual(
      expect.arrayContaining(["GREETING=Hi", "PORT=8080", "EVENTFLOW_FUNCTION_NAME=labelled"]),
    );
    expect(config.config.Labels).toMatchObject({
      "org.opencontainers.image.source": "https://example.test/repo",
      "org.opencontainers.image.revision": "abc123",
      team: "payments",
      "dev.eventflow.function": "labelled",
    });
    await run("umoci", [
      "unpack",
      "--rootless",
      "--image",
      `${dir}/plain:labelled`,
      `${dir}/bundle`,
    ]);
    const map = JSON.parse(
      await readFile(join(dir, "bundle/rootfs/app/index.mjs.map"), "utf8"),
    ) as { sources: string[] };
    expect(map.sources.length).toBeGreaterThan(3);
    expect(map.sources.filter((s) => s.startsWith("/"))).toEqual([]);
    expect(map.sources).toContain("src/index.ts");
  });
});
