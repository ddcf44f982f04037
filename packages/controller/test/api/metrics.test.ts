import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { promtoolCheck } from "../support/promtool.js";
import { functionKey } from "../../src/metrics.js";

// /metrics and the per-function series. The driver is the in-memory TEST DOUBLE; invocations
// are recorded through the InvocationRecorder the invoke router calls (real invokes feed the
// same recorder in test/api/local-driver.test.ts).
describe("metrics", () => {
  let app: TestApp;
  let admin: string;
  let dev: string;

  beforeAll(async () => {
    app = await startTestApp({ driver: createMemoryDriver() });
    admin = await mintToken({ tenant: "ops", role: "admin" });
    dev = await mintToken({ tenant: "acme", role: "developer" });
    for (const name of ["alpha", "beta"]) {
      await call(app.url, "POST", "/v1/functions", {
        token: dev,
        body: { name, image: "hello:1" },
      });
    }
    // Served by a revision (the router says which): the series carry it.
    const alpha = { tenant: "acme", name: "alpha" };
    const invocation = (status: number, seconds: number, cold: boolean) =>
      app.metrics.recorder.invocation(alpha, status, seconds, cold, "alpha-00001");
    app.metrics.recorder.inFlight(alpha, 1);
    invocation(200, 0.012, true);
    invocation(200, 0.018, false);
    invocation(502, 0.4, false);
    invocation(400, 0.003, false);
    app.metrics.recorder.inFlight(alpha, -1);
    app.metrics.series.replicas(functionKey("acme", "alpha"), 2, 1);
    app.metrics.recorder.invocation({ tenant: "acme", name: "beta" }, 200, 0.001, false);
    // Two invokes of beta start and one ends: one in flight when scraped.
    for (const delta of [1, 1, -1] as const)
      app.metrics.recorder.inFlight({ tenant: "acme", name: "beta" }, delta);
    // An invoke that ends after its function was deleted leaves no series behind.
    const gone = { tenant: "acme", name: "gone" };
    app.metrics.recorder.inFlight(gone, 1);
    app.metrics.forgetFunction("acme", "gone");
    app.metrics.recorder.inFlight(gone, -1);
    // A revision that stopped serving keeps no series.
    const gamma = { tenant: "acme", name: "gamma" };
    app.metrics.recorder.invocation(gamma, 200, 0.001, false, "gamma-00002");
    app.metrics.forgetRevision("acme", "gamma", "gamma-00002");
    await call(app.url, "GET", "/v1/functions/alpha", { token: dev });
    await call(app.url, "GET", "/v1/functions/nope", { token: dev });
    await call(app.url, "GET", "/not/a/route", { token: dev });
  });
  afterAll(() => app.close());

  it("exposes the seed's names and passes promtool check metrics", async () => {
    const res = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      "eventflow_function_invocations_total",
      "eventflow_function_duration_seconds",
      "eventflow_http_requests_total",
      "eventflow_active_functions",
      "eventflow_function_cold_starts_total",
      "eventflow_function_invocations_in_flight",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain(
      'eventflow_function_invocations_total{tenant="acme",function="alpha",revision="alpha-00001",code="502"} 1',
    );
    expect(text).toContain(
      'eventflow_function_invocations_total{tenant="acme",function="beta",revision="",code="200"} 1',
    );
    expect(text).not.toContain("gamma-00002");
    expect(text).not.toContain('function="gone"');
    expect(text).toMatch(
      /^eventflow_function_invocations_in_flight\{tenant="acme",function="alpha"\} 0$/m,
    );
    expect(text).toMatch(
      /^eventflow_function_invocations_in_flight\{tenant="acme",function="beta"\} 1$/m,
    );
    expect(text).toContain(
      'eventflow_function_cold_starts_total{tenant="acme",function="alpha"} 1',
    );
    expect(text).toMatch(/^eventflow_active_functions 2$/m);
    const check = await promtoolCheck(text);
    expect(check.output).toBe("");
    expect(check.code).toBe(0);
  });

  it("labels HTTP requests with route templates, never raw paths", async () => {
    const text = await (
      await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    const http = text.split("\n").filter((l) => l.startsWith("eventflow_http_requests_total{"));
    expect(
      http.some((l) => l.includes('route="/v1/functions/{name}"') && l.includes('status="200"')),
    ).toBe(true);
    expect(
      http.some((l) => l.includes('route="/v1/functions/{name}"') && l.includes('status="404"')),
    ).toBe(true);
    expect(http.some((l) => l.includes('route="unmatched"'))).toBe(true);
    expect(http.join("\n")).not.toMatch(/alpha|nope|not\/a\/route/);
  });

  it("keeps /metrics on the API port for admins only", async () => {
    expect((await call(app.url, "GET", "/metrics")).status).toBe(401);
    const devRes = await call(app.url, "GET", "/metrics", { token: dev });
    expect(devRes.status).toBe(403);
  });

  it("answers a small series with invocations, 5xx and 4xx apart, and p50/p95", async () => {
    const res = await call(app.url, "GET", "/v1/functions/alpha/metrics?range=5m", { token: dev });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "alpha",
      tenant: "acme",
      range: "5m",
      step_seconds: 10,
    });
    expect(res.body.points).toHaveLength(30);
    const points = res.body.points as Array<{
      invocations: number;
      errors: number;
      client_errors: number;
      p50_ms: number | null;
      p95_ms: number | null;
      cold_starts: number;
      replicas_desired: number | null;
      replicas_ready: number | null;
    }>;
    expect(points.reduce((n, p) => n + p.cold_starts, 0)).toBe(1);
    // the autoscaler reported once: one step has the counts, the others none
    expect(points.filter((p) => p.replicas_desired !== null)).toEqual([
      expect.objectContaining({ replicas_desired: 2, replicas_ready: 1 }),
    ]);
    const total = points.reduce((n, p) => n + p.invocations, 0);
    const errors = points.reduce((n, p) => n + p.errors, 0);
    expect(total).toBe(4);
    expect(errors).toBe(1);
    expect(points.reduce((n, p) => n + p.client_errors, 0)).toBe(1);
    const busy = points.filter((p) => p.invocations > 0);
    for (const p of busy) {
      expect(p.p50_ms).not.toBeNull();
      expect(p.p95_ms!).toBeGreaterThanOrEqual(p.p50_ms!);
    }
    const defaultRange = await call(app.url, "GET", "/v1/functions/beta/metrics", { token: dev });
    expect(defaultRange.body).toMatchObject({ range: "1h", step_seconds: 60 });
    expect(defaultRange.body.points).toHaveLength(60);
  });

  it("counts every invoke once, however often it is scraped", async () => {
    const scrape = async () =>
      (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const value = (text: string, series: RegExp) => Number(series.exec(text)?.[1]);
    const ok =
      /^eventflow_function_invocations_total\{[^}]*function="alpha"[^}]*code="200"[^}]*\} (\d+)$/m;
    const invokes =
      /^eventflow_http_requests_total\{method="POST",route="\/v1\/functions\/\{name\}:invoke",status="200"\} (\d+)$/m;
    const first = await scrape();
    const before = value(first, ok);
    expect(before).toBe(2);
    const invokesBefore = value(first, invokes) || 0;
    expect(value(await scrape(), ok)).toBe(before);
    const alpha = { tenant: "acme", name: "alpha" };
    for (let i = 0; i < 3; i++)
      app.metrics.recorder.invocation(alpha, 200, 0.002, false, "alpha-00001");
    for (let i = 0; i < 4; i++)
      app.metrics.countHttpRequest("POST", "/v1/functions/{name}:invoke", 200);
    const after = await scrape();
    expect(value(after, ok)).toBe(before + 3);
    expect(value(after, invokes)).toBe(invokesBefore + 4);
    const again = await scrape();
    expect(value(again, ok)).toBe(before + 3);
    expect(value(again, invokes)).toBe(invokesBefore + 4);
  });

  it("drops a deleted function's series", async () => {
    expect((await call(app.url, "DELETE", "/v1/functions/beta", { token: dev })).status).toBe(204);
    const text = await (
      await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    expect(text).not.toContain('function="beta"');
    expect(text).toMatch(/^eventflow_active_functions 1$/m);
  });
});
