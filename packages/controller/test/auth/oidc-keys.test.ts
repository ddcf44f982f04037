import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createOidcKeys } from "../../src/auth/oidc.js";

// Discovery against a port where nothing listens (a real refused connection), counted through
// a wrapper around the real fetch.
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("OIDC discovery", () => {
  it("fails with AUTH_PROVIDER_UNAVAILABLE and asks again only after the pause", async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const keys = createOidcKeys({
      issuer: await closedPortUrl(),
      cacheMaxAgeMs: 60_000,
      retryAfterMs: 300,
      fetch: counting,
    });
    await expect(keys.getKeySet()).rejects.toMatchObject({ code: "AUTH_PROVIDER_UNAVAILABLE" });
    await expect(keys.getKeySet()).rejects.toMatchObject({ code: "AUTH_PROVIDER_UNAVAILABLE" });
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    await expect(keys.getKeySet()).rejects.toMatchObject({ code: "AUTH_PROVIDER_UNAVAILABLE" });
    expect(calls).toBe(2);
  });
});
