// Traffic, tags and rollback through the client against a real controller (local driver, real
// replica processes): a split answered by both revisions, each answer naming its revision as
// its body does; a tag reaching its revision alone; the refusals with their codes; a rollback
// that moves every request and makes no revision.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventFlowClient } from "../../src/client/index.js";
import { rejection, startClientTestEnv, type ClientTestEnv } from "./controller.js";

describe("client.functions.traffic, invoke { tag } and rollback against a real controller", () => {
  let env: ClientTestEnv;
  let client: EventFlowClient;

  /** Which revision answered, and which fixture version its body says. */
  const served = async (options: { tag?: string } = {}) => {
    const answer = await client.invoke("hello", options);
    expect(answer.status).toBe(200);
    return [answer.revision, answer.json<{ version: string }>().version] as const;
  };

  beforeAll(async () => {
    env = await startClientTestEnv("sdk-traffic");
    const anonymous = createClient({ url: env.url });
    client = createClient({ url: env.url, token: (await anonymous.tokens.dev()).token });
    const spec = (version: string) => ({ image: env.image, env: { FIXTURE_VERSION: version } });
    await client.functions.create({ name: "hello", ...spec("v1") });
    await client.functions.waitUntilReady("hello", { timeout: 20_000 });
    await client.functions.update("hello", spec("v2"));
    await client.functions.waitUntilReady("hello", { timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it("a 50/50 split with a tag: both revisions answer, each naming itself; no revision is made", async () => {
    const fn = await client.functions.traffic("hello", [
      { revision: 1, percent: 50 },
      { revision: "hello-00002", percent: 50, tag: "canary" },
    ]);
    expect(fn.traffic?.map((t) => [t.revision, t.name, t.percent, t.tag])).toEqual([
      [1, "hello-00001", 50, undefined],
      [2, "hello-00002", 50, "canary"],
    ]);
    const revisions = await client.functions.revisions("hello");
    expect(revisions.map((r) => [r.number, r.percent, r.tags ?? []])).toEqual([
      [2, 50, ["canary"]],
      [1, 50, []],
    ]);
    const seen = new Map<string | undefined, string>();
    for (let i = 0; i < 40; i++) {
      const [revision, version] = await served();
      seen.set(revision, version);
    }
    // 40 requests at 50/50 all on one side: 2^-39.
    expect(Object.fromEntries(seen)).toEqual({ "hello-00001": "v1", "hello-00002": "v2" });
  }, 60_000);

  it("invoke { tag } reaches the tagged revision alone; an unknown tag is TRAFFIC_TAG_NOT_FOUND", async () => {
    await client.functions.traffic("hello", [
      { revision: 1, percent: 100 },
      { revision: 2, percent: 0, tag: "canary" },
    ]);
    for (let i = 0; i < 10; i++)
      expect(await served({ tag: "canary" })).toEqual(["hello-00002", "v2"]);
    expect(await served()).toEqual(["hello-00001", "v1"]);
    const unknown = await rejection(client.invoke("hello", { tag: "nope" }));
    expect([unknown.code, unknown.status]).toEqual(["TRAFFIC_TAG_NOT_FOUND", 404]);
  }, 60_000);

  it("refuses broken traffic with TRAFFIC_INVALID per field, and a revision never made", async () => {
    const invalid = await rejection(
      client.functions.traffic("hello", [
        { revision: 1, percent: 60 },
        { revision: 2, percent: 30 },
      ]),
    );
    expect([invalid.code, invalid.status]).toEqual(["TRAFFIC_INVALID", 400]);
    expect(invalid.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/traffic/) })]),
    );
    const missing = await rejection(
      client.functions.traffic("hello", [{ revision: 9, percent: 100 }]),
    );
    expect([missing.code, missing.status]).toEqual(["REVISION_NOT_FOUND", 404]);
    const none = await rejection(client.functions.traffic("nope", [{ revision: 1, percent: 100 }]));
    expect(none.code).toBe("FUNCTION_NOT_FOUND");
  });

  it("rollback moves every request to the revision at once and makes no revision", async () => {
    await client.functions.traffic("hello", [{ latestRevision: true, percent: 100 }]);
    expect(await served()).toEqual(["hello-00002", "v2"]);
    const fn = await client.functions.rollback("hello", 1);
    expect(fn.traffic?.map((t) => [t.revision, t.percent])).toEqual([[1, 100]]);
    for (let i = 0; i < 5; i++) expect(await served()).toEqual(["hello-00001", "v1"]);
    expect((await client.functions.revisions("hello")).map((r) => r.number)).toEqual([2, 1]);
  }, 60_000);
});
