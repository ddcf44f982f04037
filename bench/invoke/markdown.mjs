// The RESULTS.md tables of the invoke bench, from the same `results` list the JSON carries.

const fmt = (v, d = 3) =>
  v === null || v === undefined || Number.isNaN(v) ? "n/a" : Number(v).toFixed(d);

/** Markdown for bench/invoke/RESULTS.md. */
export function buildMarkdown({ machine, cfg, results, labels, arms, command }) {
  const by = (kind, arm) => results.find((r) => r.kind === kind && r.arm === arm);
  const lines = [
    "# bench:invoke results",
    "",
    `Command: \`${command}\`. Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, kernel ${machine.kernel}.`,
    `${cfg.rounds} interleaved rounds; per arm and round: \`wrk -t1 -c${cfg.connections} -d${cfg.seconds}s\` (closed loop, POST {}), then`,
    `\`open-loop.mjs\` at a fixed ${cfg.rate} req/s for ${cfg.latencySeconds} s (evenly spaced requests, latency from each one's scheduled send time). Load on CPU 0, every server (function, proxies, controller) on CPU 1.`,
    "Ratios are medians of per-round ratios (min-max in brackets); added latency is arm minus direct in the same round.",
    "",
    "| arm | req/s (median) | p50 @ fixed rate (ms) | p99 @ fixed rate (ms) | proxy CPU us/req |",
    "|---|---|---|---|---|",
  ];
  for (const id of arms) {
    const t = by("throughput", id);
    const l = by("latency_fixed_rate", id);
    const c = by("proxy_cpu_per_request", id);
    lines.push(
      `| ${labels[id]} | ${fmt(t?.["req/s"].median, 0)} | ${fmt(l?.p50.median)} | ${fmt(l?.p99.median)} | ${c ? fmt(c.us.median, 1) : "-"} |`,
    );
  }
  const counts = results.filter((r) => r.kind === "instructions_per_request");
  if (counts.length > 0) {
    lines.push(
      "",
      `Instructions per request under callgrind (deterministic; N = ${counts[0].n1} and ${counts[0].n2} sequential requests, concurrency 1):`,
      "",
      "| arm | instructions/request |",
      "|---|---|",
      ...counts.map((c) => `| ${labels[c.arm]} | ${c.instructions.toLocaleString("en-US")} |`),
    );
  }
  const cold = results.filter((r) => r.kind === "cold_start");
  if (cold.length > 0) {
    lines.push(
      "",
      "Cold invoke (function scaled to zero, app already extracted) against the raw spawn of the same bundle to its first 200, alternating:",
      "",
      "| what | median ms | p90 ms | n |",
      "|---|---|---|---|",
      ...cold.map(
        (c) =>
          `| ${c.arm === "raw_spawn" ? "raw spawn -> first 200" : "invoke through the controller from zero"} | ${fmt(c.ms.median, 1)} | ${fmt(c.ms.p90, 1)} | ${c.ms.n} |`,
      ),
    );
  }
  lines.push("", "| ratio | median | min-max | target | met |", "|---|---|---|---|---|");
  for (const r of results.filter((x) => x.kind === "ratio")) {
    lines.push(
      `| \`${r.name}\` | ${fmt(r.median)} | ${fmt(r.min)}-${fmt(r.max)} | ${r.target ?? ""} | ${r.met === undefined ? "" : r.met ? "yes" : "no"} |`,
    );
  }
  const disturbed = results.filter((r) => r.kind === "disturbed_round");
  if (disturbed.length > 0)
    lines.push(
      "",
      `Accepted although disturbed (the machine was shared; the least disturbed rounds were kept): ${disturbed.map((r) => `${r.round} (${r.reasons.join("; ")})`).join(", ")}.`,
    );
  const rejected = results.filter((r) => r.kind === "rejected_round");
  if (rejected.length > 0)
    lines.push(
      "",
      `Rejected rounds: ${rejected.map((r) => `${r.round} (${r.reasons.join("; ")})`).join(", ")}.`,
    );
  lines.push("");
  return lines.join("\n");
}
