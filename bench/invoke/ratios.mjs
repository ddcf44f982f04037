// The ratios of the invoke bench (performance.md (b)): per-round ratios and differences of the
// accepted rounds' samples, with the issue's targets. Pure: samples in, JSON entries out.
import { perRoundRatio } from "../lib/rounds.mjs";
import { round, summarize } from "../lib/stats.mjs";

/** The targets, by ratio name. */
export const TARGETS = {
  added_p50_ms: ["<=", 0.3],
  added_p99_ms: ["<=", 1.5],
  throughput_vs_nginx: [">=", 0.45],
  throughput_tracing_on_vs_off: [">=", 0.85],
  throughput_vs_fastify_proxy: [">=", 0.9],
  proxy_cpu_per_request_vs_nginx: ["<=", 4],
};

/**
 * Every ratio whose arms were measured: `entries` for the results list, `ratios` (name ->
 * median) for the summary line.
 */
export function invokeRatios(accepted, arms) {
  const ratio = (name, num, den, key) =>
    arms.includes(num) && arms.includes(den)
      ? { name, ...perRoundRatio(accepted, { num, den, pick: (s) => s[key] }) }
      : undefined;
  const diff = (name, arm, key) => {
    if (!arms.includes(arm) || !arms.includes("direct")) return undefined;
    const perRound = accepted.map((r) => r.samples[arm][key] - r.samples.direct[key]);
    const s = summarize(perRound);
    return { name, median: s.median, min: s.min, max: s.max, n: s.n, per_round: perRound };
  };
  // On a shared machine throughput follows the neighbours; CPU per request does not. This
  // ratio models one core serving function + proxy from the CPU each took per request.
  const cpuBound = (name, num, den) =>
    arms.includes(num) && arms.includes(den)
      ? {
          name,
          ...perRoundRatio(accepted, {
            num: den,
            den: num,
            pick: (smp) => smp.fnCpuUsPerReq + smp.proxyCpuUsPerReq,
          }),
        }
      : undefined;
  const ratioList = [
    diff("added_p50_ms", "controller", "p50_ms"),
    diff("added_p99_ms", "controller", "p99_ms"),
    ratio("throughput_vs_nginx", "controller", "nginx", "rps"),
    // --tracing: the controller tracing every invoke (always_on, OTLP to Jaeger) against it off.
    ratio("throughput_tracing_on_vs_off", "controller_tracing_on", "controller", "rps"),
    ratio(
      "proxy_cpu_per_request_tracing_on_vs_off",
      "controller_tracing_on",
      "controller",
      "proxyCpuUsPerReq",
    ),
    ratio("throughput_vs_fastify_proxy", "controller", "fastify_proxy", "rps"),
    ratio("throughput_vs_direct", "controller", "direct", "rps"),
    cpuBound("cpu_bound_throughput_vs_nginx", "controller", "nginx"),
    cpuBound("cpu_bound_throughput_vs_fastify_proxy", "controller", "fastify_proxy"),
    ratio(
      "controller_cpu_per_request_vs_router_only",
      "controller",
      "router_only",
      "proxyCpuUsPerReq",
    ),
    ratio("router_only_throughput_vs_nginx", "router_only", "nginx", "rps"),
    ratio("router_only_throughput_vs_fastify_proxy", "router_only", "fastify_proxy", "rps"),
    diff("router_only_added_p50_ms", "router_only", "p50_ms"),
    diff("router_only_added_p99_ms", "router_only", "p99_ms"),
    ratio("proxy_cpu_per_request_vs_nginx", "controller", "nginx", "proxyCpuUsPerReq"),
    ratio(
      "proxy_cpu_per_request_vs_fastify_proxy",
      "controller",
      "fastify_proxy",
      "proxyCpuUsPerReq",
    ),
    diff("nginx_added_p50_ms", "nginx", "p50_ms"),
    diff("nginx_added_p99_ms", "nginx", "p99_ms"),
    diff("fastify_proxy_added_p50_ms", "fastify_proxy", "p50_ms"),
    diff("fastify_proxy_added_p99_ms", "fastify_proxy", "p99_ms"),
    ratio("nginx_throughput_vs_direct", "nginx", "direct", "rps"),
    ratio("node_floor_throughput_vs_nginx", "node_floor", "nginx", "rps"),
    ratio("throughput_vs_node_floor", "controller", "node_floor", "rps"),
    ratio("proxy_cpu_per_request_vs_node_floor", "controller", "node_floor", "proxyCpuUsPerReq"),
    cpuBound("node_floor_cpu_bound_throughput_vs_nginx", "node_floor", "nginx"),
    ratio("fastify_proxy_throughput_vs_direct", "fastify_proxy", "direct", "rps"),
    // --baseline: this controller against another checkout's, in the same rounds.
    diff("baseline_added_p50_ms", "controller_baseline", "p50_ms"),
    diff("baseline_added_p99_ms", "controller_baseline", "p99_ms"),
    ratio("throughput_vs_baseline", "controller", "controller_baseline", "rps"),
    ratio("p99_vs_baseline", "controller", "controller_baseline", "p99_ms"),
    ratio(
      "proxy_cpu_per_request_vs_baseline",
      "controller",
      "controller_baseline",
      "proxyCpuUsPerReq",
    ),
    // --semi-space: the controller with another young generation size, against the default.
    ...arms
      .filter((a) => /^controller_semi\d+$/.test(a))
      .flatMap((a) => [
        diff(`${a}_added_p50_ms`, a, "p50_ms"),
        diff(`${a}_added_p99_ms`, a, "p99_ms"),
        ratio(`${a}_p99_vs_controller`, a, "controller", "p99_ms"),
        ratio(`${a}_throughput_vs_controller`, a, "controller", "rps"),
        ratio(`${a}_cpu_per_request_vs_controller`, a, "controller", "proxyCpuUsPerReq"),
      ]),
  ].filter(Boolean);
  const ratios = {};
  const entries = [];
  for (const r of ratioList) {
    const t = TARGETS[r.name];
    const met = t === undefined ? undefined : t[0] === "<=" ? r.median <= t[1] : r.median >= t[1];
    entries.push({
      kind: "ratio",
      name: r.name,
      median: round(r.median, 4),
      min: round(r.min, 4),
      max: round(r.max, 4),
      n: r.n,
      per_round: r.per_round.map((v) => round(v, 4)),
      ...(t ? { target: `${t[0]} ${t[1]}`, met } : {}),
    });
    ratios[r.name] = round(r.median, 4);
  }
  return { entries, ratios };
}
