import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, startTestApp, type TestApp } from "../support/harness.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";

// A real OIDC provider that goes down for longer than the key set's cache time (1 s here):
// callers whose tokens are signed by a key fetched before keep working on the last good key
// set (stale-if-error, bounded by EVENTFLOW_JWKS_MAX_STALE_SECONDS), the failed refreshes are
// counted and logged once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("OIDC keys while the issuer is down", () => {
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
        EVENTFLOW_JWKS_CACHE_SECONDS: "1",
        EVENTFLOW_JWKS_MAX_STALE_SECONDS: "3",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("serves callers with keys fetched before, counts the failed refreshes, and stops after the stale limit", async () => {
    // Distinct tokens: a token verified once is remembered for a minute, which would hide the
    // key set from the later calls.
    const tokens = await Promise.all(
      [1, 2, 3].map(() => provider.token({ org: "acme", roles: ["viewer"] })),
    );
    expect((await call(app.url, "GET", "/v1/functions", { token: tokens[0] })).status).toBe(200);
    await provider.close();
    await sleep(1300); // past the key set's 1 s cache time: the next token needs a refresh
    const during = await call(app.url, "GET", "/v1/functions", { token: tokens[1] });
    expect(during.status).toBe(200);
    const text = await app.metrics.registry.getSingleMetricAsString(
      "eventflow_oidc_jwks_refresh_errors_total",
    );
    expect(text).toMatch(/eventflow_oidc_jwks_refresh_errors_total [1-9]/);
    const warnings = app.logs.filter((l) => String(l.msg).startsWith("OIDC issuer unreachable"));
    expect(warnings).toHaveLength(1);
    await sleep(2000); // the key set is now over 3 s old: past EVENTFLOW_JWKS_MAX_STALE_SECONDS
    const after = await call(app.url, "GET", "/v1/functions", { token: tokens[2] });
    expect([401, 503]).toContain(after.status);
  });
});
