import type { FunctionStatus } from "@eventflow/protocol";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { prettyBody } from "../../src/lib/format.ts";
import { InvokeConsole } from "../../src/features/invoke/components/invoke-console.tsx";
import { createClient } from "../../src/lib/api-client.ts";

const FN = {
  name: "hello",
  tenant: "default",
  image: "oci:/img",
  replicas: 1,
  available_replicas: 1,
  ready_replicas: 1,
  updated_replicas: 1,
  status: "Running",
  created_at: "2026-11-26T05:00:00.000Z",
  updated_at: "2026-11-26T05:00:00.000Z",
  url: "http://127.0.0.1:1/fn/default/hello/",
  spec: { image: "oci:/img", replicas: 1 },
} as FunctionStatus;

/**
 * The console with the SDK's real client; the fetch stands in for the controller (no controller
 * runs in the jsdom tier; the browser tier invokes a real function) and records each request.
 */
function renderConsole(fn: FunctionStatus, answerHeaders: Record<string, string> = {}) {
  const requests: string[] = [];
  const client = createClient({
    url: "http://127.0.0.1:1",
    retry: false,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      requests.push(`${init?.method} ${url.pathname}${url.search}`);
      // the client looks the function up for its tenant before calling its URL
      if (url.pathname === "/v1/functions/hello")
        return new Response(JSON.stringify(fn), {
          headers: { "content-type": "application/json" },
        });
      return new Response('{"ok":true,"n":[1,2]}', {
        status: 200,
        headers: {
          "content-type": "application/json",
          "x-request-id": "req-42",
          ...answerHeaders,
        },
      });
    },
  });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <InvokeConsole client={client} fn={fn} />
    </QueryClientProvider>,
  );
  return requests;
}

describe("InvokeConsole", () => {
  it("sends the chosen method and path to the function's URL and shows the answer", async () => {
    const user = userEvent.setup();
    const requests = renderConsole(FN);
    await user.selectOptions(screen.getByLabelText("Method"), "GET");
    expect((screen.getByLabelText("Body") as HTMLTextAreaElement).disabled).toBe(true);
    await user.clear(screen.getByLabelText("Path"));
    await user.type(screen.getByLabelText("Path"), "/orders/42");
    await user.type(screen.getByLabelText("Query string"), "x=1");
    expect(
      screen.getByRole("button", { name: "Copy request as curl" }).getAttribute("data-curl"),
    ).toBe(
      `curl -i -H "Authorization: Bearer $EVENTFLOW_TOKEN" -H 'content-type: application/json' 'http://127.0.0.1:1/fn/default/hello/orders/42?x=1'`,
    );
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect((await screen.findByTestId("invoke-status")).textContent).toBe("200");
    expect(requests.at(-1)).toBe("GET /fn/default/hello/orders/42?x=1");
    expect(screen.getByTestId("invoke-request-id").textContent).toBe("req-42");
    // A function without revisions: the answer names none, and the console shows none.
    expect(screen.queryByTestId("invoke-revision")).toBeNull();
    expect(screen.getByTestId("invoke-body").textContent).toBe(
      JSON.stringify({ ok: true, n: [1, 2] }, null, 2),
    );
  });

  it("names the revision that answered (a canary shows which one took the request)", async () => {
    const user = userEvent.setup();
    renderConsole(FN, { "x-eventflow-revision": "hello-00004" });
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect((await screen.findByTestId("invoke-status")).textContent).toBe("200");
    expect(screen.getByTestId("invoke-revision").textContent).toBe("hello-00004");
  });

  it("is off for a Failed function, with the reason", async () => {
    const requests = renderConsole({
      ...FN,
      status: "Failed",
      last_error: { code: "FUNCTION_CRASH_LOOP", message: "exit code 1", at: FN.created_at },
    });
    expect(screen.getByRole("note").textContent).toContain("Failed: exit code 1");
    const send = screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
    expect(send.closest("fieldset")!.disabled).toBe(true);
    await userEvent.setup().click(send);
    expect(requests).toEqual([]);
  });
});

describe("prettyBody", () => {
  it.each([
    ['{"a":1}', "application/json", '{\n  "a": 1\n}'],
    ['{"a":1}', "application/problem+json; charset=utf-8", '{\n  "a": 1\n}'],
    ['{"a":1}', "text/plain", '{"a":1}'],
    ["{not json", "application/json", "{not json"],
    ["", undefined, ""],
  ])("%s as %s", (body, type, expected) => {
    expect(prettyBody(body, type)).toBe(expected);
  });
});
