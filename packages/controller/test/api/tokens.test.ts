import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// API-shape tests on the in-memory TEST DOUBLE driver; invokes reach a recording stand-in for
// the invoke router, which is enough to see what the API layer let through.
describe("dev tokens and scoped invoke tokens", () => {
  let app: TestApp;
  let off: TestApp;
  const invoked: Array<{ tenant: string; name: string }> = [];

  beforeAll(async () => {
    const driver = createMemoryDriver();
    app = await startTestApp({
      driver,
      env: { EVENTFLOW_DEV_AUTH: "true", EVENTFLOW_DEFAULT_TENANT: "default" },
      invoke:
        () =>
        async ({ res }, fn) => {
          invoked.push({ tenant: fn.tenant, name: fn.name });
          res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
        },
    });
    off = await startTestApp({ driver: createMemoryDriver() });
  });
  afterAll(async () => {
    await app.close();
    await off.close();
  });

  it("POST /auth/token with no body answers {token} for a developer of the default tenant (seed's curl)", async () => {
    const res = await fetch(`${app.url}/auth/token`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; tenant: string; role: string };
    expect(body).toMatchObject({ tenant: "default", role: "developer" });
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({
      iss: "eventflow",
      aud: "eventflow",
      tenant: "default",
      role: "developer",
    });
    const list = await call(app.url, "GET", "/v1/functions", { token: body.token });
    expect(list.status).toBe(200);
  });

  it("POST /auth/token takes {tenant, role} and validates them", async () => {
    const res = await call(app.url, "POST", "/auth/token", {
      body: { tenant: "team-a", role: "viewer" },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.token)).toMatchObject({ tenant: "team-a", role: "viewer" });
    const bad = await call(app.url, "POST", "/auth/token", {
      body: { tenant: "Team A", role: "root", extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "extra",
      "role",
      "tenant",
    ]);
  });

  it("GET /auth/config tells clients whether dev tokens exist (public)", async () => {
    expect((await call(app.url, "GET", "/auth/config")).body).toEqual({
      devAuth: true,
      oidc: null,
    });
    expect((await call(off.url, "GET", "/auth/config")).body).toEqual({
      devAuth: false,
      oidc: null,
    });
  });

  it("POST /auth/token is 404 AUTH_DEV_DISABLED without EVENTFLOW_DEV_AUTH", async () => {
    const res = await call(off.url, "POST", "/auth/token");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("AUTH_DEV_DISABLED");
    const invalid = await call(off.url, "POST", "/auth/token", { body: { role: "root" } });
    expect(invalid.status).toBe(404);
    expect(invalid.body.error.code).toBe("AUTH_DEV_DISABLED");
  });

  it("issues an invoke token that invokes only its function and does nothing else", async () => {
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    for (const name of ["fn-a", "fn-b"]) {
      expect(
        (
          await call(app.url, "POST", "/v1/functions", {
            token: dev,
            body: { name, image: "hello:1" },
          })
        ).status,
      ).toBe(201);
    }
    const issued = await call(app.url, "POST", "/v1/tokens", {
      token: dev,
      body: { function: "fn-a", ttlSeconds: 120 },
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ tenant: "acme", function: "fn-a", scope: "invoke" });
    const claims = decodeJwt(issued.body.token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    const scoped = issued.body.token as string;

    const ok = await call(app.url, "POST", "/v1/functions/fn-a:invoke", {
      token: scoped,
      body: { payload: {} },
    });
    expect(ok.status).toBe(200);
    expect(invoked.at(-1)).toEqual({ tenant: "acme", name: "fn-a" });

    const other = await call(app.url, "POST", "/v1/functions/fn-b:invoke", {
      token: scoped,
      body: {},
    });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("FUNCTION_NOT_FOUND");
    for (const [method, path] of [
      ["GET", "/v1/functions"],
      ["GET", "/v1/functions/fn-a"],
      ["DELETE", "/v1/functions/fn-a"],
      ["GET", "/v1/functions/fn-a/logs"],
      ["GET", "/v1/functions/fn-a/metrics"],
    ] as const) {
      const res = await call(app.url, method, path, { token: scoped });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("AUTH_FORBIDDEN");
    }
    const mint = await call(app.url, "POST", "/v1/tokens", {
      token: scoped,
      body: { function: "fn-a" },
    });
    expect(mint.status).toBe(403);
    expect(invoked).toHaveLength(1);
  });

  it("admins invoke another tenant's function with X-EventFlow-Tenant", async () => {
    const admin = await mintToken({ tenant: "ops", role: "admin" });
    const res = await call(app.url, "POST", "/v1/functions/fn-a:invoke", {
      token: admin,
      body: {},
      headers: { "x-eventflow-tenant": "acme" },
    });
    expect(res.status).toBe(200);
    expect(invoked.at(-1)).toEqual({ tenant: "acme", name: "fn-a" });
    const withoutHeader = await call(app.url, "POST", "/v1/functions/fn-a:invoke", {
      token: admin,
      body: {},
    });
    expect(withoutHeader.status).toBe(404);
  });

  it("refuses invoke tokens for missing functions and out-of-range lifetimes", async () => {
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    const missing = await call(app.url, "POST", "/v1/tokens", {
      token: dev,
      body: { function: "nope" },
    });
    expect(missing.status).toBe(404);
    const tooLong = await call(app.url, "POST", "/v1/tokens", {
      token: dev,
      body: { function: "fn-a", ttlSeconds: 10 ** 9 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0].path).toBe("ttlSeconds");
  });

  it("an expired invoke token is 401 AUTH_TOKEN_EXPIRED", async () => {
    const forged = await mintToken({
      tenant: "acme",
      role: undefined,
      eventflow_scope: "invoke",
      eventflow_function: "fn-a",
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    const res = await call(app.url, "POST", "/v1/functions/fn-a:invoke", {
      token: forged,
      body: {},
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("AUTH_TOKEN_EXPIRED");
  });

  it("binds an invoke token to its function: one deleted and created again refuses it", async () => {
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    const create = (image: string) =>
      call(app.url, "POST", "/v1/functions", { token: dev, body: { name: "bound", image } });
    expect((await create("hello:1")).status).toBe(201);
    const mint = async () =>
      (
        await call(app.url, "POST", "/v1/tokens", {
          token: dev,
          body: { function: "bound", ttlSeconds: 600 },
        })
      ).body.token as string;
    const old = await mint();
    const invoke = (token: string) =>
      call(app.url, "POST", "/v1/functions/bound:invoke", { token, body: {} });
    expect((await invoke(old)).status).toBe(200);
    expect((await call(app.url, "DELETE", "/v1/functions/bound", { token: dev })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 5)); // another created_at, as any real re-create has
    expect((await create("other-code:2")).status).toBe(201);
    const refused = await invoke(old);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("AUTH_FORBIDDEN");
    // A token for the new function works.
    expect((await invoke(await mint())).status).toBe(200);
  });
});
