/** The invoke call as mutation options, and the header-text parser of the console. */
import { mutationOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** What the console sends (the API invokes with POST). */
export interface InvokeInput {
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

/** `POST /v1/functions/{name}:invoke` with the console's query string, headers and body. */
export function invokeMutation(client: Client, name: string) {
  return mutationOptions({
    mutationKey: ["invoke", name],
    mutationFn: async (input: InvokeInput): Promise<InvokeAnswer> => {
      const headers = parseHeaderLines(input.headers);
      const { "content-type": contentType, ...rest } = headers;
      const result = await client.invoke(name, {
        headers: rest,
        ...(input.body !== ""
          ? { text: input.body, contentType: contentType ?? "text/plain; charset=utf-8" }
          : {}),
        query: Object.fromEntries(new URLSearchParams(input.query.trim().replace(/^\?/, ""))),
      });
      return {
        status: result.status,
        headers: Object.fromEntries(result.headers.entries()),
        body: result.text(),
        durationMs: result.durationMs,
      };
    },
  });
}
