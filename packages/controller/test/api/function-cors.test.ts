import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import {
  call,
  mintToken,
  startLocalDriverApp,
  waitForFunction,
  type LocalDriverApp,
  type TestApp,
} from "../support/harness.js";

// CORS of function URLs, answered by the controller from spec.cors over the real local driver
// and invoke router: preflights never reach the function nor need a token, other origins are
// refused before the function runs, and the platform's headers win over the function's own.
const APP = "https://app.example.com";

describe("CORS of function URLs", () => {
  let local: LocalDriverApp;
  let driver: Driver;
  let app: TestApp;
  let acme: string;

  async function send(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ) {
    const res = await request(`${app.url}${path}`, {
      method: method as "GET",
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  beforeAll(async () => {
    local = await startLocalDriverApp("fn-cors");
    ({ app, driver } = local);
    const image = local.image;
    acme = await mintToken({ tenant: "acme", role: "developer" });
    const cors = {
      allowOrigins: [APP],
      allowMethods: ["GET", "PUT"],
      allowHeaders: ["X-Trace"],
      exposeHeaders: ["x-fixture-version"],
      maxAgeSeconds: 600,
    };
    for (const body of [
      { name: "web", image, cors },
      { name: "open", image, auth: "public", maxBodyBytes: 16, cors: { allowOrigins: ["*"] } },
      { name: "plain", image, auth: "public" },
    ]) {
      const created = await call(app.url, "POST", "/v1/functions", { token: acme, body });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    for (const name of ["web", "open", "plain"]) await waitForFunction(app, acme, name);
  }, 60_000);
  afterAll(() => local?.close());

  it("answers a preflight of a token function itself: no token, the function never sees it", async () => {
    const res = await send("OPTIONS", "/fn/acme/web/orders?op=log&tag=preflight", {
      origin: APP,
      "access-control-request-method": "PUT",
      "access-control-request-headers": "Authorization, X-Trace, Content-Type",
    });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "GET, PUT",
      "access-control-allow-headers": "authorization, x-trace, content-type",
      "access-control-max-age": "600",
    });
    expect(String(res.headers.vary)).toContain("Origin");
    const logs: string[] = [];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    for await (const line of driver.logs("acme", "web", { tail: 100, signal: ac.signal }))
      logs.push(line.line);
    expect(logs.join("\n")).not.toContain("preflight");
  });

  it("refuses a preflight for another origin, method or header with FUNCTION_ENDPOINT_FORBIDDEN", async () => {
    const cases: Record<string, string>[] = [
      { origin: "https://evil.example", "access-control-request-method": "GET" },
      { origin: APP, "access-control-request-method": "DELETE" },
      {
        origin: APP,
        "access-control-request-method": "GET",
        "access-control-request-headers": "x-other",
      },
    ];
    for (const headers of cases) {
      const res = await send("OPTIONS", "/fn/acme/web/", headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.text).error.code).toBe("FUNCTION_ENDPOINT_FORBIDDEN");
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("puts its headers on the function's answer, over the function's own", async () => {
    const res = await send("GET", "/fn/acme/web/?op=corsy", {
      origin: APP,
      authorization: `Bearer ${acme}`,
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe("corsy");
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(res.headers["access-control-expose-headers"]).toBe("x-fixture-version");
    expect(String(res.headers.vary)).toBe("Accept-Encoding, Origin");
  });

  it("refuses another origin's request before the function runs; same-origin calls pass", async () => {
    const evil = await send("GET", "/fn/acme/web/?op=log&tag=evil", {
      origin: "https://evil.example",
      authorization: `Bearer ${acme}`,
    });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.text).error.code).toBe("FUNCTION_ENDPOINT_FORBIDDEN");
    const plain = await send("GET", "/fn/acme/web/", { authorization: `Bearer ${acme}` });
    expect(plain.status).toBe(200);
    expect(plain.headers.vary).toBe("Origin");
    expect(plain.headers["access-control-allow-origin"]).toBeUndefined();
    // Without a token, a CORS function is still 401 (only preflights skip the token).
    const anonymous = await send("GET", "/fn/acme/web/", { origin: APP });
    expect(anonymous.status).toBe(401);
  });

  it("puts its headers on the platform's own errors too", async () => {
    const res = await send(
      "POST",
      "/fn/acme/open/?op=echo",
      { origin: "https://any.example" },
      "x".repeat(100),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe("REQUEST_BODY_TOO_LARGE");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers.vary).toBe("Origin");
  });

  it("leaves CORS to a function without cors settings: its OPTIONS reach it", async () => {
    const res = await send("OPTIONS", "/fn/acme/plain/?op=headers", {
      origin: APP,
      "access-control-request-method": "GET",
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).method).toBe("OPTIONS");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
