/** `/dead-letters`: the tenant's dead letters, to inspect, redrive or purge. */
import { DeadLetters } from "../features/invocations/components/dead-letters.tsx";
import { canWrite, useSession } from "../lib/session.tsx";

/** The page. */
export function DeadLettersPage() {
  const { session } = useSession();
  return (
    <>
      <h1 className="mb-4 text-2xl font-semibold">Dead letters</h1>
      <DeadLetters canWrite={canWrite(session)} />
    </>
  );
}
