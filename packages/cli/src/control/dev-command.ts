/**
 * `eventflow dev [DIR]`: runs one function locally with the runtime, rebuilds with esbuild's
 * incremental context when a source file changes and restarts the process, printing how long
 * each change took from the file event to the new process answering readiness.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { context as esbuildContext, type BuildContext } from "esbuild";
import { BUNDLE_BANNER, buildEntrySource, eventflowPlugin } from "../bundle.js";
import { loadProject } from "../project.js";
import { createTreeWatcher } from "./dev-watcher.js";
import type { CommandIo } from "../io.js";
import { formatDuration, paint } from "./render.js";

/** Flags of `eventflow dev`. */
export interface DevFlags {
  function?: string;
  port?: string;
}

const IGNORED = /(^|[/\\])(node_modules|\.eventflow|\.git|dist)([/\\]|$)/;

/** A digest of the built bundle and its map: a save that changes neither restarts nothing. */
async function bundleDigest(outfile: string): Promise<string | undefined> {
  try {
    const hash = createHash("sha256").update(await readFile(outfile));
    return hash.update(await readFile(`${outfile}.map`)).digest("hex");
  } catch {
    return undefined;
  }
}

/** How long a started function may take to answer its readiness probe. */
const READY_TIMEOUT_MS = 30_000;

async function waitReady(port: number, child: ChildProcess, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    // A module that hangs on load (a top-level await on a database that does not answer)
    // would otherwise hold every later reload behind this wait.
    if (performance.now() > deadline)
      throw new EventFlowError(
        "RUNTIME_NOT_READY",
        `the function was not ready ${READY_TIMEOUT_MS / 1000} s after it started (does its module finish loading?)`,
      );
    if (child.exitCode !== null || child.signalCode !== null)
      throw new EventFlowError(
        "RUNTIME_NOT_READY",
        `the function exited (${child.exitCode ?? child.signalCode}) before it was ready`,
      );
    try {
      const res = await fetch(`http://127.0.0.1:${port}/_eventflow/readyz`, { signal });
      await res.body?.cancel();
      if (res.ok) return;
    } catch (error) {
      if (signal.aborted) throw error;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill("SIGTERM");
  });
}

/** `eventflow dev`. */
export async function devCommand(dirArg: string | undefined, flags: DevFlags, io: CommandIo) {
  const dir = resolve(io.cwd, dirArg ?? ".");
  const project = await loadProject(dir);
  const fn =
    flags.function === undefined
      ? project.functions[0]
      : project.functions.find((f) => f.name === flags.function);
  if (fn === undefined)
    throw new EventFlowError("CLI_USAGE", `no function named ${flags.function} in ${dir}`);
  const port = Number(flags.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new EventFlowError("CLI_USAGE", `--port takes a port number, got ${flags.port}`);
  const handlerPath = isAbsolute(fn.handler) ? fn.handler : join(dir, fn.handler);
  const relHandler = relative(dir, handlerPath).split(sep).join("/");
  const outdir = join(dir, ".eventflow", "dev", fn.name);
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, "index.mjs");
  const c = io.env.color;
  let child: ChildProcess | undefined;
  let changedAt: number | undefined;
  let restarting: Promise<void> = Promise.resolve();
  let served: string | undefined;

  const restart = (changed: number | undefined) => {
    restarting = restarting.then(async () => {
      if (io.signal.aborted) return;
      await stop(child);
      // Ctrl-C or SIGTERM while the old child stopped: start no child nobody would stop.
      if (io.signal.aborted) return;
      const started = changed ?? performance.now();
      child = spawn(process.execPath, ["--enable-source-maps", outfile], {
        cwd: dir,
        env: {
          ...fn.env,
          PATH: process.env.PATH,
          PORT: String(port),
          NODE_ENV: "development",
          // No load balancer to wait for: the old process may stop at once.
          EVENTFLOW_SHUTDOWN_DELAY_MS: "0",
          EVENTFLOW_SHUTDOWN_GRACE_MS: "1000",
          EVENTFLOW_FUNCTION_NAME: fn.name,
        },
        stdio: ["ignore", "inherit", "inherit"],
      });
      try {
        await waitReady(port, child, io.signal);
        const label = changed === undefined ? "serving" : "reloaded";
        io.stderr.write(
          `${paint(c, "green", label)} ${fn.name} on http://127.0.0.1:${port} in ${formatDuration(performance.now() - started)}\n`,
        );
      } catch (error) {
        if (!io.signal.aborted)
          io.stderr.write(
            `${paint(c, "red", "failed")}: ${(error as Error).message}; fix the code and save again\n`,
          );
      }
    });
  };

  const ctx: BuildContext = await esbuildContext({
    absWorkingDir: dir,
    stdin: {
      contents: buildEntrySource(`./${relHandler}`, relHandler),
      resolveDir: dir,
      sourcefile: "eventflow-entry.mjs",
      loader: "js",
    },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    banner: { js: BUNDLE_BANNER },
    logLevel: "silent",
    plugins: [
      eventflowPlugin({}),
      {
        name: "eventflow-dev",
        setup(b) {
          b.onEnd((result) => {
            if (result.errors.length > 0) {
              for (const e of result.errors)
                io.stderr.write(
                  `${paint(c, "red", "error")}: ${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}\n`,
                );
              return;
            }
            const changed = changedAt;
            changedAt = undefined;
            // An editor's backup or swap file, or a save of the same text, builds the same bundle.
            restarting = restarting.then(async () => {
              const digest = await bundleDigest(outfile);
              const alive = child?.exitCode === null && child.signalCode === null;
              if (digest !== undefined && digest === served && alive) return;
              served = digest;
              restart(changed);
            });
          });
        },
      },
    ],
  });
  // One rebuild at a time; a change seen during a rebuild schedules exactly one more, so the
  // last save is always built (esbuild may fold a concurrent rebuild() into the running one,
  // which read the files before the save).
  let building = false;
  let dirty = false;
  const rebuild = (): void => {
    if (building) {
      dirty = true;
      return;
    }
    building = true;
    void ctx
      .rebuild()
      .catch(() => undefined)
      .finally(() => {
        building = false;
        if (dirty) {
          dirty = false;
          rebuild();
        }
      });
  };
  const watcher = createTreeWatcher({
    dir,
    ignore: IGNORED,
    onChange: (at) => {
      changedAt ??= at;
      rebuild();
    },
  });
  await watcher.ready;
  // Ctrl-C: the process exits right after, so the replica is signalled synchronously.
  io.signal.addEventListener("abort", () => child?.kill("SIGTERM"), { once: true });
  await ctx.rebuild().catch(() => undefined);
  io.stderr.write(`watching ${dir} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolveWait) => {
    if (io.signal.aborted) resolveWait();
    io.signal.addEventListener("abort", () => resolveWait(), { once: true });
  });
  watcher.close();
  await restarting.catch(() => undefined);
  await stop(child);
  await ctx.dispose();
}
