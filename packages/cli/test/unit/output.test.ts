import type { FunctionStatus } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { pushOutputFormat, splitBuildOutput } from "../../src/build-output.js";
import { renderOutput, renderTable, type Column } from "../../src/control/render.js";
import { diffFunctions } from "../../src/control/watch.js";
import { buildNextSteps } from "../../src/init.js";

describe("renderOutput, the one formatter", () => {
  const printable = {
    data: { a: 1 },
    names: ["x", "y"],
    text: (wide: boolean) => `text ${wide}\n`,
  };
  it.each([
    ["table", {}, "text false\n"],
    ["wide", {}, "text true\n"],
    ["json", {}, '{\n  "a": 1\n}\n'],
    ["json", { stream: true }, '{"a":1}\n'],
    ["yaml", {}, "a: 1\n"],
    ["yaml", { stream: true }, "---\na: 1\n"],
    ["name", {}, "x\ny\n"],
  ] as const)("-o %s %o", async (format, options, want) => {
    expect(await renderOutput(format, printable, options)).toBe(want);
  });

  it("wide columns only with -o wide, and nothing is cut then", () => {
    const columns: Column<{ n: string }>[] = [
      { header: "N", value: (r) => r.n },
      { header: "MORE", value: () => "extra", wide: true },
      { header: "LONG", value: () => "x".repeat(30), shrink: true },
    ];
    expect(renderTable([{ n: "a" }], columns, 20)).toBe(`N   LONG\na   ${"x".repeat(15)}…\n`);
    expect(renderTable([{ n: "a" }], columns, 20, { wide: true })).toBe(
      `N   MORE    LONG\na   extra   ${"x".repeat(30)}\n`,
    );
    expect(renderTable([{ n: "a" }], columns, undefined, { header: false })).toBe(
      `a   ${"x".repeat(30)}\n`,
    );
  });
});

describe("build and push output flags", () => {
  it.each([
    [{ output: [] }, "table", []],
    [{ output: ["json"] }, "json", []],
    [{ output: [], json: true }, "json", []],
    [{ output: ["oci:out", "wide", "tar:x.tar"] }, "wide", ["oci:out", "tar:x.tar"]],
    [{ output: ["json"], json: true }, "json", []],
  ])("%o", (flags, format, destinations) => {
    expect(splitBuildOutput(flags)).toEqual({ format, destinations });
  });

  it("refuses two formats", () => {
    expect(() => splitBuildOutput({ output: ["json", "yaml"] })).toThrow(
      expect.objectContaining({ code: "CLI_USAGE" }),
    );
    expect(() => pushOutputFormat({ output: "yaml", json: true })).toThrow(
      expect.objectContaining({ code: "CLI_USAGE" }),
    );
    expect(pushOutputFormat({ json: true })).toBe("json");
  });
});

describe("diffFunctions (--watch)", () => {
  const fn = (name: string, ready: number, extra: Partial<FunctionStatus> = {}) =>
    ({
      name,
      tenant: "t",
      image: "i",
      replicas: 1,
      available_replicas: ready,
      ready_replicas: ready,
      updated_replicas: ready,
      status: ready === 1 ? "Running" : "Deploying",
      created_at: "c",
      updated_at: "u",
      spec: { image: "i", replicas: 1 },
      ...extra,
    }) as FunctionStatus;
  it("added, modified, deleted; an updated_at tick alone is no change", () => {
    const before = new Map([
      ["a", fn("a", 0)],
      ["b", fn("b", 1)],
      ["gone", fn("gone", 1)],
    ]);
    const events = diffFunctions(before, [
      fn("a", 1),
      fn("b", 1, { updated_at: "later" }),
      fn("new", 0),
    ]);
    expect(events.map((e) => [e.type, e.object.name])).toEqual([
      ["MODIFIED", "a"],
      ["ADDED", "new"],
      ["DELETED", "gone"],
    ]);
  });
});

describe("buildNextSteps (eventflow init)", () => {
  it("from cd to invoke and logs, the sample data of the template", () => {
    const steps = buildNextSteps({ name: "greeter", template: "http", cdPath: "greeter" });
    const commands = steps
      .split("\n")
      .filter((l) => l.startsWith("  "))
      .map((l) => l.trim().replace(/\s+#.*$/, ""));
    expect(commands).toEqual([
      "cd greeter",
      "npm install",
      "npm test",
      "npx eventflow dev",
      "npx eventflow login --url http://127.0.0.1:8080 --dev",
      "npx eventflow deploy --wait",
      `npx eventflow invoke greeter -d '{"name":"you"}'`,
      "npx eventflow logs greeter",
    ]);
    expect(buildNextSteps({ name: "o", template: "cloudevent", cdPath: "my dir" })).toMatch(
      /cd "my dir"[\s\S]*-H ce-type:com\.example\.order\.created/,
    );
  });
});
