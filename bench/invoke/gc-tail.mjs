// What `bench:invoke --gc DIR` concludes (pure): for one arm, its fixed-rate requests (each
// with its scheduled send time and latency, from open-loop.mjs) against its process's garbage
// collections (gc-observer.cjs): how many requests were slow, how many of those were in flight
// while the process paused for a collection, and the pauses themselves.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { quantile, round } from "../lib/stats.mjs";

/** A request slower than this counts as part of the tail (the floor's p99 is 4-5 ms). */
export const SLOW_MS = 5;

/**
 * `requests`: [{ at, ms }] (scheduled send time in epoch ms, latency); `gcs`: [{ at, ms, kind }];
 * `windows`: [{ from, to }] epoch ms of the fixed-rate phases (pauses outside them are left out).
 */
export function gcTail({ requests, gcs, windows, slowMs = SLOW_MS }) {
  const inWindow = (g) => windows.some((w) => g.at + g.ms >= w.from && g.at <= w.to);
  const pauses = gcs.filter(inWindow).sort((a, b) => a.at - b.at);
  const overlaps = (r) => pauses.some((g) => g.at < r.at + r.ms && g.at + g.ms > r.at);
  const slow = requests.filter((r) => r.ms > slowMs);
  const slowWithGc = slow.filter(overlaps);
  const fast = requests.filter((r) => r.ms <= slowMs);
  const byKind = {};
  for (const g of pauses) {
    const k = (byKind[g.kind] ??= { count: 0, total_ms: 0, max_ms: 0 });
    k.count++;
    k.total_ms += g.ms;
    k.max_ms = Math.max(k.max_ms, g.ms);
  }
  for (const k of Object.values(byKind)) {
    k.total_ms = round(k.total_ms, 2);
    k.max_ms = round(k.max_ms, 2);
  }
  const seconds = windows.reduce((s, w) => s + (w.to - w.from) / 1000, 0);
  return {
    requests: requests.length,
    slow: slow.length,
    slow_ms: slowMs,
    slow_during_gc: slowWithGc.length,
    slow_during_gc_share: slow.length === 0 ? null : round(slowWithGc.length / slow.length, 3),
    fast_during_gc_share:
      fast.length === 0 ? null : round(fast.filter(overlaps).length / fast.length, 3),
    pauses: pauses.length,
    pause_ms_per_second:
      seconds > 0 ? round(pauses.reduce((s, g) => s + g.ms, 0) / seconds, 3) : null,
    pause_p99_ms:
      pauses.length === 0
        ? null
        : round(
            quantile(
              pauses.map((g) => g.ms),
              0.99,
            ),
            3,
          ),
    pause_max_ms: pauses.length === 0 ? null : round(Math.max(...pauses.map((g) => g.ms)), 3),
    by_kind: byKind,
  };
}

/** Reads DIR: `<pid>.jsonl` GC logs and `<arm>-<n>.json` request records (open-loop.mjs). */
export function readGcRun(dir, armPids) {
  const gcsOf = (pids) =>
    pids.flatMap((pid) => {
      const file = join(dir, `${pid}.jsonl`);
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    });
  const out = {};
  for (const [arm, pids] of Object.entries(armPids)) {
    const records = readdirSync(dir)
      .filter((f) => f.startsWith(`${arm}-`) && f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
    if (records.length === 0) continue;
    const requests = records.flatMap((r) =>
      r.samples.map(([off, ms]) => ({ at: r.start + off, ms })),
    );
    // The measured part of each fixed-rate phase (its first skipSeconds are not recorded).
    const windows = records.map((r) => ({
      from: r.start + (r.skipSeconds ?? 0) * 1000,
      to: r.start + r.seconds * 1000,
    }));
    out[arm] = gcTail({ requests, gcs: gcsOf(pids), windows });
  }
  return out;
}
