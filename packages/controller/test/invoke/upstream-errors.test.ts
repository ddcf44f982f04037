import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { CONNECTION_ERROR_CODES } from "@eventflow/protocol";
import { isTransportError } from "../../src/drivers/kubernetes/errors.js";
import { canRetryElsewhere, toInvokeError } from "../../src/invoke/upstream-errors.js";

const err = (code: string) => Object.assign(new Error(code), { code });
const untouchedStream = () => Readable.from(["x"]);
const destroyedStream = () => {
  const s = Readable.from(["x"]);
  s.destroy();
  return s;
};

describe("canRetryElsewhere", () => {
  const cases: [string, unknown, { method: string; headers?: string[]; body: unknown }, boolean][] =
    [
      // Refused: nothing reached the replica, whatever the method.
      [
        "refused POST with a buffer",
        err("ECONNREFUSED"),
        { method: "POST", body: Buffer.from("x") },
        true,
      ],
      ["refused POST without body", err("ECONNREFUSED"), { method: "POST", body: null }, true],
      [
        "refused POST, stream not read",
        err("ECONNREFUSED"),
        { method: "POST", body: untouchedStream() },
        true,
      ],
      [
        "refused POST, stream destroyed",
        err("ECONNREFUSED"),
        { method: "POST", body: destroyedStream() },
        false,
      ],
      // Broken before the response: the replica may have run the function.
      ["reset GET", err("ECONNRESET"), { method: "GET", body: null }, true],
      ["closed (undici) HEAD", err("UND_ERR_SOCKET"), { method: "HEAD", body: null }, true],
      [
        "reset PUT with a buffer",
        err("ECONNRESET"),
        { method: "PUT", body: Buffer.from("x") },
        true,
      ],
      ["EPIPE DELETE", err("EPIPE"), { method: "delete", body: null }, true],
      ["reset POST", err("ECONNRESET"), { method: "POST", body: Buffer.from("x") }, false],
      ["closed (undici) POST", err("UND_ERR_SOCKET"), { method: "POST", body: null }, false],
      [
        "reset POST with an Idempotency-Key",
        err("UND_ERR_SOCKET"),
        { method: "POST", headers: ["Idempotency-Key", "k-1"], body: Buffer.from("x") },
        true,
      ],
      [
        "reset PUT with a stream (maybe half sent)",
        err("ECONNRESET"),
        { method: "PUT", body: untouchedStream() },
        false,
      ],
      // Neither refused nor broken: never retried.
      ["headers timeout GET", err("UND_ERR_HEADERS_TIMEOUT"), { method: "GET", body: null }, false],
      ["host unreachable GET", err("EHOSTUNREACH"), { method: "GET", body: null }, false],
      ["an error without code", new Error("x"), { method: "GET", body: null }, false],
      ["not an error", undefined, { method: "GET", body: null }, false],
    ];
  it.each(cases)("%s -> %s", (_name, error, request, expected) => {
    expect(canRetryElsewhere(error, { headers: [], ...request })).toBe(expected);
  });
});

// One list of connection failures (@eventflow/protocol) read by every socket adapter: each
// code is an unreachable replica for the invoke router (timeouts: INVOKE_TIMEOUT) and an
// unreachable API server for the Kubernetes driver, also when it is the cause of another error.
describe("connection error codes", () => {
  it.each([...CONNECTION_ERROR_CODES])("%s", (code) => {
    const timeout = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
    expect(toInvokeError(err(code), "hello", 1000).code).toBe(
      timeout ? "INVOKE_TIMEOUT" : "INVOKE_UPSTREAM_UNREACHABLE",
    );
    expect(isTransportError(new Error("fetch failed", { cause: err(code) }))).toBe(true);
  });
  it("other codes are neither", () => {
    expect(toInvokeError(err("ERR_INVALID_ARG_TYPE"), "hello", 1000).code).toBe("INTERNAL");
    expect(isTransportError(err("ERR_INVALID_ARG_TYPE"))).toBe(false);
  });
});
