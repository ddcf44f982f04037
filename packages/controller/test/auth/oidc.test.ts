import { createPublicKey, type JsonWebKey } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";

// A real OIDC provider (oidc-provider) issues the tokens; the driver is the in-memory TEST DOUBLE.
describe("OIDC tokens from a real provider", () => {
  let provider: TestOidcProvider;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startOidcProvider("eventflow-api");
    app = await startTestApp({
      driver: createMemoryDriver(),
      env: {
        EVENTFLOW_OIDC_ISSUER: provider.issuer,
        EVENTFLOW_OIDC_AUDIENCE: "eventflow-api",
        EVENTFLOW_TENANT_CLAIM: "org",
        EVENTFLOW_ROLE_CLAIM: "roles",
        EVENTFLOW_OIDC_CLIENT_ID: "eventflow-dashboard",
      },
      jwksCooldownMs: 0,
    });
  });
  afterAll(async () => {
    await app?.close();
    await provider?.close();
  });

  it("accepts the provider's tokens with the configured tenant and role claims", async () => {
    const token = await provider.token({ org: "acme", roles: ["developer"] });
    const created = await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "oidc-fn", image: "hello:1" },
    });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe("acme");
    const other = await provider.token({ org: "globex", roles: ["developer"] });
    const hidden = await call(app.url, "GET", "/v1/functions/oidc-fn", { token: other });
    expect(hidden.status).toBe(404);
  });

  it("GET /auth/config names the issuer, audience and public client id", async () => {
    const res = await call(app.url, "GET", "/auth/config");
    expect(res.body).toEqual({
      devAuth: false,
      oidc: { issuer: provider.issuer, audience: "eventflow-api", clientId: "eventflow-dashboard" },
    });
  });

  it("still accepts the controller's own HS256 tokens (configured claim names)", async () => {
    const res = await call(app.url, "GET", "/v1/functions", {
      token: await mintToken({ org: "acme", roles: "viewer", tenant: undefined, role: undefined }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
  });

  it("follows key rotation: a token from a new key refetches the JWKS once", async () => {
    const before = provider.jwksFetches();
    await provider.rotate();
    const token = await provider.token({ org: "acme", roles: "viewer" });
    const res = await call(app.url, "GET", "/v1/functions/oidc-fn", { token });
    expect(res.status).toBe(200);
    expect(provider.jwksFetches()).toBe(before + 1);
    const again = await call(app.url, "GET", "/v1/functions/oidc-fn", {
      token: await provider.token({ org: "acme", roles: "viewer" }),
    });
    expect(again.status).toBe(200);
    expect(provider.jwksFetches()).toBe(before + 1);
  });

  it("rejects HS/RS confusion: HS256 signed with the provider's public key", async () => {
    const spki = createPublicKey({ key: provider.publicJwk() as JsonWebKey, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const forged = await new SignJWT({ org: "acme", roles: "admin" })
      .setProtectedHeader({ alg: "HS256", kid: provider.publicJwk().kid! })
      .setIssuer(provider.issuer)
      .setAudience("eventflow-api")
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(spki));
    const res = await call(app.url, "GET", "/v1/functions", { token: forged });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("AUTH_TOKEN_INVALID");
  });

  it("rejects a token of the right issuer signed by a key it never published", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ org: "acme", roles: "admin" })
      .setProtectedHeader({ alg: "RS256", kid: provider.publicJwk().kid! })
      .setIssuer(provider.issuer)
      .setAudience("eventflow-api")
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(privateKey);
    const res = await call(app.url, "GET", "/v1/functions", { token: forged });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("AUTH_TOKEN_INVALID");
  });

  it("rejects the provider's token for another audience", async () => {
    const other = await startOidcProvider("another-api");
    try {
      const appB = await startTestApp({
        driver: createMemoryDriver(),
        env: { EVENTFLOW_OIDC_ISSUER: other.issuer, EVENTFLOW_OIDC_AUDIENCE: "eventflow-api" },
      });
      try {
        const res = await call(appB.url, "GET", "/v1/functions", {
          token: await other.token({ tenant: "acme", role: "admin" }),
        });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("AUTH_TOKEN_INVALID");
      } finally {
        await appB.close();
      }
    } finally {
      await other.close();
    }
  });

  it("answers 503 AUTH_PROVIDER_UNAVAILABLE while the issuer is down", async () => {
    const gone = await startOidcProvider("eventflow-api");
    const token = await gone.token({ tenant: "acme", role: "viewer" });
    const appC = await startTestApp({
      driver: createMemoryDriver(),
      env: { EVENTFLOW_OIDC_ISSUER: gone.issuer, EVENTFLOW_OIDC_AUDIENCE: "eventflow-api" },
    });
    await gone.close();
    try {
      const res = await call(appC.url, "GET", "/v1/functions", { token });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("AUTH_PROVIDER_UNAVAILABLE");
      expect(res.headers.get("retry-after")).not.toBeNull();
    } finally {
      await appC.close();
    }
  });
});
