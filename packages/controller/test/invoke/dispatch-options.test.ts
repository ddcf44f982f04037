import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { announcesBody, buildDispatchOptions } from "../../src/invoke/dispatch-options.js";

const TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** The upstream request for a client request with these raw headers (no socket I/O happens). */
function optionsFor(rawHeaders: string[], querystring = "") {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  const req = { method: "PUT", rawHeaders, headers, socket: { remoteAddress: "10.0.0.7" } };
  const request = { req: req as unknown as IncomingMessage, res: {} as ServerResponse };
  const opts = buildDispatchOptions(
    { ...request, requestId: "req-1", querystring, protocol: "https" },
    { requestId: "req-1", timeoutMs: 5000, body: null },
  );
  const flat = opts.headers as string[];
  const sent = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
  return { opts, sent };
}

describe("announcesBody", () => {
  it.each([
    [{}, false],
    [{ "content-length": "0" }, false],
    [{ "content-length": "12" }, true],
    [{ "transfer-encoding": "chunked" }, true],
  ])("%j -> %s", (headers, expected) => {
    expect(announcesBody(headers)).toBe(expected);
  });
});

describe("buildDispatchOptions", () => {
  it.each([
    ["", "/"],
    ["a=1&b=2", "/?a=1&b=2"],
  ])("query %j: path %s, the method, body and the invoke's timeout", (querystring, path) => {
    expect(optionsFor([], querystring).opts).toMatchObject({
      path,
      method: "PUT",
      body: null,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
  });

  it("forwards the request id and the client, continuing a valid trace with its state", () => {
    const { sent } = optionsFor(["Host", "api.example", "traceparent", TRACE, "tracestate", "k=v"]);
    expect(sent).toMatchObject({
      "x-request-id": "req-1",
      "x-forwarded-for": "10.0.0.7",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "api.example",
      tracestate: "k=v",
    });
    expect(sent["traceparent"]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it("starts a new trace without the caller's state when its traceparent is not valid", () => {
    const { sent } = optionsFor(["traceparent", "garbage", "tracestate", "k=v"]);
    expect(sent["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(sent["tracestate"]).toBeUndefined();
  });
});
