import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildTar,
  normalizeEntries,
  normalizeEntryPath,
  paxRecord,
  type TarEntryInput,
} from "../../src/image/tar.js";

const file = (path: string, text = "x", executable = false): TarEntryInput => ({
  type: "file",
  path,
  data: Buffer.from(text),
  executable,
});

/** Reads back headers the way any tar reader would: name, mode, uid, gid, size, mtime, type. */
function readHeaders(tar: Buffer) {
  const out: {
    name: string;
    mode: number;
    uid: number;
    gid: number;
    size: number;
    mtime: number;
    type: string;
    uname: string;
    checksumOk: boolean;
  }[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    const str = (start: number, len: number) =>
      block.toString("utf8", start, start + len).replace(/\0.*$/s, "");
    const num = (start: number, len: number) => parseInt(str(start, len).trim(), 8);
    const stored = num(148, 8);
    const copy = Buffer.from(block);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((a, b) => a + b, 0);
    const size = num(124, 12);
    out.push({
      name: str(0, 100),
      mode: num(100, 8),
      uid: num(108, 8),
      gid: num(116, 8),
      size,
      mtime: num(136, 12),
      type: str(156, 1),
      uname: str(265, 32),
      checksumOk: stored === sum,
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("normalizeEntryPath", () => {
  it.each([
    ["app/index.mjs", "app/index.mjs"],
    ["app/", "app"],
    ["a/b/c", "a/b/c"],
  ])("accepts %j as %j", (input, expected) => {
    expect(normalizeEntryPath(input)).toBe(expected);
  });
  it.each(["", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a\0b"])("rejects %j", (input) => {
    expect(() => normalizeEntryPath(input)).toThrow(RangeError);
  });
});

describe("normalizeEntries", () => {
  it.each([
    {
      name: "adds parent directories and sorts by bytes",
      input: [file("b/z"), file("a/y"), file("B")],
      paths: ["B", "a", "a/y", "b", "b/z"],
    },
    {
      name: "orders a directory by its trailing slash",
      input: [file("a-b"), file("a/c")],
      paths: ["a-b", "a", "a/c"],
    },
    {
      name: "keeps an explicit directory once",
      input: [{ type: "dir", path: "app" } as const, file("app/x")],
      paths: ["app", "app/x"],
    },
  ])("$name", ({ input, paths }) => {
    expect(normalizeEntries(input).map((e) => e.path)).toEqual(paths);
  });

  it.each([
    { name: "duplicate path", input: [file("a"), file("a")] },
    { name: "file used as a directory", input: [file("a"), file("a/b")] },
  ])("rejects $name", ({ input }) => {
    expect(() => normalizeEntries(input)).toThrow(RangeError);
  });
});

describe("paxRecord", () => {
  it.each([
    ["path", "x", "9 path=x\n"],
    ["path", "a".repeat(90), `99 path=${"a".repeat(90)}\n`],
    ["path", "a".repeat(91), `101 path=${"a".repeat(91)}\n`],
  ])("%s=%s has a length that counts itself", (key, value, expected) => {
    const record = paxRecord(key, value);
    expect(record).toBe(expected);
    expect(Buffer.byteLength(record)).toBe(parseInt(record, 10));
  });
});

describe("buildTar", () => {
  it("writes fixed owner, modes and mtime with valid checksums", () => {
    const tar = buildTar([file("app/index.mjs", "code"), file("app/run.sh", "#!/bin/sh", true)], {
      mtime: 1700000000,
    });
    expect(tar.length % 512).toBe(0);
    expect(readHeaders(tar)).toEqual([
      {
        name: "app/",
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 1700000000,
        type: "5",
        uname: "",
        checksumOk: true,
      },
      {
        name: "app/index.mjs",
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 4,
        mtime: 1700000000,
        type: "0",
        uname: "",
        checksumOk: true,
      },
      {
        name: "app/run.sh",
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 9,
        mtime: 1700000000,
        type: "0",
        uname: "",
        checksumOk: true,
      },
    ]);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it("gives the same bytes whatever the input order", () => {
    const a = buildTar([file("x/1"), file("x/2"), file("y")], { mtime: 0 });
    const b = buildTar([file("y"), file("x/2"), file("x/1")], { mtime: 0 });
    expect(a.equals(b)).toBe(true);
  });

  it("uses a PAX header for paths longer than 100 bytes and GNU tar reads them back", () => {
    const long = `app/${"d".repeat(120)}/file.txt`;
    const tar = buildTar(
      [file(long, "hello"), { type: "symlink", path: "app/link", target: "index.mjs" }],
      { mtime: 0 },
    );
    const headers = readHeaders(tar);
    expect(headers.map((h) => h.type)).toEqual(["5", "x", "5", "x", "0", "2"]);
    const dir = mkdtempSync(join(tmpdir(), "ef-tar-"));
    try {
      writeFileSync(join(dir, "t.tar"), tar);
      const listing = execFileSync(
        "tar",
        ["-tvf", join(dir, "t.tar"), "--numeric-owner", "--utc"],
        {
          encoding: "utf8",
        },
      );
      expect(listing).toContain(long);
      expect(listing).toContain("app/link -> index.mjs");
      expect(listing).toMatch(/-rw-r--r-- 0\/0 +5 1970-01-01 00:00/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
