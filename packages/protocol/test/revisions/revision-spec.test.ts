import { describe, expect, it } from "vitest";
import { sameRevisionSpec, toRevisionSpec } from "../../src/index.js";

const base = { tenant: "acme", name: "hello", image: "r/hello:1", replicas: 1 };

describe("sameRevisionSpec", () => {
  it.each([
    ["the same spec", base, true],
    ["another replica count", { ...base, replicas: 5 }, true],
    ["another revisionHistoryLimit", { ...base, revisionHistoryLimit: 3 }, true],
    ["a field set to undefined", { ...base, env: undefined }, true],
    ["another image", { ...base, image: "r/hello:2" }, false],
    ["an env added", { ...base, env: { A: "1" } }, false],
    ["scaling added", { ...base, scaling: { minReplicas: 0, maxReplicas: 2 } }, false],
    ["a secret added", { ...base, secrets: [{ name: "s", mount: "files" }] }, false],
  ])("%s: %s", (_what, other, same) => {
    expect(sameRevisionSpec(base, other)).toBe(same);
  });

  it("ignores the order of keys at any depth, not the order of lists", () => {
    const a = { ...base, env: { A: "1", B: "2" }, args: ["x", "y"] };
    const b = { args: ["x", "y"], env: { B: "2", A: "1" }, replicas: 1, image: base.image };
    expect(sameRevisionSpec(a, b)).toBe(true);
    expect(sameRevisionSpec(a, { ...b, args: ["y", "x"] })).toBe(false);
  });
});

describe("toRevisionSpec", () => {
  it("leaves out tenant, name, replicas and revisionHistoryLimit, and nothing else", () => {
    expect(toRevisionSpec({ ...base, revisionHistoryLimit: 2, env: { A: "1" } })).toEqual({
      image: "r/hello:1",
      env: { A: "1" },
    });
  });
});
