// One trace from a caller through the controller into a handler and out of it, read back from
// a real Jaeger: the real controller (startController, local driver, OTEL_* config) proxies to
// a replica running the real runtime (with its OTEL_* env), whose handler calls a service here.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startController, type StartedController } from "../../src/server.js";
import { tempDir } from "../local-driver/helpers/driver-harness.js";
import { call, TEST_SECRET } from "../support/harness.js";
import { writeRuntimeImage } from "./function-image.js";
import {
  oneSpan,
  parentOf,
  serviceOf,
  startJaeger,
  tagOf,
  type Jaeger,
  type JaegerSpan,
} from "./jaeger.js";

describe("a trace from the caller to the handler's own calls, in Jaeger", () => {
  let jaeger: Jaeger;
  let data: Awaited<ReturnType<typeof tempDir>>;
  let controller: StartedController;
  let downstream: Server;
  let downstreamUrl: string;
  const seen: IncomingHttpHeaders[] = [];
  const logLines: Record<string, unknown>[] = [];
  let token: string;
  let image: string;

  beforeAll(async () => {
    jaeger = await startJaeger();
    data = await tempDir("tracing");
    downstream = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((r) => downstream.listen(0, "127.0.0.1", r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/downstream`;
    image = await writeRuntimeImage({
      dir: `${data.path}/layout`,
      handler: "traced-handler.mjs",
    });
    // Spans are exported in batches: a short delay keeps the test from waiting 5 s for them.
    process.env.OTEL_BSP_SCHEDULE_DELAY = "100";
    const config = parseConfig({
      JWT_SECRET: TEST_SECRET,
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DATA_DIR: `${data.path}/data`,
      PORT: "0",
      METRICS_PORT: "0",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      PATH: process.env.PATH,
    });
    // Debug: the access log lines of API requests, written inside their server spans.
    const logger = createLogger(
      "debug",
      { write: (line: string) => void logLines.push(JSON.parse(line)) },
      { traceIds: true },
    );
    controller = await startController(config, { logger });
    token = (await call(controller.url, "POST", "/auth/token")).body.token as string;
    const created = await call(controller.url, "POST", "/v1/functions", {
      token,
      body: {
        name: "traced",
        image,
        replicas: 1,
        env: {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
          OTEL_SERVICE_NAME: "traced-fn",
          OTEL_BSP_SCHEDULE_DELAY: "100",
          DOWNSTREAM_URL: downstreamUrl,
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const f = await call(controller.url, "GET", "/v1/functions/traced", { token });
      if (f.body?.ready_replicas === 1) break;
      if (Date.now() > deadline) throw new Error(`not ready: ${JSON.stringify(f.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    await controller?.close();
    downstream?.closeAllConnections();
    await new Promise((r) => downstream?.close(r));
    await jaeger?.stop();
    await data?.cleanup();
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
  });

  it("caller -> controller server -> proxy client -> runtime server -> handler -> fetch", async () => {
    const callerTracing = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "test-caller" }),
      spanProcessors: [
        new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${jaeger.otlpUrl}/v1/traces` })),
      ],
    });
    const caller = callerTracing
      .getTracer("test")
      .startSpan("caller", { kind: SpanKind.CLIENT }, ROOT_CONTEXT);
    const { traceId, spanId } = caller.spanContext();
    const res = await call(controller.url, "POST", "/v1/functions/traced:invoke?via=test", {
      token,
      body: {},
      headers: { traceparent: `00-${traceId}-${spanId}-01`, baggage: "tier=gold" },
    });
    caller.end();
    await callerTracing.forceFlush();
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const t = await jaeger.trace(traceId, 6);
    const service = (s: JaegerSpan) => serviceOf(t, s);
    const byId = new Map(t.spans.map((s) => [s.spanID, s]));
    const one = (pred: (s: JaegerSpan) => boolean, what: string) => oneSpan(t, pred, what);
    const root = one((s) => s.spanID === spanId, "caller span");
    expect(parentOf(root)).toBeUndefined();
    const server = one(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "server",
      "controller server span",
    );
    expect(server.operationName).toBe("POST /v1/functions/{name}:invoke");
    expect(parentOf(server)).toBe(root.spanID);
    expect(tagOf(server, "faas.invocation_id")).toBe(res.headers.get("x-request-id"));
    expect(tagOf(server, "faas.coldstart")).toBe(false);
    expect(tagOf(server, "faas.trigger")).toBe("http");
    expect(tagOf(server, "http.response.status_code")).toBe(200);
    const proxy = one(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "client",
      "proxy client span",
    );
    expect(parentOf(proxy)).toBe(server.spanID);
    expect(tagOf(proxy, "faas.invoked_name")).toBe("traced");
    // HTTP semantic conventions of both spans (the query is not part of url.path).
    expect(tagOf(server, "url.path")).toBe("/v1/functions/traced:invoke");
    expect(tagOf(server, "http.route")).toBe("/v1/functions/{name}:invoke");
    expect(tagOf(server, "url.scheme")).toBe("http");
    expect(String(tagOf(server, "client.address"))).toMatch(
      /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/,
    );
    const replicaUrl = new URL(String(tagOf(proxy, "url.full")));
    expect(tagOf(proxy, "server.address")).toBe(replicaUrl.hostname);
    expect(tagOf(proxy, "server.port")).toBe(Number(replicaUrl.port));
    const replica = one(
      (s) => service(s) === "traced-fn" && tagOf(s, "span.kind") === "server",
      "runtime server span",
    );
    expect(parentOf(replica)).toBe(proxy.spanID);
    expect(tagOf(replica, "faas.invocation_id")).toBe(res.headers.get("x-request-id"));
    expect(tagOf(replica, "faas.coldstart")).toBe(true);
    const handler = one((s) => s.operationName === "handler traced", "handler span");
    expect(service(handler)).toBe("traced-fn");
    expect(parentOf(handler)).toBe(replica.spanID);
    const fetchSpan = one(
      (s) => service(s) === "traced-fn" && tagOf(s, "span.kind") === "client",
      "fetch client span",
    );
    expect(parentOf(fetchSpan)).toBe(handler.spanID);
    expect(tagOf(fetchSpan, "url.full")).toBe(downstreamUrl);
    expect(tagOf(fetchSpan, "http.response.status_code")).toBe(200);
    expect(byId.size).toBe(t.spans.length);

    // What the handler saw and what it sent on.
    expect(res.body.trace).toMatchObject({ traceId, spanId: handler.spanID });
    const last = seen.at(-1)!;
    expect(last.traceparent).toBe(`00-${traceId}-${fetchSpan.spanID}-01`);
    expect(last.baggage).toContain("tier=gold");
  }, 60_000);

  it("a scale-from-zero invoke shows its wait for the replica as a span", async () => {
    const created = await call(controller.url, "POST", "/v1/functions", {
      token,
      body: {
        name: "cold",
        image,
        replicas: 0,
        env: {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
          OTEL_SERVICE_NAME: "cold-fn",
          OTEL_BSP_SCHEDULE_DELAY: "100",
          DOWNSTREAM_URL: downstreamUrl,
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const traceId = randomBytes(16).toString("hex");
    const parent = randomBytes(8).toString("hex");
    const res = await call(controller.url, "POST", "/v1/functions/cold:invoke", {
      token,
      body: {},
      headers: { traceparent: `00-${traceId}-${parent}-01` },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const t = await jaeger.trace(traceId, 5);
    const service = (s: JaegerSpan) => serviceOf(t, s);
    const server = t.spans.find(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "server",
    )!;
    expect(parentOf(server)).toBe(parent);
    expect(tagOf(server, "faas.coldstart")).toBe(true);
    const wait = t.spans.find((s) => s.operationName === "cold start wait")!;
    expect(wait, JSON.stringify(t.spans.map((s) => s.operationName))).toBeDefined();
    expect(parentOf(wait)).toBe(server.spanID);
    const proxy = t.spans.find(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "client",
    )!;
    expect(parentOf(proxy)).toBe(server.spanID);
    const replica = t.spans.find(
      (s) => service(s) === "cold-fn" && tagOf(s, "span.kind") === "server",
    )!;
    expect(parentOf(replica)).toBe(proxy.spanID);
  }, 60_000);

  it("an async invoke's delivery through the queue continues the enqueueing request's trace", async () => {
    const traceId = randomBytes(16).toString("hex");
    const parent = randomBytes(8).toString("hex");
    const accepted = await call(controller.url, "POST", "/v1/functions/traced:invoke", {
      token,
      body: {},
      headers: { traceparent: `00-${traceId}-${parent}-01`, prefer: "respond-async" },
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const inv = await call(controller.url, "GET", accepted.body.location as string, { token });
      if (inv.body?.state === "succeeded") break;
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(inv.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const t = await jaeger.trace(traceId, 5);
    const service = (s: JaegerSpan) => serviceOf(t, s);
    const enqueue = t.spans.find(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "server",
    )!;
    expect(parentOf(enqueue)).toBe(parent);
    expect(tagOf(enqueue, "http.response.status_code")).toBe(202);
    const delivery = t.spans.find(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "client",
    )!;
    expect(
      parentOf(delivery),
      JSON.stringify(t.spans.map((x) => [service(x), x.operationName, x.spanID, parentOf(x)])),
    ).toBe(enqueue.spanID);
    const replica = t.spans.find(
      (s) => service(s) === "traced-fn" && tagOf(s, "span.kind") === "server",
    )!;
    expect(parentOf(replica)).toBe(delivery.spanID);
    expect(t.spans.some((s) => s.operationName === "handler traced")).toBe(true);
  }, 60_000);

  it("the duration histogram carries the invoke's trace id as an exemplar (OpenMetrics)", async () => {
    const admin = (await call(controller.url, "POST", "/auth/token", { body: { role: "admin" } }))
      .body.token as string;
    const res = await fetch(`${controller.url}/metrics`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.headers.get("content-type")).toMatch(/^application\/openmetrics-text/);
    const text = await res.text();
    const bucket = text
      .split("\n")
      .find(
        (l) => l.startsWith("eventflow_function_duration_seconds_bucket") && l.includes(" # {"),
      );
    expect(bucket).toMatch(
      /function="traced".* # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/,
    );
    expect(text.trimEnd().endsWith("# EOF")).toBe(true);
  });

  it("controller log lines written inside a request's span carry its trace and span ids", () => {
    const access = logLines.filter((l) => l.msg === "request");
    expect(access.length).toBeGreaterThan(0);
    for (const line of access) {
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // Lines outside any request (start-up) have none.
    const listening = logLines.find((l) => l.msg === "controller listening");
    expect(listening).toBeDefined();
    expect(listening!.trace_id).toBeUndefined();
  });
});
