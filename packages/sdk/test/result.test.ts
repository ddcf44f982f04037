import { describe, expect, it } from "vitest";
import { cloudEvent } from "../src/index.js";
import { prepareResponse } from "../src/internal.js";

describe("prepareResponse", () => {
  it.each([
    ["undefined", undefined, 204, undefined, null],
    ["null", null, 200, "application/json; charset=utf-8", "null"],
    ["string", "x", 200, "text/plain; charset=utf-8", "x"],
    ["empty string", "", 200, "text/plain; charset=utf-8", ""],
    ["false", false, 200, "application/json; charset=utf-8", "false"],
    ["object", { a: [1] }, 200, "application/json; charset=utf-8", '{"a":[1]}'],
    ["Date", new Date(0), 200, "application/json; charset=utf-8", '"1970-01-01T00:00:00.000Z"'],
    [
      "object with extra keys beside statusCode is a value",
      { statusCode: 1, extra: true },
      200,
      "application/json; charset=utf-8",
      '{"statusCode":1,"extra":true}',
    ],
  ])("%s", (_name, result, status, type, body) => {
    const prepared = prepareResponse(result);
    expect(prepared.status).toBe(status);
    expect(prepared.headers["content-type"]).toBe(type);
    expect(prepared.body).toBe(body);
  });

  it("bytes keep their identity", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(prepareResponse(bytes)).toEqual({
      status: 200,
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
  });

  it("full-control responses lower-case header names and apply body rules", () => {
    const prepared = prepareResponse({
      statusCode: 418,
      headers: { "X-Tea": "yes" },
      body: { cup: 1 },
    });
    expect(prepared).toEqual({
      status: 418,
      headers: { "content-type": "application/json; charset=utf-8", "x-tea": "yes" },
      body: '{"cup":1}',
    });
    expect(prepareResponse({ statusCode: 304 })).toEqual({ status: 304, headers: {}, body: null });
  });

  it("rejects values that cannot be sent", () => {
    expect(() => prepareResponse(() => 1)).toThrow(TypeError);
    expect(() => prepareResponse(Symbol("x"))).toThrow(TypeError);
    expect(() => prepareResponse(10n)).toThrow(TypeError);
  });

  it("CloudEvent replies go back in the request's mode, binary by default", () => {
    const reply = cloudEvent({ type: "t", source: "/s", data: { ok: true } });
    const binary = prepareResponse(reply);
    expect(binary.headers).toMatchObject({
      "ce-type": "t",
      "ce-source": "/s",
      "ce-specversion": "1.0",
      "content-type": "application/json; charset=utf-8",
    });
    expect(binary.body).toBe('{"ok":true}');
    const structured = prepareResponse(reply, "structured");
    expect(structured.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(JSON.parse(structured.body as string)).toMatchObject({
      type: "t",
      data: { ok: true },
      specversion: "1.0",
    });
  });
});
