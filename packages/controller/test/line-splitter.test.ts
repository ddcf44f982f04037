import { describe, expect, it } from "vitest";
import { createLineSplitter, utf8Boundary, type SplitLine } from "../src/drivers/line-splitter.js";

const enc = (s: string) => new TextEncoder().encode(s);

function split(chunks: readonly (string | Uint8Array)[], maxBytes: number): SplitLine[] {
  const out: SplitLine[] = [];
  const s = createLineSplitter({ maxBytes, onLine: (l) => out.push(l) });
  for (const c of chunks) s.push(typeof c === "string" ? enc(c) : c);
  s.end();
  return out;
}

const whole = (line: string): SplitLine => ({ line, partial: false });
const part = (line: string): SplitLine => ({ line, partial: true });

describe("createLineSplitter", () => {
  const cases: {
    name: string;
    chunks: (string | Uint8Array)[];
    max?: number;
    want: SplitLine[];
  }[] = [
    { name: "complete lines", chunks: ["a\nbb\n"], want: [whole("a"), whole("bb")] },
    {
      name: "a line across chunks",
      chunks: ["ab", "c\nd", "e\n"],
      want: [whole("abc"), whole("de")],
    },
    { name: "CRLF drops the CR", chunks: ["a\r\nb\r", "\n"], want: [whole("a"), whole("b")] },
    { name: "a lone CR stays in the line", chunks: ["50%\r100%\n"], want: [whole("50%\r100%")] },
    { name: "empty lines are lines", chunks: ["\n\n"], want: [whole(""), whole("")] },
    { name: "an unterminated last line at end", chunks: ["x\ny"], want: [whole("x"), whole("y")] },
    { name: "nothing at all", chunks: [], want: [] },
    {
      name: "a long line in parts, the last one whole",
      chunks: ["abcdefghij\n"],
      max: 4,
      want: [part("abcd"), part("efgh"), whole("ij")],
    },
    {
      name: "a line of exactly max bytes stays one line",
      chunks: ["abcd\n"],
      max: 4,
      want: [whole("abcd")],
    },
    {
      name: "an unterminated flood is cut without a newline ever coming",
      chunks: ["abc", "def", "ghi"],
      max: 4,
      want: [part("abcd"), part("efgh"), whole("i")],
    },
    {
      // "é" is 2 bytes: the first part stops before it rather than splitting it.
      name: "a 2-byte character is not split",
      chunks: ["abcé\n"],
      max: 4,
      want: [part("abc"), whole("é")],
    },
    {
      name: "a 4-byte character split across chunks and across the limit",
      chunks: [enc("ab😀c\n").subarray(0, 4), enc("ab😀c\n").subarray(4)],
      max: 5,
      want: [part("ab"), whole("😀c")],
    },
    {
      name: "invalid bytes with no boundary are cut at the limit",
      chunks: [new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x0a])],
      max: 4,
      want: [part("\uFFFD".repeat(4)), whole("\uFFFD")],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(split(c.chunks, c.max ?? 1024)).toEqual(c.want);
    });
  }

  it("never emits a part over the limit, whatever the chunking", () => {
    const text = "é😀a".repeat(2000) + "\n" + "x".repeat(50_000);
    const bytes = enc(text);
    const out: SplitLine[] = [];
    const s = createLineSplitter({ maxBytes: 1000, onLine: (l) => out.push(l) });
    for (let i = 0; i < bytes.length; i += 777) s.push(bytes.subarray(i, i + 777));
    s.end();
    expect(out.every((l) => enc(l.line).length <= 1000)).toBe(true);
    // Joining the parts gives back the original lines, character for character.
    const joined = out.map((l) => l.line + (l.partial ? "" : "\n")).join("");
    expect(joined).toBe(text + "\n");
  });
});

describe("utf8Boundary", () => {
  const cases: [string, number[], number, number][] = [
    ["ascii", [0x61, 0x62], 2, 2],
    ["a whole 2-byte char", [0x61, 0xc3, 0xa9], 3, 3],
    ["half a 2-byte char", [0x61, 0xc3], 2, 1],
    ["3 of 4 bytes", [0xf0, 0x9f, 0x98], 3, 0],
    ["a whole 4-byte char", [0xf0, 0x9f, 0x98, 0x80], 4, 4],
  ];
  for (const [name, bytes, end, want] of cases) {
    it(name, () => expect(utf8Boundary(new Uint8Array(bytes), end)).toBe(want));
  }
});
