import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import type { FunctionSpec, SecretMeta } from "../src/drivers/driver.js";
import { checkSecretRefs } from "../src/drivers/secret-refs.js";

const secrets: Record<string, readonly string[]> = {
  "a/stripe": ["api-key", "API_KEY"],
  "b/other": ["TOKEN"],
};
const store = {
  get(tenant: string, name: string): Promise<SecretMeta> {
    const keys = secrets[`${tenant}/${name}`];
    if (keys === undefined)
      return Promise.reject(new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`));
    const at = "2026-01-01T00:00:00Z";
    return Promise.resolve({ tenant, name, keys, version: "1", createdAt: at, updatedAt: at });
  },
};
const spec = (extra: object): FunctionSpec =>
  ({ tenant: "a", name: "fn", ...extra }) as unknown as FunctionSpec;

async function codeOf(p: Promise<void>): Promise<{ code: string; details: unknown } | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return { code: (err as EventFlowError).code, details: (err as EventFlowError).details };
  }
}

describe("checkSecretRefs", () => {
  it("accepts existing secrets and keys", async () => {
    await expect(
      codeOf(checkSecretRefs(store, spec({ secrets: [{ name: "stripe", mount: "files" }] }))),
    ).resolves.toBeUndefined();
    await expect(
      codeOf(
        checkSecretRefs(
          store,
          spec({ secrets: [{ name: "stripe", mount: "env", keys: ["API_KEY"] }] }),
        ),
      ),
    ).resolves.toBeUndefined();
  });
  it("refuses a missing secret, and another tenant's secret", async () => {
    const r = await codeOf(
      checkSecretRefs(store, spec({ secrets: [{ name: "other", mount: "files" }] })),
    );
    expect(r).toEqual({ code: "FUNCTION_SECRET_MISSING", details: { secret: "other" } });
  });
  it("refuses a missing key", async () => {
    const r = await codeOf(
      checkSecretRefs(
        store,
        spec({ secrets: [{ name: "stripe", mount: "files", keys: ["nope"] }] }),
      ),
    );
    expect(r).toEqual({
      code: "FUNCTION_SECRET_MISSING",
      details: { secret: "stripe", key: "nope" },
    });
  });
  it("refuses an env mount yielding an invalid variable name", async () => {
    const r = await codeOf(
      checkSecretRefs(store, spec({ secrets: [{ name: "stripe", mount: "env" }] })),
    );
    expect(r).toEqual({
      code: "FUNCTION_SECRET_MISSING",
      details: { secret: "stripe", key: "api-key" },
    });
  });
  it("refuses an env mount colliding with spec.env", async () => {
    const r = await codeOf(
      checkSecretRefs(
        store,
        spec({
          env: { API_KEY: "x" },
          secrets: [{ name: "stripe", mount: "env", keys: ["API_KEY"] }],
        }),
      ),
    );
    expect(r).toEqual({
      code: "FUNCTION_SECRET_MISSING",
      details: { secret: "stripe", key: "API_KEY" },
    });
  });
});
