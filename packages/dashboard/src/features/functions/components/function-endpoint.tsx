/** The function's URL with buttons that copy it, or a ready curl command, to the clipboard. */
import type { FunctionStatus } from "@eventflow/protocol";
import { Check, Copy, TerminalSquare } from "lucide-react";
import { useState } from "react";
import { buildCurl, copyText } from "../../../lib/curl.ts";
import { PublicBadge } from "./public-badge.tsx";

type Copied = "url" | "curl" | "failed" | undefined;

/** The endpoint card; nothing when the controller reports no URL (an older controller). */
export function FunctionEndpoint({ fn }: { fn: FunctionStatus }) {
  const [copied, setCopied] = useState<Copied>();
  const url = fn.url;
  if (url === undefined) return null;
  const curl = buildCurl({ url, auth: fn.spec.auth });
  const onCopy = async (what: "url" | "curl") =>
    setCopied((await copyText(what === "url" ? url : curl)) ? what : "failed");
  return (
    <section className="card space-y-3" aria-labelledby="endpoint-title">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="endpoint-title" className="mr-auto text-lg font-semibold">
          HTTP endpoint
        </h2>
        <PublicBadge auth={fn.spec.auth} />
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Any method and any path below this URL reach the function.{" "}
        {fn.spec.auth === "public"
          ? "It is public: anyone who knows the URL can call it, without a token."
          : "Callers need a token that may invoke it."}
      </p>
      <code className="code-block block" data-testid="function-url">
        {url}
      </code>
      <pre className="code-block" data-testid="function-curl">
        {curl}
      </pre>
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn" onClick={() => void onCopy("url")}>
          {copied === "url" ? <Check aria-hidden size={16} /> : <Copy aria-hidden size={16} />}
          Copy URL
        </button>
        <button type="button" className="btn" onClick={() => void onCopy("curl")}>
          {copied === "curl" ? (
            <Check aria-hidden size={16} />
          ) : (
            <TerminalSquare aria-hidden size={16} />
          )}
          Copy as curl
        </button>
        <span role="status" className="text-sm text-slate-600 dark:text-slate-300">
          {copied === "url" && "URL copied."}
          {copied === "curl" && "curl command copied."}
          {copied === "failed" && "The browser refused the clipboard: select the text above."}
        </span>
      </div>
    </section>
  );
}
