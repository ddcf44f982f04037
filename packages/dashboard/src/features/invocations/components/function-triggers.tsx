/**
 * What runs a function besides HTTP, read from its spec: schedules (the cron, in words when it
 * has a common shape, and its time zone) and NATS subjects (with the queue group).
 */
import type { FunctionTrigger } from "@eventflow/protocol/function-spec";
import { CalendarClock, Radio } from "lucide-react";
import { useId } from "react";
import { describeCron } from "../api/cron-text.ts";

function Schedule({ trigger }: { trigger: FunctionTrigger }) {
  const words = describeCron(trigger.cron ?? "");
  const data = Object.entries(trigger.data ?? {});
  return (
    <>
      <CalendarClock aria-hidden size={16} className="mt-0.5 shrink-0 text-sky-600" />
      <div className="min-w-0">
        <p>
          <span className="font-medium">Schedule</span> <code className="code">{trigger.cron}</code>
          {words && <span data-testid="cron-text">: {words}</span>}
          <span>, {trigger.timezone ?? "UTC"}</span>
        </p>
        {data.length > 0 && (
          <p className="text-xs break-words text-slate-600 dark:text-slate-300">
            data {data.map(([k, v]) => `${k}=${v}`).join(", ")}
          </p>
        )}
      </div>
    </>
  );
}

function Nats({ trigger }: { trigger: FunctionTrigger }) {
  return (
    <>
      <Radio aria-hidden size={16} className="mt-0.5 shrink-0 text-sky-600" />
      <p className="min-w-0">
        <span className="font-medium">NATS subject</span>{" "}
        <code className="code break-all">{trigger.subject}</code>
        {trigger.queue ? (
          <>
            , queue group <code className="code">{trigger.queue}</code>
          </>
        ) : (
          ", the function's own queue group"
        )}
      </p>
    </>
  );
}

/** The triggers card; nothing when the spec has none. */
export function FunctionTriggers({
  triggers,
}: {
  triggers: readonly FunctionTrigger[] | undefined;
}) {
  const titleId = useId();
  if (!triggers || triggers.length === 0) return null;
  return (
    <section className="card space-y-2" aria-labelledby={titleId}>
      <h2 id={titleId} className="text-lg font-semibold">
        Triggers
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Each delivery is an asynchronous invocation, listed with the others.
      </p>
      <ul className="space-y-2 text-sm" aria-label="Triggers">
        {triggers.map((t, i) => (
          <li key={i} className="flex items-start gap-2" data-trigger={t.type}>
            {t.type === "schedule" ? <Schedule trigger={t} /> : <Nats trigger={t} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
