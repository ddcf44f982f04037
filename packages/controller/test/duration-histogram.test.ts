import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createDurationHistogram, type DurationSeries } from "../src/duration-histogram.js";

// The histogram's own counting, read back through prom-client's registry: its text formatter
// writes what Prometheus scrapes, the same lines prom-client's own Histogram gave.
function setup(exemplars = false) {
  const registry = new Registry();
  if (exemplars)
    (registry as unknown as Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>).setContentType(
      Registry.OPENMETRICS_CONTENT_TYPE,
    );
  const live: DurationSeries[] = [];
  const h = createDurationHistogram({
    name: "d_seconds",
    help: "d",
    buckets: [0.1, 1],
    registry,
    exemplars,
    live: () => live,
  });
  return { registry, live, h };
}

const lines = async (registry: Registry) =>
  (await registry.metrics()).split("\n").filter((l) => l.startsWith("d_seconds"));

describe("createDurationHistogram", () => {
  it("counts a value equal to a bound in that bucket, and past the last one in +Inf", async () => {
    const { registry, live, h } = setup();
    const s = h.series({ fn: "a" });
    live.push(s);
    for (const v of [0.05, 0.1, 0.5, 1, 7]) h.observe(s, v);
    expect(await lines(registry)).toEqual([
      'd_seconds_bucket{le="0.1",fn="a"} 2',
      'd_seconds_bucket{le="1",fn="a"} 4',
      'd_seconds_bucket{le="+Inf",fn="a"} 5',
      'd_seconds_sum{fn="a"} 8.65',
      'd_seconds_count{fn="a"} 5',
    ]);
  });

  it("shows the series its owner lists and has observed, until a reset", async () => {
    const { registry, live, h } = setup();
    const a = h.series({ fn: "a" });
    const b = h.series({ fn: "b" });
    live.push(a, b);
    h.observe(a, 0.2);
    expect((await lines(registry)).some((l) => l.includes('fn="b"'))).toBe(false);
    h.observe(b, 0.2);
    expect((await lines(registry)).filter((l) => l.includes('fn="b"'))).toHaveLength(5);
    live.splice(0, 1); // a's owner forgot it (a deleted revision)
    expect((await lines(registry)).some((l) => l.includes('fn="a"'))).toBe(false);
    registry.resetMetrics();
    expect(await lines(registry)).toEqual([]);
  });

  it("keeps the latest exemplar of each bucket (OpenMetrics)", async () => {
    const { registry, live, h } = setup(true);
    const s = h.series({ fn: "a" });
    live.push(s);
    h.observe(s, 0.05, { trace_id: "t1", span_id: "s1" });
    h.observe(s, 0.07, { trace_id: "t2", span_id: "s2" });
    h.observe(s, 3, { trace_id: "t3", span_id: "s3" });
    h.observe(s, 0.5);
    const text = await lines(registry);
    expect(text[0]).toMatch(
      /^d_seconds_bucket\{le="0.1",fn="a"\} 2 # \{trace_id="t2",span_id="s2"\} 0.07 \d+/,
    );
    expect(text[1]).toBe('d_seconds_bucket{le="1",fn="a"} 3');
    expect(text[2]).toMatch(
      /^d_seconds_bucket\{le="\+Inf",fn="a"\} 4 # \{trace_id="t3",span_id="s3"\} 3 \d+/,
    );
  });
});
