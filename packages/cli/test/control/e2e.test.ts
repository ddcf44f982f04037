// End to end: the CLI as a child process against a real controller (local driver) and a real
// registry (Debian's docker-registry): init -> login -> deploy --wait -> invoke -> logs -f ->
// scale -> list -> delete, and the digest-based "deploy only what changed".
import { spawn } from "node:child_process";
import { stat, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runEventflow } from "../../../../test/cli/index.ts";
import { startRegistry, type TestRegistry } from "../../../../test/registry/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

const HANDLER = `import { defineFunction } from "@eventflow/sdk";

export default defineFunction<{ name?: string }>({
  handle(event) {
    const name = event.body?.name ?? event.query.name ?? "world";
    console.log(\`greeting \${name}\`);
    const echo = event.query.echo === undefined ? {} : { method: event.method, path: event.path };
    return { greeting: \`Hello, \${name}!\`, ...echo };
  },
});
`;

describe("eventflow control commands end to end", () => {
  let env: ControlTestEnv;
  let registry: TestRegistry;
  let project: string;
  const cli = (args: string[], extra: { input?: string; cwd?: string } = {}) =>
    runEventflow(args, {
      env: env.env,
      cwd: extra.cwd ?? project,
      ...(extra.input === undefined ? {} : { input: extra.input }),
    });

  beforeAll(async () => {
    [env, registry] = await Promise.all([
      startControlTestEnv("e2e"),
      startRegistry({ mode: "plain" }),
    ]);
    const parent = await makeProject({});
    const init = await runEventflow(["init", "greeter"], { cwd: parent, env: env.env });
    expect(init.code).toBe(0);
    project = join(parent, "greeter");
    // No npm install: the CLI bundles @eventflow/sdk and the runtime from its own installation.
    await writeFile(join(project, "src/index.ts"), HANDLER);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await registry?.stop();
    await removeProjects();
  });

  it("login checks the token, saves a context in a 0600 file", async () => {
    const token = await env.token();
    const login = await cli(["login", "--url", env.url, "--token", token]);
    expect(login.code, login.stderr).toBe(0);
    const file = await stat(env.configPath);
    expect(file.mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(env.configPath, "utf8"));
    expect(saved).toMatchObject({
      currentContext: "default",
      contexts: { default: { url: env.url, token } },
    });
    const current = await cli(["context", "current"]);
    expect(current.stdout).toBe(`default\t${env.url}\n`);
  });

  it("contexts: a second login from stdin, list, use, delete; a refused token is not saved", async () => {
    const token = await env.token();
    const second = await cli(["login", "--url", env.url, "--token-stdin", "--context", "other"], {
      input: `${token}\n`,
    });
    expect(second.code, second.stderr).toBe(0);
    const listed = await cli(["context", "list", "-o", "json"]);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      currentContext: "other",
      contexts: [{ name: "default" }, { name: "other", current: true }],
    });
    const refused = await cli([
      "login",
      "--url",
      env.url,
      "--token",
      "garbage",
      "--context",
      "bad",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error\[AUTH_TOKEN_INVALID\]/m);
    expect((await cli(["context", "list", "-o", "name"])).stdout).toBe("default\nother\n");
    expect((await cli(["context", "use", "default"])).code).toBe(0);
    expect((await cli(["context", "delete", "other"])).code).toBe(0);
    expect((await cli(["context", "current"])).stdout).toBe(`default\t${env.url}\n`);
    expect((await cli(["context", "use", "other"])).code).toBe(2);
  });

  it("deploy --wait builds, pushes to the registry and shows the rollout until ready", async () => {
    const deploy = await cli([
      "deploy",
      "--wait",
      "--registry",
      `${registry.host}/fns`,
      "--base",
      "scratch",
    ]);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(
      new RegExp(`^greeter\\tcreated\\t${registry.host}/fns/greeter@sha256:[a-f0-9]{64}\\n$`),
    );
    expect(deploy.stderr).toMatch(/greeter: Running 1\/1 ready/);

    const again = await cli([
      "deploy",
      "--registry",
      `${registry.host}/fns`,
      "--base",
      "scratch",
      "-o",
      "json",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([
      expect.objectContaining({ function: "greeter", action: "unchanged" }),
    ]);
  });

  it("invoke shows status and time; --raw prints only the body; data from arg, file and stdin", async () => {
    const plain = await cli(["invoke", "greeter", "--data", '{"name":"cli"}']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^200 in [0-9.]+ (ms|s)/);
    expect(JSON.parse(plain.stdout)).toEqual({ greeting: "Hello, cli!" });

    await writeFile(join(project, "body.json"), '{"name":"file"}');
    const fromFile = await cli(["invoke", "greeter", "--data", "@body.json", "--raw"]);
    expect(fromFile.stderr).toBe("");
    expect(JSON.parse(fromFile.stdout)).toEqual({ greeting: "Hello, file!" });

    const fromStdin = await cli(["invoke", "greeter", "--data", "-", "-o", "json"], {
      input: '{"name":"stdin"}',
    });
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({
      status: 200,
      body: '{"greeting":"Hello, stdin!"}',
    });
  });

  it("invoke -X/--path/-H reach the function's URL: the runtime sees the method and sub-path", async () => {
    const res = await cli([
      "invoke",
      "greeter",
      "-X",
      "get",
      "--path",
      "/orders/42",
      "--query",
      "echo=1",
      "-H",
      "x-trace:abc",
      "--raw",
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      greeting: "Hello, world!",
      method: "GET",
      path: "/orders/42",
    });
    const bad = await cli(["invoke", "greeter", "-X", "BREW"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/REQUEST_VALIDATION_FAILED|method BREW/);
  });

  it("logs -f streams the invocation's log line; logs --tail prints history", async () => {
    const child = spawn(process.execPath, [CLI_BIN, "logs", "greeter", "-f", "--tail", "0"], {
      cwd: project,
      env: { PATH: process.env.PATH, ...env.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const seen = new Promise<void>((resolve) =>
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("greeting follow")) resolve();
      }),
    );
    // Invoke until the follower (which connects asynchronously) has seen a line.
    const invoking = (async () => {
      for (let i = 0; i < 50 && !out.includes("greeting follow"); i++) {
        await cli(["invoke", "greeter", "--query", "name=follow", "--raw"]);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await seen;
    await invoking;
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    child.kill("SIGINT");
    expect(await exited).toBe(130);

    const tail = await cli(["logs", "greeter", "--tail", "100", "-o", "json"]);
    expect(tail.code).toBe(0);
    const lines = tail.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { fields?: { msg?: string }; id: string });
    // The runtime's JSON line comes parsed (issue 14 item 9), not as a string inside a string.
    expect(lines.some((l) => l.fields?.msg === "greeting cli")).toBe(true);
  });

  it("deploy --min/--max --wait, list -o json, get, describe, token create, delete", async () => {
    // eventflow.yaml's scaling (1-3, request-driven) with the floor raised by a flag
    const scale = await cli([
      "deploy",
      ...["--registry", `${registry.host}/fns`, "--base", "scratch"],
      ...["--min", "2", "--max", "3", "--wait"],
    ]);
    expect(scale.code, scale.stderr).toBe(0);
    const spec = JSON.parse((await cli(["get", "greeter", "-o", "json"])).stdout) as {
      spec: { scaling: unknown };
    };
    expect(spec.spec.scaling).toEqual({ minReplicas: 2, maxReplicas: 3 });
    // its replica count is the autoscaler's now
    const refused = await cli(["scale", "greeter", "1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("FUNCTION_AUTOSCALED");
    const list = await cli(["list", "-o", "json"]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: "greeter", replicas: 2, ready_replicas: 2 }),
    ]);
    const table = await cli(["list"]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^NAME\s+STATUS\s+READY\s+SCALING\s+AUTH\s+AGE\s+IMAGE$/,
    );
    expect(table.stdout).toMatch(/greeter\s+Running\s+2\/2\s+concurrency 100, 2-3\s+token\s/);
    const names = await cli(["list", "-o", "name"]);
    expect(names.stdout).toBe("greeter\n");
    const yaml = await cli(["get", "greeter", "-o", "yaml"]);
    expect(yaml.stdout).toMatch(/^name: greeter$/m);
    const describe = await cli(["describe", "greeter"]);
    expect(describe.stdout).toMatch(/^Status:\s+Running$/m);
    const url = `${env.url.replace(/\/+$/, "")}/fn/${fnTenantOf(JSON.parse(list.stdout))}/greeter/`;
    expect(describe.stdout).toContain(`URL:`);
    expect(describe.stdout).toContain(url);
    expect(describe.stdout).toMatch(/^Access:\s+token$/m);
    expect(describe.stdout).toMatch(/^Scaling:\s+Concurrency 100 per replica, 2-3 replicas$/m);
    expect(describe.stdout).toMatch(/^Last hour:\s+\d+ invocations, \d+ errors, \d+ cold starts$/m);
    const wide = await cli(["list", "-o", "wide"]);
    expect(wide.stdout.split("\n")[0]).toMatch(/\bAUTH\b.*\bURL\b/);
    expect(wide.stdout).toContain(url);

    const token = await cli(["token", "create", "greeter", "--ttl", "10m", "-o", "json"]);
    const issued = JSON.parse(token.stdout) as { token: string; scope: string };
    expect(issued.scope).toBe("invoke");
    const scoped = await runEventflow(["invoke", "greeter", "--raw"], {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: issued.token },
    });
    expect(scoped.code).toBe(0);
    expect(JSON.parse(scoped.stdout)).toEqual({ greeting: "Hello, world!" });

    const deleted = await cli(["delete", "greeter"]);
    expect(deleted.code).toBe(0);
    const gone = await cli(["get", "greeter"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error\[FUNCTION_NOT_FOUND\]/);
    expect(gone.stderr).toMatch(/next: list your functions with `eventflow list`/);
  });
});

function fnTenantOf(list: Array<{ tenant: string }>): string {
  return list[0]?.tenant ?? "";
}
