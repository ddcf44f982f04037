// Tier 4: the built runtime as a child process on every supported Node version, exporting to a
// real Jaeger: it continues the caller's trace, the handler span is active while the handler
// runs (its fetch joins it and carries the W3C headers on), log lines carry the ids; with
// tracing off no OpenTelemetry code is loaded and ctx.trace shows the caller's ids.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parentOf, startJaeger, tagOf, type Jaeger } from "../../controller/test/tracing/jaeger.js";
import { nodeVersions, spawnRuntime, type RuntimeProcess } from "./support/process.js";

let jaeger: Jaeger;
let downstream: Server;
let downstreamUrl: string;
const seen: IncomingHttpHeaders[] = [];
const running: RuntimeProcess[] = [];
const held: (() => void)[] = [];

beforeAll(async () => {
  jaeger = await startJaeger();
  downstream = createServer((req, res) => {
    seen.push(req.headers);
    const answer = () => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    // `/hold` answers when the test lets it go: the handler that called it keeps its slot.
    if (req.url === "/hold") held.push(answer);
    else answer();
  });
  await new Promise<void>((r) => downstream.listen(0, "127.0.0.1", r));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/down`;
}, 60_000);
afterEach(() => {
  for (const rt of running.splice(0)) rt.proc.kill("SIGKILL");
});
afterAll(async () => {
  downstream?.closeAllConnections();
  await new Promise((r) => downstream?.close(r));
  await jaeger?.stop();
}, 15_000);

function callerHeaders() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe.each(nodeVersions())("runtime tracing on $label", ({ bin, label }) => {
  it("continues the caller's trace into the handler and its fetch, in Jaeger", async () => {
    const rt = await spawnRuntime(bin, "../tracing-fixture.mjs", {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_SERVICE_NAME: `runtime-${label}`,
      // The controller's tree test exports protobuf (the default); this one JSON.
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      DOWNSTREAM_URL: downstreamUrl,
    });
    running.push(rt);
    const caller = callerHeaders();
    const res = await fetch(`${rt.url}/`, {
      method: "POST",
      headers: { traceparent: caller.traceparent, baggage: "tier=gold", "x-request-id": "req-1" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      trace: { traceId: string; spanId: string };
      otel: boolean;
    };
    expect(body.otel).toBe(true);

    const t = await jaeger.trace(caller.traceId, 3);
    const server = t.spans.find((s) => tagOf(s, "span.kind") === "server")!;
    const handler = t.spans.find((s) => s.operationName.startsWith("handler "))!;
    const client = t.spans.find((s) => tagOf(s, "span.kind") === "client")!;
    expect(parentOf(server)).toBe(caller.spanId);
    expect(tagOf(server, "faas.invocation_id")).toBe("req-1");
    expect(tagOf(server, "faas.trigger")).toBe("http");
    expect(tagOf(server, "http.response.status_code")).toBe(200);
    expect(parentOf(handler)).toBe(server.spanID);
    expect(parentOf(client)).toBe(handler.spanID);
    expect(tagOf(client, "url.full")).toBe(downstreamUrl);
    expect(t.processes[server.processID]!.serviceName).toBe(`runtime-${label}`);

    expect(body.trace).toMatchObject({ traceId: caller.traceId, spanId: handler.spanID });
    const sent = seen.at(-1)!;
    expect(sent.traceparent).toBe(`00-${caller.traceId}-${client.spanID}-01`);
    expect(sent.baggage).toContain("tier=gold");
    const line = rt.stdout
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "fetched downstream");
    expect(line).toMatchObject({ trace_id: caller.traceId, span_id: handler.spanID });
  }, 60_000);

  it("answers refused before the handler (429 at the limit, 413 too large) with a server span, no handler span", async () => {
    const rt = await spawnRuntime(bin, "../tracing-fixture.mjs", {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_SERVICE_NAME: `runtime-refusals-${label}`,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      DOWNSTREAM_URL: downstreamUrl.replace(/\/down$/, "/hold"),
      EVENTFLOW_MAX_CONCURRENCY: "1",
      EVENTFLOW_MAX_BODY_BYTES: "16",
    });
    running.push(rt);
    const holding = fetch(`${rt.url}/`, { headers: { traceparent: callerHeaders().traceparent } });
    await expect.poll(() => held.length).toBe(1);
    const busy = callerHeaders();
    const refused = await fetch(`${rt.url}/`, { headers: { traceparent: busy.traceparent } });
    expect(refused.status).toBe(429);
    held.shift()!();
    expect((await holding).status).toBe(200);
    const large = callerHeaders();
    const tooLarge = await fetch(`${rt.url}/`, {
      method: "POST",
      headers: { traceparent: large.traceparent },
      body: "x".repeat(100),
    });
    expect(tooLarge.status).toBe(413);

    for (const [caller, status, code] of [
      [busy, 429, "RUNTIME_OVERLOADED"],
      [large, 413, "RUNTIME_BODY_TOO_LARGE"],
    ] as const) {
      const t = await jaeger.trace(caller.traceId, 1);
      expect(t.spans.map((s) => tagOf(s, "span.kind"))).toEqual(["server"]);
      const [server] = t.spans;
      expect(parentOf(server!)).toBe(caller.spanId);
      expect(tagOf(server!, "http.response.status_code")).toBe(status);
      expect(tagOf(server!, "eventflow.error.code")).toBe(code);
      expect(tagOf(server!, "faas.coldstart")).toBeUndefined();
    }
  }, 60_000);

  it("with tracing off loads no OpenTelemetry code; ctx.trace is the caller's", async () => {
    const rt = await spawnRuntime(bin, "../tracing-fixture.mjs", { DOWNSTREAM_URL: downstreamUrl });
    running.push(rt);
    const caller = callerHeaders();
    const res = await fetch(`${rt.url}/`, { headers: { traceparent: caller.traceparent } });
    const body = (await res.json()) as { trace: unknown; otel: boolean };
    expect(body.otel).toBe(false);
    expect(body.trace).toEqual(caller);
    const line = rt.stdout
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "fetched downstream");
    expect(line).toBeDefined();
    expect(line!.trace_id).toBeUndefined();
    // A malformed traceparent gives no ctx.trace.
    const bad = await fetch(`${rt.url}/`, { headers: { traceparent: "00-zz-11-01" } });
    expect(((await bad.json()) as { trace: unknown }).trace).toBeNull();
  }, 30_000);
});
