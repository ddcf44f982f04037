// The client's readiness rule for scale-to-zero functions, apply (createOrUpdate), idempotent
// delete, quiet log aborts, parsed log lines and rounded durations (issue 14, items 5 and 11):
// the rule as a table, the rest against the real controller (local driver, real replicas).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  isEventFlowError,
  isReady,
  toLogFields,
  type EventFlowClient,
  type FunctionStatus,
  type LogEntry,
} from "../../src/client/index.js";
import { startClientTestEnv, type ClientTestEnv } from "./controller.js";

function status(partial: Partial<FunctionStatus>): FunctionStatus {
  return {
    name: "f",
    tenant: "t",
    image: "i",
    replicas: 0,
    available_replicas: 0,
    ready_replicas: 0,
    updated_replicas: 0,
    status: "Running",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    spec: { name: "f", tenant: "t", image: "i", replicas: 0 },
    ...partial,
  } as FunctionStatus;
}

describe("isReady", () => {
  it.each([
    ["scaled to zero", { status: "ScaledToZero" }, true],
    ["woken from zero, serving the latest spec", { ready_replicas: 1, updated_replicas: 1 }, true],
    ["woken, still serving an old replica", { ready_replicas: 2, updated_replicas: 1 }, false],
    ["woken, rolling out", { status: "Deploying", ready_replicas: 1 }, false],
    ["woken, new replica starting", { status: "Deploying", updated_replicas: 1 }, false],
    ["failed with nothing ready", { status: "Failed" }, false],
    ["resolving its image", { status: "Pending" }, false],
    ["1 wanted, running", { replicas: 1, ready_replicas: 1, updated_replicas: 1 }, true],
    ["1 wanted, old ready", { replicas: 1, ready_replicas: 1, updated_replicas: 0 }, false],
  ] as const)("%s: %s", (_what, partial, expected) => {
    expect(isReady(status(partial as Partial<FunctionStatus>))).toBe(expected);
  });
});

describe("toLogFields", () => {
  it.each([
    ['{"level":"info","msg":"hi"}', { level: "info", msg: "hi" }],
    ["plain text", undefined],
    ["[1,2]", undefined],
    ["{broken", undefined],
  ])("%s", (line, expected) => {
    expect(toLogFields(line)).toEqual(expected);
  });
});

