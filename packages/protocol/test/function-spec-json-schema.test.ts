// Tier 1: the Function CRD's schema is structural (Kubernetes refuses a CRD whose schema is not).
import { describe, expect, it } from "vitest";
import { buildFunctionSpecJsonSchema } from "../src/function-spec/index.js";

type Node = Record<string, unknown>;

/** Every schema node below `node`, with its path. */
function* nodes(node: Node, path = "spec"): Generator<[string, Node]> {
  yield [path, node];
  for (const [key, child] of Object.entries((node["properties"] ?? {}) as Record<string, Node>))
    yield* nodes(child, `${path}.${key}`);
  for (const key of ["items", "additionalProperties"] as const)
    if (typeof node[key] === "object") yield* nodes(node[key] as Node, `${path}[${key}]`);
}

describe("buildFunctionSpecJsonSchema", () => {
  const schema = buildFunctionSpecJsonSchema({ maxReplicas: 7 });

  it("is structural: a type on every node, no $ref, no additionalProperties beside properties", () => {
    expect(JSON.stringify(schema)).not.toContain("$ref");
    expect(schema).not.toHaveProperty("$schema");
    for (const [path, node] of nodes(schema)) {
      expect(typeof node["type"], path).toBe("string");
      if ("properties" in node) expect(node, path).not.toHaveProperty("additionalProperties");
    }
  });

  it("takes the controller's limits and keeps the spec's bounds and defaults", () => {
    const properties = schema["properties"] as Record<string, Node>;
    expect(properties["replicas"]).toMatchObject({ type: "integer", maximum: 7, default: 1 });
    const scaling = (properties["scaling"] as { properties: Record<string, Node> }).properties;
    expect(scaling["maxReplicas"]).toMatchObject({ minimum: 1, maximum: 7 });
    expect(schema["required"]).toEqual(["image"]);
  });
});
