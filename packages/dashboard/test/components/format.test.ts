import { describe, expect, it } from "vitest";
import { formatDateTime, formatRelative, formatTime, shortImage } from "../../src/lib/format.ts";

const NOW = Date.parse("2026-12-05T21:00:00Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

describe("format", () => {
  it.each([
    [5, /5 sec/],
    [180, /3 min/],
    [7200, /2 hr/],
    [86_400, /yesterday|1 day/],
  ])("formatRelative of %d s ago", (seconds, expected) => {
    const text = formatRelative(ago(seconds), NOW);
    expect(text).toMatch(expected);
    expect(text).toMatch(/ago|yesterday/);
  });

  it("says now within the same second, as the detail page does for a function just created", () => {
    expect(formatRelative(ago(0), NOW)).toBe("now");
  });

  it("formats dates and times in the runtime's locale, the same way everywhere", () => {
    const iso = "2026-12-05T00:20:57Z";
    const d = new Date(iso);
    expect(formatDateTime(iso)).toBe(
      d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
    );
    expect(formatTime(iso)).not.toContain("57");
    expect(formatTime(iso, true)).toContain("57");
    expect(formatDateTime("not a date")).toBe("not a date");
  });

  it.each([
    ["hello:1.0.0", "hello:1.0.0"],
    [
      `127.0.0.1:5000/team/pricing@sha256:${"ab12cd34ef56".padEnd(64, "0")}`,
      "127.0.0.1:5000/team/pricing@sha256:ab12cd34ef56…",
    ],
    [
      "oci:/tmp/eventflow-dashboard-XXXXXX/builds/json-transform:latest",
      "oci:/tmp/eventflow…/builds/json-transform:latest",
    ],
  ])("shortImage(%s)", (ref, expected) => {
    expect(shortImage(ref)).toBe(expected);
    expect(shortImage(ref).length).toBeLessThanOrEqual(48);
  });
});
