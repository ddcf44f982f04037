import { describe, expect, it } from "vitest";
import {
  DEFAULT_TRAFFIC,
  MAX_TRAFFIC_TAG_LENGTH,
  MAX_TRAFFIC_TARGETS,
  checkTraffic,
  resolveTraffic,
  type TrafficTarget,
} from "../../src/index.js";

const context = { function: "hello", revisions: [2, 3, 4] };

describe("checkTraffic", () => {
  it.each<[string, TrafficTarget[]]>([
    ["the default", [...DEFAULT_TRAFFIC]],
    ["a number", [{ revision: 3, percent: 100 }]],
    [
      "a split with a tag",
      [
        { revision: 3, percent: 90 },
        { latestRevision: true, percent: 10, tag: "canary" },
      ],
    ],
    [
      "0 % with a tag",
      [
        { revision: "hello-00003", percent: 100 },
        { revision: 4, percent: 0, tag: "next" },
      ],
    ],
    [
      "latestRevision false beside a revision",
      [{ revision: 3, latestRevision: false, percent: 100 }],
    ],
    [
      "a tag of the longest length",
      [{ revision: 3, percent: 100, tag: "t".repeat(MAX_TRAFFIC_TAG_LENGTH) }],
    ],
    [
      "the same revision twice",
      [
        { revision: 3, percent: 50 },
        { revision: 3, percent: 50, tag: "b" },
      ],
    ],
  ])("accepts %s", (_, targets) => {
    expect(checkTraffic(targets, "hello")).toEqual([]);
  });

  it.each<[string, TrafficTarget[], string[]]>([
    ["nothing", [], ["traffic"]],
    [
      "too many targets",
      Array.from({ length: MAX_TRAFFIC_TARGETS + 1 }, () => ({
        revision: 1,
        percent: 0,
        tag: "x",
      })),
      ["traffic"],
    ],
    ["percents below 100", [{ revision: 3, percent: 90 }], ["traffic"]],
    [
      "percents above 100",
      [
        { revision: 3, percent: 60 },
        { revision: 4, percent: 50 },
      ],
      ["traffic"],
    ],
    [
      "a fraction",
      [
        { revision: 3, percent: 99.5 },
        { revision: 4, percent: 0.5 },
      ],
      ["traffic.0.percent", "traffic.1.percent"],
    ],
    [
      "a negative percent",
      [
        { revision: 3, percent: 110 },
        { revision: 4, percent: -10 },
      ],
      ["traffic.0.percent", "traffic.1.percent"],
    ],
    [
      "0 % without a tag",
      [
        { revision: 3, percent: 100 },
        { revision: 4, percent: 0 },
      ],
      ["traffic.1.percent"],
    ],
    [
      "both revision and latestRevision",
      [{ revision: 3, latestRevision: true, percent: 100 }],
      ["traffic.0"],
    ],
    ["neither", [{ percent: 100 }], ["traffic.0"]],
    ["latestRevision false alone", [{ latestRevision: false, percent: 100 }], ["traffic.0"]],
    ["revision 0", [{ revision: 0, percent: 100 }], ["traffic.0.revision"]],
    ["a short name", [{ revision: "hello-4", percent: 100 }], ["traffic.0.revision"]],
    [
      "another function's revision",
      [{ revision: "world-00004", percent: 100 }],
      ["traffic.0.revision"],
    ],
    ["a bare number as text", [{ revision: "4", percent: 100 }], ["traffic.0.revision"]],
    [
      "a tag that is not a DNS label",
      [{ revision: 3, percent: 100, tag: "Canary" }],
      ["traffic.0.tag"],
    ],
    [
      "a tag too long",
      [{ revision: 3, percent: 100, tag: "t".repeat(MAX_TRAFFIC_TAG_LENGTH + 1) }],
      ["traffic.0.tag"],
    ],
    [
      "a tag used twice",
      [
        { revision: 3, percent: 50, tag: "a" },
        { revision: 4, percent: 50, tag: "a" },
      ],
      ["traffic.1.tag"],
    ],
    [
      "every problem at once",
      [
        { revision: 3, latestRevision: true, percent: 0 },
        { revision: 4, percent: 100, tag: "-x" },
      ],
      ["traffic.0", "traffic.0.percent", "traffic.1.tag"],
    ],
  ])("refuses %s", (_, targets, paths) => {
    expect(checkTraffic(targets, "hello").map((issue) => issue.path)).toEqual(paths);
  });
});

describe("resolveTraffic", () => {
  it("resolves latestRevision to the newest revision and names to numbers", () => {
    expect(
      resolveTraffic(
        [
          { revision: "hello-00002", percent: 90 },
          { latestRevision: true, percent: 10, tag: "canary" },
          { revision: 3, percent: 0, tag: "old" },
        ],
        context,
      ),
    ).toEqual([
      { revision: 2, name: "hello-00002", percent: 90, latestRevision: false },
      { revision: 4, name: "hello-00004", percent: 10, tag: "canary", latestRevision: true },
      { revision: 3, name: "hello-00003", percent: 0, tag: "old", latestRevision: false },
    ]);
  });

  it("the default traffic sends everything to the newest revision", () => {
    expect(resolveTraffic(DEFAULT_TRAFFIC, { function: "hello", revisions: [9, 12, 10] })).toEqual([
      { revision: 12, name: "hello-00012", percent: 100, latestRevision: true },
    ]);
  });

  it("throws TRAFFIC_INVALID with every broken rule in details", () => {
    expect(() =>
      resolveTraffic(
        [
          { revision: 3, percent: 0 },
          { revision: 4, percent: 90, tag: "Bad" },
        ],
        context,
      ),
    ).toThrow(
      expect.objectContaining({
        code: "TRAFFIC_INVALID",
        status: 400,
        details: [
          expect.objectContaining({ path: "traffic.0.percent" }),
          expect.objectContaining({ path: "traffic.1.tag" }),
          expect.objectContaining({ path: "traffic" }),
        ],
      }),
    );
  });

  it("throws REVISION_NOT_FOUND naming each revision that does not exist (pruned or never made)", () => {
    expect(() =>
      resolveTraffic(
        [
          { revision: 1, percent: 50 },
          { revision: 3, percent: 25 },
          { revision: "hello-00009", percent: 25 },
        ],
        context,
      ),
    ).toThrow(
      expect.objectContaining({
        code: "REVISION_NOT_FOUND",
        status: 404,
        details: [
          expect.objectContaining({ path: "traffic.0.revision" }),
          expect.objectContaining({ path: "traffic.2.revision" }),
        ],
      }),
    );
  });

  it("a function without revisions has no latest one", () => {
    expect(() => resolveTraffic(DEFAULT_TRAFFIC, { function: "hello", revisions: [] })).toThrow(
      expect.objectContaining({
        code: "REVISION_NOT_FOUND",
        details: [expect.objectContaining({ path: "traffic.0" })],
      }),
    );
  });
});
