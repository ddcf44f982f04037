// The real framework: `osls` (the open-source Serverless Framework v3 line, a devDependency)
// runs as a child process in a temporary service directory and loads this plugin from its
// build (run `npm run build` first), against a controller with the local driver in this
// process. Nothing is mocked. osls has no telemetry or update checks (its vendored
// serverless-utils exclude them); the variables Serverless Framework v3 reads to turn them
// off are set anyway, so the same environment serves either.
import { execFile, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseConfig, startController, type StartedController } from "@eventflow/controller";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const OSLS_BIN = join(dirname(require.resolve("osls/package.json")), "bin", "serverless.js");
const PLUGIN_DIST = new URL("../dist/index.js", import.meta.url);

/** Telemetry, notifications, update checks and prompts off: no network, no questions. */
export const FRAMEWORK_QUIET_ENV = {
  SLS_TELEMETRY_DISABLED: "1",
  SLS_TRACKING_DISABLED: "1",
  SLS_NOTIFICATIONS_MODE: "off",
  SLS_DEPRECATION_DISABLE: "*",
  SLS_INTERACTIVE_SETUP_DISABLE: "1",
  CI: "true",
  NO_COLOR: "1",
} as const;

const HELLO = `
export default function hello(event, ctx) {
  console.log(\`hello was called by \${event.body?.name ?? "nobody"}\`);
  return { greeting: \`Hello, \${event.body?.name ?? "world"}!\`, stage: process.env.STAGE };
}
`;
const TICK = `export default function tick(event) { console.log("tick", JSON.stringify(event.body)); return ""; }\n`;

