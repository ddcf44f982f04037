// kubectl's habits and readable logs, through the CLI as a child process against a real
// controller (local driver): -o on every command that prints (wide, name, yaml, json, build's
// --json alias), list/get --watch, eventflow version, logs as `time replica level message
// key=value` with --level, --raw and -o json objects, colours on a terminal only, and init's
// next steps (issue 14 items 8, 9, 10).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runEventflow } from "../../../../test/cli/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

const HANDLER = `export default function handle(event: unknown, ctx: { log: { info(m: string, f?: object): void; warn(m: string, f?: object): void } }) {
  ctx.log.info("hello from flags", { user: "ada", n: 2 });
  ctx.log.warn("careful now", { why: "a test" });
  console.error("via console.error");
  process.stderr.write("raw stderr line\\n");
  return "ok";
}
`;

const CLI_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
const CONTROLLER_VERSION = (
  JSON.parse(
    readFileSync(new URL("../../../controller/package.json", import.meta.url), "utf8"),
  ) as { version: string }
).version;

/** Runs the CLI until `until` shows on stdout, then Ctrl-C; resolves with stdout and the exit code. */
function runUntil(
  args: string[],
  env: Record<string, string>,
  until: (out: string) => boolean,
  during?: () => Promise<void>,
): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out; stdout:\n${out}\nstderr:\n${err}`));
    }, 40_000);
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (!started && during !== undefined && out.length > 0) {
        started = true;
        during().catch(reject);
      }
      if (until(out)) child.kill("SIGINT");
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

describe("kubectl's habits and readable logs", () => {
  let env: ControlTestEnv;
  let project: string;
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runEventflow(args, { env: { ...env.env, ...extra }, cwd: project });

  beforeAll(async () => {
    env = await startControlTestEnv("flags");
    project = await makeProject({
      "package.json": '{"name":"flagsfn"}',
      "src/index.ts": HANDLER,
    });
    expect((await cli(["login", "--url", env.url, "--dev"])).code).toBe(0);
    const deploy = await cli(["deploy", "--base", "scratch", "--wait", "--timeout", "60s"]);
    expect(deploy.code, deploy.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await env?.close();
    await removeProjects();
  });

  it("eventflow version: the client's and the controller's, -o json, --client without a controller", async () => {
    const text = await cli(["version"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      `Client Version: ${CLI_VERSION}\nServer Version: ${CONTROLLER_VERSION} (${env.url}, driver local)\n`,
    );
    const json = JSON.parse((await cli(["version", "-o", "json"])).stdout) as {
      clientVersion: { version: string };
      serverVersion: unknown;
    };
    expect(json.clientVersion.version).toBe(CLI_VERSION);
    expect(json.serverVersion).toEqual({
      version: CONTROLLER_VERSION,
      url: env.url,
      driver: "local",
    });
    const clientOnly = await cli(["version", "--client"], { XDG_CONFIG_HOME: "/nonexistent" });
    expect(clientOnly.code).toBe(0);
    expect(clientOnly.stdout).toBe(`Client Version: ${CLI_VERSION}\n`);
  });

  it("eventflow version with a controller that does not answer: the client's version, then the error", async () => {
    const down = await runEventflow(["version"], {
      env: { ...env.env, EVENTFLOW_URL: "http://127.0.0.1:1", EVENTFLOW_TOKEN: "x" },
      cwd: project,
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe(`Client Version: ${CLI_VERSION}\n`);
    expect(down.stderr).toMatch(/^error\[[A-Z_]+\]: /m);
    expect(down.stderr).toContain("127.0.0.1:1");
  });

  it("-o wide, name, yaml on the read commands; a format a command does not print is a usage error", async () => {
    const wide = await cli(["list", "-o", "wide"]);
    expect(wide.code, wide.stderr).toBe(0);
    expect(wide.stdout.split("\n")[0]).toMatch(
      /^NAME\s+STATUS\s+READY\s+SCALING\s+AUTH\s+UP-TO-DATE\s+AUTOSCALER\s+TRAFFIC\s+ROLLOUT\s+AGE\s+TENANT\s+IMAGE\s+URL\s+LAST ERROR$/,
    );
    expect(wide.stdout).toMatch(
      // AUTOSCALER, TRAFFIC (`100% 1`), ROLLOUT (`-`) and AGE between UP-TO-DATE and TENANT.
      /^flagsfn\s+Running\s+1\/1\s+manual\s+token\s+1\s+.+\s+-\s+\S+\s+default\s+oci:/m,
    );
    expect((await cli(["get", "flagsfn", "-o", "name"])).stdout).toBe("flagsfn\n");
    expect((await cli(["describe", "flagsfn", "-o", "yaml"])).stdout).toMatch(/^name: flagsfn$/m);
    expect((await cli(["deploy", "--base", "scratch", "-o", "name"])).stdout).toBe("flagsfn\n");
    expect(JSON.parse((await cli(["context", "current", "-o", "json"])).stdout)).toEqual({
      name: "default",
      url: env.url,
    });
    const refused = await cli(["invoke", "flagsfn", "-o", "wide"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/-o, --output <format>.*takes json, yaml/);
  });

  it("deploy refuses bad scaling flags before building, naming the flag (exit 2)", async () => {
    const bad = await cli(["deploy", "--base", "scratch", "--min", "5", "--max", "2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--min: must not exceed maxReplicas/);
    const word = await cli(["deploy", "--base", "scratch", "--min", "0", "--max", "lots"]);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('--max takes a number, got "lots"');
  });

  it("build: -o json is --json (one object a line), -o wide a table, -o yaml documents", async () => {
    const alias = await cli(["build", "--base", "scratch", "--json", "-q"]);
    const json = await cli(["build", "--base", "scratch", "-o", "json", "-q"]);
    expect(json.code, json.stderr).toBe(0);
    const { durationMs: _a, ...viaAlias } = alias.json ?? {};
    const { durationMs: _b, ...viaOutput } = json.json ?? {};
    expect(viaOutput).toEqual(viaAlias);
    expect(json.json).toMatchObject({
      function: "flagsfn",
      digest: expect.stringMatching(/^sha256:/),
    });
    const wide = await cli(["build", "--base", "scratch", "-o", "wide", "-q"]);
    expect(wide.stdout).toMatch(/^FUNCTION\s+IMAGE\s+DIGEST\s+PLATFORMS\s+BUNDLE\s+TIME\s+TYPE\n/);
    const yaml = await cli(["build", "--base", "scratch", "-o", "yaml", "-q"]);
    expect(yaml.stdout).toMatch(/^---\nfunction: flagsfn\n/);
  }, 60_000);

  it("list --watch prints the table, then a row per change, until Ctrl-C", async () => {
    const watched = await runUntil(
      ["list", "--watch"],
      env.env,
      (out) => /^flagsfn\s+\S+\s+\d\/2\s/m.test(out),
      async () => {
        const scale = await cli(["scale", "flagsfn", "2"]);
        expect(scale.code, scale.stderr).toBe(0);
      },
    );
    expect(watched.code).toBe(130);
    const lines = watched.out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+READY\s+SCALING\s+AUTH\s+AGE\s+IMAGE$/);
    expect(lines[1]).toMatch(/^flagsfn\s+Running\s+1\/1\s/);
    expect(lines.slice(2).every((l) => !l.startsWith("NAME"))).toBe(true);
  }, 60_000);

  it("get --watch -o json prints {type, object} events", async () => {
    const watched = await runUntil(
      ["get", "flagsfn", "-w", "-o", "json"],
      env.env,
      (out) => out.split("\n").filter(Boolean).length >= 2,
      async () => {
        const scale = await cli(["scale", "flagsfn", "1"]);
        expect(scale.code, scale.stderr).toBe(0);
      },
    );
    const events = watched.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; object: { name: string } });
    expect(events[0]).toMatchObject({ type: "ADDED", object: { name: "flagsfn" } });
    expect(events[1]).toMatchObject({ type: "MODIFIED", object: { name: "flagsfn" } });
  }, 60_000);

  it("logs: time replica level message key=value; --level warn; --raw; -o json objects", async () => {
    const invoke = await cli(["invoke", "flagsfn", "--raw"]);
    expect(invoke.code, invoke.stderr).toBe(0);
    let text = "";
    for (let i = 0; i < 50 && !text.includes("raw stderr line"); i++) {
      text = (await cli(["logs", "flagsfn", "--tail", "100"])).stdout;
      await new Promise((r) => setTimeout(r, 100));
    }
    const t = "\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\S+";
    expect(text).toMatch(
      new RegExp(`^${t} INFO  hello from flags requestId=\\S+ user=ada n=2$`, "m"),
    );
    expect(text).toMatch(new RegExp(`^${t} WARN  careful now requestId=\\S+ why="a test"$`, "m"));
    expect(text).toMatch(new RegExp(`^${t} ERROR via console.error requestId=\\S+$`, "m"));
    expect(text).toMatch(new RegExp(`^${t} {7}raw stderr line$`, "m"));
    expect(text).not.toContain("\u001b[");

    const warn = (await cli(["logs", "flagsfn", "--tail", "100", "--level", "warn"])).stdout;
    expect(warn).not.toMatch(/ INFO /);
    expect(warn).toMatch(/ WARN {2}careful now/);
    expect(warn).toMatch(/raw stderr line/);

    const raw = (await cli(["logs", "flagsfn", "--tail", "100", "--raw"])).stdout.split("\n");
    expect(raw).toContain("raw stderr line");
    const hello = raw.find((l) => l.includes("hello from flags"));
    expect(JSON.parse(hello ?? "null")).toMatchObject({ level: "info", msg: "hello from flags" });

    const records = (await cli(["logs", "flagsfn", "--tail", "100", "-o", "json"])).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { fields?: Record<string, unknown>; line?: string });
    const parsed = records.find((r) => r.fields?.msg === "hello from flags");
    expect(parsed?.fields).toMatchObject({ level: "info", user: "ada", n: 2 });
    expect(parsed).not.toHaveProperty("line");
    expect(records.find((r) => r.line === "raw stderr line")).toBeDefined();

    expect((await cli(["logs", "flagsfn", "--level", "loud"])).code).toBe(2);
  }, 60_000);

  it("logs are coloured on a terminal, not with NO_COLOR", async () => {
    const onTty = (noColor: boolean) =>
      new Promise<string>((resolve) => {
        const command = `'${process.execPath}' '${CLI_BIN}' logs flagsfn --tail 20`;
        const { NO_COLOR: _drop, ...rest } = env.env;
        const child = spawn("script", ["-qfec", command, "/dev/null"], {
          env: { PATH: process.env.PATH, ...rest, ...(noColor ? { NO_COLOR: "1" } : {}) },
          stdio: ["ignore", "pipe", "ignore"],
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.on("exit", () => resolve(out));
      });
    const coloured = await onTty(false);
    expect(coloured).toContain("\u001b[33mWARN \u001b[0m careful now");
    const plain = await onTty(true);
    expect(plain).toMatch(/WARN {2}careful now/);
    expect(plain).not.toContain("\u001b[");
  }, 60_000);

  it("delete -o name prints the name", async () => {
    const deleted = await cli(["delete", "flagsfn", "-o", "name"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe("flagsfn\n");
  });

  it("init prints the next steps on stderr and the directory on stdout", async () => {
    const parent = await makeProject({});
    const init = await runEventflow(["init", "greeter"], { env: env.env, cwd: parent });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(`${parent}/greeter\n`);
    expect(init.stderr).toMatch(
      /Next steps:\n {2}cd greeter\n {2}npm install\n {2}npm test[\s\S]*npx eventflow deploy --wait[\s\S]*npx eventflow invoke greeter/,
    );
  });

  it("init -o json prints what it made as one object; the next steps stay on stderr", async () => {
    const parent = await makeProject({});
    const init = await runEventflow(["init", "shaper", "-o", "json"], {
      env: env.env,
      cwd: parent,
    });
    expect(init.code, init.stderr).toBe(0);
    const made = JSON.parse(init.stdout) as {
      name: string;
      dir: string;
      template: string;
      files: string[];
    };
    expect(made).toMatchObject({ name: "shaper", dir: `${parent}/shaper`, template: "http" });
    expect(made.files).toContain("eventflow.yaml");
    expect(init.stderr).toContain("Next steps:");
  });
});
