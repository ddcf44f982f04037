import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// Tenant isolation on every route; the driver is the in-memory TEST DOUBLE (no replicas needed:
// every crossing must be refused before the driver is asked to act).
describe("tenants never see each other", () => {
  let app: TestApp;
  let driver: MemoryDriver;
  let acme: string;
  let globex: string;
  let admin: string;
  const image = "hello:1";

  // Every route naming a function, with a body the route accepts.
  const ROUTES: Array<[string, string, unknown]> = [
    ["GET", "/v1/functions/secret", undefined],
    ["PUT", "/v1/functions/secret", { image }],
    ["DELETE", "/v1/functions/secret", undefined],
    ["POST", "/v1/functions/secret:scale", { replicas: 3 }],
    ["POST", "/v1/functions/secret:invoke", { payload: {} }],
    ["GET", "/v1/functions/secret/logs", undefined],
    ["GET", "/v1/functions/secret/logs?follow=true", undefined],
    ["GET", "/v1/functions/secret/metrics?range=1h", undefined],
    ["POST", "/v1/tokens", { function: "secret" }],
  ];

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({ driver });
    acme = await mintToken({ tenant: "acme", role: "developer" });
    globex = await mintToken({ tenant: "globex", role: "developer" });
    admin = await mintToken({ tenant: "ops", role: "admin" });
    const created = await call(app.url, "POST", "/v1/functions", {
      token: acme,
      body: { name: "secret", image },
    });
    expect(created.status).toBe(201);
  });
  afterAll(() => app.close());

  it.each(ROUTES)(
    "%s %s from another tenant is 404 FUNCTION_NOT_FOUND, exactly like a missing function",
    async (method, path, body) => {
      const crossing = await call(app.url, method, path, { token: globex, body });
      expect(crossing.status).toBe(404);
      expect(crossing.body.error.code).toBe("FUNCTION_NOT_FOUND");
      const missing = await call(app.url, method, path.replace("secret", "nothing"), {
        token: globex,
        body,
      });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe(crossing.body.error.code);
      expect(Object.keys(crossing.body.error).sort()).toEqual(
        Object.keys(missing.body.error).sort(),
      );
      // Nothing was changed in acme's function.
      const owner = await call(app.url, "GET", "/v1/functions/secret", { token: acme });
      expect(owner.status).toBe(200);
      expect(owner.body).toMatchObject({ tenant: "acme", image, replicas: 1 });
    },
  );

  it.each(ROUTES)(
    "%s %s naming the other tenant in ?tenant= is 404 too",
    async (method, path, body) => {
      const sep = path.includes("?") ? "&" : "?";
      const withTenant =
        method === "POST" && path === "/v1/tokens" ? path : `${path}${sep}tenant=acme`;
      const res = await call(app.url, method, withTenant, {
        token: globex,
        body: path === "/v1/tokens" ? { function: "secret", tenant: "acme" } : body,
        headers: { "x-eventflow-tenant": "acme" },
      });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("FUNCTION_NOT_FOUND");
    },
  );

  it("lists only the caller's tenant; a foreign ?tenant= is refused", async () => {
    const list = await call(app.url, "GET", "/v1/functions", { token: globex });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
    const foreign = await call(app.url, "GET", "/v1/functions?tenant=acme", { token: globex });
    expect(foreign.status).toBe(403);
    const create = await call(app.url, "POST", "/v1/functions?tenant=acme", {
      token: globex,
      body: { name: "sneaky", image },
    });
    expect(create.status).toBe(403);
    expect(driver.calls["create"]).toBe(1);
  });

  it("lets the same name exist in two tenants independently", async () => {
    const mine = await call(app.url, "POST", "/v1/functions", {
      token: globex,
      body: { name: "secret", image },
    });
    expect(mine.status).toBe(201);
    const acmeView = await call(app.url, "GET", "/v1/functions/secret", { token: acme });
    expect(acmeView.body.tenant).toBe("acme");
    const globexView = await call(app.url, "GET", "/v1/functions/secret", { token: globex });
    expect(globexView.body.tenant).toBe("globex");
    await call(app.url, "DELETE", "/v1/functions/secret", { token: globex });
    expect((await call(app.url, "GET", "/v1/functions/secret", { token: acme })).status).toBe(200);
  });

  it("admins see every tenant and reach any function with ?tenant=", async () => {
    const all = await call(app.url, "GET", "/v1/functions", { token: admin });
    expect(all.body.map((f: { tenant: string }) => f.tenant)).toContain("acme");
    const narrowed = await call(app.url, "GET", "/v1/functions?tenant=globex", { token: admin });
    expect(narrowed.body).toEqual([]);
    const got = await call(app.url, "GET", "/v1/functions/secret?tenant=acme", { token: admin });
    expect(got.status).toBe(200);
    const ownDefault = await call(app.url, "GET", "/v1/functions/secret", { token: admin });
    expect(ownDefault.status).toBe(404);
    const metrics = await call(app.url, "GET", "/v1/functions/secret/metrics?tenant=acme", {
      token: admin,
    });
    expect(metrics.status).toBe(200);
  });
});
