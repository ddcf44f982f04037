// A function that crashes, deployed by the CLI to a real controller (local driver): the reason
// the wait fails with is the error line (not Node's `Node.js vX` footer), the stack in its logs
// names src/index.ts at the throwing line (the bundle's source map is shipped and enabled), and
// the `next:` hint names the function, from the error or the command line (issue 14 item 7).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The throw is on line 6 of src/index.ts; the bundle puts it hundreds of lines further down.
const CRASHING = `export default function handle() {
  return "never served";
}

function explode(): never {
  throw new Error("boom at load");
}

explode();
`;

describe("a crashing function, as the CLI reports it", () => {
  let env: ControlTestEnv;
  let project: string;

  beforeAll(async () => {
    env = await startControlTestEnv("crash");
    project = await makeProject({
      "package.json": '{"name":"crashfn"}',
      "src/index.ts": CRASHING,
    });
    const login = await runEventflow(["login", "--url", env.url, "--dev"], { env: env.env });
    expect(login.code, login.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await removeProjects();
  });

  it("deploy --wait fails with the error line, a hint with the name, and logs with src/index.ts:6", async () => {
    const deploy = await runEventflow(
      ["deploy", "--base", "scratch", "--wait", "--timeout", "30s"],
      { env: env.env, cwd: project },
    );
    expect(deploy.code, deploy.stderr).toBe(1);
    expect(deploy.stderr).toMatch(
      /error\[CLIENT_WAIT_FAILED\]: crashfn did not become ready: .*Error: boom at load/,
    );
    expect(deploy.stderr).not.toMatch(/error\[CLIENT_WAIT_FAILED\].*Node\.js v\d/);
    expect(deploy.stderr).toContain(
      "next: see what the function printed with `eventflow logs crashfn --tail 50`",
    );

    const logs = await runEventflow(["logs", "crashfn", "--tail", "50"], { env: env.env });
    expect(logs.code, logs.stderr).toBe(0);
    // The stack frame of explode() is mapped back to the TypeScript source.
    expect(logs.stdout).toMatch(/at explode \(.*src\/index\.ts:6:\d+\)/);
    expect(logs.stdout).not.toMatch(/index\.mjs:\d+/);

    const get = await runEventflow(["get", "crashfn", "-o", "json"], { env: env.env });
    const status = JSON.parse(get.stdout) as { last_error?: { code: string; message: string } };
    expect(status.last_error?.code).toBe("FUNCTION_CRASH_LOOP");
    expect(status.last_error?.message).toMatch(/: Error: boom at load$/);

    // The invoke's error does not name the function; the hint takes it from the command line.
    const invoke = await runEventflow(["invoke", "crashfn"], { env: env.env });
    expect(invoke.code).not.toBe(0);
    expect(invoke.stderr).toMatch(/^error\[FUNCTION_(CRASH_LOOP|NOT_READY)\]/m);
    expect(invoke.stderr).toMatch(/next: .*`eventflow (logs|get) crashfn/);
    expect(invoke.stderr).not.toContain("NAME");
  }, 90_000);

  it("a crash reason with terminal escapes is shown as text by deploy, list -o wide, describe and logs", async () => {
    const hostile = await makeProject({
      "package.json": '{"name":"escfn"}',
      "src/index.ts":
        'throw new Error("boom \\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u009b31m");\nexport default () => "x";\n',
    });
    const deploy = await runEventflow(
      ["deploy", "--base", "scratch", "--wait", "--timeout", "30s"],
      { env: env.env, cwd: hostile },
    );
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toContain("boom \\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x9b31m");
    const outputs = [
      deploy.stderr,
      (await runEventflow(["list", "-o", "wide"], { env: env.env })).stdout,
      (await runEventflow(["describe", "escfn"], { env: env.env })).stdout,
      (await runEventflow(["logs", "escfn", "--tail", "50"], { env: env.env })).stdout,
    ];
    for (const out of outputs) {
      expect(out).toContain("boom ");
      for (const control of ["\u0007", "\u001b", "\u009b"]) expect(out).not.toContain(control);
    }
  }, 90_000);
});
