import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// API-shape tests against the in-memory TEST DOUBLE driver (see test/support/memory-driver.ts).
describe("function endpoints", () => {
  let app: TestApp;
  let driver: MemoryDriver;
  let dev: string;
  let viewer: string;
  const image = "127.0.0.1:5000/hello:1.0.0";

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({ driver });
    dev = await mintToken({ tenant: "acme", role: "developer" });
    viewer = await mintToken({ tenant: "acme", role: "viewer" });
  });
  afterAll(() => app.close());

  it("creates a function with the seed's body and answers 201 with the seed's fields", async () => {
    const res = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: {
        name: "my-function",
        image,
        replicas: 2,
        command: ["node", "index.js"],
        env: { KEY: "value" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/v1/functions/my-function");
    expect(res.body).toMatchObject({ name: "my-function", tenant: "acme", image, replicas: 2 });
    for (const field of [
      "available_replicas",
      "ready_replicas",
      "updated_replicas",
      "status",
      "created_at",
    ]) {
      expect(res.body).toHaveProperty(field);
    }
  });

  it("lists, gets, updates, scales and deletes", async () => {
    const list = await call(app.url, "GET", "/v1/functions", { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.map((f: { name: string }) => f.name)).toEqual(["my-function"]);
    expect(list.body[0].status).toBe("Running");

    const got = await call(app.url, "GET", "/v1/functions/my-function", { token: viewer });
    expect(got.status).toBe(200);
    expect(got.body.spec.env).toEqual({ KEY: "value" });

    const put = await call(app.url, "PUT", "/v1/functions/my-function", {
      token: dev,
      body: { image: "127.0.0.1:5000/hello:2.0.0", replicas: 1, timeoutSeconds: 5 },
    });
    expect(put.status).toBe(200);
    expect(put.body.image).toBe("127.0.0.1:5000/hello:2.0.0");
    expect(put.body.spec.timeoutSeconds).toBe(5);

    const scaled = await call(app.url, "POST", "/v1/functions/my-function:scale", {
      token: dev,
      body: { replicas: 0 },
    });
    expect(scaled.status).toBe(200);
    expect(scaled.body.status).toBe("ScaledToZero");

    const del = await call(app.url, "DELETE", "/v1/functions/my-function", { token: dev });
    expect(del.status).toBe(204);
    const audit = app.logs.filter(
      (l) => typeof l["msg"] === "string" && (l["msg"] as string).startsWith("function "),
    );
    expect(audit.map((l) => l["msg"])).toEqual([
      "function created",
      "function updated",
      "function scaled",
      "function deleted",
    ]);
    expect(
      audit.every(
        (l) =>
          l["tenant"] === "acme" && l["function"] === "my-function" && l["subject"] === "tester",
      ),
    ).toBe(true);
    expect(audit.every((l) => typeof l["requestId"] === "string")).toBe(true);
    const gone = await call(app.url, "GET", "/v1/functions/my-function", { token: dev });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("FUNCTION_NOT_FOUND");
    // Every envelope the platform writes carries its code in x-eventflow-error.
    expect(gone.headers.get("x-eventflow-error")).toBe("FUNCTION_NOT_FOUND");
  });

  it("answers 409 for a duplicate name", async () => {
    await call(app.url, "POST", "/v1/functions", { token: dev, body: { name: "dup", image } });
    const again = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "dup", image },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("FUNCTION_ALREADY_EXISTS");
    expect(typeof again.body.error.requestId).toBe("string");
  });

  it("rejects a PUT whose body names another function", async () => {
    const res = await call(app.url, "PUT", "/v1/functions/dup", {
      token: dev,
      body: { name: "other", image },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: "name" })]);
  });

  it("refuses :scale of a request-driven function with FUNCTION_AUTOSCALED and changes nothing", async () => {
    const created = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: {
        name: "auto",
        image,
        scaling: { minReplicas: 0, maxReplicas: 4 },
        containerConcurrency: 5,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({
      scaling: { minReplicas: 0, maxReplicas: 4 },
      containerConcurrency: 5,
    });
    const res = await call(app.url, "POST", "/v1/functions/auto:scale", {
      token: dev,
      body: { replicas: 3 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("FUNCTION_AUTOSCALED");
    expect(res.body.error.message).toContain("between 0 and 4 replicas");
    expect((await driver.get("acme", "auto")).spec.replicas).toBe(1);
    await call(app.url, "DELETE", "/v1/functions/auto", { token: dev });
  });

  it("forbids writes to viewers", async () => {
    for (const [method, path, body] of [
      ["POST", "/v1/functions", { name: "x", image }],
      ["PUT", "/v1/functions/dup", { image }],
      ["DELETE", "/v1/functions/dup", undefined],
      ["POST", "/v1/functions/dup:scale", { replicas: 1 }],
      ["POST", "/v1/functions/dup:invoke", {}],
      ["POST", "/v1/tokens", { function: "dup" }],
    ] as const) {
      const res = await call(app.url, method, path, { token: viewer, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("AUTH_FORBIDDEN");
    }
  });
});
