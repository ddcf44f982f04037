// Pure pieces of the control commands, table-driven: contexts, settings, tables, deploy specs,
// completion scripts (the bash one is run by bash).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FunctionStatus } from "@eventflow/protocol";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { buildCompletionScript } from "../../src/control/completion.js";
import {
  parseConfigFile,
  readConfigFile,
  resolveContext,
  withContext,
  withoutContext,
  writeConfigFile,
} from "../../src/control/contexts.js";
import { buildDeploySpec, isUnchanged } from "../../src/control/deploy-command.js";
import { describeCommands, registerControlCommands } from "../../src/control/register.js";
import { formatAge, paint, parseOutputFormat, renderTable } from "../../src/control/render.js";
import { parseCliEnvironment } from "../../src/config.js";
import { parseTimeout } from "../../src/control/wait.js";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("contexts", () => {
  const config = withContext(
    withContext({ currentContext: undefined, contexts: {} }, "dev", {
      url: "http://a",
      token: "t1",
    }),
    "prod",
    { url: "https://b", token: "t2" },
    false,
  );

  it.each([
    [{}, { name: "dev", url: "http://a", token: "t1" }],
    [{ context: "prod" }, { name: "prod", url: "https://b", token: "t2" }],
    [{ token: "x" }, { name: "dev", url: "http://a", token: "x" }],
    [{ url: "http://c" }, { name: "dev", url: "http://c", token: undefined }],
    [
      { url: "http://c", token: "y" },
      { name: "dev", url: "http://c", token: "y" },
    ],
  ])("resolves %o", (wanted, expected) => {
    expect(resolveContext(config, wanted)).toMatchObject(expected);
  });

  it.each([
    [{ currentContext: undefined, contexts: {} }, {}, "CLI_NOT_LOGGED_IN"],
    [config, { context: "nope" }, "CLI_CONTEXT_NOT_FOUND"],
  ])("refuses %#", (file, wanted, code) => {
    expect(() => resolveContext(file, wanted)).toThrow(expect.objectContaining({ code }));
  });

  it("deletes contexts and clears the current one", () => {
    expect(withoutContext(config, "dev")).toEqual({
      currentContext: undefined,
      contexts: { prod: { url: "https://b", token: "t2" } },
    });
    expect(() => withoutContext(config, "nope")).toThrow(
      expect.objectContaining({ code: "CLI_CONTEXT_NOT_FOUND" }),
    );
  });

  it.each([[[]], [{ contexts: { a: { url: 1 } } }], [{ currentContext: 3, contexts: {} }]])(
    "rejects a malformed file %j",
    (value) => {
      expect(() => parseConfigFile(value, "f")).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID" }),
      );
    },
  );

  it("writes the file with mode 0600 in a 0700 directory, whatever the umask", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ef-ctx-"));
    dirs.push(dir);
    const path = join(dir, "cfg", "eventflow", "config.json");
    const old = process.umask(0o000);
    try {
      await writeConfigFile(path, config);
    } finally {
      process.umask(old);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "cfg", "eventflow"))).mode & 0o777).toBe(0o700);
    expect(await readConfigFile(path)).toEqual(config);
    expect(JSON.parse(await readFile(path, "utf8")).contexts.prod.token).toBe("t2");
  });
});

