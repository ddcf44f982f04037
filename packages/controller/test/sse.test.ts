import { describe, expect, it } from "vitest";
import { sseComment, sseEncode, sseEncodeLog } from "../src/http/sse.js";

describe("sseEncode", () => {
  it.each([
    [{ data: "x" }, "data: x\n\n"],
    [{ id: "7", event: "log", data: "x" }, "id: 7\nevent: log\ndata: x\n\n"],
    [{ data: "a\nb\r\nc" }, "data: a\ndata: b\ndata: c\n\n"],
    [{ id: "1\n\nevent: forged", data: "x" }, "id: 1event: forged\ndata: x\n\n"],
    [{ event: "e\nid: 9", data: "" }, "event: eid: 9\ndata: \n\n"],
    [{ retryMs: 2000.7, data: "x" }, "retry: 2000\ndata: x\n\n"],
  ])("%j", (event, expected) => {
    expect(sseEncode(event)).toBe(expected);
  });

  it("comments cannot break out of their line", () => {
    expect(sseComment("a\nb")).toBe(": a b\n\n");
  });

  it("encodes a log line as one JSON data line with its id", () => {
    const text = sseEncodeLog({
      id: "42",
      replica: "f-0",
      stream: "stderr",
      timestamp: "2026-01-01T00:00:00.000Z",
      line: "x\ny",
    });
    expect(text).toBe(
      'id: 42\nevent: log\ndata: {"replica":"f-0","stream":"stderr","timestamp":"2026-01-01T00:00:00.000Z","line":"x\\ny"}\n\n',
    );
  });
});
