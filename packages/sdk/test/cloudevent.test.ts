import { describe, expect, it } from "vitest";
import { EventFlowError } from "@eventflow/protocol";
import { cloudEvent } from "../src/index.js";
import { decodeHeaderValue, encodeHeaderValue } from "../src/cloudevent-header.js";
import { prepareResponse } from "../src/result.js";
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
    expect(fromBinary(binary.headers, JSON.parse(binary.body as string))).toEqual(event);
    expect(fromStructured(Buffer.from(toStructured(event)))).toEqual(event);
  });

  it("cloudEvent() fills id and specversion and validates attribute names", () => {
    const { event } = cloudEvent({ type: "t", source: "/s" });
    expect(event.specversion).toBe("1.0");
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => cloudEvent({ type: "t", source: "/s", "Bad-Name": 1 })).toThrow(TypeError);
    expect(() => cloudEvent({ type: "", source: "/s" })).toThrow(TypeError);
  });

  it("cloudEvent() fills time with now, as an RFC 3339 timestamp, unless given", () => {
    const before = Date.now();
    const { event } = cloudEvent({ type: "t", source: "/s" });
    expect(typeof event.time).toBe("string");
    expect(Date.parse(event.time as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const given = cloudEvent({ type: "t", source: "/s", time: "2026-01-02T03:04:05+01:00" });
    expect(given.event.time).toBe("2026-01-02T03:04:05+01:00");
  });
});

describe("CloudEvents header values (HTTP binding 3.1.3.2)", () => {
  it.each([
    [" padded ", "%20padded%20"],
    ['say "hi"', "say%20%22hi%22"],
    ["100%", "100%25"],
    ["Euro \u20ac \u{1f600}", "Euro%20%E2%82%AC%20%F0%9F%98%80"],
    ["a/b:c?d=e&f", "a/b:c?d=e&f"],
    ["tab\there", "tab%09here"],
  ])("encodes %j as %s and decodes it back", (value, encoded) => {
    expect(encodeHeaderValue(value)).toBe(encoded);
    expect(decodeHeaderValue(encoded)).toBe(value);
  });

  it("unquotes quoted values first (with backslash escapes), then percent-decodes once", () => {
    expect(decodeHeaderValue('"a \\"b\\" c"')).toBe('a "b" c');
    expect(decodeHeaderValue('"caf%C3%A9"')).toBe("café");
    expect(decodeHeaderValue("caf%c3%a9")).toBe("café");
    expect(decodeHeaderValue("%2541")).toBe("%41");
    expect(decodeHeaderValue('"')).toBe('"');
  });

  it("accepts unnecessary encoding and raw UTF-8 bytes, refuses what is not valid UTF-8", () => {
    expect(decodeHeaderValue("%61%62c")).toBe("abc");
    expect(decodeHeaderValue(Buffer.from("café").toString("latin1"))).toBe("café");
    for (const bad of ["%C0%A0", "%E2%82", "%FF", "%zz", "ab%4", "100%", '"x\\"', '"a"b"'])
      expect(() => decodeHeaderValue(bad), bad).toThrow();
  });

  it("binary mode: a space survives the header round trip; bad escapes are CLOUDEVENT_INVALID", () => {
    const { event } = cloudEvent({ type: "t", source: "/s", subject: " padded " });
    const { headers } = toBinary(event);
    expect(headers["ce-subject"]).toBe("%20padded%20");
    expect(fromBinary(headers, undefined).subject).toBe(" padded ");
    expect(codeOf(() => fromBinary({ ...base, "ce-subject": "%C0%A0" }, undefined))).toBe(
      "CLOUDEVENT_INVALID",
    );
    expect(codeOf(() => fromBinary({ ...base, "ce-subject": "line%0Abreak" }, undefined))).toBe(
      "CLOUDEVENT_INVALID",
    );
  });
});

