import { describe, expect, it } from "vitest";
import { atLeast, toShownLine } from "../../src/features/logs/api/log-line.ts";
import type { LogRecord } from "../../src/lib/api-client.ts";
import { toLogFields } from "@eventflow/sdk/client";

const record = (line: string, stream: "stdout" | "stderr" = "stdout"): LogRecord => {
  const fields = toLogFields(line);
  return {
    id: "1",
    replica: "r-0",
    stream,
    timestamp: "2026-11-26T05:00:00.000Z",
    line,
    ...(fields ? { fields } : {}),
  };
};

describe("toShownLine", () => {
  it.each([
    [
      '{"level":"info","time":"2026-11-26T05:00:00.000Z","msg":"priced order","lines":1,"requestId":"r1"}',
      "stdout",
      { level: "info", message: "priced order", extra: "lines=1 requestId=r1" },
    ],
    [
      '{"level":"warning","message":"slow","ms":{"p":1}}',
      "stdout",
      { level: "warn", message: "slow", extra: 'ms={"p":1}' },
    ],
    ['{"level":"nonsense","msg":"x"}', "stderr", { level: "error", message: "x", extra: "" }],
    ["plain text line", "stdout", { level: "info", message: "plain text line", extra: "" }],
    ["TypeError: boom", "stderr", { level: "error", message: "TypeError: boom", extra: "" }],
    ['{"not closed', "stdout", { level: "info", message: '{"not closed', extra: "" }],
  ] as const)("%s on %s", (line, stream, expected) => {
    expect(toShownLine(record(line, stream))).toEqual(expected);
  });
});

describe("atLeast", () => {
  it("keeps a level and the ones above it", () => {
    expect(atLeast("debug", undefined)).toBe(true);
    expect(atLeast("info", "warn")).toBe(false);
    expect(atLeast("warn", "warn")).toBe(true);
    expect(atLeast("error", "warn")).toBe(true);
  });
});
