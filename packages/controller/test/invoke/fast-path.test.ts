import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../src/auth/verifier.js";
import { parseConfig } from "../../src/config.js";
import { createInvokeFastPath, matchInvokePath } from "../../src/routes/invoke.js";
import type { InvokeRequest, InvokeTarget } from "../../src/invoke/index.js";
import { call, mintToken, TEST_SECRET } from "../support/harness.js";
import { createMemoryDriver } from "../support/memory-driver.js";

describe("matchInvokePath", () => {
  it.each([
    ["POST", "/v1/functions/hello:invoke", { name: "hello", querystring: "" }],
    ["POST", "/v1/functions/a-1:invoke?x=1&y=2", { name: "a-1", querystring: "x=1&y=2" }],
    ["POST", "/v1/functions/hello:invoke?", { name: "hello", querystring: "" }],
    ["GET", "/v1/functions/hello:invoke", undefined],
    ["POST", "/v1/functions/hello", undefined],
    ["POST", "/v1/functions/:invoke", undefined],
    ["POST", "/v1/functions/Hello:invoke", undefined],
    ["POST", "/v1/functions/a%2Fb:invoke", undefined],
    ["POST", "/v1/functions/a/b:invoke", undefined],
    ["POST", "/v1/functions/hello:scale", undefined],
    ["POST", "/v1/functions/hello:invokes", undefined],
    ["POST", "/v2/functions/hello:invoke", undefined],
    ["POST", undefined, undefined],
  ])("%s %s", (method, url, expected) => {
    expect(matchInvokePath(method, url)).toEqual(expected);
  });
});

// The listener on a real socket, with the real token verifier and the in-memory TEST DOUBLE
// driver; the invoke router and the Koa fallback are recording stand-ins, so each test sees
// which path answered.
describe("the invoke fast path in front of Koa", () => {
  const invoked: Array<{ request: InvokeRequest; fn: InvokeTarget }> = [];
  const fellBack: string[] = [];
  const counted: Array<[string, string, number]> = [];
  const errors: unknown[] = [];
  let failInvoke = false;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const config = parseConfig({ JWT_SECRET: TEST_SECRET, METRICS_PORT: "0" });
    const driver = createMemoryDriver();
    await driver.create({ tenant: "acme", name: "hello", image: "hello:1", replicas: 1 });
    await driver.create({
      tenant: "acme",
      name: "slow",
      image: "slow:1",
      replicas: 1,
      timeoutSeconds: 7,
    });
    await driver.create({ tenant: "other", name: "theirs", image: "t:1", replicas: 1 });
    const listener = createInvokeFastPath({
      verifier: createTokenVerifier({ auth: config.auth }),
      driver,
      invoke: async (request, fn) => {
        if (failInvoke) throw new Error("router bug");
        invoked.push({ request, fn });
        request.res
          .writeHead(200, { "content-type": "text/plain", "x-request-id": request.requestId })
          .end("fast");
      },
      countRequest: (method, route, status) => counted.push([method, route, status]),
      fallback: (req: IncomingMessage, res: ServerResponse) => {
        fellBack.push(`${req.method} ${req.url}`);
        res.writeHead(299).end("koa");
      },
      logger: { error: (obj: object) => void errors.push(obj) },
    });
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());
  beforeEach(() => {
    invoked.length = 0;
    fellBack.length = 0;
    counted.length = 0;
    failInvoke = false;
  });

  it("hands a valid invoke to the router with tenant, timeout, query and request id", async () => {
    const token = await mintToken();
    const res = await call(url, "POST", "/v1/functions/slow:invoke?a=1", {
      token,
      body: { payload: 1 },
      headers: { "x-request-id": "caller-1" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("fast");
    expect(res.headers.get("x-request-id")).toBe("caller-1");
    expect(fellBack).toEqual([]);
    expect(invoked).toHaveLength(1);
    expect(invoked[0]!.fn).toEqual({ tenant: "acme", name: "slow", timeoutSeconds: 7 });
    expect(invoked[0]!.request).toMatchObject({
      requestId: "caller-1",
      querystring: "a=1",
      protocol: "http",
    });
    expect(counted).toEqual([["POST", "/v1/functions/{name}:invoke", 200]]);
  });

  it("gives a fresh request id when the caller's is not sane", async () => {
    const res = await call(url, "POST", "/v1/functions/hello:invoke", {
      token: await mintToken(),
      headers: { "x-request-id": "<bad id>" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(invoked[0]!.request.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("lets an admin name another tenant with X-EventFlow-Tenant", async () => {
    const admin = await mintToken({ tenant: "ops", role: "admin" });
    const res = await call(url, "POST", "/v1/functions/theirs:invoke", {
      token: admin,
      headers: { "x-eventflow-tenant": "other" },
    });
    expect(res.status).toBe(200);
    expect(invoked[0]!.fn).toEqual({ tenant: "other", name: "theirs" });
  });

  it.each([
    ["no token", "/v1/functions/hello:invoke", undefined],
    ["a token that does not verify", "/v1/functions/hello:invoke", "forged"],
    ["a viewer", "/v1/functions/hello:invoke", "viewer"],
    ["another tenant's function", "/v1/functions/theirs:invoke", "developer"],
    ["an unknown function", "/v1/functions/nope:invoke", "developer"],
    ["an invalid name", "/v1/functions/NOPE:invoke", "developer"],
    ["another action", "/v1/functions/hello:scale", "developer"],
  ])("falls back to Koa untouched for %s", async (_what, path, who) => {
    const token =
      who === undefined
        ? undefined
        : who === "forged"
          ? await mintToken({}, "another-secret-of-at-least-thirty-two-chars")
          : await mintToken({ role: who });
    const res = await call(url, "POST", path, {
      ...(token === undefined ? {} : { token }),
      body: { keep: "me" },
    });
    expect(res.status).toBe(299);
    expect(fellBack).toEqual([`POST ${path}`]);
    expect(invoked).toEqual([]);
    expect(counted).toEqual([]);
  });

  it("answers a router that throws with a 500 INTERNAL envelope marked as the platform's", async () => {
    failInvoke = true;
    const res = await call(url, "POST", "/v1/functions/hello:invoke", { token: await mintToken() });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
    expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect(res.headers.get("x-eventflow-error")).toBe("INTERNAL");
    expect(errors.at(-1)).toMatchObject({ err: { message: "router bug" } });
    expect(counted).toEqual([["POST", "/v1/functions/{name}:invoke", 500]]);
  });
});
