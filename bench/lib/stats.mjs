// Order statistics for benchmark rounds. Medians of per-round ratios, never ratios of means:
// a round disturbed by a neighbour moves both arms of that round together.

/** Value at quantile q (0..1) with linear interpolation; NaN for an empty list. */
export function quantile(values, q) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median (q = 0.5). */
export function median(values) {
  return quantile(values, 0.5);
}

/** `{ n, median, p90, min, max }` of a list of finite numbers. */
export function summarize(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    n: finite.length,
    median: median(finite),
    p90: quantile(finite, 0.9),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
  };
}

/** Rounds a number to `digits` significant decimals for the report (keeps integers whole). */
export function round(value, digits = 3) {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
