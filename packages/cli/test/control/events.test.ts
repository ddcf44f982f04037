// `eventflow events` as a child process against a real controller (local driver): the table of
// a function's events newest first, -o json, --limit, and the controller's and the CLI's refusals.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The controller's OCI test image, loaded by a computed specifier: it does not compile under
// the CLI's test settings.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: {
  dir: string;
  tag?: string;
  /** The layer's files (default: the controller's fixture app). */
  files?: Record<string, Buffer>;
}) => Promise<string>;

describe("eventflow events against a real controller", () => {
  let env: ControlTestEnv;
  let dir: string;
  let client: EventFlowClient;
  let writeImage: WriteTestImage;
  const cli = async (args: string[]) =>
    runEventflow(args, {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: await env.token() },
      cwd: dir,
    });

  beforeAll(async () => {
    env = await startControlTestEnv("events");
    dir = await mkdtemp(join(tmpdir(), "ef-cli-events-"));
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    writeImage = writeTestImage;
    const image = await writeTestImage({ dir: join(dir, "layout"), tag: "v1" });
    client = createClient({ url: env.url, token: await env.token() });
    await client.functions.create({ name: "hello", image, replicas: 0 });
    await client.functions.scale("hello", 1);
    await client.functions.waitUntilReady("hello", { timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("a table newest first: the replica ready, the scale with who made it, the deploy", async () => {
    const table = await cli(["events", "hello"]);
    expect(table.code, table.stderr).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    expect(header!.split(/\s+/)).toEqual(["AGE", "TYPE", "REASON", "DETAIL", "COUNT", "MESSAGE"]);
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(["ready", "scaled", "deployed"]);
    expect(rows[1]).toContain("0 -> 1 (api)");
    expect(rows[2]).toContain("revision 1");

    const json = await cli(["events", "hello", "-o", "json", "--limit", "1"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ type: "ready", reason: "Ready", replica: "hello-0" }),
    ]);
  });

  it("shows what a hostile function wrote with its control characters escaped", async () => {
    // It writes an OSC 52 clipboard write, a screen clear and a bidi override, then exits 3.
    const image = await writeImage({
      dir: join(dir, "hostile-layout"),
      tag: "v1",
      files: {
        "app/index.mjs": Buffer.from(
          'process.stderr.write("Error: \\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u202eboom\\n");\nprocess.exit(3);\n',
        ),
      },
    });
    await client.functions.create({ name: "hostile", image, replicas: 1 });
    const deadline = Date.now() + 30_000;
    while (!(await client.functions.events("hostile")).some((e) => e.type === "crashed")) {
      if (Date.now() > deadline) throw new Error("no crash event");
      await new Promise((r) => setTimeout(r, 200));
    }
    const table = await cli(["events", "hostile", "-o", "wide"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("crashed");
    for (const raw of ["\u001b", "\u0007", "\u202e"]) expect(table.stdout).not.toContain(raw);
    expect(table.stdout).toContain("\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\u202eboom");
  }, 60_000);

  it("refusals: an unknown function exits 1, a bad --limit 2", async () => {
    const unknown = await cli(["events", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error[FUNCTION_NOT_FOUND]");
    const bad = await cli(["events", "hello", "--limit", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error[CLI_USAGE]");
  });
});
