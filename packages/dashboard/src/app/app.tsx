/** The app shell: providers, the header, and the page for the current path. */
import { isEventFlowError } from "@eventflow/protocol";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Inbox, KeyRound, LogOut, Zap } from "lucide-react";
import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from "react";
import { OidcCallback } from "../features/auth/components/oidc-callback.tsx";
import { SignInPage } from "../features/auth/components/sign-in-page.tsx";
import type { Client } from "../lib/api-client.ts";
import { ClientProvider } from "../lib/client-context.tsx";
import { Link, matchPath, useLocation } from "../lib/router.tsx";
import { SessionProvider, useSession, type SignOutReason } from "../lib/session.tsx";
import { ThemeToggle } from "../lib/theme.tsx";
import { FunctionsPage } from "../routes/functions-page.tsx";

// The list and sign-in load first; the form (zod, react-hook-form) and the detail page
// (Recharts) load when first opened, so the first page stays small.
const FunctionDetailPage = lazy(() =>
  import("../routes/function-detail-page.tsx").then((m) => ({ default: m.FunctionDetailPage })),
);
const NewFunctionPage = lazy(() =>
  import("../routes/function-form-page.tsx").then((m) => ({ default: m.NewFunctionPage })),
);
const EditFunctionPage = lazy(() =>
  import("../routes/function-form-page.tsx").then((m) => ({ default: m.EditFunctionPage })),
);

const SecretsPage = lazy(() =>
  import("../routes/secrets-page.tsx").then((m) => ({ default: m.SecretsPage })),
);
const DeadLettersPage = lazy(() =>
  import("../routes/dead-letters-page.tsx").then((m) => ({ default: m.DeadLettersPage })),
);
const NewSecretPage = lazy(() =>
  import("../routes/secret-form-page.tsx").then((m) => ({ default: m.NewSecretPage })),
);
const EditSecretPage = lazy(() =>
  import("../routes/secret-form-page.tsx").then((m) => ({ default: m.EditSecretPage })),
);

/** Which sign-out an API error means, if any: 401s end the session. */
function authFailure(error: unknown): SignOutReason | undefined {
  if (!isEventFlowError(error) || error.status !== 401) return undefined;
  return error.code === "AUTH_TOKEN_EXPIRED" ? "expired" : "rejected";
}

function useQueryClient(signOut: (reason: SignOutReason) => void): QueryClient {
  const [client] = useState(() => {
    const onError = (error: unknown) => {
      const reason = authFailure(error);
      if (reason) signOut(reason);
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          retry: (count, error) =>
            authFailure(error) === undefined &&
            (!isEventFlowError(error) || error.retryable) &&
            count < 2,
          refetchOnWindowFocus: true,
        },
      },
    });
  });
  return client;
}

function Page(): ReactNode {
  const { pathname } = useLocation();
  let p: Record<string, string> | undefined;
  if (matchPath("/", pathname)) return <FunctionsPage />;
  if (matchPath("/functions/new", pathname)) return <NewFunctionPage />;
  if ((p = matchPath("/functions/:name/edit", pathname)))
    return <EditFunctionPage key={p.name} name={p.name!} />;
  if ((p = matchPath("/functions/:name", pathname)))
    return <FunctionDetailPage key={p.name} name={p.name!} />;
  if (matchPath("/secrets", pathname)) return <SecretsPage />;
  if (matchPath("/secrets/new", pathname)) return <NewSecretPage />;
  if ((p = matchPath("/secrets/:name/edit", pathname)))
    return <EditSecretPage key={p.name} name={p.name!} />;
  if (matchPath("/dead-letters", pathname)) return <DeadLettersPage />;
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <Link href="/" className="btn">
        Back to functions
      </Link>
    </div>
  );
}

function Shell() {
  const { session, signOut } = useSession();
  const queries = useQueryClient(signOut);
  const { pathname } = useLocation();
  // Signing out (or in as someone else) drops every cached answer of the previous token.
  const token = session?.token;
  const previous = useRef(token);
  useEffect(() => {
    if (previous.current !== undefined && previous.current !== token) queries.clear();
    previous.current = token;
  }, [token, queries]);
  let body: ReactNode;
  if (pathname === "/auth/callback") body = <OidcCallback />;
  else if (!session) body = <SignInPage />;
  else
    body = (
      <main className="mx-auto max-w-6xl px-4 py-6">
        <Suspense fallback={<p role="status">Loading...</p>}>
          <Page />
        </Suspense>
      </main>
    );
  return (
    <QueryClientProvider client={queries}>
      <a href="#content" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <nav
          className="mx-auto flex max-w-6xl items-center gap-2 px-4 py-3 sm:gap-3"
          aria-label="Main"
        >
          <Link href="/" className="flex items-center gap-2 font-semibold">
            <Zap aria-hidden size={20} className="text-sky-600" /> EventFlow
          </Link>
          {session && (
            <Link
              href="/secrets"
              className="btn-ghost"
              aria-current={pathname.startsWith("/secrets") ? "page" : undefined}
            >
              <KeyRound aria-hidden size={16} /> Secrets
            </Link>
          )}
          {session && (
            <Link
              href="/dead-letters"
              className="btn-ghost"
              aria-current={pathname === "/dead-letters" ? "page" : undefined}
              title="Dead letters"
            >
              {/* An icon only on phones, so the header stays one line at 390 px. */}
              <Inbox aria-hidden size={16} />{" "}
              <span className="sr-only sm:not-sr-only">Dead letters</span>
            </Link>
          )}
          <span className="mr-auto" />
          {session && (
            <span className="hidden text-sm text-slate-600 sm:inline dark:text-slate-300">
              {session.tenant ?? "?"} · {session.role ?? "unknown role"}
            </span>
          )}
          <ThemeToggle />
          {session && (
            <button
              type="button"
              className="btn-ghost"
              onClick={() => signOut("signed-out")}
              aria-label="Sign out"
              title="Sign out"
            >
              <LogOut aria-hidden size={18} />
            </button>
          )}
        </nav>
      </header>
      <div id="content">{body}</div>
    </QueryClientProvider>
  );
}

/** The whole app; tests pass their own `client` and `url`. */
export function App({ client, url }: { client?: Client; url?: string }) {
  return (
    <SessionProvider>
      <ClientProvider {...(client ? { client } : {})} {...(url ? { url } : {})}>
        <Shell />
      </ClientProvider>
    </SessionProvider>
  );
}
