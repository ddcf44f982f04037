// Cold start: spawn -> first 200 on GET /, round-robin across SUTs with a seeded shuffled order
// per round (performance.md 3.0 (c)).
import { measureColdStart } from "../lib/cold-start.mjs";
import { freePort } from "../lib/http-probe.mjs";
import { waitForQuietCore } from "../lib/proc-cpu.mjs";
import { runInterleavedRounds } from "../lib/rounds.mjs";

/** Resolves `{ accepted, rejected }` with samples `{ ms }` per SUT per iteration. */
export async function runColdStart({
  suts,
  iterations,
  seed,
  serverCpu,
  maxForeign,
  quietTimeoutMs,
  progress,
}) {
  let lastRound = -1;
  return runInterleavedRounds({
    arms: suts.map((s) => s.id),
    rounds: iterations,
    seed,
    maxExtraRounds: 2,
    measure: async (arm, round) => {
      if (round !== lastRound) {
        lastRound = round;
        await waitForQuietCore({ cpu: serverCpu, maxShare: maxForeign, timeoutMs: quietTimeoutMs });
      }
      const sut = suts.find((s) => s.id === arm);
      const port = await freePort();
      const { cmd, args, env } = sut.command(port);
      try {
        const ms = await measureColdStart({
          cmd,
          args,
          env,
          cpu: serverCpu,
          url: `http://127.0.0.1:${port}/`,
        });
        return { ms };
      } catch (err) {
        return { ms: Number.NaN, error: err.message };
      }
    },
    reject: (s) => s.error,
    onProgress: ({ round, arm, sample, reason }) =>
      progress(
        `cold start ${round + 1} ${arm.padEnd(22)} ` +
          (reason ? `REJECTED (${reason})` : `${sample.ms.toFixed(1)} ms`),
      ),
  });
}
