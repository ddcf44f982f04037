// Bad input gives one clear message with a next step and the documented exit code, never a
// stack trace: wrong URL, expired token, unknown function, invalid yaml, registry down, not
// logged in, unknown context; and a deploy whose function crash-loops names the reason and
// shows its last log lines.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow, type CliRun } from "../../../../test/cli/index.ts";
import { freePort } from "../../../../test/registry/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

function expectCleanError(run: CliRun, code: string, exit: number) {
  expect(run.code, run.stderr).toBe(exit);
  expect(run.stderr).toMatch(new RegExp(`^error\\[${code}\\]: `, "m"));
  expect(run.stderr).toMatch(/^ {2}next: /m);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe("eventflow control commands: failures", () => {
  let env: ControlTestEnv;
  const cli = (args: string[], extra: Record<string, string> = {}, cwd?: string) =>
    runEventflow(args, { env: { ...env.env, ...extra }, ...(cwd ? { cwd } : {}) });

  beforeAll(async () => {
    env = await startControlTestEnv("errors");
    const login = await cli(["login", "--url", env.url, "--dev"]);
    expect(login.code, login.stderr).toBe(0);
  });
  afterAll(async () => {
    await env?.close();
    await removeProjects();
  });

  it("not logged in (exit 2) and an unknown context (exit 2)", async () => {
    const fresh = await runEventflow(["list"], {
      env: { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" },
    });
    expectCleanError(fresh, "CLI_NOT_LOGGED_IN", 2);
    expectCleanError(await cli(["list", "--context", "nope"]), "CLI_CONTEXT_NOT_FOUND", 2);
  });

  it("a wrong URL is CLIENT_UNREACHABLE (exit 1)", async () => {
    const port = await freePort();
    const run = await cli(["list", "--url", `http://127.0.0.1:${port}`, "--token", "x"]);
    expectCleanError(run, "CLIENT_UNREACHABLE", 1);
    expect(run.stderr).toContain(`127.0.0.1:${port}`);
    expectCleanError(
      await cli(["login", "--url", `http://127.0.0.1:${port}`, "--token", "x"]),
      "CLIENT_UNREACHABLE",
      1,
    );
  });

  it("an expired token is AUTH_TOKEN_EXPIRED and says to log in again (exit 1)", async () => {
    const expired = await new SignJWT({ tenant: "default", role: "developer" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("eventflow")
      .setAudience("eventflow")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode("cli-test-secret-of-at-least-thirty-two-chars"));
    const run = await cli(["list"], { EVENTFLOW_TOKEN: expired });
    expectCleanError(run, "AUTH_TOKEN_EXPIRED", 1);
    expect(run.stderr).toMatch(/eventflow login/);
  });

  it("an unknown function (exit 1), with JSON errors for -o json", async () => {
    expectCleanError(await cli(["invoke", "ghost"]), "FUNCTION_NOT_FOUND", 1);
    const json = await cli(["get", "ghost", "-o", "json"]);
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({ error: { code: "FUNCTION_NOT_FOUND" } });
  });

  it("usage errors exit 2: bad -o, bad replica count, bad --data file", async () => {
    expectCleanError(await cli(["list", "-o", "xml"]), "CLI_USAGE", 2);
    expect((await cli(["scale", "x", "many"])).code).toBe(2);
    expectCleanError(await cli(["invoke", "x", "--data", "@/nonexistent/file"]), "CLI_USAGE", 2);
  });

  it("an invalid eventflow.yaml lists every problem (exit 2)", async () => {
    const dir = await makeProject({
      "eventflow.yaml": "functions:\n  - name: Bad_Name\n    timeoutSeconds: 0\n    colour: red\n",
      "src/index.ts": "export default () => 'x';\n",
    });
    const run = await cli(["deploy", dir, "--base", "scratch"]);
    expectCleanError(run, "CONFIG_INVALID", 2);
    expect(run.stderr.match(/^ {2}- /gm)?.length).toBe(3);
  });

  it("a registry that is down is REGISTRY_UNREACHABLE and nothing is deployed (exit 1)", async () => {
    const dir = await makeProject({
      "src/index.ts": "export default () => 'x';\n",
      "package.json": '{"name":"down"}',
    });
    const port = await freePort();
    const run = await cli([
      "deploy",
      dir,
      "--base",
      "scratch",
      "--registry",
      `127.0.0.1:${port}/fns`,
    ]);
    expectCleanError(run, "REGISTRY_UNREACHABLE", 1);
    expect((await cli(["list", "-o", "name"])).stdout).not.toContain("down");
  });

  it("an unreachable base image is BUILD_BASE_IMAGE_UNREACHABLE: names the base, points at image.base and scratch", async () => {
    const dir = await makeProject({
      "src/index.ts": "export default () => 'x';\n",
      "package.json": '{"name":"nobase"}',
    });
    const port = await freePort();
    const base = `127.0.0.1:${port}/library/node:24-slim`;
    const run = await cli(["deploy", dir, "--base", base]);
    expectCleanError(run, "BUILD_BASE_IMAGE_UNREACHABLE", 1);
    expect(run.stderr).toContain(`the base image ${base} could not be pulled`);
    expect(run.stderr).toMatch(/next: set image\.base in eventflow\.yaml or pass --base/);
    expect(run.stderr).toMatch(/scratch \(no Node inside: runs only on the local driver\)/);
    // No --registry was given, so the message must not send the user there.
    expect(run.stderr).not.toContain("--registry");
    expect((await cli(["list", "-o", "name"])).stdout).not.toContain("nobase");
  });

  it("deploy --wait of a crash-looping function names the reason and prints its last log lines", async () => {
    const dir = await makeProject({
      "package.json": '{"name":"crasher"}',
      "src/index.ts":
        "console.error('cannot start: missing DATABASE_URL');\nprocess.exit(3);\nexport default () => 'never';\n",
    });
    const run = await cli(["deploy", dir, "--base", "scratch", "--wait", "--timeout", "60s"]);
    expectCleanError(run, "CLIENT_WAIT_FAILED", 1);
    expect(run.stderr).toMatch(/last log lines of crasher:/);
    expect(run.stderr).toContain("cannot start: missing DATABASE_URL");
    expect(run.stderr).toContain(
      "next: see what the function printed with `eventflow logs crasher --tail 50`",
    );
  }, 90_000);
});
