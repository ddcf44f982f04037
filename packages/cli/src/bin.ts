#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Most of a warm build is module loading (undici, zod, esbuild's JS API): keep V8's compiled
// code on disk between runs (Node >= 22.1; a no-op where unsupported or disabled).
enableCompileCache?.();
const { EXIT, runCli } = await import("./cli.js");
const { debuglog } = await import("node:util");
debuglog("eventflow")("modules loaded after %s ms", performance.now().toFixed(0));

// Ctrl-C, SIGTERM (a supervisor, `kill`, `timeout`) and SIGHUP (the terminal closed): stop
// streams and child processes (logs -f, and dev's function, which would otherwise keep its
// port), remove the temp files of outputs being written, then exit 130 (Ctrl-C) or 128 + the
// signal's number, as a shell reports a process killed by it.
const interrupt = new AbortController();
const SIGNAL_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: 143, SIGHUP: 129 } as const;
const onSignal = (signal: keyof typeof SIGNAL_EXIT): void => {
  for (const s of Object.keys(SIGNAL_EXIT)) process.removeAllListeners(s);
  interrupt.abort();
  // After SIGHUP the terminal may be gone: a failed write must not stop the cleanup.
  process.stderr.on("error", () => undefined);
  process.stderr.write(signal === "SIGINT" ? "\ninterrupted\n" : `\n${signal}: stopping\n`);
  void import("./cleanup.js")
    .then((m) => m.removeTempOutputs())
    .finally(() => process.exit(SIGNAL_EXIT[signal]));
};
for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[])
  process.once(signal, onSignal);

process.once("exit", () => debuglog("eventflow")("exit after %s ms", performance.now().toFixed(0)));
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
