// `eventflow build --entry FILE`: the image builder used for any Node program (as ko is for Go),
// here a plain program without a handler; the bundle runs on its own and the image starts it.
// `--include SRC:DEST` adds files (e.g. the controller's dashboard build) to the same layer.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { bundleFunction, RUNTIME_MAIN } from "../../src/bundle.ts";
import { runEventflow } from "../../../../test/cli/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";

const run = promisify(execFile);
afterAll(removeProjects);

const PROGRAM = {
  "package.json": JSON.stringify({ name: "@acme/tool", type: "module" }),
  "src/main.ts": [
    'import { greeting } from "./greeting.ts";',
    "await new Promise((r) => setTimeout(r, 1));",
    "process.stdout.write(greeting(process.argv[2] ?? 'world'));",
    "",
  ].join("\n"),
  "src/greeting.ts": "export const greeting = (n: string): string => `plain ${n}`;\n",
};

describe("eventflow build --entry", () => {
  it("bundles a plain program as it is: no runtime wrapper, top-level await kept", async () => {
    const dir = await makeProject(PROGRAM);
    const bundle = await bundleFunction({ dir, handler: "src/main.ts", plain: true });
    expect(bundle.inputs.some((i) => i.includes("runtime"))).toBe(false);
    expect(Buffer.from(bundle.code).toString()).not.toContain(RUNTIME_MAIN);
    const file = join(dir, "out.mjs");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, bundle.code));
    const { stdout } = await run(process.execPath, [file, "there"]);
    expect(stdout).toBe("plain there");
  });

  it("builds an image whose entrypoint runs the program (OCI layout read back by skopeo)", async () => {
    const dir = await makeProject(PROGRAM);
    const out = join(dir, "layout");
    const built = await runEventflow(
      [
        "build",
        ".",
        "--entry",
        "src/main.ts",
        "--base",
        "scratch",
        "--output",
        `oci:${out}:tool`,
        "--json",
        "-q",
      ],
      { cwd: dir },
    );
    expect(built.code).toBe(0);
    expect(built.json?.function).toBe("tool");
    const config = JSON.parse(
      (await run("skopeo", ["inspect", "--config", `oci:${out}:tool`])).stdout,
    ) as { config: { Entrypoint: string[]; User: string } };
    expect(config.config.Entrypoint).toEqual(["node", "--enable-source-maps", "/app/index.mjs"]);
    expect(config.config.User).toBe("65532:65532");
    // The app layer's index.mjs is the program itself.
    const unpacked = join(dir, "unpacked");
    await run("umoci", ["unpack", "--rootless", "--image", `${out}:tool`, unpacked]);
    const code = await readFile(join(unpacked, "rootfs/app/index.mjs"), "utf8");
    expect(code).not.toContain(RUNTIME_MAIN);
    const { stdout } = await run(process.execPath, [join(unpacked, "rootfs/app/index.mjs")]);
    expect(stdout).toBe("plain world");
  });

  it("--include adds files and directories anywhere in the image, reproducibly", async () => {
    const dir = await makeProject({
      ...PROGRAM,
      "public/index.html": "<h1>hi</h1>",
      "public/assets/app.js": "console.log(1)",
      "tool.conf": "a=1",
    });
    const build = (out: string) =>
      runEventflow(
        [
          "build",
          ".",
          "--entry",
          "src/main.ts",
          "--include",
          "public:/srv/static",
          "--include",
          "tool.conf:/etc/tool.conf",
          "--base",
          "scratch",
          "--output",
          `oci:${out}:tool`,
          "--json",
          "-q",
        ],
        { cwd: dir },
      );
    const first = await build(join(dir, "a"));
    expect(first.code, first.stderr).toBe(0);
    const unpacked = join(dir, "unpacked-inc");
    await run("umoci", ["unpack", "--rootless", "--image", `${join(dir, "a")}:tool`, unpacked]);
    expect(await readFile(join(unpacked, "rootfs/srv/static/index.html"), "utf8")).toBe(
      "<h1>hi</h1>",
    );
    expect(await readFile(join(unpacked, "rootfs/srv/static/assets/app.js"), "utf8")).toBe(
      "console.log(1)",
    );
    expect(await readFile(join(unpacked, "rootfs/etc/tool.conf"), "utf8")).toBe("a=1");
    const second = await build(join(dir, "b"));
    expect(second.json?.digest).toBe(first.json?.digest);
  });

  it.each([["public:relative/dest"], ["public:/app/index.mjs"], ["nope:/srv/x"], ["no-colon"]])(
    "--include %s is a usage error (exit 2, CLI_USAGE)",
    async (spec) => {
      const dir = await makeProject({ ...PROGRAM, "public/a.txt": "a" });
      const built = await runEventflow(
        [
          "build",
          ".",
          "--entry",
          "src/main.ts",
          "--include",
          spec,
          "--base",
          "scratch",
          "--json",
          "-q",
        ],
        { cwd: dir },
      );
      expect(built.code).toBe(2);
      expect((built.json?.error as { code: string }).code).toBe("CLI_USAGE");
    },
  );

  it("a missing entry is BUILD_HANDLER_NOT_FOUND (exit 2)", async () => {
    const dir = await makeProject(PROGRAM);
    const built = await runEventflow(
      ["build", ".", "--entry", "src/nope.ts", "--base", "scratch", "--json", "-q"],
      { cwd: dir },
    );
    expect(built.code).toBe(2);
    expect((built.json?.error as { code: string }).code).toBe("BUILD_HANDLER_NOT_FOUND");
  });
});
