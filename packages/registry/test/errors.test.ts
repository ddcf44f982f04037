// Tier 1: the one mapping of registry error codes, HTTP statuses and transport errors.
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "@eventflow/protocol";
import {
  fromRegistryResponse,
  fromTokenResponse,
  fromTransportError,
  parseRegistryErrors,
  transportErrorCode,
} from "../src/index.ts";

const ctx = {
  registry: "r.example:5000",
  repository: "team/app",
  operation: "pull manifest v1",
  access: "pull" as const,
};
const body = (code: string) => JSON.stringify({ errors: [{ code, message: "m", detail: {} }] });

describe("fromRegistryResponse", () => {
  it.each([
    ["UNAUTHORIZED", 401, "REGISTRY_UNAUTHORIZED"],
    ["DENIED", 403, "REGISTRY_DENIED"],
    ["NAME_UNKNOWN", 404, "REGISTRY_NAME_UNKNOWN"],
    ["NAME_INVALID", 400, "IMAGE_REFERENCE_INVALID"],
    ["MANIFEST_UNKNOWN", 404, "REGISTRY_MANIFEST_UNKNOWN"],
    ["BLOB_UNKNOWN", 404, "REGISTRY_BLOB_UNKNOWN"],
    ["MANIFEST_BLOB_UNKNOWN", 400, "REGISTRY_BLOB_UNKNOWN"],
    ["DIGEST_INVALID", 400, "REGISTRY_DIGEST_MISMATCH"],
    ["SIZE_INVALID", 400, "REGISTRY_DIGEST_MISMATCH"],
    ["MANIFEST_INVALID", 400, "REGISTRY_MANIFEST_INVALID"],
    ["TAG_INVALID", 400, "REGISTRY_MANIFEST_INVALID"],
    ["UNSUPPORTED", 405, "REGISTRY_UNSUPPORTED"],
    ["TOOMANYREQUESTS", 429, "REGISTRY_TOO_MANY_REQUESTS"],
    ["UNAVAILABLE", 503, "REGISTRY_UNAVAILABLE"],
    ["BLOB_UPLOAD_UNKNOWN", 404, "REGISTRY_PROTOCOL_ERROR"],
  ])("registry code %s (HTTP %i) -> %s", (code, status, expected) => {
    const error = fromRegistryResponse(
      { ...ctx, authenticated: true },
      { status, body: body(code) },
    );
    expect(error.code).toBe(expected);
    expect(error.status).toBe(ERROR_CODES[expected as keyof typeof ERROR_CODES].status);
    expect(error.details).toMatchObject({
      registry: ctx.registry,
      repository: ctx.repository,
      status,
    });
  });

  it.each([
    [401, undefined, "REGISTRY_UNAUTHORIZED"],
    [403, undefined, "REGISTRY_DENIED"],
    [404, "REGISTRY_BLOB_UNKNOWN", "REGISTRY_BLOB_UNKNOWN"],
    [404, undefined, "REGISTRY_NAME_UNKNOWN"],
    [405, undefined, "REGISTRY_UNSUPPORTED"],
    [429, undefined, "REGISTRY_TOO_MANY_REQUESTS"],
    [500, undefined, "REGISTRY_UNAVAILABLE"],
    [502, undefined, "REGISTRY_UNAVAILABLE"],
    [418, undefined, "REGISTRY_PROTOCOL_ERROR"],
  ] as const)("bare HTTP %i (404 means %s) -> %s", (status, notFound, expected) => {
    const error = fromRegistryResponse(
      { ...ctx, authenticated: true, notFound },
      { status, body: "<html>" },
    );
    expect(error.code).toBe(expected);
  });

  it("insufficient_scope with credentials is DENIED, without credentials UNAUTHORIZED", () => {
    const response = {
      status: 401,
      body: body("UNAUTHORIZED"),
      challengeError: "insufficient_scope",
    };
    expect(fromRegistryResponse({ ...ctx, authenticated: true }, response).code).toBe(
      "REGISTRY_DENIED",
    );
    expect(fromRegistryResponse({ ...ctx, authenticated: false }, response).code).toBe(
      "REGISTRY_UNAUTHORIZED",
    );
    expect(
      fromRegistryResponse({ ...ctx, authenticated: false }, { status: 403, body: body("DENIED") })
        .code,
    ).toBe("REGISTRY_UNAUTHORIZED");
  });

  it("says which registry and repository", () => {
    const error = fromRegistryResponse(
      { ...ctx, authenticated: false },
      { status: 401, body: body("UNAUTHORIZED") },
    );
    expect(error.message).toContain("r.example:5000");
    expect(error.message).toContain("team/app");
  });

  it("parseRegistryErrors ignores bodies that are not registry errors", () => {
    expect(parseRegistryErrors("not json")).toEqual([]);
    expect(parseRegistryErrors(JSON.stringify({ errors: "x" }))).toEqual([]);
    expect(parseRegistryErrors(undefined)).toEqual([]);
    expect(parseRegistryErrors(body("DENIED"))).toEqual([
      { code: "DENIED", message: "m", detail: {} },
    ]);
  });
});

describe("fromTransportError", () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ["ECONNREFUSED", errno("ECONNREFUSED")],
    ["ENOTFOUND", errno("ENOTFOUND")],
    ["UND_ERR_CONNECT_TIMEOUT", errno("UND_ERR_CONNECT_TIMEOUT")],
    [
      "UND_ERR_SOCKET",
      Object.assign(new Error("other side closed"), {
        code: "UND_ERR_SOCKET",
        cause: errno("ECONNRESET"),
      }),
    ],
    ["ECONNREFUSED", new AggregateError([errno("ECONNREFUSED"), errno("ECONNREFUSED")])],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", errno("DEPTH_ZERO_SELF_SIGNED_CERT")],
  ])("%s -> REGISTRY_UNREACHABLE", (code, error) => {
    expect(transportErrorCode(error)).toBe(code);
    const mapped = fromTransportError({ ...ctx, attempts: 3 }, error);
    expect(mapped.code).toBe("REGISTRY_UNREACHABLE");
    expect(mapped.retryable).toBe(true);
    expect(mapped.details).toMatchObject({ registry: ctx.registry, cause: code });
  });
});

describe("fromTokenResponse", () => {
  const tctx = {
    registry: "r.example",
    realm: "https://auth.example/token",
    scopes: ["repository:a:pull"],
    username: "u",
    attempts: 1,
  };
  it.each([
    [401, "REGISTRY_UNAUTHORIZED"],
    [403, "REGISTRY_DENIED"],
    [503, "REGISTRY_UNAVAILABLE"],
    [429, "REGISTRY_UNAVAILABLE"],
    [400, "REGISTRY_PROTOCOL_ERROR"],
  ])("HTTP %i -> %s, naming the registry", (status, code) => {
    const error = fromTokenResponse(tctx, { status });
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ registry: "r.example", status });
  });
});
