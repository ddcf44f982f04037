import { describe, expect, it } from "vitest";
import { parseEnvOverrides } from "../src/commands.ts";

describe("invoke local --env", () => {
  it.each([
    [undefined, {}],
    ["A=1", { A: "1" }],
    [["A=1", "B=x=y", "C="], { A: "1", B: "x=y", C: "" }],
    [["A=1", "A=2"], { A: "2" }],
  ])("%j is %j", (value, env) => {
    expect(parseEnvOverrides(value)).toEqual(env);
  });

  it.each([true, "A", "=1", ["A=1", "B"]])("%j is a usage error", (value) => {
    expect(() => parseEnvOverrides(value)).toThrow(expect.objectContaining({ code: "CLI_USAGE" }));
  });
});
