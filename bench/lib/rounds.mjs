// Interleaved rounds: every arm measured once per round in a seeded order. A round in which an
// arm failed (`reject`: errors, a dead process) is dropped whole and replaced by an extra round.
// A round in which an arm was disturbed (`disturbed`: other load on the server's core) is set
// aside and replaced too while extra rounds remain; if the extras run out, the least disturbed
// of those rounds fill the gap, marked `disturbed`.
import { roundOrders } from "./rng.mjs";
import { summarize } from "./stats.mjs";

/**
 * Runs until `rounds` rounds are accepted or `maxExtraRounds` extra rounds are spent. A
 * disturbed measurement is first retried in place, up to `maxRetriesPerArm` times and
 * `retryBudget` times in the whole run.
 * `measure(arm, round)` resolves a sample; `reject(sample)` and `disturbed(sample)` return a
 * reason string or undefined; `disturbance(sample)` scores a sample for the fill-in order.
 * Resolves `{ accepted: [{ round, order, samples, disturbed? }], rejected: [{ round, order,
 * reasons, cause }] }`, where `samples` maps arm id to sample.
 */
export async function runInterleavedRounds({
  arms,
  rounds,
  seed,
  measure,
  reject = () => undefined,
  disturbed = () => undefined,
  disturbance = () => 0,
  maxExtraRounds = 3,
  retryBudget = 0,
  maxRetriesPerArm = 2,
  onProgress = () => {},
}) {
  let retriesLeft = retryBudget;
  // On a machine that stays busy, retries only cost time: stop after a few futile ones in a row.
  let futile = 0;
  const orders = roundOrders({ arms, rounds: rounds + maxExtraRounds, seed });
  const accepted = [];
  const rejected = [];
  const setAside = [];
  for (let r = 0; r < orders.length && accepted.length < rounds; r++) {
    const order = orders[r];
    const samples = {};
    const hard = [];
    const soft = [];
    for (const arm of order) {
      // A disturbed measurement is retried at once (within a budget for the whole run), which
      // keeps the round's arms close in time; the least disturbed attempt is kept.
      let sample;
      let reason;
      let softReason;
      for (let attempt = 0; ; attempt++) {
        const candidate = await measure(arm, r);
        const candidateReason = reject(candidate);
        const candidateSoft = candidateReason ? undefined : disturbed(candidate);
        onProgress({ round: r, arm, sample: candidate, reason: candidateReason ?? candidateSoft });
        if (
          sample === undefined ||
          (!candidateReason && (reason || disturbance(candidate) < disturbance(sample)))
        ) {
          sample = candidate;
          reason = candidateReason;
          softReason = candidateSoft;
        }
        if (attempt > 0) futile = candidateSoft ? futile + 1 : 0;
        if (futile >= 4) retriesLeft = 0;
        if (!softReason || reason || attempt >= maxRetriesPerArm || retriesLeft <= 0) break;
        retriesLeft--;
      }
      samples[arm] = sample;
      if (reason) hard.push(`${arm}: ${reason}`);
      if (softReason) soft.push(`${arm}: ${softReason}`);
    }
    if (hard.length > 0) rejected.push({ round: r, order, reasons: hard, cause: "failed" });
    else if (soft.length > 0) {
      const score = Math.max(...order.map((a) => disturbance(samples[a])));
      setAside.push({ round: r, order, samples, reasons: soft, score });
    } else accepted.push({ round: r, order, samples });
  }
  setAside.sort((a, b) => a.score - b.score);
  for (const s of setAside) {
    if (accepted.length < rounds) {
      accepted.push({ round: s.round, order: s.order, samples: s.samples, disturbed: s.reasons });
    } else
      rejected.push({ round: s.round, order: s.order, reasons: s.reasons, cause: "disturbed" });
  }
  accepted.sort((a, b) => a.round - b.round);
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
