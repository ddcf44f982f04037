import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";
import { call, mintToken, startLocalDriverApp, type LocalDriverApp } from "../support/harness.js";

interface Revision {
  name: string;
  number: number;
  image: string;
  digest?: string;
  created_by: string;
  created_at: string;
  current: boolean;
  percent: number;
  spec: Record<string, unknown>;
}

// Revisions and rollback over the real local driver: its database keeps the history, the real
// app resolver gives the digests.
describe("function revisions and rollback", () => {
  let local: LocalDriverApp;
  let v1: string;
  let v2: string;
  let alice: string;
  let bob: string;
  let viewer: string;
  let globex: string;

  const url = () => local.app.url;
  const revisions = async (name: string, token = alice): Promise<Revision[]> => {
    const res = await call(url(), "GET", `/v1/functions/${name}/revisions`, { token });
    expect(res.status).toBe(200);
    return res.body as Revision[];
  };
  const numbers = async (name: string) => (await revisions(name)).map((r) => r.number);
  const put = (name: string, body: object, token = alice) =>
    call(url(), "PUT", `/v1/functions/${name}`, { token, body });
  const rollback = (name: string, body?: object, token = alice) =>
    call(url(), "POST", `/v1/functions/${name}:rollback`, {
      token,
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    local = await startLocalDriverApp("revisions");
    v1 = local.image;
    // A second image of other content (another env in its config): another manifest digest.
    v2 = await writeTestImage({
      dir: v1.replace(/^oci:/, "").replace(/:v1$/, ""),
      tag: "v2",
      env: ["NODE_ENV=production", "IMAGE_VERSION=2"],
    });
    alice = await mintToken({ tenant: "acme", role: "developer", sub: "alice" });
    bob = await mintToken({ tenant: "acme", role: "developer", sub: "bob" });
    viewer = await mintToken({ tenant: "acme", role: "viewer", sub: "vera" });
    globex = await mintToken({ tenant: "globex", role: "admin", sub: "gus" });
  }, 60_000);
  afterAll(() => local?.close());

  it("records a revision per create and change of code or configuration, newest first", async () => {
    const created = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "hello", image: v1, replicas: 0, env: { GREETING: "one" } },
    });
    expect(created.status).toBe(201);
    expect(
      (await put("hello", { image: v2, replicas: 0, env: { GREETING: "two" } }, bob)).status,
    ).toBe(200);

    const [second, first] = await revisions("hello");
    expect(first).toMatchObject({
      name: "hello-00001",
      number: 1,
      image: v1,
      created_by: "alice",
      current: false,
      spec: { image: v1, env: { GREETING: "one" } },
    });
    expect(second).toMatchObject({
      name: "hello-00002",
      number: 2,
      image: v2,
      created_by: "bob",
      current: true,
      spec: { image: v2, env: { GREETING: "two" } },
    });
    expect(first!.spec).not.toHaveProperty("replicas");
    expect(first!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second!.digest).not.toBe(first!.digest);

    for (const ref of ["1", "hello-00001"]) {
      const one = await call(url(), "GET", `/v1/functions/hello/revisions/${ref}`, {
        token: alice,
      });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(first);
    }
    const missing = await call(url(), "GET", "/v1/functions/hello/revisions/7", { token: alice });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("REVISION_NOT_FOUND");
    const badName = await call(url(), "GET", "/v1/functions/hello/revisions/hello-1", {
      token: alice,
    });
    expect(badName.status).toBe(400);
    expect(badName.body.error.code).toBe("REVISION_NAME_INVALID");
  });

  it("records nothing for an update that changes nothing, the replica count only, or :scale", async () => {
    const spec = { image: v2, replicas: 0, env: { GREETING: "two" } };
    expect((await put("hello", spec)).status).toBe(200);
    expect((await put("hello", { ...spec, replicas: 1 })).status).toBe(200);
    const scaled = await call(url(), "POST", "/v1/functions/hello:scale", {
      token: alice,
      body: { replicas: 0 },
    });
    expect(scaled.status).toBe(200);
    expect(await numbers("hello")).toEqual([2, 1]);
  });

  it("rolls back by sending every request to an earlier revision: no revision made, the spec kept", async () => {
    const back = await rollback("hello", undefined, bob);
    expect(back.status).toBe(200);
    // Revision 1 runs in a workload of its own, ready before it took the requests.
    expect(back.body.traffic).toEqual([
      { revision: 1, name: "hello-00001", percent: 100, latest_revision: false, ready_replicas: 1 },
    ]);
    expect(back.body.spec).toMatchObject({
      image: v2,
      env: { GREETING: "two" },
      traffic: [{ revision: 1, percent: 100 }],
    });
    const [second, first] = await revisions("hello");
    expect(await numbers("hello")).toEqual([2, 1]);
    expect(first).toMatchObject({ number: 1, percent: 100, current: false });
    expect(second).toMatchObject({ number: 2, percent: 0, current: true });
    // The revision's workload is not a function of the tenant's.
    const list = await call(url(), "GET", "/v1/functions", { token: alice });
    expect((list.body as Array<{ name: string }>).map((f) => f.name)).not.toContain("hello-00001");
    const direct = await call(url(), "GET", "/v1/functions/hello-00001", { token: alice });
    expect(direct.status).toBe(400);

    // Without `to`, again: nothing is older than revision 1.
    const none = await rollback("hello");
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe("REVISION_NO_PREVIOUS");

    const forward = await rollback("hello", { to: "hello-00002" });
    expect(forward.status).toBe(200);
    expect(forward.body.traffic).toMatchObject([{ revision: 2, percent: 100 }]);
    const byNumber = await rollback("hello", { to: 1 });
    expect(byNumber.body.traffic).toMatchObject([{ revision: 1, percent: 100 }]);

    const gone = await rollback("hello", { to: 42 });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("REVISION_NOT_FOUND");
    expect(await numbers("hello")).toEqual([2, 1]);
  });

  it("answers REVISION_NO_PREVIOUS (409) for a rollback with no earlier revision", async () => {
    const created = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "solo", image: v1, replicas: 0 },
    });
    expect(created.status).toBe(201);
    const res = await rollback("solo");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("REVISION_NO_PREVIOUS");
    expect(await numbers("solo")).toEqual([1]);
  });

  it("keeps the newest revisionHistoryLimit revisions, and prunes when the limit is lowered", async () => {
    const spec = (n: number, limit: number) => ({
      image: v1,
      replicas: 0,
      env: { N: String(n) },
      revisionHistoryLimit: limit,
    });
    const created = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "pruned", ...spec(1, 3) },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec.revisionHistoryLimit).toBe(3);
    for (let n = 2; n <= 5; n++) expect((await put("pruned", spec(n, 3))).status).toBe(200);
    expect(await numbers("pruned")).toEqual([5, 4, 3]);
    // The limit alone makes no revision, but the history is cut to it.
    expect((await put("pruned", spec(5, 2))).status).toBe(200);
    expect(await numbers("pruned")).toEqual([5, 4]);
    const pruned = await rollback("pruned", { to: 3 });
    expect(pruned.body.error.code).toBe("REVISION_NOT_FOUND");
    const invalid = await put("pruned", spec(5, 0));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
  });

  it("lets a viewer list revisions but not roll back", async () => {
    expect((await revisions("hello", viewer)).length).toBe(2);
    const res = await rollback("hello", undefined, viewer);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("AUTH_FORBIDDEN");
    expect(await numbers("hello")).toEqual([2, 1]);
  });

  it("shows another tenant nothing", async () => {
    for (const path of ["/v1/functions/hello/revisions", "/v1/functions/hello/revisions/1"]) {
      const res = await call(url(), "GET", path, { token: globex });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("FUNCTION_NOT_FOUND");
    }
    const res = await rollback("hello", { to: 1 }, globex);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("FUNCTION_NOT_FOUND");
    expect(await numbers("hello")).toEqual([2, 1]);
  });

  it("deletes a function's revisions with it", async () => {
    expect((await call(url(), "DELETE", "/v1/functions/solo", { token: alice })).status).toBe(204);
    const again = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "solo", image: v2, replicas: 0 },
    });
    expect(again.status).toBe(201);
    const [only, ...rest] = await revisions("solo");
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ number: 1, image: v2 });
  });
});
