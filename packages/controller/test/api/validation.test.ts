import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// API-shape tests against the in-memory TEST DOUBLE driver (see test/support/memory-driver.ts).
describe("request validation and error envelopes", () => {
  let app: TestApp;
  let driver: MemoryDriver;
  let dev: string;
  const image = "127.0.0.1:5000/hello:1.0.0";

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({
      driver,
      env: {
        EVENTFLOW_MAX_BODY_BYTES: "4096",
        EVENTFLOW_MAX_REPLICAS: "10",
        EVENTFLOW_BODY_TIMEOUT_SECONDS: "1",
      },
    });
    dev = await mintToken();
    await call(app.url, "POST", "/v1/functions", { token: dev, body: { name: "exists", image } });
  });
  afterAll(() => app.close());

  const invalidBodies: Array<[string, unknown, string[]]> = [
    ["missing name and image", {}, ["name", "image"]],
    ["name with upper case", { name: "Hello", image }, ["name"]],
    ["name too long", { name: `a${"b".repeat(40)}`, image }, ["name"]],
    ["name ending with -", { name: "hello-", image }, ["name"]],
    ["image with upper-case repo", { name: "a", image: "Registry.io/Hello:1" }, ["image"]],
    ["image with bad tag", { name: "a", image: "hello:-bad" }, ["image"]],
    ["negative replicas", { name: "a", image, replicas: -1 }, ["replicas"]],
    ["too many replicas", { name: "a", image, replicas: 11 }, ["replicas"]],
    ["fractional replicas", { name: "a", image, replicas: 1.5 }, ["replicas"]],
    ["bad env name", { name: "a", image, env: { "1BAD": "x", GOOD: "y" } }, ["env.1BAD"]],
    ["non-string env value", { name: "a", image, env: { A: 1 } }, ["env.A"]],
    ["unknown top-level field", { name: "a", image, replica: 2 }, ["replica"]],
    [
      "unknown nested field",
      { name: "a", image, resources: { limits: { gpu: "1" } } },
      ["resources.limits.gpu"],
    ],
    [
      "bad cpu",
      { name: "a", image, resources: { limits: { cpu: "lots" } } },
      ["resources.limits.cpu"],
    ],
    [
      "too much memory",
      { name: "a", image, resources: { limits: { memory: "1Ti" } } },
      ["resources.limits.memory"],
    ],
    [
      "requests above limits",
      { name: "a", image, resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } } },
      ["resources.requests.cpu"],
    ],
    [
      "min above max",
      { name: "a", image, scaling: { minReplicas: 5, maxReplicas: 2 } },
      ["scaling.minReplicas"],
    ],
    [
      "target out of range",
      { name: "a", image, scaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilization: 150 } },
      ["scaling.targetCPUUtilization"],
    ],
    ["timeout too long", { name: "a", image, timeoutSeconds: 100_000 }, ["timeoutSeconds"]],
    ["command not strings", { name: "a", image, command: [1] }, ["command.0"]],
    ["a JSON array", [1, 2], [""]],
  ];

  it.each(invalidBodies)("400 REQUEST_VALIDATION_FAILED: %s", async (_label, body, paths) => {
    const res = await call(app.url, "POST", "/v1/functions", { token: dev, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
    expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
    const got = (res.body.error.details as Array<{ path: string }>).map((d) => d.path);
    expect(got.sort()).toEqual([...paths].sort());
  });

  // The text is the feature (issue 14 item 10): the dashboard shows these messages on its fields.
  it("field errors say what a field must be and what it got, not the validator's words", async () => {
    const res = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: {
        name: "a",
        image,
        replicas: "abc",
        timeoutSeconds: 100_000,
        extra: 1,
        env: { TOKEN: 12345 },
      },
    });
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(
      (res.body.error.details as Array<{ path: string; message: string }>).map((d) => [
        d.path,
        d.message,
      ]),
    );
    expect(byPath).toEqual({
      replicas: 'must be a whole number between 0 and 10 (got "abc")',
      timeoutSeconds: "must be a whole number between 1 and 3600 (got 100000)",
      extra: "unknown field",
      // An environment value may be a secret: never quoted back.
      "env.TOKEN": "must be text",
    });
    expect(res.body.error.message).toBe(
      'invalid body: replicas must be a whole number between 0 and 10 (got "abc")',
    );
  });

  it("accepts full specs, OCI layout images and digests", async () => {
    const res = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: {
        name: "full",
        image: `oci:/tmp/layout:v1`,
        replicas: 0,
        command: ["node"],
        args: ["main.js"],
        env: { A_B: "1", _X: "" },
        resources: {
          requests: { cpu: "250m", memory: "64Mi" },
          limits: { cpu: "1", memory: "128Mi" },
        },
        scaling: {
          minReplicas: 0,
          maxReplicas: 3,
          targetCPUUtilization: 70,
          targetMemoryUtilization: 80,
        },
        timeoutSeconds: 60,
      },
    });
    expect(res.status).toBe(201);
    const digest = `127.0.0.1:5000/hello@sha256:${"a".repeat(64)}`;
    const d = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "dig", image: digest },
    });
    expect(d.status).toBe(201);
  });

  it("validates path parameters and query strings", async () => {
    const bad = await call(app.url, "GET", "/v1/functions/Not_A_Name", { token: dev });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("params.name");
    const q = await call(app.url, "GET", "/v1/functions?color=red", { token: dev });
    expect(q.status).toBe(400);
    expect(q.body.error.details[0].path).toBe("query.color");
    const tail = await call(app.url, "GET", "/v1/functions/exists/logs?tail=lots", { token: dev });
    expect(tail.status).toBe(400);
    expect(tail.body.error.details[0].path).toBe("query.tail");
    const range = await call(app.url, "GET", "/v1/functions/exists/metrics?range=7y", {
      token: dev,
    });
    expect(range.status).toBe(400);
    expect(range.body.error.details[0].path).toBe("query.range");
    const since = await call(app.url, "GET", "/v1/functions/exists/logs?since=yesterday", {
      token: dev,
    });
    expect(since.status).toBe(400);
  });

  it("answers 400 REQUEST_MALFORMED_JSON, 415 and a required body", async () => {
    const malformed = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("REQUEST_MALFORMED_JSON");
    const text = await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: "name=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("REQUEST_UNSUPPORTED_MEDIA_TYPE");
    const empty = await call(app.url, "POST", "/v1/functions", { token: dev });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
  });

  it("answers 413 for bodies over the limit, declared or chunked", async () => {
    const big = { name: "big", image, env: { A: "x".repeat(5000) } };
    const declared = await call(app.url, "POST", "/v1/functions", { token: dev, body: big });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe("REQUEST_BODY_TOO_LARGE");
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(1000)));
        controller.close();
      },
    });
    const res = await fetch(`${app.url}/v1/functions`, {
      method: "POST",
      headers: { authorization: `Bearer ${dev}`, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "REQUEST_BODY_TOO_LARGE",
    );
    expect(driver.calls["create"]).toBe(3);
  });

  it("answers 408 REQUEST_BODY_TIMEOUT to a body that never completes", async () => {
    const socket = connect(Number(new URL(app.url).port), "127.0.0.1");
    await once(socket, "connect");
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString()));
    const closed = once(socket, "close");
    socket.write(
      `POST /v1/functions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${dev}\r\n` +
        `content-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":`,
    );
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"REQUEST_BODY_TIMEOUT"');
  });

  it("answers 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED in the envelope", async () => {
    const nf = await call(app.url, "GET", "/v2/nothing", { token: dev });
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe("ROUTE_NOT_FOUND");
    expect(nf.headers.get("content-type")).toMatch(/application\/json/);
    const nested = await call(app.url, "GET", "/v1/functions/exists/nothing", { token: dev });
    expect(nested.status).toBe(404);
    expect(nested.body.error.code).toBe("ROUTE_NOT_FOUND");
    const unknownAction = await call(app.url, "POST", "/v1/functions/exists:explode", {
      token: dev,
    });
    expect(unknownAction.status).toBe(404);
    expect(unknownAction.body.error.code).toBe("ROUTE_NOT_FOUND");

    const m1 = await call(app.url, "PATCH", "/v1/functions/exists", { token: dev });
    expect(m1.status).toBe(405);
    expect(m1.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect(m1.headers.get("allow")).toMatch(/GET/);
    const m2 = await call(app.url, "DELETE", "/v1/functions", { token: dev });
    expect(m2.status).toBe(405);
    expect(m2.headers.get("allow")).toContain("POST");
    const m3 = await call(app.url, "GET", "/v1/functions/exists:invoke", { token: dev });
    expect(m3.status).toBe(405);
    expect(m3.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect(m3.headers.get("allow")).toBe("POST");
  });

  it("keeps 5xx messages generic on the wire and logs the real one", async () => {
    const res = await call(app.url, "POST", "/v1/functions/exists:invoke", {
      token: dev,
      body: {},
    });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
    expect(res.body.error.message).not.toContain("no invoke router");
    const logged = app.logs.find(
      (l) => l["requestId"] === res.body.error.requestId && l["level"] === 50,
    );
    expect(JSON.stringify(logged)).toContain("no invoke router");
  });

  it("echoes a sane x-request-id and replaces an insane one", async () => {
    const ok = await call(app.url, "GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await call(app.url, "GET", "/healthz", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
