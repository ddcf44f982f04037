/** Builds the OpenAPI 3.1 document from the route table: the schemas that validate are the ones documented. */
import { ERROR_CODES, type ErrorCode } from "@eventflow/protocol";
import { z } from "zod";
import { errorEnvelopeSchema } from "./schemas/common.js";
import type { AnyRoute } from "./routes/route.js";

type JsonObject = Record<string, unknown>;

/** Codes every authenticated route may answer. */
const AUTH_CODES: readonly ErrorCode[] = [
  "AUTH_TOKEN_MISSING",
  "AUTH_TOKEN_INVALID",
  "AUTH_TOKEN_EXPIRED",
  "AUTH_FORBIDDEN",
  "AUTH_PROVIDER_UNAVAILABLE",
];
/** Codes of reading a JSON body. */
const BODY_CODES: readonly ErrorCode[] = [
  "REQUEST_MALFORMED_JSON",
  "REQUEST_BODY_TOO_LARGE",
  "REQUEST_BODY_TIMEOUT",
  "REQUEST_UNSUPPORTED_MEDIA_TYPE",
];

/** Converts a zod schema, hoisting `$defs` into `components.schemas`. */
function toSchema(schema: z.ZodType, io: "input" | "output", components: JsonObject): JsonObject {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as JsonObject;
  const rewritten = JSON.parse(
    JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonObject;
  const defs = (rewritten["$defs"] ?? {}) as Record<string, JsonObject>;
  for (const [name, def] of Object.entries(defs)) components[name] = def;
  delete rewritten["$defs"];
  delete rewritten["$schema"];
  return rewritten;
}

function parameters(route: AnyRoute, components: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [location, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (schema === undefined) continue;
    const json = toSchema(schema, "input", components);
    const props = (json["properties"] ?? {}) as Record<string, JsonObject>;
    const required = new Set((json["required"] ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: location,
        required: location === "path" || required.has(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

function responses(route: AnyRoute, components: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const contentType = response.contentType ?? "application/json";
    out[status] = {
      description: response.description,
      ...(response.schema === undefined
        ? contentType === "*/*"
          ? { content: { "*/*": {} } }
          : {}
        : {
            content: { [contentType]: { schema: toSchema(response.schema, "output", components) } },
          }),
    };
  }
  const byStatus = new Map<number, string[]>();
  const codes: ErrorCode[] = [...route.errors, ...(route.auth === "none" ? [] : AUTH_CODES)];
  if (route.query !== undefined || route.params !== undefined || route.body !== undefined) {
    codes.push("REQUEST_VALIDATION_FAILED");
  }
  if (route.body !== undefined) codes.push(...BODY_CODES);
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (out[String(status)] !== undefined) continue;
    out[String(status)] = {
      description: `Error envelope; codes: ${list.join(", ")}.`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } },
    };
  }
  return out;
}

/** The OpenAPI 3.1 document of `routes`. */
export function buildOpenApiDocument(
  routes: readonly AnyRoute[],
  info: { version: string },
): JsonObject {
  const components: JsonObject = {};
  components["ErrorEnvelope"] = toSchema(errorEnvelopeSchema, "output", components);
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      ...(route.auth === "none" ? { security: [] } : {}),
      parameters: parameters(route, components),
      responses: responses(route, components),
    };
    if (route.body !== undefined) {
      components[route.body.name] = toSchema(route.body.schema, "input", components);
      operation["requestBody"] = {
        required: route.body.required !== false,
        content: {
          "application/json": { schema: { $ref: `#/components/schemas/${route.body.name}` } },
        },
      };
    } else if (route.rawBody === true) {
      operation["requestBody"] = { required: false, content: { "*/*": { schema: {} } } };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "EventFlow controller API",
      version: info.version,
      description:
        "Deploy, invoke and observe functions. Every platform error uses the ErrorEnvelope.",
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}
