import { describe, expect, it } from "vitest";
import { DEFAULT_REVISION_HISTORY_LIMIT, planRevisionHistory } from "../../src/index.js";

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("planRevisionHistory", () => {
  it("keeps the newest 10 by default", () => {
    expect(DEFAULT_REVISION_HISTORY_LIMIT).toBe(10);
    expect(planRevisionHistory({ revisions: range(1, 15) })).toEqual({
      keep: range(6, 15),
      prune: range(1, 5),
    });
  });

  it.each([
    ["fewer than the limit: all kept", { revisions: [1, 2, 3], limit: 5 }, [1, 2, 3], []],
    ["exactly the limit: all kept", { revisions: [1, 2, 3], limit: 3 }, [1, 2, 3], []],
    ["limit 1 keeps only the newest", { revisions: [1, 2, 3], limit: 1 }, [3], [1, 2]],
    [
      "a revision traffic references is never pruned",
      { revisions: range(1, 6), limit: 2, referenced: [1, 3] },
      [1, 3, 5, 6],
      [2, 4],
    ],
    [
      "a referenced revision inside the limit counts once",
      { revisions: range(1, 6), limit: 2, referenced: [6] },
      [5, 6],
      range(1, 4),
    ],
    [
      "order and repeats of the input do not matter",
      { revisions: [7, 2, 9, 2, 4], limit: 2 },
      [7, 9],
      [2, 4],
    ],
    [
      "a referenced number that does not exist is not invented",
      { revisions: [1, 2, 3], limit: 1, referenced: [8] },
      [3],
      [1, 2],
    ],
    ["no revisions at all", { revisions: [], limit: 3 }, [], []],
  ])("%s", (_, input, keep, prune) => {
    expect(planRevisionHistory(input)).toEqual({ keep, prune });
  });

  it.each([
    [{ revisions: [1], limit: 0 }, "revisionHistoryLimit"],
    [{ revisions: [1], limit: 1.5 }, "revisionHistoryLimit"],
    [{ revisions: [1, 0] }, "revisions.1"],
    [{ revisions: [1], referenced: [-2] }, "referenced.0"],
  ])("refuses %j with REQUEST_VALIDATION_FAILED at %s", (input, path) => {
    expect(() => planRevisionHistory(input)).toThrow(
      expect.objectContaining({
        code: "REQUEST_VALIDATION_FAILED",
        details: [expect.objectContaining({ path })],
      }),
    );
  });
});
