import { describe, expect, it } from "vitest";
import { toSecretWriteRequest } from "../../src/client/index.js";

describe("toSecretWriteRequest: the wire body of a secret write", () => {
  it("sends text as stringData and bytes as base64 data, each key in one of them", () => {
    expect(
      toSecretWriteRequest({
        "api-key": "sk_test_1",
        "cert.der": new Uint8Array([0, 255, 1, 254]),
      }),
    ).toEqual({ stringData: { "api-key": "sk_test_1" }, data: { "cert.der": "AP8B/g==" } });
  });

  it("leaves out an empty half, and sends {} for no keys (the server refuses an empty secret)", () => {
    expect(toSecretWriteRequest({ a: "x" })).toEqual({ stringData: { a: "x" } });
    expect(toSecretWriteRequest({ b: new Uint8Array() })).toEqual({ data: { b: "" } });
    expect(toSecretWriteRequest({})).toEqual({});
  });

  it("encodes bytes past one chunk (32 KiB) and every byte value exactly", () => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 7) % 256);
    const body = toSecretWriteRequest({ big: bytes });
    expect(body.data?.big).toBe(Buffer.from(bytes).toString("base64"));
  });
});
