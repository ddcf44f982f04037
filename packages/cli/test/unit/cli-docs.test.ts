import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { helpFlagRows, toMarkdownTable } from "../help-table.js";

const DOC = new URL("../../../../docs/cli.md", import.meta.url);
const START = "<!-- flags: generated from --help; the test cli-docs.test.ts keeps them equal -->";

describe("docs/cli.md", () => {
  it("has the flag table of every command as --help prints it", async () => {
    const doc = await readFile(DOC, "utf8");
    const at = doc.indexOf(START);
    expect(at, "docs/cli.md lacks the flags marker").toBeGreaterThan(0);
    const table = doc
      .slice(at + START.length)
      .trimStart()
      .split("\n")
      .filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith("|")))
      .join("\n");
    const rows = await helpFlagRows();
    expect(rows.length).toBeGreaterThan(50);
    expect(table).toBe(toMarkdownTable(rows));
  });
});
