// GET /v1/system/config tells clients (the dashboard) the "view trace" link template.
// The driver is the in-memory TEST DOUBLE: the route reads config only.
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

describe("GET /v1/system/config", () => {
  let app: TestApp | undefined;
  afterEach(async () => app?.close());

  it("answers the configured trace URL template to a viewer, null when unset", async () => {
    app = await startTestApp({
      driver: createMemoryDriver(),
      env: { EVENTFLOW_TRACE_URL_TEMPLATE: "http://jaeger.test:16686/trace/{traceId}" },
    });
    const token = await mintToken({ tenant: "acme", role: "viewer" });
    const res = await call(app.url, "GET", "/v1/system/config", { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ traceUrlTemplate: "http://jaeger.test:16686/trace/{traceId}" });
    expect((await call(app.url, "GET", "/v1/system/config")).status).toBe(401);
    await app.close();

    app = await startTestApp({ driver: createMemoryDriver() });
    const unset = await call(app.url, "GET", "/v1/system/config", { token });
    expect(unset.body).toEqual({ traceUrlTemplate: null });
  });
});
