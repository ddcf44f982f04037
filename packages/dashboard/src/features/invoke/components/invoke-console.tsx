/**
 * Send a request to a function (any method and path of its HTTP endpoint) and see its status,
 * duration, request id, headers and body (JSON indented); copy the same request as curl. A
 * Failed function cannot answer, so the form is off with the reason.
 */
import type { FunctionStatus } from "@eventflow/protocol";
import { useMutation } from "@tanstack/react-query";
import { Check, Send, TerminalSquare } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import type { Client } from "../../../lib/api-client.ts";
import { buildCurl, copyText } from "../../../lib/curl.ts";
import { Field, SelectField } from "../../../lib/form-field.tsx";
import { formatMs } from "../../../lib/format.ts";
import { ErrorAlert } from "../../../lib/error-alert.tsx";
import {
  INVOKE_METHODS,
  invokeMutation,
  parseHeaderLines,
  sendsBody,
  type InvokeInput,
} from "../api/invoke.ts";

/** The function's URL for `input`'s path and query string. */
function requestUrl(base: string, input: InvokeInput): string {
  const query = input.query.trim().replace(/^\?/, "");
  return `${base.replace(/\/+$/, "")}/${input.path.replace(/^\/+/, "")}${query ? `?${query}` : ""}`;
}

/** The console. */
export function InvokeConsole({ client, fn }: { client: Client; fn: FunctionStatus }) {
  const [input, setInput] = useState<InvokeInput>({
    method: "POST",
    path: "/",
    query: "",
    headers: "content-type: application/json",
    body: '{"name": "dashboard"}',
  });
  const [copied, setCopied] = useState<boolean | undefined>();
  const set = (patch: Partial<InvokeInput>) => setInput((i) => ({ ...i, ...patch }));
  const invoke = useMutation(invokeMutation(client, fn.name));
  const titleId = useId();
  const failed = fn.status === "Failed";
  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!failed) invoke.mutate(input);
  };
  const curl =
    fn.url === undefined
      ? undefined
      : buildCurl({
          url: requestUrl(fn.url, input),
          auth: fn.spec.auth,
          method: input.method,
          headers: parseHeaderLines(input.headers),
          ...(sendsBody(input.method) ? { body: input.body } : {}),
        });
  const result = invoke.data;
  const ok = result !== undefined && result.status < 400;
  return (
    <section className="card space-y-3" aria-labelledby={titleId}>
      <h2 id={titleId} className="text-lg font-semibold">
        Invoke
      </h2>
      {failed && (
        <p role="note" className="text-sm text-slate-600 dark:text-slate-300">
          Invoking is off while the function is Failed
          {fn.last_error ? `: ${fn.last_error.message}` : ""}. Fix its spec or image first.
        </p>
      )}
      <form onSubmit={send} className="space-y-3">
        <fieldset disabled={failed} className="space-y-3">
          <div className="grid gap-3 sm:grid-cols-[7rem_1fr_1fr]">
            <SelectField
              label="Method"
              className="font-mono"
              value={input.method}
              onChange={(method) => set({ method })}
              options={INVOKE_METHODS}
            />
            <Field label="Path">
              {(id) => (
                <input
                  id={id}
                  className="input font-mono"
                  value={input.path}
                  onChange={(e) => set({ path: e.target.value })}
                />
              )}
            </Field>
            <Field label="Query string">
              {(id) => (
                <input
                  id={id}
                  className="input font-mono"
                  value={input.query}
                  onChange={(e) => set({ query: e.target.value })}
                  placeholder="name=you"
                />
              )}
            </Field>
          </div>
          <Field label={'Headers (one "Name: value" per line)'}>
            {(id) => (
              <textarea
                id={id}
                className="input h-16 font-mono text-xs"
                value={input.headers}
                onChange={(e) => set({ headers: e.target.value })}
                spellCheck={false}
              />
            )}
          </Field>
          <Field label="Body">
            {(id) => (
              <textarea
                id={id}
                className="input h-28 font-mono text-xs"
                value={input.body}
                disabled={!sendsBody(input.method)}
                onChange={(e) => set({ body: e.target.value })}
                spellCheck={false}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(e);
                }}
              />
            )}
          </Field>
          <div className="flex flex-wrap items-center gap-2">
            <button type="submit" className="btn-primary" disabled={invoke.isPending}>
              <Send aria-hidden size={16} /> {invoke.isPending ? "Sending..." : "Send"}
            </button>
            {curl !== undefined && (
              <button
                type="button"
                className="btn"
                onClick={() => void copyText(curl).then(setCopied)}
                data-curl={curl}
              >
                {copied ? (
                  <Check aria-hidden size={16} />
                ) : (
                  <TerminalSquare aria-hidden size={16} />
                )}
                Copy request as curl
              </button>
            )}
            <span role="status" className="text-sm text-slate-600 dark:text-slate-300">
              {copied === true && "curl command copied."}
              {copied === false && "The browser refused the clipboard."}
            </span>
          </div>
        </fieldset>
      </form>
      <ErrorAlert error={invoke.error} />
      {result && (
        <div className="space-y-2" aria-live="polite" aria-label="Response">
          <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm" data-testid="invoke-summary">
            <span
              data-testid="invoke-status"
              className={`font-semibold ${ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}`}
            >
              {result.status}
            </span>
            <span data-testid="invoke-duration">{formatMs(result.durationMs)}</span>
            {result.requestId && (
              <span>
                request id{" "}
                <code className="code" data-testid="invoke-request-id">
                  {result.requestId}
                </code>
              </span>
            )}
            {result.revision && (
              <span>
                revision{" "}
                <code className="code" data-testid="invoke-revision">
                  {result.revision}
                </code>
              </span>
            )}
          </p>
          <details>
            <summary className="cursor-pointer text-sm">Response headers</summary>
            <pre className="code-block">
              {Object.entries(result.headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join("\n")}
            </pre>
          </details>
          <pre className="code-block" data-testid="invoke-body">
            {result.body || "(empty body)"}
          </pre>
        </div>
      )}
    </section>
  );
}
