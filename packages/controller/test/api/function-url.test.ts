import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  mintToken,
  startLocalDriverApp,
  waitForFunction,
  type LocalDriverApp,
  type TestApp,
} from "../support/harness.js";

// A function is an HTTP endpoint, `/fn/TENANT/NAME/PATH`: any method, path and query reach it
// through the invoke router, token-protected unless the spec says `auth: public`. The real local
// driver runs the fixture app (?op=headers echoes the method, url and headers it received).
describe("function URLs over the real local driver and invoke router", () => {
  let local: LocalDriverApp;
  let app: TestApp;
  let acme: string;
  let globex: string;

  async function deploy(token: string, body: Record<string, unknown>) {
    const created = await call(app.url, "POST", "/v1/functions", { token, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return waitForFunction(app, token, String(body.name));
  }

  beforeAll(async () => {
    local = await startLocalDriverApp("fn-url");
    app = local.app;
    const image = local.image;
    acme = await mintToken({ tenant: "acme", role: "developer" });
    globex = await mintToken({ tenant: "globex", role: "developer" });
    await deploy(acme, { name: "api", image });
    await deploy(acme, { name: "hook", image, auth: "public", maxBodyBytes: 16 });
    await deploy(globex, { name: "api", image });
  }, 60_000);
  afterAll(() => local?.close());

  it("answers with the function's URL in every status", async () => {
    const one = await call(app.url, "GET", "/v1/functions/hook", { token: acme });
    expect(one.body.url).toBe(`${app.url}/fn/acme/hook/`);
    expect(one.body.spec).toMatchObject({ auth: "public", maxBodyBytes: 16 });
    const list = await call(app.url, "GET", "/v1/functions", { token: acme });
    expect(list.body.map((f: { url: string }) => f.url).sort()).toEqual([
      `${app.url}/fn/acme/api/`,
      `${app.url}/fn/acme/hook/`,
    ]);
  });

  it("passes any method, the sub-path and the query to a token function; strips the token", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const res = await call(app.url, method, "/fn/acme/api/orders/42?op=headers&x=1", {
        token: acme,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method, url: "/orders/42?op=headers&x=1" });
      expect(res.body.headers.authorization).toBeUndefined();
    }
    const bare = await call(app.url, "GET", "/fn/acme/api?op=headers", { token: acme });
    expect(bare.body.url).toBe("/?op=headers");
  });

  it("a token function without a token is 401, like a missing one: nothing is learnt", async () => {
    const protectedFn = await call(app.url, "GET", "/fn/acme/api/?op=headers");
    const missing = await call(app.url, "GET", "/fn/acme/nothing/?op=headers");
    expect(protectedFn.status).toBe(401);
    expect(protectedFn.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(missing.status).toBe(401);
    expect(protectedFn.body.error.code).toBe(missing.body.error.code);
  });

  it("another tenant's token cannot reach a function by naming its tenant in the URL", async () => {
    const crossing = await call(app.url, "GET", "/fn/acme/api/?op=headers", { token: globex });
    expect(crossing.status).toBe(404);
    expect(crossing.body.error.code).toBe("FUNCTION_NOT_FOUND");
    // Its own function of the same name is reached at its own URL.
    const own = await call(app.url, "GET", "/fn/globex/api/x?op=headers", { token: globex });
    expect(own.status).toBe(200);
    expect(own.body.url).toBe("/x?op=headers");
  });

  it("an invoke token bound to one function cannot call another through its URL", async () => {
    const issued = await call(app.url, "POST", "/v1/tokens", {
      token: acme,
      body: { function: "hook" },
    });
    const scoped = issued.body.token as string;
    const other = await call(app.url, "GET", "/fn/acme/api/?op=headers", { token: scoped });
    expect(other.status).toBe(404);
  });

  it("a public function needs no token, gets the caller's Authorization, and keeps its body limit", async () => {
    const res = await call(app.url, "POST", "/fn/acme/hook/github?op=headers", {
      headers: { authorization: "Basic d2ViaG9vazpzaWc=" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "POST", url: "/github?op=headers" });
    expect(res.body.headers.authorization).toBe("Basic d2ViaG9vazpzaWc=");
    const large = await call(app.url, "POST", "/fn/acme/hook/?op=headers", {
      body: JSON.stringify({ padding: "x".repeat(64) }),
    });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe("REQUEST_BODY_TOO_LARGE");
  });

  it("a public function of one tenant makes no other function public", async () => {
    const sameName = await call(app.url, "GET", "/fn/globex/hook/?op=headers");
    expect(sameName.status).toBe(401);
    const neighbour = await call(app.url, "GET", "/fn/acme/api/?op=headers");
    expect(neighbour.status).toBe(401);
  });

  it.each([
    ["/fn/acme/hook/a/../../api/?op=headers", "a .. segment"],
    ["/fn/acme/hook/a/%2e%2e/x", "an encoded .. segment"],
    ["/fn/acme/hook/a%2Fb", "an encoded slash"],
    ["/fn/acme/hook//etc/passwd", "an empty segment"],
    ["/fn/acme/hook/a%5cb", "an encoded backslash"],
    ["/fn/ACME/hook/", "an upper-case tenant"],
    ["/fn/acme/Hook/", "an invalid function name"],
  ])("refuses %s (%s) with REQUEST_VALIDATION_FAILED", async (path) => {
    // fetch would normalise the dots away: send the request line as it is.
    const res = await rawGet(app.url, path);
    expect(res.status).toBe(400);
    expect(res.body).toContain("REQUEST_VALIDATION_FAILED");
  });
});

/** A GET whose request line is sent byte for byte (no URL normalisation by the client). */
async function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { request } = await import("node:http");
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
