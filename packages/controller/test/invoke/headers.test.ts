import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import {
  buildUpstreamHeaders,
  toClientHeaders,
  nextTraceparent,
} from "../../src/invoke/headers.js";
import { requestIdFor } from "../../src/http/request-id.js";
import { InvokeTimeout, toInvokeError } from "../../src/invoke/upstream-errors.js";

const info = {
  requestId: "rid",
  traceparent: "00-aa-bb-01",
  proto: "http",
  host: "ctl:8080",
  clientIp: "10.0.0.1",
};

describe("buildUpstreamHeaders", () => {
  it("keeps end-to-end headers with their case and order, drops hop-by-hop and consumed ones", () => {
    const out = buildUpstreamHeaders(
      [
        "Host",
        "ctl:8080",
        "Connection",
        "keep-alive, X-Secret-Hop",
        "X-Secret-Hop",
        "1",
        "Keep-Alive",
        "timeout=5",
        "Transfer-Encoding",
        "chunked",
        "Authorization",
        "Bearer platform",
        "Expect",
        "100-continue",
        "Content-Type",
        "application/json",
        "Set-Cookie-Like",
        "a",
        "Set-Cookie-Like",
        "b",
        "X-Request-Id",
        "spoofed",
        "Traceparent",
        "00-old",
        "Tracestate",
        "old",
        "X-Forwarded-For",
        "1.1.1.1",
        "X-Forwarded-Host",
        "evil",
      ],
      info,
    );
    expect(out).toEqual([
      "Content-Type",
      "application/json",
      "Set-Cookie-Like",
      "a",
      "Set-Cookie-Like",
      "b",
      "x-request-id",
      "rid",
      "traceparent",
      "00-aa-bb-01",
      "x-forwarded-for",
      "1.1.1.1, 10.0.0.1",
      "x-forwarded-proto",
      "http",
      "x-forwarded-host",
      "ctl:8080",
    ]);
  });
  it("forwards tracestate only with a continued trace", () => {
    expect(buildUpstreamHeaders([], { ...info, tracestate: "v=1" })).toContain("tracestate");
  });
});

describe("toClientHeaders", () => {
  it("copies everything but hop-by-hop headers, those named in Connection and the platform's error marker", () => {
    const got = toClientHeaders({
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
      connection: "x-hop",
      "x-hop": "1",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      "x-own": "y",
      "x-eventflow-error": "FUNCTION_NOT_READY",
    });
    expect(got).toEqual({
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
      "x-own": "y",
    });
  });
});

describe("nextTraceparent", () => {
  it.each([
    [
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      true,
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "01",
    ],
    [
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
      true,
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "00",
    ],
    [
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      true,
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "01",
    ],
    ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", false, undefined, "01"],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false, undefined, "01"],
    ["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, undefined, "01"],
    ["00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false, undefined, "01"],
    ["garbage", false, undefined, "01"],
    [undefined, false, undefined, "01"],
  ])("%s", (incoming, continued, traceId, flags) => {
    const next = nextTraceparent(incoming);
    expect(next.continued).toBe(continued);
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(next.traceparent);
    expect(m).not.toBeNull();
    if (traceId) expect(m![1]).toBe(traceId);
    expect(m![2]).not.toBe("00f067aa0ba902b7");
    expect(m![3]).toBe(flags);
  });
  it("never repeats ids", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => nextTraceparent(undefined).traceparent));
    expect(ids.size).toBe(1000);
  });
});

describe("requestIdFor", () => {
  it.each([
    ["abc-123", "abc-123"],
    ["trace.1:2_x", "trace.1:2_x"],
    [undefined, undefined],
    ["", undefined],
    ["bad id with spaces", undefined],
    ["x".repeat(200), undefined],
  ])("header %s", (header, expected) => {
    const id = requestIdFor(header);
    if (expected) expect(id).toBe(expected);
    else expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("toInvokeError", () => {
  it.each([
    [new InvokeTimeout(), "INVOKE_TIMEOUT", 504],
    [Object.assign(new Error("x"), { code: "UND_ERR_HEADERS_TIMEOUT" }), "INVOKE_TIMEOUT", 504],
    [Object.assign(new Error("x"), { code: "ECONNREFUSED" }), "INVOKE_UPSTREAM_UNREACHABLE", 502],
    [Object.assign(new Error("x"), { code: "ECONNRESET" }), "INVOKE_UPSTREAM_UNREACHABLE", 502],
    [Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }), "INVOKE_UPSTREAM_UNREACHABLE", 502],
    [new EventFlowError("FUNCTION_NOT_READY", "x"), "FUNCTION_NOT_READY", 503],
    [new Error("surprise"), "INTERNAL", 500],
  ])("%s", (error, code, status) => {
    const e = toInvokeError(error, "f", 1000);
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
  });
});
