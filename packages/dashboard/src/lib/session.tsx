/**
 * The signed-in session: the token lives in memory and in sessionStorage (this tab only, gone
 * when it closes), never in a URL or localStorage. When the token's `exp` passes, or the API
 * answers 401, the session ends with a message saying why.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from "react";
import { readTokenClaims } from "./jwt.ts";

const KEY = "eventflow.session";

/** A signed-in user. */
export interface Session {
  readonly token: string;
  /** viewer, developer, admin, or undefined when the token does not say (the API decides). */
  readonly role: string | undefined;
  readonly tenant: string | undefined;
  /** Milliseconds since the epoch, when the token says. */
  readonly expiresAt: number | undefined;
}

/** Why a session ended, shown on the sign-in page. */
export type SignOutReason = "expired" | "rejected" | "signed-out";

interface SessionState {
  readonly session: Session | undefined;
  readonly reason: SignOutReason | undefined;
  signIn(token: string, known?: { role?: string; tenant?: string; expiresAt?: string }): void;
  signOut(reason?: SignOutReason): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/** Builds a session from a token and what the issuer said about it. */
export function toSession(
  token: string,
  known: { role?: string; tenant?: string; expiresAt?: string } = {},
): Session {
  const claims = readTokenClaims(token);
  const exp = known.expiresAt
    ? Date.parse(known.expiresAt)
    : claims?.exp !== undefined
      ? claims.exp * 1000
      : undefined;
  return {
    token,
    role: known.role ?? claims?.role,
    tenant: known.tenant ?? claims?.tenant,
    expiresAt: exp,
  };
}

function load(now: number): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== "string") return undefined;
    if (session.expiresAt !== undefined && session.expiresAt <= now) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

/** Provides the session to the app. */
export function SessionProvider({
  children,
  now = Date.now,
}: {
  children: ReactNode;
  now?: () => number;
}) {
  const [session, setSession] = useState<Session | undefined>(() => load(now()));
  const [reason, setReason] = useState<SignOutReason | undefined>(undefined);

  const signOut = useCallback((why: SignOutReason = "signed-out") => {
    sessionStorage.removeItem(KEY);
    setSession(undefined);
    setReason(why);
  }, []);

  const signIn = useCallback<SessionState["signIn"]>((token, known) => {
    const next = toSession(token, known);
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setReason(undefined);
    setSession(next);
  }, []);

  useEffect(() => {
    if (session?.expiresAt === undefined) return;
    const left = session.expiresAt - now();
    if (left <= 0) {
      signOut("expired");
      return;
    }
    // setTimeout takes at most 2^31-1 ms; longer tokens are checked again when it fires.
    const timer = setTimeout(
      () => {
        if (session.expiresAt! <= now()) signOut("expired");
        else setSession({ ...session });
      },
      Math.min(left, 2_147_483_647),
    );
    return () => clearTimeout(timer);
  }, [session, signOut, now]);

  const value = useMemo(
    () => ({ session, reason, signIn, signOut }),
    [session, reason, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session state; throws outside the provider. */
export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** Whether the signed-in role may change functions (the API refuses anyway). */
export function canWrite(session: Session | undefined): boolean {
  return session !== undefined && session.role !== "viewer";
}