describe("client against a real controller: zero, apply, delete, logs", () => {
  let env: ClientTestEnv;
  let client: EventFlowClient;

  beforeAll(async () => {
    env = await startClientTestEnv("sdk-apply");
    const anonymous = createClient({ url: env.url });
    client = createClient({ url: env.url, token: (await anonymous.tokens.dev()).token });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it("waitUntilReady after an update of a function woken from zero resolves once it serves", async () => {
    await client.functions.create({
      name: "sleepy",
      image: env.image,
      replicas: 0,
      env: { FIXTURE_VERSION: "v1" },
    });
    expect((await client.functions.waitUntilReady("sleepy", { timeout: 10_000 })).status).toBe(
      "ScaledToZero",
    );
    // The invoke wakes one replica while `replicas` stays 0.
    expect((await client.invoke("sleepy")).json<{ version: string }>().version).toBe("v1");
    await client.functions.update("sleepy", {
      image: env.image,
      replicas: 0,
      env: { FIXTURE_VERSION: "v2" },
    });
    // Before the fix this timed out: "still Running with 1/0 replicas ready".
    const ready = await client.functions.waitUntilReady("sleepy", { timeout: 10_000 });
    expect(ready).toMatchObject({ status: "Running", replicas: 0, ready_replicas: 1 });
    expect((await client.invoke("sleepy")).json<{ version: string }>().version).toBe("v2");
    await client.functions.delete("sleepy");
  }, 30_000);

  it("createOrUpdate creates, then updates; a delete with missingOk is idempotent", async () => {
    const first = await client.functions.createOrUpdate({ name: "applied", image: env.image });
    expect(first.action).toBe("created");
    expect(first.function.name).toBe("applied");
    const second = await client.functions.createOrUpdate({
      name: "applied",
      image: env.image,
      env: { FIXTURE_VERSION: "v2" },
    });
    expect(second.action).toBe("updated");
    expect(second.function.spec.env).toEqual({ FIXTURE_VERSION: "v2" });

    expect(await client.functions.delete("applied")).toBe(true);
    expect(await client.functions.delete("applied", { missingOk: true })).toBe(false);
    const missing = await client.functions.delete("applied").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEventFlowError(missing) && missing.code).toBe("FUNCTION_NOT_FOUND");
  });

  it("createOrUpdate loses neither race: deleted before the update, created before the create", async () => {
    await client.functions.create({ name: "racy", image: env.image });
    // A fetch that deletes the function just before the PUT reaches the controller: the PUT
    // answers 404, so apply must create it.
    let sabotage: (() => Promise<void>) | undefined = () =>
      client.functions.delete("racy").then(() => undefined);
    const racing = createClient({
      url: env.url,
      token: (await createClient({ url: env.url }).tokens.dev()).token,
      fetch: async (input, init) => {
        const pending = sabotage;
        sabotage = undefined;
        if (pending !== undefined && init?.method === "PUT") await pending();
        return fetch(input, init);
      },
    });
    const recreated = await racing.functions.createOrUpdate({ name: "racy", image: env.image });
    expect(recreated.action).toBe("created");

    // Deleted, then created by someone else just before apply's POST: apply updates it.
    await client.functions.delete("racy");
    sabotage = () =>
      client.functions.create({ name: "racy", image: env.image }).then(() => undefined);
    let sawPut = false;
    const racing2 = createClient({
      url: env.url,
      token: (await createClient({ url: env.url }).tokens.dev()).token,
      fetch: async (input, init) => {
        if (init?.method === "PUT") sawPut = true;
        const pending = sabotage;
        if (pending !== undefined && init?.method === "POST") {
          sabotage = undefined;
          await pending();
        }
        return fetch(input, init);
      },
    });
    const updated = await racing2.functions.createOrUpdate({
      name: "racy",
      image: env.image,
      env: { FIXTURE_VERSION: "v3" },
    });
    expect(sawPut).toBe(true);
    expect(updated.action).toBe("updated");
    expect(updated.function.spec.env).toEqual({ FIXTURE_VERSION: "v3" });
    await client.functions.delete("racy");
  });

  it("logs: aborting a followed stream ends the iterator quietly; JSON lines come parsed", async () => {
    await client.functions.create({ name: "talker", image: env.image });
    await client.functions.waitUntilReady("talker", { timeout: 20_000 });
    const answer = await client.invoke("talker", { query: { op: "log", n: "2", tag: "p" } });
    // Rounded as the platform reports durations: at most 3 decimals.
    expect(answer.durationMs).toBeGreaterThan(0);
    expect(Math.round(answer.durationMs * 1000) / 1000).toBe(answer.durationMs);

    const history: LogEntry[] = [];
    for await (const entry of client.logs("talker", { tail: 100 })) history.push(entry);
    const parsed = history.find((e) => e.line.includes("line p-0"));
    expect(parsed?.fields).toMatchObject({ msg: "line p-0", version: "v1" });
    const plain = history.find((e) => e.stream === "stderr" && e.line.includes("stderr p"));
    expect(plain).toBeDefined();
    expect(plain?.fields).toBeUndefined();

    const abort = new AbortController();
    const seen: LogEntry[] = [];
    const following = (async () => {
      for await (const entry of client.logs("talker", {
        follow: true,
        tail: 0,
        signal: abort.signal,
      }))
        seen.push(entry);
      return "ended";
    })();
    await client.invoke("talker", { query: { op: "log", n: "1", tag: "live" } });
    while (!seen.some((e) => e.line.includes("line live-0")))
      await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    // Before the fix this rejected with AbortError.
    await expect(following).resolves.toBe("ended");
    // Aborted before it started: no lines, no error.
    const none: LogEntry[] = [];
    for await (const entry of client.logs("talker", { tail: 10, signal: AbortSignal.abort() }))
      none.push(entry);
    expect(none).toEqual([]);
    await client.functions.delete("talker");
  }, 30_000);
});
