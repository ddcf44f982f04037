/** The invoke call as mutation options, and the header-text parser of the console. */
import { mutationOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";
import { prettyBody } from "../../../lib/format.ts";

/** The methods the console offers (any goes to the function's URL). */
export const INVOKE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** What the console sends. */
export interface InvokeInput {
  readonly method: (typeof INVOKE_METHODS)[number];
  /** The path the function sees (`/orders/42`). */
  readonly path: string;
  readonly query: string;
  readonly headers: string;
  readonly body: string;
}

/** What the console shows of an answer. */
export interface InvokeAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly durationMs: number;
  /** The controller's `x-request-id`, to find the invocation in the logs. */
  readonly requestId: string | undefined;
  /** The revision that answered (`x-eventflow-revision`), when the function has revisions. */
  readonly revision: string | undefined;
}

/** `Name: value` lines to a header record; blank lines and lines without a colon are skipped. */
export function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const cut = line.indexOf(":");
    if (cut <= 0) continue;
    headers[line.slice(0, cut).trim().toLowerCase()] = line.slice(cut + 1).trim();
  }
  return headers;
}

/** Whether `method` sends the body field (fetch refuses one on GET). */
export const sendsBody = (method: string) => method !== "GET";

/** A request to the function with the console's method, path, query string, headers and body. */
export function invokeMutation(client: Client, name: string) {
  return mutationOptions({
    mutationKey: ["invoke", name],
    mutationFn: async (input: InvokeInput): Promise<InvokeAnswer> => {
      const headers = parseHeaderLines(input.headers);
      const { "content-type": contentType, ...rest } = headers;
      const result = await client.invoke(name, {
        method: input.method,
        ...(input.path.replace(/^\/+/, "") ? { path: `/${input.path.replace(/^\/+/, "")}` } : {}),
        headers: rest,
        ...(input.body !== "" && sendsBody(input.method)
          ? { text: input.body, contentType: contentType ?? "text/plain; charset=utf-8" }
          : {}),
        query: Object.fromEntries(new URLSearchParams(input.query.trim().replace(/^\?/, ""))),
      });
      return {
        status: result.status,
        headers: Object.fromEntries(result.headers.entries()),
        body: prettyBody(result.text(), result.headers.get("content-type") ?? undefined),
        durationMs: result.durationMs,
        requestId: result.requestId,
        revision: result.revision,
      };
    },
  });
}
