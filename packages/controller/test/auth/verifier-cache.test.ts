import { describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../src/auth/verifier.js";
import { parseConfig } from "../../src/config.js";
import { mintToken, TEST_SECRET } from "../support/harness.js";

// The verifier's memory of verified tokens, which the invoke fast path reads without a wait:
// it must never answer for a token past its `exp`, nor for one it has not verified.
describe("token verifier: verified tokens remembered", () => {
  const auth = parseConfig({ JWT_SECRET: TEST_SECRET, METRICS_PORT: "0" }).auth;

  it("answers a verified token at once, and forgets it at its exp and after a minute", async () => {
    let clock = Date.now();
    const verifier = createTokenVerifier({ auth, now: () => new Date(clock) });
    const exp = Math.floor(clock / 1000) + 30;
    const token = await mintToken({ exp, tenant: "acme" });
    expect(verifier.cached?.(token)).toBeUndefined();
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({ tenant: "acme", role: "developer" });
    expect(verifier.cached?.(token)).toBe(principal);
    // Past exp (and past the clock skew the verify allows): neither path accepts it.
    clock = exp * 1000 + (auth.clockSkewSeconds + 1) * 1000;
    expect(verifier.cached?.(token)).toBeUndefined();
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: "AUTH_TOKEN_EXPIRED" });

    // A long-lived token is verified again after a minute.
    clock = Date.now();
    const long = await mintToken({ exp: Math.floor(clock / 1000) + 3600 });
    await verifier.verify(long);
    expect(verifier.cached?.(long)).toBeDefined();
    clock += 61_000;
    expect(verifier.cached?.(long)).toBeUndefined();
  });

  it("knows nothing of a token it did not verify, or one it refused", async () => {
    const verifier = createTokenVerifier({ auth });
    const forged = await mintToken({}, "another-secret-of-at-least-32-bytes!!");
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: "AUTH_TOKEN_INVALID" });
    expect(verifier.cached?.(forged)).toBeUndefined();
  });
});
