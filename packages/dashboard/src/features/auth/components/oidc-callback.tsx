/** The OIDC redirect target: clears the code from the address bar, exchanges it, signs in. */
import { useEffect, useRef, useState } from "react";
import { navigate } from "../../../lib/router.tsx";
import { useSession } from "../../../lib/session.tsx";
import { finishOidcSignIn } from "../api/oidc.ts";

/** Finishes an OIDC sign-in. */
export function OidcCallback() {
  const { signIn } = useSession();
  const [problem, setProblem] = useState<string | undefined>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const search = window.location.search;
    window.history.replaceState(null, "", "/auth/callback");
    finishOidcSignIn(search).then(
      (token) => {
        signIn(token);
        navigate("/", { replace: true });
      },
      (error: Error) => setProblem(error.message),
    );
  }, [signIn]);
  return (
    <main className="mx-auto mt-16 max-w-md px-4">
      <p role={problem ? "alert" : "status"}>
        {problem ? `Sign-in failed: ${problem}` : "Signing you in..."}
      </p>
      {problem && (
        <a className="btn mt-4" href="/">
          Back to sign-in
        </a>
      )}
    </main>
  );
}
