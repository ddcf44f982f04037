import { describe, expect, it } from "vitest";
import { parseLogFilter, parseStartTime } from "../src/logs.ts";

describe("--startTime", () => {
  it.each([
    ["30m", "30m"],
    ["90s", "90s"],
    ["2h", "2h"],
    ["1d", "1d"],
    [" 10m ", "10m"],
    ["2026-01-31", "2026-01-31T00:00:00.000Z"],
    ["2026-01-31T12:30", "2026-01-31T12:30:00.000Z"],
    ["2026-01-31 12:30:15", "2026-01-31T12:30:15.000Z"],
    ["2026-01-31T12:30:15.250Z", "2026-01-31T12:30:15.250Z"],
    ["2026-01-31T12:30:00+01:00", "2026-01-31T11:30:00.000Z"],
    ["2026-01-31T12:30:00-0230", "2026-01-31T15:00:00.000Z"],
  ])("%j is since %j", (text, since) => {
    expect(parseStartTime(text)).toBe(since);
  });

  it.each(["yesterday", "10", "10w", "1234567m", "2026-13-01", "2026-01-31T25:00", ""])(
    "%j is a usage error",
    (text) => {
      expect(() => parseStartTime(text)).toThrow(expect.objectContaining({ code: "CLI_USAGE" }));
    },
  );
});

describe("--filter", () => {
  it.each([
    ["ERROR", "an ERROR here", true],
    ["ERROR", "an error here", false],
    ["ERROR timeout", "timeout: ERROR", true],
    ["ERROR timeout", "ERROR only", false],
    ['"was called"', "hello was called by x", true],
    ['"was called"', "called was", false],
    ["", "anything", true],
  ])("%j on %j: %s", (pattern, line, shown) => {
    expect(parseLogFilter(pattern)(line)).toBe(shown);
  });
});
