import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, mintToken, startLocalDriverApp, type LocalDriverApp } from "../support/harness.js";

// A tenant cannot fill the secret store for everyone: EVENTFLOW_MAX_SECRETS per tenant, over the
// real local driver (its sealed store).
describe("secrets per tenant are capped", () => {
  let local: LocalDriverApp;
  let acme: string;
  let globex: string;
  const create = (token: string, name: string) =>
    call(local.app.url, "POST", "/v1/secrets", { token, body: { name, stringData: { K: "v" } } });

  beforeAll(async () => {
    local = await startLocalDriverApp("secret-limit", { EVENTFLOW_MAX_SECRETS: "2" });
    acme = await mintToken({ tenant: "acme", role: "developer" });
    globex = await mintToken({ tenant: "globex", role: "developer" });
  }, 60_000);
  afterAll(() => local?.close());

  it("refuses a create past the limit with SECRET_LIMIT_REACHED, writes nothing, and leaves other tenants alone", async () => {
    expect((await create(acme, "one")).status).toBe(201);
    expect((await create(acme, "two")).status).toBe(201);
    const third = await create(acme, "three");
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: "SECRET_LIMIT_REACHED", details: { limit: 2 } });
    // A taken name still says so (the clearer answer), and nothing was written.
    expect((await create(acme, "two")).body.error.code).toBe("SECRET_ALREADY_EXISTS");
    const listed = await call(local.app.url, "GET", "/v1/secrets", { token: acme });
    expect(listed.body.map((s: { name: string }) => s.name).sort()).toEqual(["one", "two"]);
    // Another tenant has its own count; a delete makes room again.
    expect((await create(globex, "one")).status).toBe(201);
    expect((await call(local.app.url, "DELETE", "/v1/secrets/one", { token: acme })).status).toBe(
      204,
    );
    expect((await create(acme, "three")).status).toBe(201);
  });
});
