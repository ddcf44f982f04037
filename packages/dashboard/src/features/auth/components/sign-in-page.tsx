/** Sign in: paste a token, take a dev token, or sign in with the configured OIDC issuer. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { KeyRound, LogIn, ShieldCheck } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { useClient } from "../../../lib/client-context.tsx";
import { useSession, type SignOutReason } from "../../../lib/session.tsx";
import { authConfigQuery, devTokenMutation } from "../api/auth-queries.ts";
import { startOidcSignIn } from "../api/oidc.ts";

const REASONS: Record<SignOutReason, string> = {
  expired: "Your session expired. Sign in again to continue.",
  rejected: "The controller no longer accepts your token. Sign in again.",
  "signed-out": "You are signed out.",
};

/** The sign-in page. */
export function SignInPage() {
  const client = useClient();
  const { signIn, reason } = useSession();
  const config = useQuery(authConfigQuery(client));
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const tokenId = useId();

  const dev = useMutation({
    ...devTokenMutation(client),
    onSuccess: (t) => signIn(t.token, { role: t.role, tenant: t.tenant, expiresAt: t.expires_at }),
    onError: (e) => setProblem(e.message),
  });
  const oidc = useMutation({
    mutationFn: async () => {
      const o = config.data?.oidc;
      if (!o?.clientId) throw new Error("OIDC is not configured");
      return startOidcSignIn({
        issuer: o.issuer,
        clientId: o.clientId,
        audience: o.audience,
        redirectUri: `${window.location.origin}/auth/callback`,
      });
    },
    onSuccess: (url) => window.location.assign(url),
    onError: (e) => setProblem(e.message),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, "");
    if (value.split(".").length !== 3) {
      setProblem("That does not look like a token (three dot-separated parts).");
      return;
    }
    signIn(value);
  };

  return (
    <main className="mx-auto mt-16 max-w-md px-4">
      <div className="card space-y-6">
        <div>
          <h1 className="text-2xl font-semibold">Sign in to EventFlow</h1>
          {reason && reason !== "signed-out" && (
            <p
              role="alert"
              className="mt-3 rounded-md bg-amber-100 p-3 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100"
            >
              {REASONS[reason]}
            </p>
          )}
        </div>
        {config.data?.devAuth && (
          <button
            type="button"
            className="btn-primary w-full"
            onClick={() => dev.mutate()}
            disabled={dev.isPending}
          >
            <KeyRound aria-hidden size={18} /> Use a dev token
          </button>
        )}
        {config.data?.oidc?.clientId && (
          <button
            type="button"
            className="btn-primary w-full"
            onClick={() => oidc.mutate()}
            disabled={oidc.isPending}
          >
            <ShieldCheck aria-hidden size={18} /> Sign in with your identity provider
          </button>
        )}
        <form onSubmit={submit} className="space-y-3">
          <label htmlFor={tokenId} className="label block">
            Paste an API token
          </label>
          <textarea
            id={tokenId}
            className="input block h-24 w-full font-mono text-xs"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <button type="submit" className="btn w-full">
            <LogIn aria-hidden size={18} /> Sign in with token
          </button>
        </form>
        {problem && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            {problem}
          </p>
        )}
      </div>
    </main>
  );
}
