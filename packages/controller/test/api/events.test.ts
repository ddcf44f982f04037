import type { FunctionEvent } from "@eventflow/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  mintToken,
  startLocalDriverApp,
  waitForFunction,
  type LocalDriverApp,
} from "../support/harness.js";

// A function's recent events over the real local driver: its supervisor sees the replicas
// start, exit and scale; its database keeps the revisions the deploy events come from.
describe("GET /v1/functions/{name}/events", () => {
  let local: LocalDriverApp;
  let alice: string;
  let viewer: string;
  let globex: string;

  const url = () => local.app.url;
  const events = async (name: string, token = alice, query = ""): Promise<FunctionEvent[]> => {
    const res = await call(url(), "GET", `/v1/functions/${name}/events${query}`, { token });
    expect(res.status).toBe(200);
    return res.body as FunctionEvent[];
  };
  async function eventually(
    name: string,
    check: (list: FunctionEvent[]) => boolean,
  ): Promise<FunctionEvent[]> {
    const deadline = Date.now() + 20_000;
    let last: FunctionEvent[] = [];
    while (Date.now() < deadline) {
      last = await events(name);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`events of ${name} never matched: ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    local = await startLocalDriverApp("events");
    alice = await mintToken({ tenant: "acme", role: "developer", sub: "alice" });
    viewer = await mintToken({ tenant: "acme", role: "viewer", sub: "vera" });
    globex = await mintToken({ tenant: "globex", role: "developer", sub: "gus" });
  }, 60_000);
  afterAll(() => local?.close());

  it("shows the deploy with its revision, readiness and a scale by the API, newest first", async () => {
    const created = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "hello", image: local.image, replicas: 1 },
    });
    expect(created.status).toBe(201);
    await waitForFunction(local.app, alice, "hello");
    const scaled = await call(url(), "POST", "/v1/functions/hello:scale", {
      token: alice,
      body: { replicas: 2 },
    });
    expect(scaled.status).toBe(200);
    const list = await eventually("hello", (l) => l.filter((e) => e.type === "ready").length >= 2);

    expect(list.find((e) => e.type === "deployed")).toMatchObject({
      reason: "Deployed",
      revision: 1,
    });
    expect(list.find((e) => e.type === "scaled")).toMatchObject({
      from: 1,
      to: 2,
      by: "api",
    });
    expect(list.find((e) => e.type === "ready")?.replica).toMatch(/^hello-\d+$/);
    const times = list.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The newest first: the second replica's readiness came after the scale.
    expect(list.indexOf(list.find((e) => e.type === "scaled")!)).toBeGreaterThan(0);

    const updated = await call(url(), "PUT", "/v1/functions/hello", {
      token: alice,
      body: { image: local.image, replicas: 2, env: { GREETING: "two" } },
    });
    expect(updated.status).toBe(200);
    expect((await events("hello"))[0]).toMatchObject({ type: "updated", revision: 2 });
    expect(await events("hello", alice, "?limit=1")).toHaveLength(1);
    // Read scope is enough.
    expect((await events("hello", viewer)).length).toBeGreaterThanOrEqual(4);
  }, 30_000);

  it("answers 404 for another tenant's function and for one that does not exist", async () => {
    const foreign = await call(url(), "GET", "/v1/functions/hello/events", { token: globex });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("FUNCTION_NOT_FOUND");
    const missing = await call(url(), "GET", "/v1/functions/nope/events", { token: alice });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("FUNCTION_NOT_FOUND");
    const bad = await call(url(), "GET", "/v1/functions/hello/events?limit=0", { token: alice });
    expect(bad.status).toBe(400);
  });

  it("shows a replica that exits with its exit code, the error line and the crash loop", async () => {
    const created = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: {
        name: "crasher",
        image: local.image,
        replicas: 1,
        env: { FIXTURE_CRASH_AFTER_MS: "1" },
      },
    });
    expect(created.status).toBe(201);
    const list = await eventually("crasher", (l) =>
      l.some((e) => e.type === "crashed" && e.reason === "CrashLoopBackOff"),
    );
    const crashes = list.filter((e) => e.type === "crashed");
    expect(crashes[crashes.length - 1]).toMatchObject({
      reason: "Exited",
      exit_code: 3,
      count: 1,
      replica: "crasher-0",
    });
    expect(crashes[crashes.length - 1]!.message).toContain("fixture: boom");
    expect(crashes[0]).toMatchObject({ exit_code: 3, reason: "CrashLoopBackOff" });
    expect(crashes[0]!.count).toBeGreaterThanOrEqual(3);
  }, 30_000);

  it("drops a function's events when it is deleted", async () => {
    const body = { name: "brief", image: local.image, replicas: 0 };
    expect((await call(url(), "POST", "/v1/functions", { token: alice, body })).status).toBe(201);
    await call(url(), "POST", "/v1/functions/brief:scale", { token: alice, body: { replicas: 1 } });
    expect((await events("brief")).some((e) => e.type === "scaled")).toBe(true);
    expect((await call(url(), "DELETE", "/v1/functions/brief", { token: alice })).status).toBe(204);
    expect((await call(url(), "POST", "/v1/functions", { token: alice, body })).status).toBe(201);
    const fresh = await events("brief");
    expect(fresh.map((e) => e.type)).toEqual(["deployed"]);
  });
});