describe("CloudEvents attribute types", () => {
  it.each([
    "Sat, 05 Dec 2026 08:15:10 GMT",
    "2026-12-05",
    "2026-12-05 08:15:10Z",
    "2026-02-30T00:00:00Z",
    "2026-12-05T24:00:00Z",
    "2026-12-05T08:15:10",
    "2026-12-05T08:15:10+0100",
    "1733386510",
  ])("refuses time %j", (time) => {
    expect(codeOf(() => fromBinary({ ...base, "ce-time": time }, undefined))).toBe(
      "CLOUDEVENT_INVALID",
    );
    expect(() => cloudEvent({ type: "t", source: "/s", time })).toThrow(TypeError);
  });

  it.each(["2026-12-05T08:15:10Z", "2026-12-05t08:15:10.123456+05:30", "2024-02-29T23:59:60Z"])(
    "accepts time %j",
    (time) => {
      expect(fromBinary({ ...base, "ce-time": time }, undefined).time).toBe(time);
    },
  );

  it("extensions are strings, booleans, 32-bit integers or bytes; not objects, arrays or floats", () => {
    const ok = cloudEvent({
      type: "t",
      source: "/s",
      flag: true,
      count: -5,
      raw: new Uint8Array([1, 2, 3]),
    });
    const { headers } = toBinary(ok.event);
    expect(headers).toMatchObject({ "ce-flag": "true", "ce-count": "-5", "ce-raw": "AQID" });
    for (const value of [{ a: 1 }, [1], 1.5, 2 ** 31, null]) {
      expect(() => cloudEvent({ type: "t", source: "/s", ext: value }), String(value)).toThrow(
        TypeError,
      );
      const body = JSON.stringify({
        specversion: "1.0",
        id: "1",
        source: "/s",
        type: "t",
        ext: value,
      });
      if (value !== null)
        expect(codeOf(() => fromStructured(Buffer.from(body)))).toBe("CLOUDEVENT_INVALID");
    }
    expect(() => cloudEvent({ type: "t", source: "/s", subject: 5 as unknown as string })).toThrow(
      TypeError,
    );
  });

  it("structured mode: null is absent; data and data_base64 together or bad base64 are refused", () => {
    const withNull = fromStructured(
      Buffer.from('{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":null}'),
    );
    expect("subject" in withNull).toBe(false);
    for (const body of [
      '{"specversion":"1.0","id":"1","source":"/s","type":"t","data":1,"data_base64":"AQ=="}',
      '{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"not base64!"}',
      '{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":5}',
    ])
      expect(
        codeOf(() => fromStructured(Buffer.from(body))),
        body,
      ).toBe("CLOUDEVENT_INVALID");
  });
});

describe("CloudEvent data in binary mode", () => {
  it("a JSON string is quoted under application/json, plain under text or no type", () => {
    const json = prepareResponse(
      cloudEvent({ type: "t", source: "/s", datacontenttype: "application/json", data: "hello" }),
    );
    expect(json.headers["content-type"]).toBe("application/json");
    expect(json.body).toBe('"hello"');
    expect(JSON.parse(json.body as string)).toBe("hello");
    const cloud = prepareResponse(
      cloudEvent({ type: "t", source: "/s", datacontenttype: "application/vnd.x+json", data: "x" }),
    );
    expect(cloud.body).toBe('"x"');
    const text = prepareResponse(cloudEvent({ type: "t", source: "/s", data: "hello" }));
    expect(text.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(text.body).toBe("hello");
    const csv = prepareResponse(
      cloudEvent({ type: "t", source: "/s", datacontenttype: "text/csv", data: "a,b" }),
    );
    expect(csv.body).toBe("a,b");
  });

  it("bytes go as they are, objects as JSON, no data as 202 without a body", () => {
    const bytes = prepareResponse(
      cloudEvent({ type: "t", source: "/s", data: Buffer.from([1, 2]) }),
    );
    expect(bytes.headers["content-type"]).toBe("application/octet-stream");
    expect(Buffer.from(bytes.body as Uint8Array)).toEqual(Buffer.from([1, 2]));
    const obj = prepareResponse(cloudEvent({ type: "t", source: "/s", data: { a: [1] } }));
    expect(obj.body).toBe('{"a":[1]}');
    const none = prepareResponse(cloudEvent({ type: "t", source: "/s" }));
    expect(none.status).toBe(202);
    expect(none.body).toBeNull();
  });
});
