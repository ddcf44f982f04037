// Contract test (tier 3): the code table, docs/errors.md and the envelope stay in step.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with scripts/gen-error-docs.mjs, no types
import { renderErrorDocs } from "../../../scripts/lib/error-docs.mjs";
import {
  ERROR_CODES,
  EventFlowError,
  GENERIC_ERROR_MESSAGE,
  fromErrorEnvelope,
  isErrorEnvelope,
  isEventFlowError,
  toErrorEnvelope,
} from "../src/index.js";

describe("error code table", () => {
  it("docs/errors.md is generated from the table (run `npm run docs:errors`)", () => {
    const docs = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
    expect(docs).toBe(renderErrorDocs(ERROR_CODES));
  });

  it.each(Object.entries(ERROR_CODES))("%s is well-formed", (code, info) => {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    expect(info.status).toBeGreaterThanOrEqual(400);
    expect(info.status).toBeLessThan(600);
    expect(info.description.length).toBeGreaterThan(10);
    if (info.status < 500) expect(info.expose).toBe(true);
  });
});

describe("EventFlowError and the envelope", () => {
  it("takes status and flags from the table", () => {
    const error = new EventFlowError("FUNCTION_NOT_READY", "not yet");
    expect(error).toMatchObject({
      status: 503,
      retryable: true,
      expose: true,
      code: "FUNCTION_NOT_READY",
    });
    expect(isEventFlowError(error)).toBe(true);
  });

  it("hides unexposed messages and their details", () => {
    const envelope = toErrorEnvelope(
      new EventFlowError("INTERNAL", "pg password wrong", { details: { host: "db" } }),
      "r1",
    );
    expect(envelope).toEqual({
      error: { code: "INTERNAL", message: GENERIC_ERROR_MESSAGE, requestId: "r1" },
    });
  });

  it("round-trips through the wire", () => {
    const original = new EventFlowError("REQUEST_VALIDATION_FAILED", "bad", {
      details: [{ path: "name", message: "x" }],
    });
    const wire = JSON.parse(JSON.stringify(toErrorEnvelope(original, "r2"))) as unknown;
    expect(isErrorEnvelope(wire)).toBe(true);
    const back = fromErrorEnvelope(wire as never, 400);
    expect(back).toMatchObject({
      code: "REQUEST_VALIDATION_FAILED",
      status: 400,
      requestId: "r2",
      details: [{ path: "name", message: "x" }],
    });
  });

  it("keeps unknown codes from newer servers with their status", () => {
    const error = fromErrorEnvelope({ error: { code: "FUTURE_CODE", message: "m" } }, 503);
    expect(error).toMatchObject({ code: "FUTURE_CODE", status: 503, retryable: true });
  });
});
