import type { FunctionStatus } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/features/functions/api/endpoint.ts";
import { buildCurl, shellQuote } from "../../src/lib/curl.ts";
import { FunctionEndpoint } from "../../src/features/functions/components/function-endpoint.tsx";

const URL_OF = "http://127.0.0.1:8080/fn/default/hello/";

function fn(spec: Partial<FunctionStatus["spec"]> = {}, url: string | null = URL_OF) {
  // `url: null` stands for an older controller's answer, which had no url.
  return {
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
    ...(url === null ? {} : { url }),
    spec: { image: "oci:/img", replicas: 1, ...spec },
  } as FunctionStatus;
}

describe("buildCurl", () => {
  it.each([
    [undefined, `curl -i -H "Authorization: Bearer $EVENTFLOW_TOKEN" '${URL_OF}'`],
    ["token", `curl -i -H "Authorization: Bearer $EVENTFLOW_TOKEN" '${URL_OF}'`],
    ["public", `curl -i '${URL_OF}'`],
  ] as const)("auth %s: %s", (auth, expected) => {
    expect(buildCurl({ url: URL_OF, auth })).toBe(expected);
  });

  it("keeps a hostile URL one inert shell word", () => {
    const url = "https://x.example/fn/a/b/'; rm -rf ~; echo '$(id)";
    expect(shellQuote(url)).toBe(`'https://x.example/fn/a/b/'\\''; rm -rf ~; echo '\\''$(id)'`);
    expect(buildCurl({ url, auth: "public" })).toBe(`curl -i ${shellQuote(url)}`);
  });
});

describe("buildCurl of a composed request", () => {
  it("sends the method, each header and the body as inert words", () => {
    const body = `{"q": "it's $(id)"}`;
    expect(
      buildCurl({
        url: `${URL_OF}orders?x=1`,
        auth: "token",
        method: "PUT",
        headers: { "content-type": "application/json" },
        body,
      }),
    ).toBe(
      `curl -i -X PUT -H "Authorization: Bearer $EVENTFLOW_TOKEN" -H 'content-type: application/json' --data-binary ${shellQuote(body)} '${URL_OF}orders?x=1'`,
    );
    expect(shellQuote(body)).toBe(`'{"q": "it'\\''s $(id)"}'`);
  });
});

describe("formatBytes", () => {
  it.each([
    [100, "100 bytes"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [6 * 1024 * 1024, "6 MiB"],
    [64 * 1024 * 1024, "64 MiB"],
  ])("%d is %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe("FunctionEndpoint", () => {
  it("shows a token function's URL and copies it, and a curl with the token variable", async () => {
    const user = userEvent.setup();
    render(<FunctionEndpoint fn={fn()} />);
    expect(screen.getByTestId("function-url").textContent).toBe(URL_OF);
    expect(screen.queryByTestId("public-badge")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Copy URL" }));
    expect(await navigator.clipboard.readText()).toBe(URL_OF);
    expect(screen.getByRole("status").textContent).toBe("URL copied.");
    await user.click(screen.getByRole("button", { name: "Copy as curl" }));
    expect(await navigator.clipboard.readText()).toBe(
      `curl -i -H "Authorization: Bearer $EVENTFLOW_TOKEN" '${URL_OF}'`,
    );
    expect(screen.getByRole("status").textContent).toBe("curl command copied.");
  });

  it("marks a public function and copies a curl without credentials", async () => {
    const user = userEvent.setup();
    render(<FunctionEndpoint fn={fn({ auth: "public" })} />);
    expect(screen.getByTestId("public-badge").textContent).toContain("public");
    expect(screen.getByText(/anyone who knows the URL can call it/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Copy as curl" }));
    const copied = await navigator.clipboard.readText();
    expect(copied).toBe(`curl -i '${URL_OF}'`);
    expect(copied).not.toContain("Authorization");
  });

  it("says so when the browser refuses the clipboard", async () => {
    const user = userEvent.setup();
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: () => Promise.reject(new Error("denied")) },
    });
    render(<FunctionEndpoint fn={fn()} />);
    await user.click(screen.getByRole("button", { name: "Copy URL" }));
    expect((await screen.findByRole("status")).textContent).toMatch(/refused the clipboard/);
  });

  it("shows nothing when the controller reports no URL", () => {
    const { container } = render(<FunctionEndpoint fn={fn({}, null)} />);
    expect(container.textContent).toBe("");
  });
});
