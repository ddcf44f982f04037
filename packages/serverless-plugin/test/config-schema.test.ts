// The provider definition against the framework's own validator settings: osls compiles the
// whole config schema with ajv in strict mode and refuses a plugin whose schema breaks it.
// ajv and ajv-formats come from osls's installation, so this follows the framework's version.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { buildProviderDefinition } from "../src/config-schema.ts";

const fromOsls = createRequire(createRequire(import.meta.url).resolve("osls/package.json"));
type Validate = ((value: unknown) => boolean) & { errors?: { instancePath: string }[] | null };
const { default: Ajv } = fromOsls("ajv") as {
  default: new (options: object) => { compile(schema: object): Validate };
};
const { default: addFormats } = fromOsls("ajv-formats") as { default: (ajv: unknown) => void };

/** The framework's settings (lib/classes/config-schema-handler/resolve-ajv-validate.js). */
function compile(schema: object): Validate {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: "array",
    strict: true,
    strictRequired: false,
  });
  addFormats(ajv);
  return ajv.compile(schema);
}

const definition = buildProviderDefinition();
const objectOf = (part: { properties: object }) => ({
  type: "object",
  properties: part.properties,
  additionalProperties: false,
});

describe("buildProviderDefinition", () => {
  it("compiles under the framework's strict ajv", () => {
    for (const schema of [
      objectOf(definition.provider),
      objectOf(definition.function),
      ...Object.values(definition.functionEvents),
    ])
      expect(() => compile(schema)).not.toThrow();
  });

  it.each<[string, object, boolean]>([
    [
      "a full function",
      { handler: "a.default", memorySize: 128, timeout: 5, environment: { A: 1 } },
      true,
    ],
    [
      "scaling with containerConcurrency",
      { scaling: { minReplicas: 0, maxReplicas: 3, containerConcurrency: 4 } },
      true,
    ],
    ["memorySize that is not a number", { memorySize: "lots" }, false],
    ["an unknown scaling key", { scaling: { minReplicas: 0, maxReplicas: 3, burst: 1 } }, false],
    ["a bad metric", { scaling: { minReplicas: 0, maxReplicas: 3, metric: "gpu" } }, false],
  ])("function: %s", (_title, fn, valid) => {
    const validate = compile(objectOf(definition.function));
    expect(validate(fn)).toBe(valid);
  });

  it.each<[string, unknown, boolean]>([
    ["schedule", "rate(5 minutes)", true],
    ["schedule", { rate: ["cron(0 12 ? * 2 *)"], input: { n: 1 } }, true],
    ["nats", { subject: "orders.created" }, true],
    ["nats", { topic: "orders" }, false],
    ["http", { path: "/{proxy+}", method: "any", cors: true, auth: "public" }, true],
    ["http", { auth: "iam" }, false],
  ])("%s event %j", (kind, value, valid) => {
    const schema = definition.functionEvents[kind as keyof typeof definition.functionEvents];
    expect(compile(schema)(value)).toBe(valid);
  });
});
