import type { LogEvent } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { createLogText } from "../../src/control/logs-command.js";

const e = (replica: string, line: string, partial?: true): LogEvent => ({
  replica,
  stream: "stdout",
  timestamp: "T",
  line,
  ...(partial ? { partial } : {}),
});

describe("createLogText", () => {
  const cases: { name: string; entries: LogEvent[]; want: string }[] = [
    { name: "whole lines", entries: [e("a", "x"), e("a", "y")], want: "T a x\nT a y\n" },
    {
      name: "the parts of a long line are one line",
      entries: [e("a", "xx", true), e("a", "yy", true), e("a", "z"), e("a", "next")],
      want: "T a xxyyz\nT a next\n",
    },
    {
      name: "another replica's line ends the open one",
      entries: [e("a", "xx", true), e("b", "other"), e("a", "rest")],
      want: "T a xx\nT b other\nT a rest\n",
    },
    { name: "a stream that ends inside a line", entries: [e("a", "xx", true)], want: "T a xx\n" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = createLogText(false);
      expect(c.entries.map((x) => text.entry(x)).join("") + text.end()).toBe(c.want);
    });
  }
});
