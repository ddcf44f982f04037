import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, startTestApp, type TestApp } from "../support/harness.js";

// The version /healthz and /readyz report (`eventflow version` shows it): the package's own.
const { version } = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };

// Route protection and system endpoints; the driver is the in-memory TEST DOUBLE.
describe("protected routes and system endpoints", () => {
  let app: TestApp;
  let ready = false;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document
  let doc: any;

  beforeAll(async () => {
    app = await startTestApp({ driver: createMemoryDriver(), isReady: () => ready });
    doc = (await call(app.url, "GET", "/openapi.json")).body;
  });
  afterAll(() => app.close());

  it("every operation not marked public answers 401 AUTH_TOKEN_MISSING without a token", async () => {
    let protectedCount = 0;
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { security?: unknown[] }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        const res = await call(app.url, method.toUpperCase(), path.replace("{name}", "some-fn"), {
          body: method === "get" || method === "delete" ? undefined : {},
        });
        if (Array.isArray(op.security) && op.security.length === 0) {
          expect(res.status, `${method} ${path}`).not.toBe(401);
        } else {
          protectedCount += 1;
          expect(res.status, `${method} ${path}`).toBe(401);
          expect(res.body.error.code).toBe("AUTH_TOKEN_MISSING");
        }
      }
    }
    // 23, plus the revisions list, one revision and :rollback, plus the events list.
    expect(protectedCount).toBe(28);
  });

  it("/healthz is always 200; /readyz is 503 DRIVER_UNAVAILABLE until the driver started", async () => {
    expect((await call(app.url, "GET", "/healthz")).body).toEqual({ status: "ok", version });
    const notReady = await call(app.url, "GET", "/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.body.error.code).toBe("DRIVER_UNAVAILABLE");
    expect(notReady.headers.get("retry-after")).toBe("1");
    ready = true;
    const readyRes = await call(app.url, "GET", "/readyz");
    expect(readyRes.status).toBe(200);
    expect(readyRes.body).toEqual({ status: "ready", driver: "local", version });
  });
});

describe("/readyz follows the driver's ready()", () => {
  it("is 503 while the driver reports not ready", async () => {
    const driver = createMemoryDriver();
    let driverReady = false;
    driver.ready = () => driverReady;
    const app = await startTestApp({ driver });
    try {
      expect((await call(app.url, "GET", "/readyz")).status).toBe(503);
      driverReady = true;
      expect((await call(app.url, "GET", "/readyz")).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
