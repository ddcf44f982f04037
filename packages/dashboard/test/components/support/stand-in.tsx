/**
 * What the component tests share: the SDK's real client over a stand-in `fetch` (no controller
 * runs in the jsdom tier; the browser tier drives the real one), JSON and error answers as the
 * controller writes them, and rendering inside the providers the pages have.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { createClient, type Client } from "../../../src/lib/api-client.ts";
import { ClientContext } from "../../../src/lib/use-client.ts";

/** A JSON answer. */
export const jsonResponse = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** An error answer in the controller's envelope. */
export const errorResponse = (status: number, code: string, message = "no") =>
  jsonResponse({ error: { code, message, requestId: "r" } }, status);

/** One request as the stand-in saw it: `METHOD /path?query[ body]`. */
export type SeenRequest = string;

/**
 * A client whose every call goes to `answer(method, url, body)`; `requests` lists them in order
 * (the body after a space when there is one).
 */
export function standInClient(answer: (method: string, url: URL, body: string) => Response) {
  const requests: SeenRequest[] = [];
  const client = createClient({
    url: "http://127.0.0.1:1",
    retry: false,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = init?.method ?? "GET";
      const body = typeof init?.body === "string" ? init.body : "";
      requests.push(`${method} ${url.pathname}${url.search}${body && ` ${body}`}`);
      return answer(method, url, body);
    },
  });
  return { client, requests };
}

/** Renders `ui` with a query client (no retries) and `client`; returns a user-event session. */
export function renderWithClient(client: Client, ui: ReactNode) {
  render(
    <QueryClientProvider
      client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}
    >
      <ClientContext.Provider value={client}>{ui}</ClientContext.Provider>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}
