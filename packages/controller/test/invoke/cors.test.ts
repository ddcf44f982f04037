import { describe, expect, it } from "vitest";
import {
  corsResponseHeaders,
  isPreflight,
  preflightHeaders,
  type CorsSettings,
} from "../../src/invoke/cors.js";

const APP = "https://app.example.com";

describe("CORS decisions (pure)", () => {
  it("tells a preflight from an OPTIONS request", () => {
    expect(isPreflight({ method: "OPTIONS", origin: APP, requestMethod: "GET" })).toBe(true);
    expect(isPreflight({ method: "OPTIONS", origin: APP })).toBe(false);
    expect(isPreflight({ method: "OPTIONS", requestMethod: "GET" })).toBe(false);
    expect(isPreflight({ method: "GET", origin: APP, requestMethod: "GET" })).toBe(false);
  });

  it("answers * for a wildcard, but the origin itself when credentials are allowed", () => {
    const wildcard: CorsSettings = { allowOrigins: ["*"] };
    expect(corsResponseHeaders(wildcard, { method: "GET", origin: APP })).toEqual({
      vary: "Origin",
      "access-control-allow-origin": "*",
    });
    const listed: CorsSettings = { allowOrigins: [APP], allowCredentials: true };
    expect(corsResponseHeaders(listed, { method: "GET", origin: APP })).toEqual({
      vary: "Origin",
      "access-control-allow-origin": APP,
      "access-control-allow-credentials": "true",
    });
  });

  it("matches origins exactly: no prefix, suffix or case games", () => {
    const cors: CorsSettings = { allowOrigins: [APP] };
    for (const origin of [
      "https://app.example.com.evil.example",
      "https://evil-app.example.com",
      "http://app.example.com",
      "https://APP.example.com",
      "null",
    ])
      expect(() => corsResponseHeaders(cors, { method: "GET", origin }), origin).toThrow(
        expect.objectContaining({ code: "FUNCTION_ENDPOINT_FORBIDDEN" }),
      );
  });

  it("allows the safelisted headers, and Authorization for token functions only", () => {
    const cors: CorsSettings = { allowOrigins: [APP] };
    const ask = { method: "OPTIONS", origin: APP, requestMethod: "POST" };
    expect(
      preflightHeaders(cors, { ...ask, requestHeaders: "Content-Type, Authorization" }, "token"),
    ).toMatchObject({
      "access-control-allow-methods": "GET, HEAD, POST",
      "access-control-allow-headers": "content-type, authorization",
    });
    expect(() =>
      preflightHeaders(cors, { ...ask, requestHeaders: "authorization" }, "public"),
    ).toThrow(expect.objectContaining({ code: "FUNCTION_ENDPOINT_FORBIDDEN" }));
    expect(() => preflightHeaders(cors, { ...ask, requestMethod: "DELETE" }, "token")).toThrow(
      /DELETE is not in the function's cors.allowMethods/,
    );
  });
});
