import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEventFlowError } from "@eventflow/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { buildEntrySource } from "../../src/bundle.js";
import { parseCliEnvironment } from "../../src/config.js";
import { renderTemplate } from "../../src/init.js";
import { defaultFunctionName, loadProject } from "../../src/project.js";
import { parseProjectYaml } from "../../src/project-schema.js";

function issues(text: string): { path: string }[] {
  try {
    parseProjectYaml(text, "/p");
  } catch (error) {
    if (isEventFlowError(error) && error.code === "CONFIG_INVALID")
      return error.details as { path: string }[];
    throw error;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("parseProjectYaml", () => {
  it("accepts a full function and fills the default handler", () => {
    const project = parseProjectYaml(
      [
        "functions:",
        "  - name: a",
        "    env: { KEY_1: v }",
        "    resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: '1', memory: 1Gi } }",
        "    scaling: { minReplicas: 0, maxReplicas: 3, targetCPUUtilization: 70 }",
        "    timeoutSeconds: 30",
        "    image: { repository: r.test/a, base: scratch }",
        "  - name: b",
        "    handler: lib/b.ts",
      ].join("\n"),
      "/p",
    );
    expect(project.functions.map((f) => [f.name, f.handler])).toEqual([
      ["a", "src/index.ts"],
      ["b", "lib/b.ts"],
    ]);
    expect(Object.isFrozen(project)).toBe(true);
  });

  it("accepts triggers and retry, and refuses a bad cron by its field", () => {
    const project = parseProjectYaml(
      [
        "functions:",
        "  - name: a",
        "    triggers:",
        "      - { type: schedule, cron: '*/5 * * * * *', data: { job: sweep } }",
        "      - { type: nats, subject: orders.> }",
        "    retry: { maxAttempts: 2, backoff: { initialMs: 100, maxMs: 1000, multiplier: 2 } }",
      ].join("\n"),
      "/p",
    );
    expect(project.functions[0]?.triggers).toHaveLength(2);
    expect(project.functions[0]?.retry?.maxAttempts).toBe(2);
    expect(
      issues("functions: [{ name: a, triggers: [{ type: schedule, cron: '* *' }] }]").map(
        (i) => i.path,
      ),
    ).toEqual(["functions.0.triggers.0.cron"]);
  });

  it.each([
    { name: "empty file", text: "", paths: [""] },
    { name: "no functions", text: "functions: []", paths: ["functions"] },
    { name: "unknown top-level key", text: "functions: [{ name: a }]\nextra: 1", paths: ["extra"] },
    { name: "bad name", text: "functions: [{ name: A_b }]", paths: ["functions.0.name"] },
    {
      name: "duplicate names",
      text: "functions: [{ name: a }, { name: a }]",
      paths: ["functions.1.name"],
    },
    {
      name: "min above max",
      text: "functions: [{ name: a, scaling: { minReplicas: 3, maxReplicas: 1 } }]",
      paths: ["functions.0.scaling.minReplicas"],
    },
    {
      name: "bad quantity",
      text: "functions: [{ name: a, resources: { limits: { memory: 1GB } } }]",
      paths: ["functions.0.resources.limits.memory"],
    },
    {
      name: "timeout too long",
      text: "functions: [{ name: a, timeoutSeconds: 7200 }]",
      paths: ["functions.0.timeoutSeconds"],
    },
    {
      name: "bad env name",
      text: "functions: [{ name: a, env: { 'A-B': x } }]",
      paths: ["functions.0.env.A-B"],
    },
    {
      name: "env value not a string",
      text: "functions: [{ name: a, env: { A: 1 } }]",
      paths: ["functions.0.env.A"],
    },
    {
      name: "unknown function key",
      text: "functions: [{ name: a, replica: 2 }]",
      paths: ["functions.0.replica"],
    },
    { name: "YAML syntax", text: "functions: [", paths: ["line 1"] },
    { name: "duplicate YAML keys", text: "functions: []\nfunctions: []", paths: ["line 2"] },
  ])("$name", ({ text, paths }) => {
    expect(issues(text).map((i) => i.path)).toEqual(paths);
  });
});

describe("defaultFunctionName", () => {
  it.each([
    ["@eventflow-examples/hello", "/x/y", "hello"],
    [undefined, "/work/My_Project", "my-project"],
    ["123-abc", "/x", "abc"],
    ["", "/x/---", "function"],
    ["a".repeat(60), "/x", "a".repeat(40)],
  ])("%s in %s -> %s", (pkg, dir, name) => {
    expect(defaultFunctionName(pkg, dir)).toBe(name);
  });
});

describe("loadProject", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("without eventflow.yaml: one function named after package.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ef-proj-"));
    dirs.push(dir);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "@acme/thing" }));
    const project = await loadProject(dir);
    expect(project.fromFile).toBe(false);
    expect(project.functions).toEqual([{ name: "thing", handler: "src/index.ts" }]);
  });

  it("with eventflow.yaml: validates it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ef-proj-"));
    dirs.push(dir);
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "eventflow.yaml"), "functions:\n  - name: one\n");
    expect((await loadProject(dir)).functions.map((f) => f.name)).toEqual(["one"]);
  });
});

