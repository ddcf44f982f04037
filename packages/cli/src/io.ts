/** What the CLI reads and writes: the program's streams and environment, and what commands get. */
import type { CliEnvironment } from "./config.js";

/** What the CLI talks to; bin.ts passes the process's, tests their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Read for `--password-stdin`, `--token-stdin` and `invoke --data -`. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Aborted on Ctrl-C (long-running commands stop their streams and child processes). */
  readonly signal?: AbortSignal;
}

/** What every command runs with: the streams, the working directory, the parsed environment. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin?: NodeJS.ReadableStream | undefined;
  readonly cwd: string;
  readonly env: CliEnvironment;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
}

/** The command IO of one run: the environment parsed once, here. */
export function toCommandIo(io: CliIo, env: CliEnvironment): CommandIo {
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
    cwd: io.cwd,
    env,
    signal: io.signal ?? new AbortController().signal,
  };
}
