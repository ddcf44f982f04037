import { act, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { codeChallenge } from "../../src/features/auth/api/oidc.ts";
import { readTokenClaims } from "../../src/lib/jwt.ts";
import { SessionProvider, useSession } from "../../src/lib/session.tsx";

const b64 = (v: unknown) =>
  btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const jwt = (claims: unknown) => `${b64({ alg: "HS256" })}.${b64(claims)}.sig`;

function Probe() {
  const { session, reason, signIn } = useSession();
  return (
    <div>
      <p data-testid="who">
        {session ? `${session.tenant}/${session.role}` : `out:${reason ?? "-"}`}
      </p>
      <button
        onClick={() =>
          signIn(
            jwt({
              exp: Math.floor(Date.now() / 1000) + 60,
              tenant: "team-a",
              role: ["viewer", "developer"],
            }),
          )
        }
      >
        in
      </button>
    </div>
  );
}

describe("session", () => {
  it("keeps the token in sessionStorage, never in the URL, and signs out when it expires", () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-26T06:00:00Z") });
    try {
      render(
        <SessionProvider>
          <Probe />
        </SessionProvider>,
      );
      expect(screen.getByTestId("who").textContent).toBe("out:-");
      act(() => screen.getByText("in").click());
      expect(screen.getByTestId("who").textContent).toBe("team-a/developer");
      expect(sessionStorage.getItem("eventflow.session")).toContain("team-a");
      expect(window.location.href).not.toContain("eyJ");
      act(() => vi.advanceTimersByTime(61_000));
      expect(screen.getByTestId("who").textContent).toBe("out:expired");
      expect(sessionStorage.getItem("eventflow.session")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not restore an expired session from storage", () => {
    sessionStorage.setItem(
      "eventflow.session",
      JSON.stringify({ token: "a.b.c", role: "admin", tenant: "t", expiresAt: Date.now() - 1 }),
    );
    render(
      <SessionProvider>
        <Probe />
      </SessionProvider>,
    );
    expect(screen.getByTestId("who").textContent).toBe("out:-");
  });

  it("reads claims without verifying, and nothing from garbage", () => {
    expect(readTokenClaims(jwt({ exp: 5, role: "viewer admin", tenant: "x" }))).toEqual({
      exp: 5,
      role: "admin",
      tenant: "x",
    });
    expect(readTokenClaims("not-a-token")).toBeUndefined();
    expect(readTokenClaims("a.%%%.c")).toBeUndefined();
  });

  it("computes the PKCE S256 challenge of RFC 7636's example", async () => {
    expect(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });
});
