// `eventflow build --entry FILE`: the image builder used for any Node program (as ko is for Go),
// here a plain program without a handler; the bundle runs on its own and the image starts it.
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
    expect(config.config.Entrypoint).toEqual(["node", "/app/index.mjs"]);
    expect(config.config.User).toBe("65532:65532");
    // The app layer's index.mjs is the program itself.
    const unpacked = join(dir, "unpacked");
    await run("umoci", ["unpack", "--rootless", "--image", `${out}:tool`, unpacked]);
    const code = await readFile(join(unpacked, "rootfs/app/index.mjs"), "utf8");
    expect(code).not.toContain(RUNTIME_MAIN);
    const { stdout } = await run(process.execPath, [join(unpacked, "rootfs/app/index.mjs")]);
    expect(stdout).toBe("plain world");
  });

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
