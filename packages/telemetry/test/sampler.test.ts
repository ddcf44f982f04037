// Tier 1: each OTEL_TRACES_SAMPLER value decides as the specification says, for a root span
// and for children of a sampled and of an unsampled parent.
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace-base";
import { OTEL_SAMPLERS, type OtelSampler } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { buildSampler } from "../src/index.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const withParent = (flags: TraceFlags): Context =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: "b7ad6b7169203331",
    traceFlags: flags,
  });

const ON = SamplingDecision.RECORD_AND_SAMPLED;
const OFF = SamplingDecision.NOT_RECORD;

/** [sampler, ratio, root, child of a sampled parent, child of an unsampled parent] */
const table: [OtelSampler, number, SamplingDecision, SamplingDecision, SamplingDecision][] = [
  ["always_on", 0, ON, ON, ON],
  ["always_off", 1, OFF, OFF, OFF],
  ["traceidratio", 0, OFF, OFF, OFF],
  ["traceidratio", 1, ON, ON, ON],
  ["parentbased_always_on", 0, ON, ON, OFF],
  ["parentbased_always_off", 1, OFF, ON, OFF],
  ["parentbased_traceidratio", 0, OFF, ON, OFF],
  ["parentbased_traceidratio", 1, ON, ON, OFF],
];

describe("buildSampler", () => {
  it("covers every sampler the config accepts", () => {
    expect(new Set(table.map(([name]) => name))).toEqual(new Set(OTEL_SAMPLERS));
  });

  it.each(table)("%s (ratio %d)", (sampler, samplerRatio, root, sampledParent, unsampledParent) => {
    const s = buildSampler({ sampler, samplerRatio });
    const decide = (ctx: Context) =>
      s.shouldSample(ctx, TRACE_ID, "span", SpanKind.SERVER, {}, []).decision;
    expect(decide(ROOT_CONTEXT)).toBe(root);
    expect(decide(withParent(TraceFlags.SAMPLED))).toBe(sampledParent);
    expect(decide(withParent(TraceFlags.NONE))).toBe(unsampledParent);
  });
});
