import { generateKeyPair, SignJWT, base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, TEST_SECRET, type TestApp } from "../support/harness.js";

// Attacks on the controller's HS256 path; API-shape tests on the in-memory TEST DOUBLE driver.
describe("auth attacks (HS256)", () => {
  let app: TestApp;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const driver = createMemoryDriver();
    app = await startTestApp({ driver, env: { EVENTFLOW_CLOCK_SKEW_SECONDS: "30" } });
    const dev = await mintToken();
    await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "target", image: "hello:1" },
    });
  });
  afterAll(() => app.close());

  async function expectRejected(token: string, code: string) {
    const res = await call(app.url, "GET", "/v1/functions/target", { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe(code);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  }

  function unsigned(header: object, payload: object): string {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    return `${enc(header)}.${enc(payload)}.`;
  }

  it("accepts a valid token (control)", async () => {
    const res = await call(app.url, "GET", "/v1/functions/target", { token: await mintToken() });
    expect(res.status).toBe(200);
  });

  it("401 AUTH_TOKEN_MISSING without a token, AUTH_TOKEN_INVALID for a non-bearer header", async () => {
    const missing = await call(app.url, "GET", "/v1/functions");
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("AUTH_TOKEN_MISSING");
    const basic = await call(app.url, "GET", "/v1/functions", {
      headers: { authorization: "Basic dTpw" },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.code).toBe("AUTH_TOKEN_INVALID");
  });

  it("rejects garbage and alg none", async () => {
    await expectRejected("not.a.jwt", "AUTH_TOKEN_INVALID");
    const claims = {
      iss: "eventflow",
      aud: "eventflow",
      tenant: "acme",
      role: "admin",
      exp: now() + 600,
    };
    await expectRejected(unsigned({ alg: "none", typ: "JWT" }, claims), "AUTH_TOKEN_INVALID");
    await expectRejected(unsigned({ alg: "None" }, claims), "AUTH_TOKEN_INVALID");
  });

  it("rejects a token signed with another key", async () => {
    await expectRejected(
      await mintToken({}, "another-secret-that-is-long-enough-32+"),
      "AUTH_TOKEN_INVALID",
    );
  });

  it("rejects asymmetric algorithms on the HS256 path (RS256 with the attacker's key)", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ tenant: "acme", role: "admin" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer("eventflow")
      .setAudience("eventflow")
      .setExpirationTime(now() + 600)
      .sign(privateKey);
    await expectRejected(token, "AUTH_TOKEN_INVALID");
  });

  it("rejects HS384/HS512 even with the right secret", async () => {
    const token = await new SignJWT({ tenant: "acme", role: "developer" })
      .setProtectedHeader({ alg: "HS512" })
      .setIssuer("eventflow")
      .setAudience("eventflow")
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(TEST_SECRET));
    await expectRejected(token, "AUTH_TOKEN_INVALID");
  });

  it("rejects expired tokens past the clock skew and accepts within it", async () => {
    await expectRejected(await mintToken({ exp: now() - 120 }), "AUTH_TOKEN_EXPIRED");
    const withinSkew = await call(app.url, "GET", "/v1/functions/target", {
      token: await mintToken({ exp: now() - 5 }),
    });
    expect(withinSkew.status).toBe(200);
  });

  it("rejects tokens not yet valid (nbf) past the skew", async () => {
    await expectRejected(await mintToken({ nbf: now() + 600 }), "AUTH_TOKEN_EXPIRED");
    const soon = await call(app.url, "GET", "/v1/functions/target", {
      token: await mintToken({ nbf: now() + 5 }),
    });
    expect(soon.status).toBe(200);
  });

  it("rejects a wrong audience or issuer, and tokens without exp", async () => {
    await expectRejected(await mintToken({ aud: "someone-else" }), "AUTH_TOKEN_INVALID");
    await expectRejected(
      await mintToken({ iss: "https://evil.example.com" }),
      "AUTH_TOKEN_INVALID",
    );
    const noExp = await new SignJWT({ tenant: "acme", role: "developer" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("eventflow")
      .setAudience("eventflow")
      .sign(new TextEncoder().encode(TEST_SECRET));
    await expectRejected(noExp, "AUTH_TOKEN_INVALID");
  });

  it("rejects tampered claims (viewer rewritten to admin, tenant rewritten)", async () => {
    const token = await mintToken({ role: "viewer", tenant: "acme" });
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<
      string,
      unknown
    >;
    for (const change of [{ role: "admin" }, { tenant: "other" }]) {
      const forged = base64url.encode(JSON.stringify({ ...claims, ...change }));
      await expectRejected(`${header}.${forged}.${signature}`, "AUTH_TOKEN_INVALID");
    }
  });

  it("rejects tokens with a malformed or missing tenant", async () => {
    await expectRejected(await mintToken({ tenant: "../etc" }), "AUTH_TOKEN_INVALID");
    await expectRejected(await mintToken({ tenant: "Acme" }), "AUTH_TOKEN_INVALID");
    await expectRejected(
      await mintToken({ tenant: undefined, role: "developer" }),
      "AUTH_TOKEN_INVALID",
    );
  });

  it("forbids a valid identity without a known role and maps role lists to the strongest", async () => {
    const none = await call(app.url, "GET", "/v1/functions", {
      token: await mintToken({ role: "root" }),
    });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe("AUTH_FORBIDDEN");
    const both = await call(app.url, "POST", "/v1/functions/target:scale", {
      token: await mintToken({ role: ["viewer", "developer"] }),
      body: { replicas: 2 },
    });
    expect(both.status).toBe(200);
  });

  it("never logs tokens or the secret", async () => {
    const token = await mintToken();
    await call(app.url, "GET", "/v1/functions", { token });
    await call(app.url, "GET", "/v1/functions", { token: `${token}x` });
    const raw = app.rawLogs();
    expect(raw.length).toBeGreaterThan(0);
    expect(raw).not.toContain(token.split(".")[2]!);
    expect(raw).not.toContain(TEST_SECRET);
  });
});
