// The crash reason of a replica from its stderr tail: what real Node processes print when they
// die (run here, not copied), and the runtime's own one-line JSON failures.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { crashReasonOf } from "../src/drivers/crash-reason.js";

function stderrOf(source: string, args: string[] = []): string[] {
  const run = spawnSync(process.execPath, [...args, "--input-type=module", "-e", source], {
    encoding: "utf8",
  });
  expect(run.status).not.toBe(0);
  return run.stderr.split("\n");
}

describe("crashReasonOf", () => {
  it.each([
    ["an Error thrown at load", 'throw new Error("boom");', "Error: boom"],
    [
      "a TypeError in a timer",
      "setTimeout(() => null.x, 1);",
      "TypeError: Cannot read properties of null (reading 'x')",
    ],
    ["a string thrown", 'throw "plain";', "plain"],
    ["a multi-line message: its first line", 'throw new Error("first\\nsecond");', "Error: first"],
    [
      "an error with properties",
      'throw Object.assign(new Error("coded"), { code: "E_X" });',
      "Error: coded",
    ],
    [
      "a rejection nobody handled",
      'await Promise.reject(new RangeError("late"));',
      "RangeError: late",
    ],
  ])("%s", (_what, source, expected) => {
    const tail = stderrOf(source);
    expect(tail.some((l) => /^Node\.js v\d/.test(l))).toBe(true);
    expect(crashReasonOf(tail)).toBe(expected);
  });

  it.each([
    [
      "a message, then exit",
      ["fixture: boom (FIXTURE_CRASH_AFTER_MS)", ""],
      "fixture: boom (FIXTURE_CRASH_AFTER_MS)",
    ],
    [
      "the runtime's JSON failure line",
      ['{"level":"error","msg":"handler module src/index.ts threw while loading: Error: x"}'],
      '{"level":"error","msg":"handler module src/index.ts threw while loading: Error: x"}',
    ],
    [
      "a logged stack without Node's excerpt",
      [
        "Error: logged",
        "    at f (/app/src/index.ts:3:9)",
        "    at g (/app/src/index.ts:7:1)",
        "",
        "Node.js v24.0.0",
      ],
      "Error: logged",
    ],
    ["nothing", [], undefined],
    ["only the footer", ["", "Node.js v24.21.0"], undefined],
  ])("%s", (_what, tail, expected) => {
    expect(crashReasonOf(tail)).toBe(expected);
  });
});
