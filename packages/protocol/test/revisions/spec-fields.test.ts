import { describe, expect, it } from "vitest";
import {
  buildFunctionSpecSchema,
  DEFAULT_FUNCTION_SPEC_LIMITS,
} from "../../src/function-spec/index.js";

const schema = buildFunctionSpecSchema(DEFAULT_FUNCTION_SPEC_LIMITS);
const image = "registry.example/hello:1";
const issues = (body: object) => {
  const parsed = schema.safeParse({ image, ...body });
  return parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join("."), i.message]);
};

// `traffic` and `rollout` in the one spec schema: the rules of checkTraffic and checkRollout
// reported under the spec's own paths.
describe("traffic and rollout in the function spec", () => {
  it("accepts a split with a tag and a rollout", () => {
    expect(
      issues({
        traffic: [
          { revision: 3, percent: 90 },
          { latestRevision: true, percent: 10, tag: "canary" },
          { revision: 2, percent: 0, tag: "old" },
        ],
        rollout: { steps: [10, 50, 100], intervalSeconds: 60, maxErrorRate: 0.01, maxP95Ms: 500 },
      }),
    ).toEqual([]);
  });

  it.each([
    [[{ revision: 1, percent: 50 }], "traffic", /add up to 100 \(got 50\)/],
    [[{ percent: 100 }], "traffic.0", /must name a revision or set latestRevision/],
    [[{ revision: 1, latestRevision: true, percent: 100 }], "traffic.0", /names both/],
    [
      [
        { revision: 1, percent: 100 },
        { revision: 2, percent: 0 },
      ],
      "traffic.1.percent",
      /0 only on a target with a tag/,
    ],
    [
      [
        { revision: 1, percent: 100, tag: "a" },
        { revision: 2, percent: 0, tag: "a" },
      ],
      "traffic.1.tag",
      /used by traffic.0 too/,
    ],
    [[{ revision: 1, percent: 100, tag: "Bad_Tag" }], "traffic.0.tag", /DNS label/],
  ])("refuses traffic %j at %s", (traffic, path, message) => {
    const found = issues({ traffic });
    expect(found).toContainEqual([path, expect.stringMatching(message)]);
  });

  it("refuses a rollout whose steps do not climb to 100", () => {
    const rollout = { steps: [50, 20], intervalSeconds: 10, maxErrorRate: 0.1, maxP95Ms: 100 };
    expect(issues({ rollout })).toEqual([
      ["rollout.steps.1", "must be above the step before it (50)"],
      ["rollout.steps", "must end with 100"],
    ]);
    expect(issues({ rollout: { ...rollout, steps: [100], maxErrorRate: 2 } })).toEqual([
      ["rollout.maxErrorRate", expect.any(String)],
    ]);
  });
});
