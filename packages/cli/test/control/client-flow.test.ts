// The e2e flow through the programmatic client (@eventflow/sdk/client): an image built and
// pushed by the CLI to a real registry, deployed, invoked, its logs followed, scaled, deleted.
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startRegistry, type TestRegistry } from "../../../../test/registry/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

describe("the programmatic client with a CLI-built image", () => {
  let env: ControlTestEnv;
  let registry: TestRegistry;
  let client: EventFlowClient;
  let reference: string;

  beforeAll(async () => {
    [env, registry] = await Promise.all([
      startControlTestEnv("client"),
      startRegistry({ mode: "plain" }),
    ]);
    client = createClient({ url: env.url, token: await env.token() });
    const dir = await makeProject({
      "package.json": '{"name":"echo"}',
      "src/index.ts":
        "export default function handle(event: { body?: unknown; query: Record<string, string> }) {\n  console.log(`echo ${event.query.tag ?? ''}`);\n  return { got: event.body ?? null };\n}\n",
    });
    const build = await runEventflow(
      [
        "build",
        dir,
        "--base",
        "scratch",
        "-t",
        `${registry.host}/fns/echo:1`,
        "--push",
        "--json",
        "-q",
      ],
      { env: env.env },
    );
    expect(build.code, build.stderr).toBe(0);
    reference = String(build.json?.reference);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await registry?.stop();
    await removeProjects();
  });

  it("create -> waitUntilReady -> invoke -> logs (follow) -> scale -> delete", async () => {
    const created = await client.functions.create({ name: "echo", image: reference });
    expect(created.status).toMatch(/Pending|Deploying/);
    await client.functions.waitUntilReady("echo", { timeout: 30_000 });

    const answer = await client.invoke("echo", { json: { n: 1 }, query: { tag: "first" } });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ got: { n: 1 } });

    const follow = new AbortController();
    const lines: string[] = [];
    const reading = (async () => {
      for await (const entry of client.logs("echo", {
        follow: true,
        tail: 100,
        signal: follow.signal,
      })) {
        lines.push(entry.line);
        if (entry.line.includes("echo second")) return;
      }
    })();
    await client.invoke("echo", { query: { tag: "second" } });
    await reading;
    expect(lines.some((l) => l.includes("echo first"))).toBe(true);
    follow.abort();

    const scaled = await client.functions.scale("echo", 2);
    expect(scaled.replicas).toBe(2);
    expect(
      (await client.functions.waitUntilReady("echo", { timeout: 30_000 })).ready_replicas,
    ).toBe(2);
    await client.functions.delete("echo");
    await expect(client.functions.get("echo")).rejects.toMatchObject({
      code: "FUNCTION_NOT_FOUND",
      status: 404,
    });
  }, 60_000);
});
