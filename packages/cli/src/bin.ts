#!/usr/bin/env node
import { readdir, rm } from "node:fs/promises";
import { enableCompileCache } from "node:module";

// Most of a warm build is module loading (undici, zod, esbuild's JS API): keep V8's compiled
// code on disk between runs (Node >= 22.1; a no-op where unsupported or disabled).
enableCompileCache?.();
const { EXIT, runCli } = await import("./cli.js");
const { debuglog } = await import("node:util");
debuglog("eventflow")("modules loaded after %s ms", performance.now().toFixed(0));

// Writers use temp names (`.NAME.tmp-*`) renamed into place; an interrupted build removes
// the ones of this process's working directory tree it can find, then exits 130.
async function removeTempFiles(): Promise<void> {
  const dirs = [process.cwd(), `${process.cwd()}/.eventflow`];
  await Promise.all(
    dirs.map(async (dir) => {
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names
          .filter((n) => /^\..+\.tmp-/.test(n))
          .map((n) => rm(`${dir}/${n}`, { recursive: true, force: true })),
      );
    }),
  );
}

process.once("SIGINT", () => {
  process.stderr.write("\ninterrupted\n");
  void removeTempFiles().finally(() => process.exit(EXIT.interrupted));
});

process.once("exit", () => debuglog("eventflow")("exit after %s ms", performance.now().toFixed(0)));
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
