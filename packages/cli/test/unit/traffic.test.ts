// `eventflow traffic` assignments and the traffic and rollout texts, table-driven; a bad
// assignment is a usage error (exit 2) before any request: the URL given has nothing listening,
// so a request would end in CLIENT_UNREACHABLE (exit 1) instead.
import { PassThrough } from "node:stream";
import type { FunctionStatus, TrafficStatus } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import {
  buildTrafficTargets,
  checkTrafficArguments,
  parseAssignment,
  parseTagAssignment,
  toTrafficTargets,
} from "../../src/control/traffic-command.js";
import {
  describeRollout,
  describeTraffic,
  revisionTrafficText,
  rolloutSummary,
  trafficSummary,
} from "../../src/control/traffic-format.js";

const usage = expect.objectContaining({ code: "CLI_USAGE" });

describe("traffic assignments", () => {
  it.each([
    ["3=90", { revision: 3, percent: 90 }],
    ["3=90%", { revision: 3, percent: 90 }],
    ["hello-00004=10", { revision: 4, percent: 10 }],
    ["latest=10", { latestRevision: true, percent: 10 }],
    ["12=0", { revision: 12, percent: 0 }],
  ])("%s", (text, target) => {
    expect(parseAssignment(text, "hello")).toEqual({ target, source: text });
  });

  it.each([
    "3",
    "=90",
    "3=",
    "3=101",
    "3=9.5",
    "3=-1",
    "0=100",
    "x=100",
    "other-00004=100",
    "hello-4=100",
    "hello-000004=100",
  ])("refuses %s", (text) => {
    expect(() => parseAssignment(text, "hello")).toThrow(usage);
  });

  it.each([
    ["canary=4", { revision: 4, percent: 0, tag: "canary" }],
    ["canary=hello-00004", { revision: 4, percent: 0, tag: "canary" }],
    ["next=latest", { latestRevision: true, percent: 0, tag: "next" }],
  ])("--tag %s", (text, target) => {
    expect(parseTagAssignment(text, "hello")).toEqual({ target, source: `--tag ${text}` });
  });

  it.each(["canary", "canary=", "=4", "canary=hello-4"])("refuses --tag %s", (text) => {
    expect(() => parseTagAssignment(text, "hello")).toThrow(usage);
  });
});

