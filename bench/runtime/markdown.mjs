// Markdown tables of a run (printed on stderr; `--markdown FILE` writes them for RESULTS.md).

const fmt = (v, digits = 0) =>
  v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits);

function find(results, kind, sut) {
  return results.find((r) => r.kind === kind && r.sut === sut);
}

/** The per-SUT table and the ratio table of one run, with its method and machine line. */
export function buildMarkdown({ machine, results, suts }) {
  const method = results.find((r) => r.kind === "method");
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}.`,
    `Mode ${method.mode}: ${method.load}, ${method.rounds} interleaved rounds (seed ${method.seed}), ` +
      `servers pinned to CPU ${method.server_cpu}, wrk to CPU ${method.load_cpu}` +
      `${method.pinned ? "" : " (NOT pinned)"}; cold start ${method.cold_start_iterations} iterations.`,
    "",
    "| SUT | req/s median (min–max) | CPU µs/req median | latency p50 / p99 ms | cold start ms median (p90) |",
    "|---|---|---|---|---|",
  ];
  for (const sut of suts) {
    const t = find(results, "throughput", sut.id);
    const c = find(results, "cpu_per_request", sut.id);
    const p50 = find(results, "latency_p50", sut.id);
    const p99 = find(results, "latency_p99", sut.id);
    const cold = find(results, "cold_start", sut.id);
    lines.push(
      `| ${sut.label} | ${t ? `${fmt(t.median)} (${fmt(t.min)}–${fmt(t.max)})` : "–"} | ` +
        `${fmt(c?.median, 1)} | ${fmt(p50?.median, 2)} / ${fmt(p99?.median, 2)} | ` +
        `${cold ? `${fmt(cold.median, 1)} (${fmt(cold.p90, 1)})` : "–"} |`,
    );
  }
  lines.push(
    "",
    "| ratio (EventFlow ÷ peer) | median | min | max | target | met |",
    "|---|---|---|---|---|---|",
  );
  for (const r of results.filter((x) => x.kind === "ratio")) {
    lines.push(
      `| \`${r.name}\` | ${fmt(r.median, 3)} | ${fmt(r.min, 3)} | ${fmt(r.max, 3)} | ` +
        `${r.target ?? "–"} | ${r.met === undefined ? "–" : r.met ? "yes" : "**no**"} |`,
    );
  }
  const disturbed = results.filter((r) => r.kind === "disturbed_round");
  if (disturbed.length) {
    lines.push(
      "",
      `Disturbed rounds kept (no quieter extra round was left): ${disturbed
        .map((r) => `${r.round + 1}: ${r.reasons.join("; ")}`)
        .join(" | ")}`,
    );
  }
  const rejected = results.filter((r) => r.kind === "rejected_round");
  if (rejected.length) {
    lines.push(
      "",
      `Rounds set aside: ${rejected.map((r) => `${r.phase} ${r.round + 1} (${r.cause}): ${r.reasons.join("; ")}`).join(" | ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
