// Interleaved rounds: every arm measured once per round in a seeded order; a round in which any
// arm is rejected (errors during the measurement) is dropped whole and replaced by an extra one.
import { roundOrders } from "./rng.mjs";
import { summarize } from "./stats.mjs";

/**
 * Runs `rounds` accepted rounds over `arms` (ids). `measure(arm, round)` resolves a sample;
 * `reject(sample)` returns a reason string to drop the round, or undefined to keep it.
 * Resolves `{ accepted: [{ round, order, samples }], rejected: [{ round, order, reasons }] }`,
 * where `samples` maps arm id to sample.
 */
export async function runInterleavedRounds({
  arms,
  rounds,
  seed,
  measure,
  reject = () => undefined,
  maxExtraRounds = 3,
  onProgress = () => {},
}) {
  const orders = roundOrders({ arms, rounds: rounds + maxExtraRounds, seed });
  const accepted = [];
  const rejected = [];
  for (let r = 0; r < orders.length && accepted.length < rounds; r++) {
    const order = orders[r];
    const samples = {};
    const reasons = [];
    for (const arm of order) {
      const sample = await measure(arm, r);
      samples[arm] = sample;
      const reason = reject(sample);
      if (reason) reasons.push(`${arm}: ${reason}`);
      onProgress({ round: r, arm, sample, reason });
    }
    if (reasons.length > 0) rejected.push({ round: r, order, reasons });
    else accepted.push({ round: r, order, samples });
  }
  return { accepted, rejected };
}

/**
 * Per-round ratio `pick(samples[num]) / pick(samples[den])` over accepted rounds, summarised:
 * `{ median, min, max, n, per_round }`.
 */
export function perRoundRatio(accepted, { num, den, pick }) {
  const perRound = accepted
    .filter((r) => r.samples[num] !== undefined && r.samples[den] !== undefined)
    .map((r) => pick(r.samples[num]) / pick(r.samples[den]));
  const s = summarize(perRound);
  return { median: s.median, min: s.min, max: s.max, n: s.n, per_round: perRound };
}