describe("parseCliEnvironment", () => {
  it.each([
    { env: {}, epoch: undefined, creds: undefined },
    { env: { SOURCE_DATE_EPOCH: "" }, epoch: undefined, creds: undefined },
    { env: { SOURCE_DATE_EPOCH: "1700000000" }, epoch: 1700000000, creds: undefined },
    {
      env: { EVENTFLOW_REGISTRY_USERNAME: "u", EVENTFLOW_REGISTRY_PASSWORD: "p" },
      epoch: undefined,
      creds: { username: "u", password: "p" },
    },
  ])("$env", ({ env, epoch, creds }) => {
    const parsed = parseCliEnvironment(env);
    expect(parsed.sourceDateEpoch).toBe(epoch);
    expect(parsed.registryCredentials).toEqual(creds);
  });

  it.each([
    { name: "a negative epoch", env: { SOURCE_DATE_EPOCH: "-1" }, paths: ["SOURCE_DATE_EPOCH"] },
    {
      name: "a date instead of seconds",
      env: { SOURCE_DATE_EPOCH: "2024-01-01" },
      paths: ["SOURCE_DATE_EPOCH"],
    },
    {
      name: "a username alone, and a bad epoch",
      env: { EVENTFLOW_REGISTRY_USERNAME: "u", SOURCE_DATE_EPOCH: "x" },
      paths: ["SOURCE_DATE_EPOCH", "EVENTFLOW_REGISTRY_PASSWORD"],
    },
  ])("rejects $name, all problems at once", ({ env, paths }) => {
    let details: { path: string }[] = [];
    try {
      parseCliEnvironment(env);
    } catch (error) {
      if (isEventFlowError(error) && error.code === "CONFIG_INVALID")
        details = error.details as { path: string }[];
    }
    expect(details.map((d) => d.path)).toEqual(paths);
  });

  it("is interactive only on a TTY outside CI", () => {
    expect(parseCliEnvironment({}, true).interactive).toBe(true);
    expect(parseCliEnvironment({ CI: "true" }, true).interactive).toBe(false);
    expect(parseCliEnvironment({}, false).interactive).toBe(false);
  });
});

describe("buildEntrySource and renderTemplate", () => {
  it("imports the handler and hands it to runMain", () => {
    expect(buildEntrySource("./src/index.ts", "src/index.ts")).toBe(
      'import * as mod from "./src/index.ts";\nimport { runMain } from "@eventflow/runtime/main";\nawait runMain({ module: mod, source: "src/index.ts" });\n',
    );
  });

  it("quotes paths safely", () => {
    expect(buildEntrySource('./a"b.ts', 'a"b.ts')).toContain('from "./a\\"b.ts"');
  });

  it("fills the placeholders", () => {
    expect(renderTemplate("__NAME__@__VERSION__ __NAME__", { name: "fn", version: "1.2.3" })).toBe(
      "fn@1.2.3 fn",
    );
  });
});

// The text is the feature (issue 14 item 10): the words of the API's field errors.
describe("eventflow.yaml problems in words", () => {
  it("says what a field must be and what it got, never an env value", () => {
    expect(issues("functions: [{ name: a, timeoutSeconds: 0, env: { A: 1 } }]")).toEqual([
      { path: "functions.0.env.A", message: "must be text" },
      {
        path: "functions.0.timeoutSeconds",
        message: "must be a whole number between 1 and 3600 (got 0)",
      },
    ]);
  });
});
