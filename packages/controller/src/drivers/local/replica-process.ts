import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import { createLineSplitter, type SplitLine } from "../line-splitter.js";
import { CRASH_TAIL_LINES, crashReasonOf } from "../crash-reason.js";
import { SANDBOX_INFO_FD } from "./sandbox.js";

/** The runtime's reserved readiness path. */
export const READYZ_PATH = "/_eventflow/readyz";

/** How a replica process ended. */
export interface ReplicaExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options for {@link startReplicaProcess}. */
export interface ReplicaProcessOptions {
  readonly replica: string;
  readonly nodePath: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** Each line, or each 16 KiB part of a longer one (`partial` on all but its last). */
  readonly onLine: (stream: "stdout" | "stderr", line: SplitLine) => void;
  /**
   * Run this command instead of `nodePath args` directly: bwrap, which reports the sandboxed
   * process's pid on fd {@link SANDBOX_INFO_FD} (that pid gets the stop signals), or setpriv,
   * which becomes Node itself.
   */
  readonly sandbox?: { readonly command: string; readonly args: readonly string[] };
}

/** One running replica: a child process listening on a loopback port. */
export interface ReplicaProcess {
  readonly replica: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly exited: Promise<ReplicaExit>;
  /** Why it died, from the tail of its stderr: the error line, not Node's version footer. */
  crashReason(): string | undefined;
  /** Resolves once `GET /_eventflow/readyz` answers 200; rejects if the process exits or time runs out. */
  waitReady(timeoutMs: number): Promise<void>;
  /** SIGTERM (the runtime drains and exits 0), SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<ReplicaExit>;
  isRunning(): boolean;
}

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(
      { host: "127.0.0.1", port, path: READYZ_PATH, agent: false, timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

function pipeLines(
  child: ChildProcess,
  stream: "stdout" | "stderr",
  onLine: (line: SplitLine) => void,
): void {
  const source = child[stream];
  if (!source) return;
  // Never more than one part held per stream, however long a line without a newline runs.
  const splitter = createLineSplitter({ onLine });
  source.on("data", (chunk: Buffer) => splitter.push(chunk));
  source.once("end", () => splitter.end());
}

/**
 * Reads bwrap's `--info-fd` JSON (`{"child-pid": N}`): the host pid of the sandbox's init, whose
 * one child is the replica.
 */
function readInnerPid(child: ChildProcess, found: (pid: number) => void): void {
  const info = child.stdio[SANDBOX_INFO_FD] as Readable | null | undefined;
  if (!info) return;
  let text = "";
  info.setEncoding("utf8");
  info.on("data", (chunk: string) => {
    if (text.length > 4096) return;
    text += chunk;
    const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (m) found(Number(m[1]));
  });
  info.on("error", () => undefined);
}

/** The first child of `pid` (the sandbox init's replica), or undefined. */
function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Spawns one replica (`<node> <app>/index.mjs`) and captures its output line by line. */
export function startReplicaProcess(options: ReplicaProcessOptions): ReplicaProcess {
  const env = { ...options.env, PORT: String(options.port) };
  const child = options.sandbox
    ? spawn(options.sandbox.command, [...options.sandbox.args], {
        cwd: options.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
      })
    : spawn(options.nodePath, [...options.args], {
        cwd: options.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
  // bwrap does not pass signals on: SIGTERM goes to the sandboxed process (the child of the
  // sandbox's init), SIGKILL to bwrap, which takes the sandbox with it.
  let innerPid: number | undefined;
  if (options.sandbox) readInnerPid(child, (pid) => (innerPid = pid));
  const stderrTail: string[] = [];
  let spawnFailure: string | undefined;
  let running = true;
  // Output while waiting for readiness (the runtime logs when it listens) triggers a probe at once.
  let kick: (() => void) | undefined;
  const exited = new Promise<ReplicaExit>((resolve) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      spawnFailure = `spawn failed: ${error.message}`;
      running = false;
      resolve({ code: 127, signal: null });
    });
  });
  pipeLines(child, "stdout", (line) => {
    kick?.();
    options.onLine("stdout", line);
  });
  pipeLines(child, "stderr", (line) => {
    // Whole lines only (a 16 KiB part of a longer one is no error line); a bounded window.
    if (!line.partial) {
      stderrTail.push(line.line);
      if (stderrTail.length > CRASH_TAIL_LINES) stderrTail.shift();
    }
    options.onLine("stderr", line);
  });

  return {
    replica: options.replica,
    pid: child.pid ?? -1,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    exited,
    crashReason: () => spawnFailure ?? crashReasonOf(stderrTail),
    isRunning: () => running,
    async waitReady(timeoutMs) {
      const started = Date.now();
      try {
        while (running) {
          if (await probe(options.port)) return;
          const elapsed = Date.now() - started;
          if (elapsed >= timeoutMs) {
            throw new Error(`replica ${options.replica} not ready after ${timeoutMs} ms`);
          }
          // Every 5 ms for the first seconds (a bundled function starts in tens of ms), then 100 ms.
          const kicked = new Promise<void>((resolve) => (kick = resolve));
          await Promise.race([sleep(elapsed < 2_000 ? 5 : 100), exited, kicked]);
        }
      } finally {
        kick = undefined;
      }
      throw new Error(`replica ${options.replica} exited before it was ready`);
    },
    async stop(graceMs) {
      if (!running) return exited;
      const inner = innerPid === undefined ? undefined : childOf(innerPid);
      if (inner !== undefined) {
        try {
          process.kill(inner, "SIGTERM");
        } catch {
          child.kill("SIGTERM");
        }
      } else child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
