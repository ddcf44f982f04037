import { describe, expect, it } from "vitest";
import { defineFunction, HttpError } from "../src/index.js";
import { errorToResponse, parseBody, resolveFunction } from "../src/internal.js";

const fn = () => "ok";

describe("resolveFunction", () => {
  it.each([
    ["default function", { default: fn }, "http"],
    ["CommonJS module.exports = fn", { default: { default: fn } }, "http"],
    ["CommonJS exports.handle", { default: { handle: fn } }, "http"],
    ["named handle", { handle: fn }, "http"],
    ["named handler", { handler: fn }, "http"],
    ["named cloudEvent", { cloudEvent: fn }, "cloudevent"],
    ["definition", { default: defineFunction({ handle: fn }) }, "http"],
    ["cloudEvent definition", { default: defineFunction({ cloudEvent: fn }) }, "cloudevent"],
  ])("finds the handler in a %s", (_name, mod, kind) => {
    expect(resolveFunction(mod).kind).toBe(kind);
  });

  it("keeps lifecycle hooks given as named exports", () => {
    const init = () => undefined;
    const resolved = resolveFunction({ handle: fn, init });
    expect(resolved.init).toBeTypeOf("function");
  });

  it("lists the module's exports when there is no handler", () => {
    expect(() => resolveFunction({ helper: 1, other: "x" })).toThrow(/helper, other/);
    expect(() => resolveFunction({})).toThrow(/no exports/);
  });

  it("defineFunction needs exactly one handler", () => {
    expect(() => defineFunction({} as never)).toThrow(TypeError);
    expect(() => defineFunction({ handle: fn, cloudEvent: fn } as never)).toThrow(TypeError);
  });
});

describe("parseBody", () => {
  it.each([
    ["application/json", '{"a":1}', { a: 1 }],
    ["application/vnd.api+json; charset=utf-8", "[1]", [1]],
    ["text/plain", "hi", "hi"],
    ["application/x-www-form-urlencoded", "a=1", "a=1"],
    [undefined, "", undefined],
  ])("%s", (type, raw, expected) => {
    expect(parseBody(type, Buffer.from(raw))).toEqual(expected);
  });

  it("returns bytes for unknown types and throws RUNTIME_INVALID_JSON for bad JSON", () => {
    expect(Buffer.isBuffer(parseBody("image/png", Buffer.from([1])))).toBe(true);
    expect(() => parseBody("application/json", Buffer.from("{"))).toThrow(
      expect.objectContaining({ code: "RUNTIME_INVALID_JSON", status: 400 }),
    );
  });
});

describe("errorToResponse", () => {
  it("maps HttpError with default codes per status", () => {
    const { response, unexpected } = errorToResponse(new HttpError(409), "r1");
    expect(response.status).toBe(409);
    expect(JSON.parse(response.body as string)).toEqual({
      error: { code: "CONFLICT", message: "CONFLICT", requestId: "r1" },
    });
    expect(unexpected).toBe(false);
  });

  it("hides messages of unexpected errors", () => {
    const { response, unexpected } = errorToResponse(new Error("db password is hunter2"), "r2");
    expect(response.status).toBe(500);
    expect(response.body).not.toContain("hunter2");
    expect(unexpected).toBe(true);
  });

  it("HttpError refuses statuses outside 400-599", () => {
    expect(() => new HttpError(200)).toThrow(RangeError);
  });
});
