// `eventflow invoke --async` and `eventflow invocations ...` as child processes against the
// real controller (startController: the composition root that opens the queue and starts the
// worker), once with the default sqlite queue and once with NATS JetStream (EVENTFLOW_NATS_URL,
// a real nats-server): queued, waited, listed, dead after maxAttempts, redriven, purged.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The controller's test helpers, loaded by computed specifiers (they do not compile under the
// CLI's test settings): the OCI test image and nats-server.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
const NATS_HELPER = new URL("../../../controller/test/async/nats-server.ts", import.meta.url)
  .pathname;
type WriteTestImage = (options: { dir: string; tag?: string }) => Promise<string>;
type NatsServer = { url: string; stop(): Promise<void> };

const RETRIES = {
  EVENTFLOW_ASYNC_MAX_ATTEMPTS: "2",
  EVENTFLOW_ASYNC_BACKOFF_INITIAL_MS: "20",
  EVENTFLOW_ASYNC_BACKOFF_MAX_MS: "20",
};

describe.each(["sqlite", "jetstream"])("eventflow invocations (%s queue)", (engine) => {
  let env: ControlTestEnv;
  let nats: NatsServer | undefined;
  let dir: string;
  const cli = async (args: string[]) =>
    runEventflow(args, {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: await env.token() },
      cwd: dir,
    });

  beforeAll(async () => {
    if (engine === "jetstream") {
      const { startNatsServer } = (await import(NATS_HELPER)) as {
        startNatsServer: () => Promise<NatsServer>;
      };
      nats = await startNatsServer();
    }
    env = await startControlTestEnv(`async-${engine}`, {
      ...RETRIES,
      ...(nats === undefined ? {} : { EVENTFLOW_NATS_URL: nats.url }),
    });
    dir = await mkdtemp(join(tmpdir(), "ef-cli-async-"));
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    const image = await writeTestImage({ dir: join(dir, "layout"), tag: "v1" });
    const client = createClient({ url: env.url, token: await env.token() });
    await client.functions.create({ name: "fx", image, replicas: 1 });
    await client.functions.waitUntilReady("fx");
  }, 90_000);
  afterAll(async () => {
    await env?.close();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("invoke --async prints the id; invocations get shows it succeeded", async () => {
    const queued = await cli(["invoke", "fx", "--async", "-d", '{"a":1}', "--query", "op=hello"]);
    expect(queued.code).toBe(0);
    const id = queued.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(queued.stderr).toContain(`/v1/invocations/${id}`);
    const client = createClient({ url: env.url, token: await env.token() });
    await client.invocations.wait(id, { intervalMs: 20 });
    const got = await cli(["invocations", "get", id, "-o", "json"]);
    expect(got.code).toBe(0);
    const inv = JSON.parse(got.stdout) as { state: string; attempts: unknown[] };
    expect(inv.state).toBe("succeeded");
    expect(inv.attempts).toHaveLength(1);
    const table = await cli(["invocations", "list", "fx", "--state", "succeeded"]);
    expect(table.stdout).toContain(id);
    expect(table.stdout).toMatch(/ID\s+FUNCTION\s+STATE/);
  });

  it("invoke --async --wait prints the result; a dead one exits 1", async () => {
    const ok = await cli(["invoke", "fx", "--async", "--wait", "--query", "op=hello"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ hello: "world" });
    const dead = await cli([
      "invoke",
      "fx",
      "--async",
      "--wait",
      "--query",
      "op=status",
      "--query",
      "code=500",
    ]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain("INVOCATION_FAILED");
    expect(dead.stderr).toContain("dead after 2 attempt(s)");
  });

  it("dead letters: listed, redriven and purged", async () => {
    const queued = await cli([
      "invoke",
      "fx",
      "--async",
      "--query",
      "op=status",
      "--query",
      "code=503",
    ]);
    const id = queued.stdout.trim();
    const client = createClient({ url: env.url, token: await env.token() });
    expect((await client.invocations.wait(id, { intervalMs: 20 })).state).toBe("dead");
    const letters = await cli(["invocations", "dead", "--function", "fx", "-o", "name"]);
    expect(letters.stdout.split("\n")).toContain(id);
    const redrive = await cli(["invocations", "redrive", "--id", id, "-o", "json"]);
    expect(JSON.parse(redrive.stdout)).toEqual({ ids: [id], count: 1 });
    const again = await client.invocations.wait(id, { intervalMs: 20 });
    expect(again.attempts).toHaveLength(4);
    const purge = await cli(["invocations", "purge", "--function", "fx"]);
    expect(purge.code).toBe(0);
    expect(purge.stdout).toMatch(/dead letters? purged/);
    const gone = await cli(["invocations", "get", id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("INVOCATION_NOT_FOUND");
  });

  it("usage errors exit 2 before any request", async () => {
    expect((await cli(["invocations", "purge"])).code).toBe(2);
    expect((await cli(["invocations", "redrive", "--all", "--function", "fx"])).code).toBe(2);
    expect((await cli(["invoke", "fx", "--wait"])).code).toBe(2);
    expect((await cli(["invocations", "list", "fx", "--state", "bogus"])).code).toBe(2);
  });
});
