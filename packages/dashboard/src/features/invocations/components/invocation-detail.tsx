/**
 * One invocation opened from a list: its state, timing, each attempt (status or error, and how
 * long it took) and the stored result, JSON indented.
 */
import type { Invocation } from "@eventflow/sdk/client";
import { useQuery } from "@tanstack/react-query";
import { X } from "lucide-react";
import { DetailRow } from "../../../lib/detail-row.tsx";
import { formatDateTime, formatMs, formatRelative } from "../../../lib/format.ts";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { invocationQuery } from "../api/invocation-queries.ts";
import { attemptDurationMs, toResultPreview } from "../api/result-preview.ts";
import { InvocationStateBadge } from "./state-badge.tsx";

function When({ iso }: { iso: string | undefined }) {
  if (iso === undefined) return <>-</>;
  return (
    <time dateTime={iso}>
      {formatDateTime(iso)} ({formatRelative(iso)})
    </time>
  );
}

function Attempts({ inv }: { inv: Invocation }) {
  if (inv.attempts.length === 0) return <p className="text-sm">No attempt yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Attempts">
        <thead>
          <tr>
            {["#", "Outcome", "Started", "Duration"].map((h) => (
              <th key={h} scope="col" className="px-2 py-1 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {inv.attempts.map((a) => (
            <tr
              key={a.attempt}
              className="border-t border-slate-200 dark:border-slate-800"
              data-testid="attempt"
            >
              <td className="px-2 py-1 tabular-nums">{a.attempt}</td>
              <td className="px-2 py-1 wrap-anywhere">
                {a.status !== undefined && <span className="tabular-nums">{a.status}</span>}
                {a.error && (
                  <span className="text-red-700 dark:text-red-300">
                    {a.status !== undefined && " "}
                    {a.error.message} ({a.error.code})
                  </span>
                )}
                {a.status === undefined && !a.error && (a.finishedAt ? "-" : "running")}
              </td>
              <td className="px-2 py-1">
                <time dateTime={a.startedAt} title={formatDateTime(a.startedAt)}>
                  {formatRelative(a.startedAt)}
                </time>
              </td>
              <td className="px-2 py-1 tabular-nums">{formatMs(attemptDurationMs(a))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Result({ result }: { result: NonNullable<Invocation["result"]> }) {
  const preview = toResultPreview(result);
  return (
    <div className="space-y-1">
      <p className="text-sm">
        <span data-testid="result-status">{preview.status}</span>
        {preview.contentType && <>, {preview.contentType}</>}, {preview.bytes} bytes
        {preview.truncated && " (cut at the controller's result limit)"}
      </p>
      {preview.text === undefined ? (
        <p className="text-sm">Binary body: not shown.</p>
      ) : (
        <pre className="code-block" data-testid="result-body" tabIndex={0}>
          {preview.text}
        </pre>
      )}
    </div>
  );
}

/** The detail of invocation `id`; `onClose` hides it. */
export function InvocationDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const client = useClient();
  const inv = useQuery(invocationQuery(client, id));
  return (
    <section
      className="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-800"
      aria-label={`Invocation ${id}`}
      data-testid="invocation-detail"
    >
      <div className="flex items-center gap-2">
        <h3 className="mr-auto font-mono text-sm font-semibold break-all">{id}</h3>
        <button type="button" className="btn-ghost" onClick={onClose} aria-label="Close invocation">
          <X aria-hidden size={16} />
        </button>
      </div>
      {inv.isPending && <p role="status">Loading invocation...</p>}
      {inv.isError && <p role="alert">{errorText(inv.error)}</p>}
      {inv.data && (
        <>
          <dl className="text-sm">
            <DetailRow label="State">
              <InvocationStateBadge state={inv.data.state} />
            </DetailRow>
            <DetailRow label="Function">{inv.data.function}</DetailRow>
            <DetailRow label="Attempts">{inv.data.attempts.length}</DetailRow>
            <DetailRow label="Retry budget">
              {inv.data.maxAttempts} attempts (a redrive grants a fresh budget)
            </DetailRow>
            <DetailRow label="Created">
              <When iso={inv.data.createdAt} />
            </DetailRow>
            {inv.data.nextAttemptAt && inv.data.state === "queued" && (
              <DetailRow label="Next attempt">
                <When iso={inv.data.nextAttemptAt} />
              </DetailRow>
            )}
            <DetailRow label="Finished">
              <When iso={inv.data.finishedAt} />
            </DetailRow>
            {inv.data.expiresAt && (
              <DetailRow label="Kept until">
                <When iso={inv.data.expiresAt} />
              </DetailRow>
            )}
            {inv.data.idempotencyKey && (
              <DetailRow label="Idempotency key">
                <code className="code">{inv.data.idempotencyKey}</code>
              </DetailRow>
            )}
            {inv.data.callbackUrl && (
              <DetailRow label="Callback">
                <code className="code break-all">{inv.data.callbackUrl}</code>
              </DetailRow>
            )}
          </dl>
          <Attempts inv={inv.data} />
          {inv.data.result && <Result result={inv.data.result} />}
        </>
      )}
    </section>
  );
}
