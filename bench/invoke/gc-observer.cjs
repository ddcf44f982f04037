// Preloaded (`node --require`) into a proxy arm's process by `bench:invoke --gc DIR`: records
// every garbage collection (perf_hooks "gc" entries: when it started as epoch milliseconds, how
// long the main thread paused, which kind) into DIR/<pid>.jsonl, appended twice a second and at
// exit, so gc-tail.mjs can line the pauses up with the fixed-rate phase's slow requests.
"use strict";
const { appendFileSync } = require("node:fs");
const { join } = require("node:path");
const { PerformanceObserver, constants, performance } = require("node:perf_hooks");

const dir = process.env.EVENTFLOW_BENCH_GC_DIR;
if (dir) {
  const file = join(dir, `${process.pid}.jsonl`);
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  let lines = [];
  const flush = () => {
    if (lines.length === 0) return;
    appendFileSync(file, lines.join(""));
    lines = [];
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      lines.push(
        `${JSON.stringify({
          at: performance.timeOrigin + e.startTime,
          ms: e.duration,
          kind: KINDS[e.detail?.kind] ?? String(e.detail?.kind),
        })}\n`,
      );
  }).observe({ entryTypes: ["gc"] });
  setInterval(flush, 500).unref();
  process.on("exit", flush);
}
