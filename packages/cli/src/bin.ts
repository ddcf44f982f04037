#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Most of a warm build is module loading (undici, zod, esbuild's JS API): keep V8's compiled
// code on disk between runs (Node >= 22.1; a no-op where unsupported or disabled).
enableCompileCache?.();
const { EXIT, runCli } = await import("./cli.js");
const { debuglog } = await import("node:util");
debuglog("eventflow")("modules loaded after %s ms", performance.now().toFixed(0));

// Ctrl-C: stop streams and child processes (logs -f, dev), remove the temp files of outputs
// being written, then exit 130.
const interrupt = new AbortController();
process.once("SIGINT", () => {
  interrupt.abort();
  process.stderr.write("\ninterrupted\n");
  void import("./cleanup.js")
    .then((m) => m.removeTempOutputs())
    .finally(() => process.exit(EXIT.interrupted));
});

process.once("exit", () => debuglog("eventflow")("exit after %s ms", performance.now().toFixed(0)));
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
