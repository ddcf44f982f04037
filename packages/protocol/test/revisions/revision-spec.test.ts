import { describe, expect, it } from "vitest";
import { revisionChanges, sameRevisionSpec, toRevisionSpec } from "../../src/index.js";

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

describe("revisionChanges", () => {
  const older = { ...base, env: { KEEP: "1", CHANGED: "old", REMOVED: "x" } };
  it.each([
    [
      "keys in another order, another replica count",
      { env: older.env, replicas: 9, image: older.image, name: "hello", tenant: "acme" },
      [],
    ],
    ["another image", { ...older, image: "r/hello:2" }, ["image"]],
    [
      "env added, changed and removed",
      { ...base, env: { KEEP: "1", CHANGED: "new", ADDED: "y" } },
      ["env.ADDED", "env.CHANGED", "env.REMOVED"],
    ],
    ["env gone", base, ["env.CHANGED", "env.KEEP", "env.REMOVED"]],
    [
      "scaling and a timeout added",
      { ...older, scaling: { maxReplicas: 2 }, timeout: 5 },
      ["scaling", "timeout"],
    ],
  ])("%s", (_what, newer, changes) => {
    expect(revisionChanges(older, newer)).toEqual(changes);
  });
});
