/** What a control command writes to and reads from. */
import type { ControlEnvironment } from "./settings.js";

/** Streams, working directory, parsed environment and the run's cancellation signal. */
export interface ControlIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin?: NodeJS.ReadableStream | undefined;
  readonly cwd: string;
  readonly env: ControlEnvironment;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
}
