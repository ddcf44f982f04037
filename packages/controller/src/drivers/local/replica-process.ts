import { spawn, type ChildProcess } from "node:child_process";
import { get } from "node:http";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

/** The runtime's reserved readiness path. */
export const READYZ_PATH = "/_eventflow/readyz";
const MAX_LINE = 16 * 1024;

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
  readonly onLine: (stream: "stdout" | "stderr", line: string) => void;
}

/** One running replica: a child process listening on a loopback port. */
export interface ReplicaProcess {
  readonly replica: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly exited: Promise<ReplicaExit>;
  /** The last line the process wrote to stderr (for crash reports). */
  lastStderr(): string | undefined;
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
  onLine: (line: string) => void,
): void {
  const source = child[stream];
  if (!source) return;
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  rl.on("line", (line) => onLine(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line));
}

/** Spawns one replica (`<node> <app>/index.mjs`) and captures its output line by line. */
export function startReplicaProcess(options: ReplicaProcessOptions): ReplicaProcess {
  const child = spawn(options.nodePath, [...options.args], {
    cwd: options.cwd,
    env: { ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderrLast: string | undefined;
  let running = true;
  // Output while waiting for readiness (the runtime logs when it listens) triggers a probe at once.
  let kick: (() => void) | undefined;
  const exited = new Promise<ReplicaExit>((resolve) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      stderrLast = `spawn failed: ${error.message}`;
      running = false;
      resolve({ code: 127, signal: null });
    });
  });
  pipeLines(child, "stdout", (line) => {
    kick?.();
    options.onLine("stdout", line);
  });
  pipeLines(child, "stderr", (line) => {
    if (line.trim() !== "") stderrLast = line;
    options.onLine("stderr", line);
  });

  return {
    replica: options.replica,
    pid: child.pid ?? -1,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    exited,
    lastStderr: () => stderrLast,
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
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
