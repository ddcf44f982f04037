import { toLogFields } from "@eventflow/sdk/client";
import { describe, expect, it } from "vitest";
import {
  createLineJoiner,
  formatLogLine,
  parseLogLevel,
  type LogLine,
} from "../../src/control/log-format.js";
import { createLogWriter, toLogRecord } from "../../src/control/logs-command.js";

const at = "2026-12-05T10:00:00.000Z";
const line = (text: string, extra: Partial<LogLine> = {}): LogLine => {
  const fields = toLogFields(text);
  return {
    replica: "r1",
    stream: "stdout",
    timestamp: at,
    line: text,
    ...(fields === undefined ? {} : { fields }),
    ...extra,
  };
};
const runtimeLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: "info", time: at, function: "greeter", ...fields });

describe("formatLogLine", () => {
  it.each<[string, LogLine, boolean, string]>([
    [
      "the runtime's JSON line",
      line(runtimeLine({ requestId: "abc", msg: "greeting cli", source: "console" })),
      false,
      `${at} r1 INFO  greeting cli requestId=abc\n`,
    ],
    [
      "wide adds the stream, the function and the source",
      line(runtimeLine({ requestId: "abc", msg: "hi", source: "console" })),
      true,
      `${at} r1 stdout INFO  hi function=greeter requestId=abc source=console\n`,
    ],
    [
      "values with spaces are quoted, objects are JSON",
      line(runtimeLine({ level: "warn", msg: "slow", note: "a b", n: 3, o: { k: 1 } })),
      false,
      `${at} r1 WARN  slow note="a b" n=3 o={"k":1}\n`,
    ],
    [
      "pino's numeric levels",
      line(JSON.stringify({ level: 50, msg: "down" })),
      false,
      `${at} r1 ERROR down\n`,
    ],
    [
      "an error's stack follows the line, indented",
      line(
        runtimeLine({
          level: "error",
          msg: "failed",
          err: {
            type: "Error",
            message: "boom",
            stack: "Error: boom\n    at handle (src/index.ts:6:9)",
          },
        }),
      ),
      false,
      `${at} r1 ERROR failed err="Error: boom"\n    at handle (src/index.ts:6:9)\n`,
    ],
    ["a plain line", line("hello world"), false, `${at} r1       hello world\n`],
    [
      "a plain stderr line",
      line("Node.js v24", { stream: "stderr" }),
      false,
      `${at} r1       Node.js v24\n`,
    ],
  ])("%s", (_name, entry, wide, want) => {
    expect(formatLogLine(entry, { color: false, wide })).toBe(want);
  });

  // A hostile function writes terminal escapes (a clipboard write, a screen clear, a title) or a
  // newline followed by a forged line: the readable format shows them as text, never sends them
  // to the terminal, on one line per log line.
  it.each<[string, LogLine, string]>([
    [
      "escapes in a plain line",
      line("a\u001b]52;c;ZXZpbA==\u0007b\u001b[2Jc\u009b31md"),
      `${at} r1       a\\x1b]52;c;ZXZpbA==\\x07b\\x1b[2Jc\\x9b31md\n`,
    ],
    [
      "escapes and a forged line in a JSON line's message, field and stack",
      line(
        runtimeLine({
          msg: "ok\n2026-12-05T10:00:00.000Z r2 ERROR forged\u001b[8m",
          "k\u001b[1m": "v\u001b[0m",
          err: { stack: "Error: x\n    at \u001b]0;title\u0007f" },
        }),
      ),
      `${at} r1 INFO  ok\\n2026-12-05T10:00:00.000Z r2 ERROR forged\\x1b[8m k\\x1b[1m=v\\x1b[0m err="Error: x"\n    at \\x1b]0;title\\x07f\n`,
    ],
    [
      "escapes in an unknown level",
      line(runtimeLine({ level: "\u001b[2J\u001b[H", msg: "hi" })),
      `${at} r1 \\x1b[2J\\x1b[H hi\n`,
    ],
  ])("shows control characters as text: %s", (_name, entry, want) => {
    const out = formatLogLine(entry, { color: false, wide: false });
    expect(out).toBe(want);
    // eslint-disable-next-line no-control-regex
    expect(out.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("colours the level on a terminal only", () => {
    const entry = line(runtimeLine({ level: "warn", msg: "x" }));
    expect(formatLogLine(entry, { color: true, wide: false })).toContain(
      "\u001b[33mWARN \u001b[0m",
    );
    expect(formatLogLine(entry, { color: false, wide: false })).not.toContain("\u001b");
  });
});

describe("createLineJoiner", () => {
  const part = (replica: string, text: string, partial?: true): LogLine => ({
    replica,
    stream: "stdout",
    timestamp: "T",
    line: text,
    ...(partial ? { partial } : {}),
  });
  it("joins a long JSON line's parts before parsing, per replica", () => {
    const joiner = createLineJoiner(toLogFields);
    const json = runtimeLine({ msg: "long" });
    expect(joiner.push(part("a", json.slice(0, 10), true))).toBeUndefined();
    expect(joiner.push(part("b", "other"))).toMatchObject({ replica: "b", line: "other" });
    const whole = joiner.push(part("a", json.slice(10)));
    expect(whole).toMatchObject({ replica: "a", line: json, fields: { msg: "long" } });
    expect(whole).not.toHaveProperty("partial");
    expect(joiner.push(part("a", "xx", true))).toBeUndefined();
    expect(joiner.flush()).toEqual([
      { replica: "a", stream: "stdout", timestamp: "T", line: "xx" },
    ]);
  });
});

describe("eventflow logs output", () => {
  const entries = [
    line(runtimeLine({ level: "debug", msg: "d" })),
    line(runtimeLine({ msg: "i" })),
    line(runtimeLine({ level: "warn", msg: "w" })),
    line("plain out"),
    line("crash", { stream: "stderr" }),
  ];
  const run = async (options: Partial<Parameters<typeof createLogWriter>[0]>) => {
    const writer = createLogWriter({
      format: "table",
      color: false,
      raw: false,
      minLevel: undefined,
      parse: toLogFields,
      ...options,
    });
    let out = "";
    for (const e of entries) out += await writer.entry(e);
    return out + (await writer.end());
  };

  it("--level warn keeps warn and above, and stderr's plain lines", async () => {
    const out = await run({ minLevel: parseLogLevel("warn") });
    expect(
      out
        .split("\n")
        .filter(Boolean)
        .map((l) => l.slice(at.length + 4)),
    ).toEqual(["WARN  w", "      crash"]);
  });

  it("--raw prints the lines as written", async () => {
    expect((await run({ raw: true })).split("\n")[1]).toBe(entries[1]!.line);
  });

  it("-o json prints the parsed object, not a string inside a string", async () => {
    const records = (await run({ format: "json" }))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[1]).toEqual({
      timestamp: at,
      replica: "r1",
      stream: "stdout",
      fields: { level: "info", time: at, function: "greeter", msg: "i" },
    });
    expect(records[3]).toEqual(toLogRecord(entries[3]!));
    expect(records[3]).toMatchObject({ line: "plain out" });
  });

  it("refuses an unknown level", () => {
    expect(() => parseLogLevel("loud")).toThrow(expect.objectContaining({ code: "CLI_USAGE" }));
  });
});
