/**
 * The invoke router's choice of a revision per request: built once from the resolved traffic
 * (a table of cumulative percents), then a binary search per pick: O(log n).
 */
import type { ResolvedTrafficTarget } from "./traffic.js";

/** Picks the revision of each request, by weight or by tag. */
export interface TrafficSplit {
  /**
   * The target a request goes to, chosen by weight from `random`, a source of numbers in
   * [0, 1) such as `Math.random`. A 0 % target is never picked. Throws a RangeError when
   * `random` returns anything else.
   */
  pick(random: () => number): ResolvedTrafficTarget;
  /** The target a tag reaches (whatever its percent), or undefined for an unknown tag. */
  tagged(tag: string): ResolvedTrafficTarget | undefined;
}

/**
 * The split of resolved traffic (as {@link resolveTraffic} returns it: whole percents summing
 * to 100). Throws a RangeError when no target has a percent above 0.
 */
export function buildTrafficSplit(targets: readonly ResolvedTrafficTarget[]): TrafficSplit {
  // cumulative[i]: the percent of targets[0] to targets[i]. A 0 % target repeats the sum before
  // it, so the search below (the first sum above the point) never lands on it.
  const cumulative: number[] = [];
  let total = 0;
  for (const target of targets) {
    total += target.percent;
    cumulative.push(total);
  }
  if (total <= 0) throw new RangeError("traffic has no target with a percent above 0");
  const byTag = new Map(targets.flatMap((t) => (t.tag === undefined ? [] : [[t.tag, t] as const])));
  return {
    pick(random) {
      const r = random();
      if (!(r >= 0 && r < 1)) throw new RangeError(`random source returned ${r}, not in [0, 1)`);
      const point = r * total;
      // The first entry whose cumulative percent lies above the point.
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (cumulative[mid]! > point) high = mid;
        else low = mid + 1;
      }
      return targets[low]!;
    },
    tagged: (tag) => byTag.get(tag),
  };
}
