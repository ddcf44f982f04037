import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

const devToken = () => mintToken({ tenant: "acme", role: "developer" });

// The document is generated from the route table; the driver is the in-memory TEST DOUBLE.
describe("GET /openapi.json", () => {
  let app: TestApp;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document
  let doc: any;

  beforeAll(async () => {
    app = await startTestApp({
      driver: createMemoryDriver(),
      env: { EVENTFLOW_MAX_REPLICAS: "7" },
    });
    const res = await call(app.url, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => app.close());

  it("is OpenAPI 3.1 and documents every endpoint of the API", () => {
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "POST /v1/functions",
        "GET /v1/functions",
        "GET /v1/functions/{name}",
        "PUT /v1/functions/{name}",
        "DELETE /v1/functions/{name}",
        "POST /v1/functions/{name}:scale",
        "POST /v1/functions/{name}:invoke",
        "GET /v1/functions/{name}/logs",
        "GET /v1/functions/{name}/metrics",
        "GET /v1/functions/{name}/invocations",
        "GET /v1/functions/{name}/revisions",
        "GET /v1/functions/{name}/revisions/{revision}",
        "POST /v1/functions/{name}:rollback",
        "POST /v1/functions/{name}:traffic",
        "GET /v1/functions/{name}/events",
        "GET /v1/invocations/{id}",
        "GET /v1/dead-letters",
        "POST /v1/dead-letters:redrive",
        "POST /v1/dead-letters:purge",
        "POST /v1/secrets",
        "GET /v1/secrets",
        "GET /v1/secrets/{name}",
        "PUT /v1/secrets/{name}",
        "DELETE /v1/secrets/{name}",
        "POST /v1/tokens",
        "POST /auth/token",
        "GET /auth/config",
        "GET /healthz",
        "GET /readyz",
        "GET /v1/limits",
        "GET /v1/system/config",
        "GET /metrics",
        "GET /openapi.json",
      ].sort(),
    );
  });

  it("every documented operation is routed (no 404/405 from the router)", async () => {
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, unknown>>,
    )) {
      for (const method of Object.keys(ops)) {
        const res = await call(app.url, method.toUpperCase(), path.replace("{name}", "some-fn"));
        expect(["ROUTE_NOT_FOUND", "METHOD_NOT_ALLOWED"], `${method} ${path}`).not.toContain(
          res.body?.error?.code,
        );
      }
    }
  });

  it("uses the validating schemas: strict bodies, limits from config, field rules", () => {
    const create = doc.components.schemas.FunctionCreate;
    expect(create.additionalProperties).toBe(false);
    expect(create.required.sort()).toEqual(["image", "name"]);
    expect(create.properties.replicas).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 7,
      default: 1,
    });
    expect(create.properties.timeoutSeconds).toMatchObject({ minimum: 1, maximum: 3600 });
    expect(create.properties.resources.additionalProperties).toBe(false);
    const op = doc.paths["/v1/functions"].post;
    expect(op.requestBody.content["application/json"].schema.$ref).toBe(
      "#/components/schemas/FunctionCreate",
    );
    expect(op.responses["400"].content["application/json"].schema.$ref).toBe(
      "#/components/schemas/ErrorEnvelope",
    );
    expect(op.responses["409"].description).toContain("FUNCTION_ALREADY_EXISTS");
    for (const [status, code] of [
      ["401", "AUTH_TOKEN_EXPIRED"],
      ["408", "REQUEST_BODY_TIMEOUT"],
      ["413", "REQUEST_BODY_TOO_LARGE"],
      ["415", "REQUEST_UNSUPPORTED_MEDIA_TYPE"],
    ]) {
      expect(op.responses[status!].description).toContain(code);
    }
  });

  it("documents query parameters, public routes and bearer auth", () => {
    const logs = doc.paths["/v1/functions/{name}/logs"].get;
    const names = logs.parameters
      .map((p: { name: string; in: string }) => `${p.in}:${p.name}`)
      .sort();
    expect(names).toEqual([
      "path:name",
      "query:follow",
      "query:since",
      "query:tail",
      "query:tenant",
    ]);
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("validates against the OpenAPI 3.1 schema", async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("the published JSON Schema agrees with the validating zod schema on sample bodies", async () => {
    const ajv = new Ajv2020({ strict: false });
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, object>)) {
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    }
    const check = ajv.getSchema("#/components/schemas/FunctionCreate")!;
    const samples: Array<[unknown, boolean]> = [
      [{ name: "ok", image: "hello:1" }, true],
      [
        {
          name: "ok",
          image: "hello:1",
          replicas: 7,
          env: { A: "b" },
          scaling: { minReplicas: 0, maxReplicas: 2 },
        },
        true,
      ],
      [{ name: "ok", image: "hello:1", replicas: 8 }, false],
      [{ name: "ok", image: "hello:1", extra: true }, false],
      [{ name: "ok", image: "hello:1", env: { A: 1 } }, false],
      [{ name: "ok" }, false],
      [{ name: "ok", image: "hello:1", timeoutSeconds: 0 }, false],
    ];
    for (const [body, valid] of samples) {
      expect(check(body), JSON.stringify(body)).toBe(valid);
      const res = await call(app.url, "POST", "/v1/functions", { body, token: await devToken() });
      if (valid) expect(res.status, JSON.stringify(res.body)).toBe(201);
      else expect(res.status).toBe(400);
      if (valid) await call(app.url, "DELETE", "/v1/functions/ok", { token: await devToken() });
    }
  });

  it("has no dangling $ref", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });
});
