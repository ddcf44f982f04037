// Tier 3: the Function CRD shipped in deploy/ is what `npm run gen:crd` generates from the one
// function spec schema, and its schemas are structural (the API server refuses a CRD otherwise;
// test/deploy/function-crd.k8s.test.ts applies it for real).
import { readFile } from "node:fs/promises";
import {
  buildFunctionSpecJsonSchema,
  DEFAULT_FUNCTION_SPEC_LIMITS,
} from "@eventflow/protocol/function-spec";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  buildFunctionCrd,
  FUNCTION_STATUS_SCHEMA,
} from "../../src/drivers/kubernetes/build-crd.js";
import { FUNCTION_CRD_FILES, renderFunctionCrd } from "../../../../scripts/lib/function-crd.ts";

const REPO = new URL("../../../../", import.meta.url);
type Node = Record<string, unknown>;

/** Every schema node below `node`, with its path. */
function* nodes(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  for (const [key, child] of Object.entries((node["properties"] ?? {}) as Record<string, Node>))
    yield* nodes(child, `${path}.${key}`);
  for (const key of ["items", "additionalProperties"] as const)
    if (typeof node[key] === "object") yield* nodes(node[key] as Node, `${path}[${key}]`);
}

const versionOf = (crd: ReturnType<typeof buildFunctionCrd>) => crd.spec.versions[0]!;

describe("the Function CRD (functions.eventflow.dev)", () => {
  it.each(FUNCTION_CRD_FILES)("%s is the generator's output (npm run gen:crd)", async (file) => {
    const committed = await readFile(new URL(file, REPO), "utf8");
    expect(committed).toBe(await renderFunctionCrd());
  });

  it("is a resource of the kustomize base", async () => {
    const text = await readFile(new URL("deploy/kustomize/base/kustomization.yaml", REPO), "utf8");
    expect((parse(text) as { resources: string[] }).resources).toContain("crd-functions.yaml");
  });

  it("takes its spec schema from the function spec, with the given limits", () => {
    const shipped = versionOf(buildFunctionCrd()).schema.openAPIV3Schema.properties.spec;
    expect(shipped).toEqual(buildFunctionSpecJsonSchema(DEFAULT_FUNCTION_SPEC_LIMITS));
    const other = versionOf(buildFunctionCrd({ maxReplicas: 3 })).schema.openAPIV3Schema;
    expect(other.properties.spec).toEqual(buildFunctionSpecJsonSchema({ maxReplicas: 3 }));
  });

  it("is structural: a type on every node, no $ref, no additionalProperties beside properties", () => {
    const schema = versionOf(buildFunctionCrd()).schema.openAPIV3Schema as Node;
    expect(JSON.stringify(schema)).not.toContain("$ref");
    for (const [path, node] of nodes(schema, "")) {
      expect(typeof node["type"], path).toBe("string");
      if ("properties" in node) expect(node, path).not.toHaveProperty("additionalProperties");
    }
    expect(JSON.stringify(schema)).not.toContain("x-kubernetes-preserve-unknown-fields");
  });

  it("carries a CEL rule wherever the API checks the spec in code", () => {
    const spec = versionOf(buildFunctionCrd()).schema.openAPIV3Schema.properties.spec as Node;
    const ruled = [...nodes(spec, "spec")]
      .filter(([, node]) => "x-kubernetes-validations" in node)
      .map(([path]) => path);
    expect(ruled).toEqual([
      "spec.env",
      "spec.resources",
      "spec.resources.requests.cpu",
      "spec.resources.requests.memory",
      "spec.resources.limits.cpu",
      "spec.resources.limits.memory",
      "spec.scaling",
      "spec.cors",
      "spec.secrets[items]",
      "spec.secrets[items].keys[items]",
      "spec.triggers[items]",
      "spec.retry.backoff",
    ]);
    const secrets = (spec["properties"] as Record<string, Node>)["secrets"];
    expect(secrets).toMatchObject({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });
  });

  it("has the scale subresource on spec.replicas and a string selector in status", () => {
    const version = versionOf(buildFunctionCrd());
    expect(version.subresources.scale).toEqual({
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    });
    const status = FUNCTION_STATUS_SCHEMA["properties"] as Record<string, Node>;
    expect(status["selector"]).toMatchObject({ type: "string" });
    expect(status["replicas"]).toMatchObject({ type: "integer" });
  });
});
