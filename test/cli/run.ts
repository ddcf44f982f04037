// Runs the built `eventflow` CLI (packages/cli/dist/bin.js, made by `npm run build`) as a
// child process, the way users and CI run it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The CLI entry point. */
export const CLI_BIN = `${REPO_ROOT}packages/cli/dist/bin.js`;

/** What one CLI run printed and how it ended. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last stdout line parsed as JSON, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** Options of {@link runEventflow}. */
export interface RunOptions {
  readonly cwd?: string;
  /** Replaces the environment (PATH and HOME are kept unless given). */
  readonly env?: Record<string, string | undefined>;
  readonly umask?: number;
  readonly timeoutMs?: number;
  /** Written to the CLI's standard input (otherwise stdin is closed). */
  readonly input?: string;
  /** Called with the child right after it started (e.g. to send it a signal). */
  readonly onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

function lastJson(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split("\n").at(-1);
  if (line === undefined || !line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `eventflow ARGS...` with this process's Node (Node 24 under vitest). */
export function runEventflow(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`npm run build\` first`);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  const command = options.umask === undefined ? process.execPath : "/bin/sh";
  const argv =
    options.umask === undefined
      ? [CLI_BIN, ...args]
      : [
          "-c",
          `umask ${options.umask.toString(8)} && exec "$0" "$@"`,
          process.execPath,
          CLI_BIN,
          ...args,
        ];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, json: lastJson(stdout) });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    options.onSpawn?.(child);
  });
}