describe("buildTrafficTargets", () => {
  const a = (text: string) => parseAssignment(text, "hello");
  const t = (text: string) => parseTagAssignment(text, "hello");
  const targets = (options: Parameters<typeof buildTrafficTargets>[0]) =>
    buildTrafficTargets(options).map((g) => g.target);

  it("puts a tag on the untagged assignment of its revision, else on a new 0% target", () => {
    expect(
      targets({
        assignments: [a("3=90"), a("4=10")],
        tags: [t("canary=4"), t("blue=4"), t("x=5")],
      }),
    ).toEqual([
      { revision: 3, percent: 90 },
      { revision: 4, percent: 10, tag: "canary" },
      { revision: 4, percent: 0, tag: "blue" },
      { revision: 5, percent: 0, tag: "x" },
    ]);
    expect(targets({ assignments: [a("latest=100")], tags: [t("next=latest")] })).toEqual([
      { latestRevision: true, percent: 100, tag: "next" },
    ]);
  });

  it("assignments replace the current traffic, tags and all", () => {
    const current = [
      { revision: 2, percent: 0, tag: "old" },
      { latestRevision: true, percent: 100 },
    ];
    expect(targets({ assignments: [a("3=100")], tags: [], current })).toEqual([
      { revision: 3, percent: 100 },
    ]);
  });

  it("tags alone keep the current split: a tag moves off the revision that had it", () => {
    const current: TrafficStatus[] = [
      {
        revision: 3,
        name: "hello-00003",
        percent: 90,
        tag: "canary",
        latest_revision: false,
        ready_replicas: 1,
      },
      { revision: 4, name: "hello-00004", percent: 10, latest_revision: true, ready_replicas: 1 },
      {
        revision: 5,
        name: "hello-00005",
        percent: 0,
        tag: "blue",
        latest_revision: false,
        ready_replicas: 0,
      },
    ];
    expect(
      targets({
        assignments: [],
        tags: [t("canary=latest"), t("blue=3")],
        current: toTrafficTargets(current),
      }),
    ).toEqual([
      { revision: 3, percent: 90, tag: "blue" },
      { latestRevision: true, percent: 10, tag: "canary" },
    ]);
    // No traffic known yet: the default, everything to the newest revision.
    expect(targets({ assignments: [], tags: [t("canary=2")] })).toEqual([
      { latestRevision: true, percent: 100 },
      { revision: 2, percent: 0, tag: "canary" },
    ]);
    expect(toTrafficTargets(undefined)).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  it("a broken split names the arguments it is about", () => {
    const check =
      (assignments: string[], tags: string[] = []) =>
      () =>
        checkTrafficArguments(
          buildTrafficTargets({ assignments: assignments.map(a), tags: tags.map(t) }),
          "hello",
        );
    expect(check(["3=90", "4=5"])).toThrow(/percents must add up to 100 \(got 95\)/);
    expect(check(["3=100", "4=0"])).toThrow(/^invalid traffic: 4=0 \(percent\) may be 0 only/);
    expect(check(["3=100"], ["Bad_Tag=3"])).toThrow(
      /3=100 --tag Bad_Tag=3 \(tag\) must be a DNS label/,
    );
    expect(check(["3=90", "4=10"], ["c=3", "c=4"])).toThrow(
      /--tag c=4 .* is used by traffic.0 too/,
    );
    expect(check(["3=90", "4=10"], ["canary=4"])()).toEqual([
      { revision: 3, percent: 90 },
      { revision: 4, percent: 10, tag: "canary" },
    ]);
  });
});

describe("eventflow traffic refuses a bad assignment before any request", () => {
  const cli = async (args: string[]) => {
    let stderr = "";
    const err = new PassThrough();
    err.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await runCli(args, {
      stdout: new PassThrough(),
      stderr: err,
      env: { EVENTFLOW_URL: "http://127.0.0.1:1", EVENTFLOW_TOKEN: "t", NO_COLOR: "1" },
      cwd: process.cwd(),
    });
    return { code, stderr };
  };

  it.each([
    [["traffic", "hello", "3=90", "4=5"]],
    [["traffic", "hello", "3=abc"]],
    [["traffic", "hello", "3=50", "3=50"]],
    [["traffic", "hello", "other-00003=100"]],
    [["traffic", "hello", "--tag", "canary"]],
    [["traffic", "hello", "-o", "nope"]],
    [["invoke", "hello", "--tag", "canary", "--async"]],
  ])("%j: exit 2", async (args) => {
    const { code, stderr } = await cli(args);
    expect(stderr).toContain("error[CLI_USAGE]");
    expect(code).toBe(2);
  });

  it("while a good one goes to the controller (nothing listens: exit 1)", async () => {
    const { code, stderr } = await cli(["traffic", "hello", "3=90", "hello-00004=10"]);
    expect(stderr).toContain("error[CLIENT_UNREACHABLE]");
    expect(code).toBe(1);
  });
});

describe("traffic and rollout texts", () => {
  const traffic: TrafficStatus[] = [
    { revision: 3, name: "hello-00003", percent: 90, latest_revision: false, ready_replicas: 2 },
    {
      revision: 4,
      name: "hello-00004",
      percent: 10,
      tag: "canary",
      latest_revision: true,
      ready_replicas: 1,
    },
  ];

  it("revisions' TRAFFIC column, the describe lines and the wide column", () => {
    expect(revisionTrafficText({ percent: 90 })).toBe("90%");
    expect(revisionTrafficText({ percent: 0, tags: ["canary", "blue"] })).toBe("0% canary blue");
    expect(revisionTrafficText({ percent: 0 })).toBe("-");
    expect(describeTraffic(traffic)).toBe(
      "90%  hello-00003  2 ready\n10%  hello-00004  1 ready  latest  tag canary",
    );
    expect(trafficSummary(traffic)).toBe("90% 3, 10% 4 canary");
    expect(trafficSummary(undefined)).toBe("-");
  });

  it("a rollout: phase, step i of n, percent, reason", () => {
    const fn = {
      name: "hello",
      spec: {
        rollout: { steps: [10, 50, 100], intervalSeconds: 30, maxErrorRate: 0.05, maxP95Ms: 500 },
      },
      rollout: {
        revision: 5,
        from: 4,
        phase: "rolledBack",
        step: 1,
        percent: 0,
        since: "2026-12-06T11:00:00.000Z",
        reason: "step 2 (50%): error rate 12% over 5%",
      },
    } as unknown as FunctionStatus;
    expect(describeRollout(fn)).toBe(
      "hello-00005 from hello-00004: rolled back, step 2 of 3, 0% of the requests since 2026-12-06T11:00:00.000Z (step 2 (50%): error rate 12% over 5%)",
    );
    expect(rolloutSummary(fn)).toBe("rolled back 2/3 0%");
    expect(rolloutSummary({ ...fn, rollout: undefined } as unknown as FunctionStatus)).toBe("-");
  });
});
