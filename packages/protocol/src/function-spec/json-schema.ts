/**
 * The function spec as a Kubernetes structural schema (OpenAPI v3), for the Function CRD's
 * `spec`: generated from the zod schema, so the CRD cannot drift from the API. Structural means
 * a `type` on every node, no `$ref`, and no `additionalProperties` beside `properties`: the API
 * server prunes (or, with strict field validation, refuses) unknown fields itself. Rules zod
 * checks in code carry a CEL rule beside them in schema.ts (`x-kubernetes-validations`, which
 * the API server evaluates and plain JSON Schema validators ignore); the image grammar and a
 * controller's non-default limits are left to the controller's validation of the stored spec.
 */
import { z } from "zod";
import { buildFunctionSpecSchema, type FunctionSpecLimits } from "./schema.js";

/** A JSON Schema node as generated. */
export type JsonSchema = { readonly [key: string]: unknown };

function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (typeof node !== "object" || node === null) return node;
  const entries = Object.entries(node).filter(
    ([key, value]) =>
      key !== "$schema" &&
      !(key === "additionalProperties" && value === false && "properties" in node),
  );
  return Object.fromEntries(
    entries.map(([key, value]) =>
      // Examples and defaults are values, not schemas: copied as they are.
      key === "example" || key === "default" ? [key, value] : [key, toStructural(value)],
    ),
  );
}

/** The structural JSON Schema of a function's spec for a controller's limits. */
export function buildFunctionSpecJsonSchema(limits: FunctionSpecLimits): JsonSchema {
  const generated = z.toJSONSchema(buildFunctionSpecSchema(limits), {
    target: "openapi-3.0",
    io: "input",
  });
  return toStructural(generated) as JsonSchema;
}