function serviceYaml(extra = ""): string {
  return `service: shop
frameworkVersion: "*"
configValidationMode: error
provider:
  name: eventflow
  base: scratch
  environment:
    STAGE: \${sls:stage}
plugins:
  - serverless-eventflow
functions:
  hello:
    handler: src/hello.default
    memorySize: 128
    timeout: 10
    events:
      - http:
          path: /{proxy+}
          method: any
  tick:
    handler: src/tick.default
    events:
      - schedule: cron(0 12 ? * 2 *)
${extra}`;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let controller: StartedController;
let client: EventFlowClient;
let root: string;
let service: string;
let env: Record<string, string>;

function osls(args: string[], cwd = service, runEnv = env): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [OSLS_BIN, ...args],
      { cwd, env: runEnv, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Polls `check` until it is true (a cap only: the test fails with `what` if it never is). */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

/** Invokes hello as `name` and waits until the controller holds the line it logged. */
async function helloLogs(name: string): Promise<void> {
  const res = await client.invoke("shop-dev-hello", { json: { name } });
  expect(res.status).toBe(200);
  await until(`hello's log line for ${name}`, async () => {
    for await (const entry of client.logs("shop-dev-hello", { tail: 1000 }))
      if (entry.line.includes(`hello was called by ${name}`)) return true;
    return false;
  });
}

beforeAll(async () => {
  if (!existsSync(PLUGIN_DIST)) throw new Error("build the plugin first: npm run build");
  root = await mkdtemp(join(tmpdir(), "ef-sls-"));
  // A controller running as root starts replicas as per-tenant users, which (without bwrap)
  // must traverse the path to its data directory: mkdtemp's 0700 would stop them.
  await chmod(root, 0o711);
  controller = await startController(
    parseConfig({
      JWT_SECRET: "serverless-test-secret-of-at-least-thirty-two",
      PORT: "0",
      METRICS_PORT: "0",
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DRIVER: "local",
      EVENTFLOW_DATA_DIR: join(root, "data"),
      LOG_LEVEL: "silent",
      EVENTFLOW_SSE_HEARTBEAT_SECONDS: "1",
      // Below the default (20) the framework's schema is built with: the plugin must ask.
      EVENTFLOW_MAX_REPLICAS: "10",
    }),
  );
  const res = await fetch(`${controller.url}/auth/token`, { method: "POST" });
  const { token } = (await res.json()) as { token: string };
  client = createClient({ url: controller.url, token });
  service = join(root, "service");
  await mkdir(join(service, "src"), { recursive: true });
  await writeFile(join(service, "serverless.yml"), serviceYaml());
  await writeFile(join(service, "src", "hello.mjs"), HELLO);
  await writeFile(join(service, "src", "tick.mjs"), TICK);
  const home = join(root, "home");
  env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    EVENTFLOW_URL: controller.url,
    EVENTFLOW_TOKEN: token,
    ...FRAMEWORK_QUIET_ENV,
  };
}, 60_000);

afterAll(async () => {
  await controller?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("osls with the eventflow provider", () => {
  it("deploy builds both functions, creates them and prints the endpoints", async () => {
    const run = await osls(["deploy"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^ {2}hello: http:\/\/127\.0\.0\.1:\d+\/fn\/[^/]+\/shop-dev-hello\/$/m,
    );
    const hello = await client.functions.get("shop-dev-hello");
    expect(hello.status).toBe("Running");
    expect(hello.spec.env).toEqual({ STAGE: "dev" });
    expect(hello.spec.timeoutSeconds).toBe(10);
    const tick = await client.functions.get("shop-dev-tick");
    expect(tick.spec.triggers).toEqual([{ type: "schedule", cron: "0 12 * * 1" }]);
  });

  it("deploy function -f updates only that function", async () => {
    await writeFile(
      join(service, "serverless.yml"),
      serviceYaml().replace(
        "    memorySize: 128",
        "    memorySize: 128\n    environment: { EXTRA: one }",
      ),
    );
    const before = await client.functions.get("shop-dev-tick");
    const run = await osls(["deploy", "function", "-f", "hello"]);
    expect(run.code, run.stderr).toBe(0);
    expect((await client.functions.get("shop-dev-hello")).spec.env).toEqual({
      STAGE: "dev",
      EXTRA: "one",
    });
    expect((await client.functions.get("shop-dev-tick")).updated_at).toBe(before.updated_at);
    // The framework's zip packaging is skipped: EventFlow functions deploy as images.
    expect(existsSync(join(service, ".serverless", "shop.zip"))).toBe(false);
  });

  it("deploy skips what the controller already runs; a changed handler is updated; --force redeploys", async () => {
    const layoutIndex = join(service, ".eventflow", "oci", "index.json");
    const layoutBefore = {
      text: await readFile(layoutIndex, "utf8"),
      mtime: statSync(layoutIndex).mtimeMs,
    };
    const hello = await client.functions.get("shop-dev-hello");
    const tick = await client.functions.get("shop-dev-tick");
    const same = await osls(["deploy"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/hello: unchanged shop-dev-hello \(sha256:[0-9a-f]{12}\), skipped/);
    expect(same.stderr).toMatch(/tick: unchanged shop-dev-tick \(sha256:[0-9a-f]{12}\), skipped/);
    expect(same.stdout).toMatch(/^ {2}hello: shop-dev-hello \(Running\)$/m);
    expect((await client.functions.get("shop-dev-hello")).updated_at).toBe(hello.updated_at);
    expect((await client.functions.get("shop-dev-tick")).updated_at).toBe(tick.updated_at);
    // Nothing written either: the layout the images go to is as it was.
    expect(await readFile(layoutIndex, "utf8")).toBe(layoutBefore.text);
    expect(statSync(layoutIndex).mtimeMs).toBe(layoutBefore.mtime);

    // Scaled by hand: the update that follows keeps the running count.
    await client.functions.scale("shop-dev-tick", 2);
    await writeFile(join(service, "src", "tick.mjs"), TICK.replace('"tick"', '"tock"'));
    const changed = await osls(["deploy"]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toMatch(/hello: unchanged shop-dev-hello/);
    expect(changed.stderr).toMatch(/tick: updated shop-dev-tick/);
    const tickAfter = await client.functions.get("shop-dev-tick");
    expect(tickAfter.image).not.toBe(tick.image);
    expect(tickAfter.spec.replicas).toBe(2);
    expect((await client.functions.get("shop-dev-hello")).updated_at).toBe(hello.updated_at);

    const forced = await osls(["deploy", "function", "-f", "hello", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/hello: updated shop-dev-hello/);
    expect((await client.functions.get("shop-dev-hello")).updated_at).not.toBe(hello.updated_at);
  });

  it("deploy function --update-config changes the settings on the running image", async () => {
    await writeFile(
      join(service, "serverless.yml"),
      serviceYaml().replace(
        "    memorySize: 128",
        "    memorySize: 128\n    environment: { EXTRA: two }",
      ),
    );
    const before = await client.functions.get("shop-dev-hello");
    const run = await osls(["deploy", "function", "-f", "hello", "--update-config"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("hello: updated shop-dev-hello (settings only)");
    expect(run.stderr).not.toContain("Building");
    const after = await client.functions.get("shop-dev-hello");
    expect(after.spec.env).toEqual({ STAGE: "dev", EXTRA: "two" });
    expect(after.spec.image).toBe(before.spec.image);
  });

  it("package builds every image into an OCI layout without deploying", async () => {
    const run = await osls(["package"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^hello: oci:.*\.serverless\/oci:shop-dev-hello-[a-f0-9]{12}$/m);
    expect(run.stdout).toMatch(/^tick: oci:.*\.serverless\/oci:shop-dev-tick-[a-f0-9]{12}$/m);
    expect(existsSync(join(service, ".serverless", "oci", "index.json"))).toBe(true);
  });

  it("info lists each function's endpoint", async () => {
    const run = await osls(["info"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}tick: shop-dev-tick \(Running\)$/m);
  });

  it("takes the controller and token of `eventflow login`'s context without EVENTFLOW_URL/TOKEN", async () => {
    const configPath = join(root, "login", "config.json");
    await mkdir(join(root, "login"), { recursive: true });
    await writeFile(
      configPath,
      JSON.stringify({
        currentContext: "local",
        contexts: { local: { url: controller.url, token: env.EVENTFLOW_TOKEN } },
      }),
    );
    const { EVENTFLOW_URL: _url, EVENTFLOW_TOKEN: _token, ...rest } = env;
    const run = await osls(["info"], service, { ...rest, EVENTFLOW_CONFIG: configPath });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}hello: shop-dev-hello \(Running\)$/m);
    const none = await osls(["info"], service, rest);
    expect(none.code).not.toBe(0);
    expect(none.stderr + none.stdout).toContain("(CLI_NOT_LOGGED_IN)");
  });

  it("invoke sends --data and prints the answer; --async queues it", async () => {
    const run = await osls(["invoke", "-f", "hello", "--data", '{"name":"osls"}']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: "Hello, osls!", stage: "dev" });
    const queued = await osls(["invoke", "-f", "hello", "--async", "--data", '{"name":"later"}']);
    expect(queued.code, queued.stderr).toBe(0);
    expect(JSON.parse(queued.stdout)).toEqual(expect.objectContaining({ id: expect.any(String) }));
    // --raw: the data is sent as the text it is, not as JSON (the handler finds no name in it).
    const raw = await osls(["invoke", "-f", "hello", "--raw", "--data", '{"name":"raw"}', "--log"]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stderr).toContain("--log: not supported by EventFlow; ignored");
    const dry = await osls(["invoke", "-f", "hello", "--type", "DryRun"]);
    expect(dry.code).not.toBe(0);
    expect(dry.stderr + dry.stdout).toContain("(CLI_USAGE)");
    expect(JSON.parse(raw.stdout)).toEqual({ greeting: "Hello, world!", stage: "dev" });
  });

  it("invoke local runs the handler in-process with the function's environment", async () => {
    await writeFile(join(service, "event.json"), '{"name":"local"}');
    const run = await osls(["invoke", "local", "-f", "hello", "--path", "event.json"]);
    expect(run.code, run.stderr).toBe(0);
    // What the handler printed comes first (it runs in this process), then its answer.
    const [printed, answer] = run.stdout.trim().split("\n");
    expect(printed).toBe("hello was called by local");
    expect(JSON.parse(answer!)).toEqual({ greeting: "Hello, local!", stage: "dev" });
    const overridden = await osls(["invoke", "local", "-f", "hello", "--env", "STAGE=mine"]);
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(JSON.parse(overridden.stdout.trim().split("\n")[1]!)).toEqual({
      greeting: "Hello, world!",
      stage: "mine",
    });
  });

  it("logs shows what the function wrote", async () => {
    const run = await osls(["logs", "-f", "hello"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("hello was called");
  });

  it("logs --startTime shows the lines since then (a date-time without offset is UTC)", async () => {
    await helloLogs("earlier");
    // The controller stamps lines as it reads them; a new millisecond starts after the last.
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    await helloLogs("later");
    const run = await osls([
      "logs",
      "-f",
      "hello",
      "--startTime",
      since.toISOString().slice(0, -1),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("hello was called by later");
    expect(run.stdout).not.toContain("hello was called by earlier");
    const bad = await osls(["logs", "-f", "hello", "--startTime", "yesterday"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain("(CLI_USAGE)");
  });

  it("logs --filter shows only the lines holding every term", async () => {
    const run = await osls(["logs", "-f", "hello", "--filter", '"called by earlier"']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("hello was called by earlier");
    expect(run.stdout).not.toContain("hello was called by later");
  });

  it("logs --tail keeps printing new lines until interrupted", async () => {
    const child = spawn(process.execPath, [OSLS_BIN, "logs", "-f", "hello", "--tail"], {
      cwd: service,
      env,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) =>
      child.on("exit", (code, signal) => done(signal ?? code)),
    );
    try {
      await until(`the history in logs --tail (stderr: ${err})`, () =>
        out.includes("hello was called by later"),
      );
      const res = await client.invoke("shop-dev-hello", { json: { name: "followed" } });
      expect(res.status).toBe(200);
      await until(`the new line in logs --tail (stderr: ${err})`, () =>
        out.includes("hello was called by followed"),
      );
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe("SIGINT");
  });

  it("metrics counts the invocations", async () => {
    const run = await osls(["metrics", "-f", "hello"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/invocations: [1-9]/);
    expect(run.stdout).toContain("hello (shop-dev-hello), last 1h:");
  });

  it("metrics without -f shows each function; --startTime picks the range", async () => {
    const all = await osls(["metrics"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("hello (shop-dev-hello), last 1h:");
    expect(all.stdout).toContain("tick (shop-dev-tick), last 1h:");
    const recent = await osls(["metrics", "-f", "hello", "--startTime", "10m", "--endTime", "x"]);
    expect(recent.code, recent.stderr).toBe(0);
    expect(recent.stdout).toContain("hello (shop-dev-hello), last 15m:");
    expect(recent.stdout).toMatch(/invocations: [1-9]/);
    expect(recent.stderr).toContain("--endTime: EventFlow's series end now; ignored");
  });

  it("a config error is the framework's own validation message naming the key", async () => {
    const bad = join(root, "bad");
    await mkdir(bad, { recursive: true });
    await writeFile(
      join(bad, "serverless.yml"),
      serviceYaml().replace("memorySize: 128", "memorySize: lots"),
    );
    const run = await osls(["print"], bad);
    expect(run.code).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(
      /Configuration error at 'functions\.hello\.memorySize'/,
    );
  });

  it("deploy checks the controller's own limits and names the key", async () => {
    const over = join(root, "over");
    await mkdir(join(over, "src"), { recursive: true });
    await writeFile(join(over, "src", "hello.mjs"), HELLO);
    await writeFile(join(over, "src", "tick.mjs"), TICK);
    await writeFile(
      join(over, "serverless.yml"),
      serviceYaml().replace(
        "    memorySize: 128",
        "    memorySize: 128\n    scaling: { minReplicas: 1, maxReplicas: 15 }",
      ),
    );
    const run = await osls(["deploy"], over);
    expect(run.code).not.toBe(0);
    expect(run.stderr + run.stdout).toContain("(CONFIG_INVALID)");
    expect(run.stderr + run.stdout).toContain("functions.hello.scaling.maxReplicas");
    // Refused before anything was built.
    expect(existsSync(join(over, ".eventflow"))).toBe(false);
  });

  it("remove deletes every function of the service", async () => {
    const run = await osls(["remove"]);
    expect(run.code, run.stderr).toBe(0);
    const gone = await client.functions.get("shop-dev-hello").then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(gone).toBe("FUNCTION_NOT_FOUND");
  });
});
