/**
 * A base image carrying the Node that runs the tests (Node 24, the controller's engine; the
 * CLI tests' base has the system Node 20), for the controller's own image: the binary and the
 * libraries `ldd` lists in one layer, made with umoci into an OCI layout cached under
 * ~/.cache/eventflow/e2e-base/<key> (key: the files' paths and sizes).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, realpath, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Returns `oci:<layout>:amd64` of a base holding `/usr/bin/node` = this process's Node. */
export async function ensureRuntimeBase(): Promise<string> {
  const node = await realpath(process.execPath);
  const { stdout } = await run("ldd", [node]);
  const libs = [...stdout.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]!).sort();
  const sizes = await Promise.all(
    [node, ...libs].map(async (f) => `${f}:${(await stat(await realpath(f))).size}`),
  );
  const key = createHash("sha256")
    .update(`v1\n${sizes.join("\n")}`)
    .digest("hex")
    .slice(0, 16);
  const layout = join(homedir(), ".cache", "eventflow", "e2e-base", key);
  const ready = await stat(join(layout, "index.json")).then(
    () => true,
    () => false,
  );
  if (!ready) {
    const work = `${layout}.work-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const image = `${work}/layout:amd64`;
    const bundle = join(work, "bundle");
    await run("umoci", ["init", "--layout", join(work, "layout")]);
    await run("umoci", ["new", "--image", image]);
    await run("umoci", ["unpack", "--rootless", "--image", image, bundle]);
    const place = async (from: string, to: string) => {
      const dest = join(bundle, "rootfs", to);
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(await realpath(from), dest);
    };
    await place(node, "/usr/bin/node");
    for (const lib of libs) await place(lib, lib);
    await mkdir(join(bundle, "rootfs", "tmp"), { recursive: true });
    await run("umoci", ["repack", "--image", image, bundle]);
    await run("umoci", [
      "config",
      "--image",
      image,
      "--os",
      "linux",
      "--architecture",
      "amd64",
      "--config.env",
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "--config.cmd",
      "node",
      "--no-history",
    ]);
    await mkdir(dirname(layout), { recursive: true });
    await rename(join(work, "layout"), layout).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
    await rm(work, { recursive: true, force: true });
  }
  return `oci:${layout}:amd64`;
}
