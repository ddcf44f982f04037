/** Send a request to a function and see its status, headers, body and duration. */
import { useMutation } from "@tanstack/react-query";
import { Send } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import type { Client } from "../../../lib/api-client.ts";
import { formatMs } from "../../../lib/format.ts";
import { errorText } from "../../../lib/server-errors.ts";
import { invokeMutation } from "../api/invoke.ts";

/** The console. */
export function InvokeConsole({ client, name }: { client: Client; name: string }) {
  const [query, setQuery] = useState("");
  const [headers, setHeaders] = useState("content-type: application/json");
  const [body, setBody] = useState('{"name": "dashboard"}');
  const invoke = useMutation(invokeMutation(client, name));
  const ids = { query: useId(), headers: useId(), body: useId(), title: useId() };
  const send = (event: FormEvent) => {
    event.preventDefault();
    invoke.mutate({ query, headers, body });
  };
  const result = invoke.data;
  const ok = result !== undefined && result.status < 400;
  return (
    <section className="card space-y-3" aria-labelledby={ids.title}>
      <h2 id={ids.title} className="text-lg font-semibold">
        Invoke
      </h2>
      <form onSubmit={send} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-[5rem_1fr]">
          <p className="flex flex-col gap-1">
            <span className="label">Method</span>
            <span className="py-1.5 font-mono text-sm">POST</span>
          </p>
          <div className="flex flex-col gap-1">
            <label htmlFor={ids.query} className="label">
              Query string
            </label>
            <input
              id={ids.query}
              className="input font-mono"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="name=you"
            />
          </div>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.headers} className="label">
            Headers (one "Name: value" per line)
          </label>
          <textarea
            id={ids.headers}
            className="input h-16 font-mono text-xs"
            value={headers}
            onChange={(e) => setHeaders(e.target.value)}
            spellCheck={false}
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.body} className="label">
            Body
          </label>
          <textarea
            id={ids.body}
            className="input h-28 font-mono text-xs"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            spellCheck={false}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(e);
            }}
          />
        </div>
        <button type="submit" className="btn-primary" disabled={invoke.isPending}>
          <Send aria-hidden size={16} /> {invoke.isPending ? "Sending..." : "Send"}
        </button>
      </form>
      {invoke.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {errorText(invoke.error)}
        </p>
      )}
      {result && (
        <div className="space-y-2" aria-live="polite" aria-label="Response">
          <p className="flex gap-4 text-sm">
            <span
              data-testid="invoke-status"
              className={`font-semibold ${ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}`}
            >
              {result.status}
            </span>
            <span>{formatMs(result.durationMs)}</span>
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
