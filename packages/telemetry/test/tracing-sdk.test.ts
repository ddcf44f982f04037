// Tier 2: the SDK set up from a TracingConfig, exporting over OTLP/HTTP to an in-process
// receiver on port 0 (the real exporters, a plain node:http server standing in for a
// collector): the resource and scope the spans carry, the encoding the config names, the
// global propagators while registered, and nothing registered after shutdown.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { TracingConfig } from "@eventflow/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTracingSdk, type TracingSdk } from "../src/index.js";

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

let receiver: Server;
let endpoint: string;
const received: Received[] = [];
let sdk: TracingSdk | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
});
afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
  received.length = 0;
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

function config(overrides: Partial<TracingConfig> = {}): TracingConfig {
  return {
    enabled: true,
    exporter: "otlp",
    protocol: "http/json",
    endpoint,
    headers: { "x-api-key": "k1" },
    sampler: "parentbased_always_on",
    samplerRatio: 1,
    serviceName: "svc",
    resourceAttributes: { "deployment.environment": "test" },
    ...overrides,
  };
}

type Attr = { key: string; value: { stringValue?: string } };
const attrs = (list: Attr[]) => Object.fromEntries(list.map((a) => [a.key, a.value.stringValue]));

describe("createTracingSdk", () => {
  it("exports spans with the config's and the process's resource, under the tracer's scope", async () => {
    sdk = createTracingSdk(config(), {
      tracerName: "@eventflow/test",
      serviceVersion: "1.2.3",
      resourceAttributes: { "faas.name": "hello" },
    });
    sdk.tracer.startSpan("one").end();
    await sdk.flush();

    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [Received];
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-api-key"]).toBe("k1");
    const { resourceSpans } = JSON.parse(body.toString("utf8"));
    expect(attrs(resourceSpans[0].resource.attributes)).toMatchObject({
      "service.name": "svc",
      "service.version": "1.2.3",
      "faas.name": "hello",
      "deployment.environment": "test",
    });
    const scope = resourceSpans[0].scopeSpans[0];
    expect(scope.scope).toMatchObject({ name: "@eventflow/test", version: "1.2.3" });
    expect(scope.spans.map((s: { name: string }) => s.name)).toEqual(["one"]);
  });

  it("http/protobuf (the default) posts protobuf; no service.version when none is given", async () => {
    sdk = createTracingSdk(config({ protocol: "http/protobuf" }), { tracerName: "t" });
    sdk.tracer.startSpan("two").end();
    await sdk.flush();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["content-type"]).toBe("application/x-protobuf");
    expect(received[0]!.body.includes("service.version")).toBe(false);
    expect(received[0]!.body.includes("svc")).toBe(true);
  });

  it("the sampler of the config decides what is exported", async () => {
    sdk = createTracingSdk(config({ sampler: "always_off" }), { tracerName: "t" });
    const span = sdk.tracer.startSpan("dropped");
    expect(span.isRecording()).toBe(false);
    span.end();
    await sdk.flush();
    expect(received).toHaveLength(0);
  });

  it("registers the W3C propagators and the context manager globally until shutdown", async () => {
    sdk = createTracingSdk(config(), { tracerName: "t" });
    const span = sdk.tracer.startSpan("parent");
    const baggage = propagation.createBaggage({ tier: { value: "gold" } });
    const ctx = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);
    const carrier: Record<string, string> = {};
    context.with(ctx, () => {
      expect(trace.getSpan(context.active())).toBe(span);
      propagation.inject(context.active(), carrier);
    });
    span.end();
    expect(carrier.traceparent).toBe(
      `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    );
    expect(carrier.baggage).toBe("tier=gold");

    await sdk.shutdown();
    sdk = undefined;
    expect(propagation.fields()).toEqual([]);
    context.with(ctx, () => expect(trace.getSpan(context.active())).toBeUndefined());
    expect(trace.getTracer("after").startSpan("x").isRecording()).toBe(false);
  });
});
