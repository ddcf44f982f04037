// Pure builders of the bench's `results` and `ratios` from the measured rounds.
import { perRoundRatio } from "../lib/rounds.mjs";
import { round, summarize } from "../lib/stats.mjs";

/** Ratio definitions: name, numerator and denominator arms, metric, and the target. */
export const RATIOS = [
  {
    name: "throughput_vs_raw",
    metric: "rps",
    num: "eventflow",
    den: "raw",
    target: ">=",
    goal: 0.9,
  },
  {
    name: "throughput_vs_fastify",
    metric: "rps",
    num: "eventflow",
    den: "fastify",
    target: ">=",
    goal: 0.95,
  },
  {
    name: "throughput_vs_functions_framework",
    metric: "rps",
    num: "eventflow",
    den: "functions_framework",
    target: ">=",
    goal: 1.5,
  },
  {
    name: "throughput_vs_faas_js_runtime",
    metric: "rps",
    num: "eventflow",
    den: "faas_js_runtime",
    target: ">=",
    goal: 1.1,
  },
  {
    // Tracing off (no OTEL_* set) against the runtime from before tracing existed: off is free.
    name: "throughput_tracing_off_vs_untraced",
    metric: "rps",
    num: "eventflow",
    den: "eventflow_untraced",
    target: ">=",
    goal: 0.99,
  },
  {
    // Every request traced (always_on) and exported to a real Jaeger, against tracing off.
    name: "throughput_tracing_on_vs_off",
    metric: "rps",
    num: "eventflow_tracing_on",
    den: "eventflow",
    target: ">=",
    goal: 0.85,
  },
  {
    name: "cpu_per_request_vs_raw",
    metric: "cpu",
    num: "eventflow",
    den: "raw",
    target: "<=",
    goal: 1.15,
  },
  { name: "cpu_per_request_vs_fastify", metric: "cpu", num: "eventflow", den: "fastify" },
  {
    name: "cpu_per_request_metrics_on_vs_off",
    metric: "cpu",
    num: "eventflow",
    den: "eventflow_metrics_off",
    target: "<=",
    goal: 1.05,
  },
  // CPU per request of the tracing arms: steadier than throughput on a shared machine.
  {
    name: "cpu_per_request_tracing_off_vs_untraced",
    metric: "cpu",
    num: "eventflow",
    den: "eventflow_untraced",
  },
  {
    name: "cpu_per_request_tracing_on_vs_off",
    metric: "cpu",
    num: "eventflow_tracing_on",
    den: "eventflow",
  },
  {
    name: "cold_start_vs_raw",
    metric: "cold",
    num: "eventflow",
    den: "raw",
    target: "<=",
    goal: 1.25,
  },
  {
    name: "cold_start_vs_functions_framework",
    metric: "cold",
    num: "eventflow",
    den: "functions_framework",
    target: "<=",
    goal: 0.8,
  },
  {
    name: "cold_start_vs_fastify",
    metric: "cold",
    num: "eventflow",
    den: "fastify",
    target: "<=",
    goal: 0.8,
  },
  {
    name: "cold_start_vs_faas_js_runtime",
    metric: "cold",
    num: "eventflow",
    den: "faas_js_runtime",
    target: "<=",
    goal: 0.7,
  },
  {
    name: "cold_start_bundled_vs_unbundled",
    metric: "cold",
    num: "eventflow",
    den: "eventflow_unbundled",
    target: "<=",
    goal: 0.8,
  },
];

const PICK = {
  rps: (s) => s.rps,
  cpu: (s) => s.cpu_us_per_request,
  cold: (s) => s.ms,
};

function rounded(summary, digits) {
  return Object.fromEntries(
    Object.entries(summary).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map((x) => round(x, digits)) : k === "n" ? v : round(v, digits),
    ]),
  );
}

function perSut(accepted, sutIds, pick) {
  return sutIds.map((id) => ({
    id,
    values: accepted
      .map((r) => r.samples[id])
      .filter(Boolean)
      .map(pick),
  }));
}

/** Result entries for throughput, CPU per request and latency, one per SUT and metric. */
export function buildThroughputResults(accepted, sutIds) {
  const out = [];
  for (const [kind, unit, pick, digits] of [
    ["throughput", "req/s", PICK.rps, 0],
    ["cpu_per_request", "us", PICK.cpu, 2],
    ["latency_p50", "ms", (s) => s.latency_ms.p50, 3],
    ["latency_p99", "ms", (s) => s.latency_ms.p99, 3],
    ["foreign_cpu_share", "fraction of the server core", (s) => s.foreign_cpu_share, 3],
  ]) {
    for (const { id, values } of perSut(accepted, sutIds, pick)) {
      const s = summarize(values);
      out.push({
        kind,
        sut: id,
        unit,
        ...rounded({ median: s.median, min: s.min, max: s.max, n: s.n, per_round: values }, digits),
      });
    }
  }
  return out;
}

/** Result entries for cold start (spawn -> first 200), one per SUT. */
export function buildColdStartResults(accepted, sutIds) {
  return perSut(accepted, sutIds, PICK.cold).map(({ id, values }) => ({
    kind: "cold_start",
    sut: id,
    unit: "ms",
    ...rounded(summarize(values), 1),
  }));
}

/**
 * Ratio entries (median, min, max of per-round ratios, target and whether it is met) and the
 * `ratios` object of medians, for every ratio whose arms were measured.
 */
export function buildRatios({ throughputRounds, coldRounds }) {
  const entries = [];
  const ratios = {};
  for (const def of RATIOS) {
    const rounds = def.metric === "cold" ? coldRounds : throughputRounds;
    if (
      !rounds?.length ||
      rounds[0].samples[def.num] === undefined ||
      rounds[0].samples[def.den] === undefined
    )
      continue;
    const r = perRoundRatio(rounds, { num: def.num, den: def.den, pick: PICK[def.metric] });
    const median = round(r.median, 3);
    ratios[def.name] = median;
    const entry = {
      kind: "ratio",
      name: def.name,
      median,
      min: round(r.min, 3),
      max: round(r.max, 3),
      n: r.n,
    };
    if (def.target) {
      entry.target = `${def.target} ${def.goal}`;
      entry.met = def.target === ">=" ? r.median >= def.goal : r.median <= def.goal;
    }
    entries.push(entry);
  }
  return { entries, ratios };
}
