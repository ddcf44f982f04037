// client.secrets against a real controller (local driver, real replica processes): the calls,
// their errors, and the values reaching a function intact (text and bytes) but never an answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventFlowClient } from "../../src/client/index.js";
import { rejection, startClientTestEnv, type ClientTestEnv } from "./controller.js";

const VALUE = "sk_test_never_in_an_answer";
// Sent as bytes (base64 `data`); valid UTF-8 so the fixture's text answer compares exactly.
const BYTES = new TextEncoder().encode("bin\u0000é€\n");

describe("client.secrets against a real controller", () => {
  let env: ClientTestEnv;
  let client: EventFlowClient;

  beforeAll(async () => {
    env = await startClientTestEnv("sdk-secrets");
    const { token } = await createClient({ url: env.url }).tokens.dev();
    client = createClient({ url: env.url, token, retry: { backoff: () => 1 } });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  async function secretFile(fn: string, name: string, key: string) {
    const answer = await client.invoke(fn, { query: { op: "secret", name, key } });
    return answer.text();
  }

  it("create, get, list: key names and users, never a value", async () => {
    const created = await client.secrets.create("stripe", { "api-key": VALUE, "cert.der": BYTES });
    expect(created).toMatchObject({ name: "stripe", keys: ["api-key", "cert.der"], used_by: [] });
    expect(created.version).toMatch(/.+/);
    const got = await client.secrets.get("stripe");
    expect(got).toMatchObject({ name: "stripe", keys: ["api-key", "cert.der"] });
    const list = await client.secrets.list();
    expect(list.map((s) => s.name)).toEqual(["stripe"]);
    expect(JSON.stringify([created, got, list])).not.toContain(VALUE);
    const taken = await rejection(client.secrets.create("stripe", { a: "b" }));
    expect(taken).toMatchObject({ code: "SECRET_ALREADY_EXISTS", status: 409 });
    expect(await rejection(client.secrets.get("nope"))).toMatchObject({
      code: "SECRET_NOT_FOUND",
      status: 404,
    });
  });

  it("a function using it reads text and bytes intact; update replaces the keys and rolls it", async () => {
    await client.functions.create({
      name: "reader",
      image: env.image,
      secrets: [{ name: "stripe" }],
    });
    await client.functions.waitUntilReady("reader", { timeout: 30_000 });
    expect(await secretFile("reader", "stripe", "api-key")).toContain(VALUE);
    expect((await client.secrets.get("stripe")).used_by).toEqual(["reader"]);

    const bin = await client.invoke("reader", {
      query: { op: "secret", name: "stripe", key: "cert.der" },
    });
    expect(bin.json<{ value: string }>().value).toBe("bin\u0000é€\n");

    const before = await client.secrets.get("stripe");
    const updated = await client.secrets.update("stripe", { "api-key": "rotated-value" });
    expect(updated.keys).toEqual(["api-key"]);
    expect(updated.version).not.toBe(before.version);
    await expect
      .poll(() => secretFile("reader", "stripe", "api-key"), {
        timeout: 30_000,
        interval: 250,
      })
      .toContain("rotated-value");
    expect(await rejection(client.secrets.update("nope", { a: "b" }))).toMatchObject({
      code: "SECRET_NOT_FOUND",
    });
  }, 90_000);

  it("delete: SECRET_IN_USE (naming the function) while used, done with force", async () => {
    const inUse = await rejection(client.secrets.delete("stripe"));
    expect(inUse).toMatchObject({ code: "SECRET_IN_USE", status: 409 });
    expect(inUse.details).toEqual({ functions: ["reader"] });
    expect((await client.secrets.list()).map((s) => s.name)).toEqual(["stripe"]);
    await client.secrets.delete("stripe", { force: true });
    expect(await rejection(client.secrets.get("stripe"))).toMatchObject({
      code: "SECRET_NOT_FOUND",
    });
    expect(await client.secrets.list()).toEqual([]);
  });

  it("a name the URL parser would resolve (., ..) or no secret can have: REQUEST_VALIDATION_FAILED", async () => {
    await client.secrets.create("kept", { a: "b" });
    for (const name of [".", "..", "%2e", "a/b", ""]) {
      expect(await rejection(client.secrets.get(name))).toMatchObject({
        code: "REQUEST_VALIDATION_FAILED",
      });
      expect(await rejection(client.secrets.delete(name, { force: true }))).toMatchObject({
        code: "REQUEST_VALIDATION_FAILED",
      });
      expect(await rejection(client.secrets.update(name, { a: "c" }))).toMatchObject({
        code: "REQUEST_VALIDATION_FAILED",
      });
    }
    expect((await client.secrets.list()).map((s) => s.name)).toEqual(["kept"]);
    await client.secrets.delete("kept");
  });

  it("an empty secret and a bad key are refused by the server with its code", async () => {
    const empty = await rejection(client.secrets.create("empty", {}));
    expect(empty.code).toBe("REQUEST_VALIDATION_FAILED");
    const badKey = await rejection(client.secrets.create("bad", { "../x": VALUE }));
    expect(badKey.code).toBe("REQUEST_VALIDATION_FAILED");
    expect(JSON.stringify(badKey.details)).not.toContain(VALUE);
  });
});