describe("settings and output", () => {
  it.each([
    [{}, { isTTY: true, columns: 100 }, true, 100],
    [{ NO_COLOR: "1" }, { isTTY: true, columns: 100 }, false, 100],
    [{ TERM: "dumb" }, { isTTY: true }, false, 80],
    [{}, {}, false, undefined],
    [{ FORCE_COLOR: "1", COLUMNS: "60" }, {}, true, 60],
  ])("env %o on %o: colour %s, width %s", (env, stdout, color, columns) => {
    expect(parseCliEnvironment(env, false, stdout)).toMatchObject({ color, columns });
  });

  it("finds the config file", () => {
    expect(parseCliEnvironment({ HOME: "/h" }, false, {}).configPath).toBe(
      "/h/.config/eventflow/config.json",
    );
    expect(parseCliEnvironment({ HOME: "/h", XDG_CONFIG_HOME: "/x" }, false, {}).configPath).toBe(
      "/x/eventflow/config.json",
    );
    expect(parseCliEnvironment({ EVENTFLOW_CONFIG: "/c.json" }, false, {}).configPath).toBe(
      "/c.json",
    );
  });

  const rows = [
    { a: "short", b: "registry.example.com/team/some-long-function-name@sha256:0123456789abcdef" },
    { a: "a-much-longer-name", b: "x" },
  ];
  const cols = [
    { header: "NAME", value: (r: (typeof rows)[number]) => r.a },
    { header: "IMAGE", value: (r: (typeof rows)[number]) => r.b, shrink: true },
  ];

  it("aligns tables and cuts the shrinkable column to the terminal width", () => {
    const wide = renderTable(rows, cols, undefined).split("\n");
    expect(wide[0]).toBe("NAME                 IMAGE");
    expect(wide[1]).toBe(`short                ${rows[0]!.b}`);
    const narrow = renderTable(rows, cols, 40).split("\n").filter(Boolean);
    for (const line of narrow) expect(line.length).toBeLessThanOrEqual(40);
    expect(narrow[1]).toMatch(/…$/);
  });

  it("ignores colour codes when aligning", () => {
    const coloured = [
      { header: "S", value: (r: { s: string }) => paint(true, "green", r.s) },
      { header: "X", value: () => "x" },
    ];
    // eslint-disable-next-line no-control-regex -- strips the colour codes under test
    const plain = (line: string | undefined) => (line ?? "").replace(/\u001b\[[0-9;]*m/g, "");
    const lines = renderTable([{ s: "Running" }, { s: "Failed" }], coloured, undefined).split("\n");
    expect(plain(lines[1])).toBe("Running   x");
    expect(plain(lines[2])).toBe("Failed    x");
  });

  it.each([
    [undefined, "table"],
    ["json", "json"],
    ["yaml", "yaml"],
    ["name", "name"],
  ])("-o %s", (value, format) => {
    expect(parseOutputFormat(value)).toBe(format);
  });

  it("refuses unknown formats; ages and timeouts", () => {
    expect(() => parseOutputFormat("xml")).toThrow(expect.objectContaining({ code: "CLI_USAGE" }));
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(formatAge("2026-01-01T23:59:30Z", now)).toBe("30s");
    expect(formatAge("2026-01-01T23:00:00Z", now)).toBe("60m");
    expect(formatAge("2026-01-01T00:00:00Z", now)).toBe("24h");
    expect(formatAge("2025-12-20T00:00:00Z", now)).toBe("13d");
    expect(parseTimeout("90s", 1)).toBe(90_000);
    expect(parseTimeout("5m", 1)).toBe(300_000);
    expect(parseTimeout(undefined, 7)).toBe(7);
    expect(parseTimeout("2h", 1)).toBe(7_200_000);
    expect(parseTimeout("45", 1)).toBe(45_000);
    // A value it cannot read was a silent 120 s; now a usage error naming the flag.
    for (const bad of ["1.5m", "10min", "soon", ""])
      expect(() => parseTimeout(bad, 1)).toThrow(
        expect.objectContaining({
          code: "CLI_USAGE",
          message: expect.stringContaining("--timeout"),
        }),
      );
  });
});

describe("deploy specs", () => {
  const fn = { name: "f", handler: "src/index.ts", env: { B: "2", A: "1" }, timeoutSeconds: 10 };
  const status = (spec: FunctionStatus["spec"], replicas = 3): FunctionStatus => ({
    name: "f",
    tenant: "t",
    url: "http://127.0.0.1:8080/fn/t/f/",
    image: spec.image,
    replicas,
    available_replicas: replicas,
    ready_replicas: replicas,
    updated_replicas: replicas,
    status: "Running",
    created_at: "",
    updated_at: "",
    spec,
  });

  it("keeps the running replica count; a new function starts with scaling.minReplicas or 1", () => {
    expect(buildDeploySpec(fn, "img@sha256:1", undefined)).toEqual({
      image: "img@sha256:1",
      replicas: 1,
      env: { B: "2", A: "1" },
      timeoutSeconds: 10,
    });
    expect(
      buildDeploySpec({ ...fn, scaling: { minReplicas: 2, maxReplicas: 4 } }, "i", undefined)
        .replicas,
    ).toBe(2);
    const running = status({ image: "i", replicas: 3 });
    expect(buildDeploySpec(fn, "i", running).replicas).toBe(3);
  });

  it("sends eventflow.yaml's triggers and retry, and a change of them is a change", () => {
    const triggers = [{ type: "schedule" as const, cron: "* * * * *" }];
    const retry = { maxAttempts: 2, backoff: { initialMs: 1, maxMs: 2, multiplier: 2 } };
    const wanted = buildDeploySpec({ ...fn, triggers, retry }, "img@sha256:1", undefined);
    expect(wanted).toMatchObject({ triggers, retry });
    const running = {
      image: "img@sha256:1",
      replicas: 1,
      env: { A: "1", B: "2" },
      timeoutSeconds: 10,
    };
    expect(isUnchanged(status({ ...running, triggers, retry }), wanted)).toBe(true);
    expect(isUnchanged(status(running), wanted)).toBe(false);
    expect(isUnchanged(status({ ...running, triggers }), wanted)).toBe(false);
  });

  it("sends containerConcurrency, and a change of it is a change", () => {
    const wanted = buildDeploySpec({ ...fn, containerConcurrency: 4 }, "img@sha256:1", undefined);
    expect(wanted.containerConcurrency).toBe(4);
    const running = {
      image: "img@sha256:1",
      replicas: 1,
      env: { A: "1", B: "2" },
      timeoutSeconds: 10,
    };
    expect(isUnchanged(status({ ...running, containerConcurrency: 4 }), wanted)).toBe(true);
    expect(isUnchanged(status(running), wanted)).toBe(false);
    // 0 and absent both mean no limit
    const unlimited = buildDeploySpec(
      { ...fn, containerConcurrency: 0 },
      "img@sha256:1",
      undefined,
    );
    expect(isUnchanged(status(running), unlimited)).toBe(true);
  });

  it("a change of the endpoint's auth, CORS, body limit, secrets or command is a change", () => {
    const running = {
      image: "img@sha256:1",
      replicas: 1,
      env: { A: "1", B: "2" },
      timeoutSeconds: 10,
    };
    const wanted = buildDeploySpec(fn, "img@sha256:1", undefined);
    // Defaults written out are no change: auth token, a secret mounted as files.
    expect(isUnchanged(status({ ...running, auth: "token" }), wanted)).toBe(true);
    const secrets = [{ name: "s", mount: "files" as const }];
    expect(
      isUnchanged(status({ ...running, secrets }), { ...wanted, secrets: [{ name: "s" }] }),
    ).toBe(true);
    for (const field of [
      { auth: "public" as const },
      { cors: { allowOrigins: ["*"] } },
      { maxBodyBytes: 1024 },
      { secrets },
      { command: ["node"] },
      { args: ["x"] },
    ])
      expect(isUnchanged(status({ ...running, ...field }), wanted), JSON.stringify(field)).toBe(
        false,
      );
  });

  it.each([
    [{ image: "img@sha256:1", replicas: 3, env: { A: "1", B: "2" }, timeoutSeconds: 10 }, true],
    [{ image: "img@sha256:2", replicas: 3, env: { A: "1", B: "2" }, timeoutSeconds: 10 }, false],
    [{ image: "img@sha256:1", replicas: 3, env: { A: "1" }, timeoutSeconds: 10 }, false],
    [{ image: "img@sha256:1", replicas: 3, env: { A: "1", B: "2" } }, false],
  ])("running %j unchanged: %s", (spec, unchanged) => {
    const wanted = buildDeploySpec(fn, "img@sha256:1", status(spec));
    expect(isUnchanged(status(spec), wanted)).toBe(unchanged);
  });
});

describe("completion", () => {
  const program = new Command("eventflow");
  registerControlCommands(program, async () => {});
  const commands = describeCommands(program);

  async function complete(words: string[], path = "/usr/bin:/bin"): Promise<string[]> {
    const script = buildCompletionScript("bash", commands);
    const line = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _eventflow; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run("bash", ["-c", line], { env: { PATH: path } });
    return stdout.split("\n").filter(Boolean).sort();
  }

  /**
   * Runs `work` with a stand-in `eventflow` on PATH that answers only `args` (what the script
   * asks for names) with `names`, one a line.
   */
  async function withStandIn(
    args: string,
    names: readonly string[],
    work: (path: string) => Promise<void>,
  ): Promise<void> {
    const bin = await mkdtemp(join(tmpdir(), "ef-completion-"));
    const lines = names.map((n) => `${n}\\n`).join("");
    await writeFile(
      join(bin, "eventflow"),
      `#!/bin/sh\n[ "$*" = "${args}" ] && printf "${lines}"\n`,
      {
        mode: 0o755,
      },
    );
    try {
      await work(`${bin}:/usr/bin:/bin`);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  }

  it("bash completes context names after --context and for context use|delete", async () => {
    await withStandIn("context list -o name", ["default", "staging"], async (path) => {
      expect(await complete(["eventflow", "context", "use", "st"], path)).toEqual(["staging"]);
      expect(await complete(["eventflow", "contexts", "delete", ""], path)).toEqual([
        "default",
        "staging",
      ]);
      expect(await complete(["eventflow", "list", "--context", "d"], path)).toEqual(["default"]);
    });
  });

  it("bash completes secret names for secret describe|update|delete, and the secret flags", async () => {
    await withStandIn("secret list -o name", ["stripe", "stripe-test", "github"], async (path) => {
      expect(await complete(["eventflow", "secret", "describe", "str"], path)).toEqual([
        "stripe",
        "stripe-test",
      ]);
      expect(await complete(["eventflow", "secret", "delete", "g"], path)).toEqual(["github"]);
      expect(await complete(["eventflow", "secret", "create", "--from-"], path)).toEqual([
        "--from-env-file",
        "--from-file",
        "--from-literal",
      ]);
      expect(await complete(["eventflow", "secret", "d"], path)).toEqual(["delete", "describe"]);
    });
  });

  it("bash completes commands, subcommands and options", async () => {
    expect(await complete(["eventflow", "de"])).toEqual(["delete", "deploy", "describe", "dev"]);
    expect(await complete(["eventflow", "context", "u"])).toEqual(["use"]);
    expect(await complete(["eventflow", "logs", "x", "--t"])).toEqual(["--tail", "--token"]);
  });

  it.each(["zsh", "fish"])("%s script names every command", (shell) => {
    const script = buildCompletionScript(shell, commands);
    for (const c of commands) expect(script).toContain(c.name);
  });

  it("refuses other shells", () => {
    expect(() => buildCompletionScript("tcsh", commands)).toThrow(
      expect.objectContaining({ code: "CLI_USAGE" }),
    );
  });
});
