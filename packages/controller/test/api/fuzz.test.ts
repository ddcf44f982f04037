import fc from "fast-check";
import { isErrorCode } from "@eventflow/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// Property tests: whatever a client sends, the API answers a 2xx or a 4xx envelope with a
// stable code, never a 5xx. The driver is the in-memory TEST DOUBLE.
describe("the API never fails on bad input", () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ driver: createMemoryDriver() });
    token = await mintToken({ tenant: "acme", role: "developer" });
    await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "target", image: "hello:1" },
    });
  });
  afterAll(() => app.close());

  function expectHandled(res: { status: number; body: unknown }) {
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      const code = (res.body as { error?: { code?: unknown } }).error?.code;
      expect(isErrorCode(code), String(code)).toBe(true);
    }
  }

  // Bodies shaped like a spec with arbitrary values, and arbitrary JSON.
  const specLike = fc.record(
    {
      name: fc.oneof(fc.string(), fc.constantFrom("ok-name", "a", "x".repeat(41))),
      image: fc.oneof(fc.string(), fc.constantFrom("hello:1", "oci:/tmp/x:v1", "a/b@sha256:00")),
      replicas: fc.oneof(fc.integer(), fc.double(), fc.string()),
      env: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
      resources: fc.anything(),
      scaling: fc.anything(),
      timeoutSeconds: fc.anything(),
      command: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it("POST /v1/functions and PUT with arbitrary bodies", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(specLike, fc.jsonValue()), async (body) => {
        expectHandled(
          await call(app.url, "POST", "/v1/functions", { token, body: JSON.stringify(body) }),
        );
        expectHandled(
          await call(app.url, "PUT", "/v1/functions/target", { token, body: JSON.stringify(body) }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary query strings and path names", async () => {
    const segment = fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (name, key, value) => {
        expectHandled(
          await call(app.url, "GET", `/v1/functions/${name}/metrics?${key}=${value}`, { token }),
        );
        expectHandled(
          await call(app.url, "GET", `/v1/functions/target/logs?${key}=${value}`, { token }),
        );
        expectHandled(await call(app.url, "GET", `/v1/functions/${name}`, { token }));
      }),
      { numRuns: 100 },
    );
  });

  it("malformed percent-encoding in paths and queries", async () => {
    for (const path of [
      "/v1/functions/%E0%A4%A",
      "/v1/functions/%",
      "/v1/functions/target/logs?tail=%zz",
      "/v1/%ff/x",
    ]) {
      expectHandled(await call(app.url, "GET", path, { token }));
    }
  });

  it("arbitrary bearer tokens", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (junk) => {
        const res = await call(app.url, "GET", "/v1/functions", {
          headers: { authorization: `Bearer ${junk.replace(/[^\x21-\x7e]/g, "")}` },
        });
        expect(res.status).toBe(401);
        expectHandled(res);
      }),
      { numRuns: 100 },
    );
  });
});
