import { isEventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { applyScalingFlags, type ScalingFlags } from "../../src/control/scaling-flags.js";
import { parseProjectYaml } from "../../src/project-schema.js";

/** The error `fn` throws (the test fails when it throws none). */
function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isEventFlowError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("no error thrown");
}

describe("deploy scaling flags", () => {
  it("reads the issue's example: --min 0 --max 10 --concurrency 20", () => {
    expect(applyScalingFlags({}, { min: "0", max: "10", concurrency: "20" })).toEqual({
      scaling: { metric: "concurrency", target: 20, minReplicas: 0, maxReplicas: 10 },
    });
  });

  it("lays every flag over eventflow.yaml's settings", () => {
    const current = {
      scaling: { metric: "concurrency" as const, target: 50, minReplicas: 1, maxReplicas: 4 },
      containerConcurrency: 8,
    };
    expect(
      applyScalingFlags(current, {
        max: "12",
        scaleToZeroAfter: "5m",
        scaleDownDelay: "30",
        concurrencyLimit: "16",
      }),
    ).toEqual({
      scaling: {
        metric: "concurrency",
        target: 50,
        minReplicas: 1,
        maxReplicas: 12,
        scaleToZeroAfterSeconds: 300,
        scaleDownDelaySeconds: 30,
      },
      containerConcurrency: 16,
    });
    // another metric drops the file's target: its unit was the other metric's
    expect(applyScalingFlags(current, { metric: "rps" }).scaling).toEqual({
      metric: "rps",
      minReplicas: 1,
      maxReplicas: 4,
    });
    expect(applyScalingFlags(current, { metric: "rps", target: "0.5" }).scaling?.target).toBe(0.5);
  });

  it("changes nothing without flags; --concurrency-limit alone leaves scaling out", () => {
    const current = { containerConcurrency: 3 };
    expect(applyScalingFlags(current, {})).toBe(current);
    expect(applyScalingFlags({}, { concurrencyLimit: "0" })).toEqual({ containerConcurrency: 0 });
  });

  it.each<[string, ScalingFlags, RegExp]>([
    ["a word for a number", { min: "0", max: "ten" }, /^--max takes a number, got "ten"$/],
    ["a negative number", { min: "-1", max: "3" }, /^--min takes a number/],
    ["min over max", { min: "5", max: "2" }, /--min: must not exceed maxReplicas/],
    ["no bounds", { concurrency: "20" }, /--min: is required.*--max: is required/],
    ["a fraction of a replica", { min: "0", max: "2.5" }, /--max: must be a whole number/],
    [
      "more than the limit",
      { min: "0", max: "100000" },
      /--max: must be a whole number between 1 and 20 \(got 100000\)/,
    ],
    ["an unknown metric", { min: "1", max: "2", metric: "latency" }, /--metric: must be one of/],
    [
      "a cpu target over 100",
      { min: "1", max: "2", metric: "cpu", target: "150" },
      /--target: a cpu or memory target is a utilisation percent/,
    ],
    [
      "scale to zero on cpu",
      { min: "0", max: "2", metric: "cpu" },
      /--min: must be at least 1 with metric cpu or memory/,
    ],
    [
      "a bad duration",
      { min: "0", max: "2", scaleToZeroAfter: "soon" },
      /^--scale-to-zero-after takes a duration/,
    ],
    [
      "a fraction of a second",
      { min: "0", max: "2", scaleDownDelay: "1500ms" },
      /^--scale-down-delay takes whole seconds/,
    ],
    [
      "--concurrency with --target",
      { min: "0", max: "2", concurrency: "5", target: "6" },
      /give one of them/,
    ],
    [
      "--concurrency with --metric rps",
      { min: "0", max: "2", concurrency: "5", metric: "rps" },
      /--concurrency sets metric concurrency, not rps/,
    ],
    [
      "a negative container concurrency",
      { concurrencyLimit: "-3" },
      /^--concurrency-limit takes a number/,
    ],
    [
      "a huge container concurrency",
      { concurrencyLimit: "20000" },
      /--concurrency-limit: must be a whole number between 0 and 10000 \(got 20000\)/,
    ],
  ])("refuses %s as CLI_USAGE naming the flag", (_name, flags, message) => {
    const error = errorOf(() => applyScalingFlags({}, flags));
    expect(error.code).toBe("CLI_USAGE");
    expect(error.message).toMatch(message);
  });

  it("eventflow.yaml carries containerConcurrency and the request-driven scaling fields", () => {
    const project = parseProjectYaml(
      [
        "functions:",
        "  - name: hello",
        "    containerConcurrency: 4",
        "    scaling:",
        "      metric: rps",
        "      target: 30",
        "      minReplicas: 0",
        "      maxReplicas: 6",
        "      scaleToZeroAfterSeconds: 120",
        "      scaleDownDelaySeconds: 15",
      ].join("\n"),
      "/p",
    );
    expect(project.functions[0]).toMatchObject({
      containerConcurrency: 4,
      scaling: { metric: "rps", target: 30, scaleToZeroAfterSeconds: 120 },
    });
    const bad = errorOf(() =>
      parseProjectYaml("functions:\n  - name: hello\n    containerConcurrency: -1\n", "/p"),
    );
    expect(bad).toMatchObject({ code: "CONFIG_INVALID" });
    expect(bad.message).toMatch(
      /functions\.0\.containerConcurrency: must be a whole number between 0 and 10000/,
    );
  });
});
