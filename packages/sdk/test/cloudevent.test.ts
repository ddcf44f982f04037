import { describe, expect, it } from "vitest";
import { EventFlowError } from "@eventflow/protocol";
import { cloudEvent } from "../src/index.js";
import {
  detectCloudEventMode,
  fromBinary,
  fromStructured,
  toBinary,
  toStructured,
} from "../src/internal.js";

const base = { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t" };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as EventFlowError).code;
  }
  return undefined;
}

describe("CloudEvents HTTP binding", () => {
  it.each([
    [{ "content-type": "application/cloudevents+json" }, "structured"],
    [{ "content-type": "application/cloudevents+json; charset=utf-8" }, "structured"],
    [base, "binary"],
    [{ "content-type": "application/json" }, undefined],
  ])("detects the mode of %o", (headers, mode) => {
    expect(detectCloudEventMode(headers)).toBe(mode);
  });

  it("refuses batches with a stable code", () => {
    expect(
      codeOf(() => detectCloudEventMode({ "content-type": "application/cloudevents-batch+json" })),
    ).toBe("CLOUDEVENT_BATCH_UNSUPPORTED");
  });

  it("binary mode reads attributes, extensions and percent-encoded values", () => {
    const event = fromBinary(
      {
        ...base,
        "ce-subject": "caf%C3%A9",
        "ce-traceparent": "00-abc",
        "content-type": "text/plain",
      },
      "hi",
    );
    expect(event).toEqual({
      specversion: "1.0",
      id: "1",
      source: "/s",
      type: "t",
      subject: "café",
      traceparent: "00-abc",
      datacontenttype: "text/plain",
      data: "hi",
    });
  });

  it.each([
    [{ "ce-specversion": "0.3", "ce-id": "1", "ce-source": "/s", "ce-type": "t" }],
    [{ "ce-specversion": "1.0", "ce-source": "/s", "ce-type": "t" }],
    [{ ...base, "ce-time": "yesterday" }],
  ])("binary mode refuses %o", (headers) => {
    expect(codeOf(() => fromBinary(headers, undefined))).toBe("CLOUDEVENT_INVALID");
  });

  it("structured mode reads data and data_base64, and refuses malformed bodies", () => {
    expect(
      fromStructured(
        Buffer.from('{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"a":1}}'),
      ).data,
    ).toEqual({ a: 1 });
    const bin = fromStructured(
      Buffer.from('{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"AQI="}'),
    );
    expect(bin.data).toEqual(Buffer.from([1, 2]));
    expect(codeOf(() => fromStructured(Buffer.from("{")))).toBe("CLOUDEVENT_INVALID");
    expect(codeOf(() => fromStructured(Buffer.from("[1]")))).toBe("CLOUDEVENT_INVALID");
    expect(
      codeOf(() => fromStructured(Buffer.from('{"specversion":"1.0","id":"1","type":"t"}'))),
    ).toBe("CLOUDEVENT_INVALID");
  });

  it("round-trips through binary and structured encodings", () => {
    const { event } = cloudEvent({
      type: "t",
      source: "/s",
      subject: "naïve",
      data: { n: 1 },
      datacontenttype: "application/json",
      region: "eu",
    });
    const binary = toBinary(event);
    const headers = { ...binary.headers };
    expect(fromBinary(headers, binary.data)).toEqual(event);
    expect(fromStructured(Buffer.from(toStructured(event)))).toEqual(event);
  });

  it("cloudEvent() fills id and specversion and validates attribute names", () => {
    const { event } = cloudEvent({ type: "t", source: "/s" });
    expect(event.specversion).toBe("1.0");
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => cloudEvent({ type: "t", source: "/s", "Bad-Name": 1 })).toThrow(TypeError);
    expect(() => cloudEvent({ type: "", source: "/s" })).toThrow(TypeError);
  });
});
