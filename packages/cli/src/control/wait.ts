/** Rollout progress on stderr while waiting for a function to be ready. */
import type { FunctionStatus } from "@eventflow/protocol";
import type { EventFlowClient } from "@eventflow/sdk/client";
import { parseDuration } from "./duration.js";
import { paint, phaseColor, visible } from "./render.js";
import type { CommandIo } from "../io.js";

/** Parses `--timeout` (`90s`, `5m`, `2h`, or seconds) into milliseconds; a bad value is CLI_USAGE. */
export function parseTimeout(text: string | undefined, fallbackMs: number): number {
  return text === undefined ? fallbackMs : parseDuration("--timeout", text);
}

/**
 * Waits until `name` is ready, printing a line whenever its phase or ready count changes.
 * On failure, the last log lines are printed before the error propagates.
 */
export async function waitWithProgress(
  client: EventFlowClient,
  name: string,
  options: {
    timeout?: string;
    replicas?: number;
    tenant?: string | undefined;
    signal: AbortSignal;
  },
  io: CommandIo,
): Promise<FunctionStatus> {
  let last = "";
  const started = performance.now();
  try {
    return await client.functions.waitUntilReady(name, {
      timeout: parseTimeout(options.timeout, 120_000),
      interval: 200,
      signal: options.signal,
      tenant: options.tenant,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
      onProgress: (s) => {
        const line = `${s.status} ${s.ready_replicas}/${s.replicas} ready`;
        if (line === last) return;
        last = line;
        const elapsed = ((performance.now() - started) / 1000).toFixed(1);
        io.stderr.write(
          `  ${name}: ${paint(io.env.color, phaseColor(s.status), s.status)} ${s.ready_replicas}/${s.replicas} ready (${elapsed}s)\n`,
        );
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "CLIENT_WAIT_FAILED") {
      const lines: string[] = [];
      try {
        for await (const entry of client.logs(name, { tail: 10, tenant: options.tenant }))
          lines.push(`    ${entry.stream === "stderr" ? "!" : " "} ${visible(entry.line)}`);
      } catch {
        // The logs are a courtesy; the wait's own error is what matters.
      }
      if (lines.length > 0) io.stderr.write(`  last log lines of ${name}:\n${lines.join("\n")}\n`);
    }
    throw error;
  }
}
