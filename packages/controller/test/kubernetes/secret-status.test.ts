// withSecretProblem decides from a status and the secrets index; the index here is a Map behind
// the store's `get` (the real store is exercised on the control plane in secrets.k8s.test.ts).
import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import type { FunctionStatus, SecretMeta, SecretStore } from "../../src/drivers/driver.js";
import { withSecretProblem } from "../../src/drivers/kubernetes/secret-status.js";

const NOW = "2026-12-05T00:00:00.000Z";
const meta: SecretMeta = {
  tenant: "acme",
  name: "stripe",
  keys: ["API_KEY"],
  version: "v1",
  createdAt: NOW,
  updatedAt: NOW,
};

function status(patch: Partial<FunctionStatus> = {}): FunctionStatus {
  return {
    name: "fn",
    tenant: "acme",
    image: "img:1",
    replicas: 1,
    available_replicas: 0,
    ready_replicas: 0,
    updated_replicas: 0,
    status: "Deploying",
    created_at: NOW,
    updated_at: NOW,
    spec: {
      tenant: "acme",
      name: "fn",
      image: "img:1",
      replicas: 1,
      secrets: [{ name: "stripe", mount: "files" }],
    },
    ...patch,
  };
}

function storeOf(...metas: SecretMeta[]): Pick<SecretStore, "get"> & { calls: number } {
  const store = {
    calls: 0,
    async get(tenant: string, name: string) {
      store.calls += 1;
      const m = metas.find((x) => x.tenant === tenant && x.name === name);
      if (!m) throw new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);
      return m;
    },
  };
  return store;
}

describe("withSecretProblem", () => {
  it("a function not up whose secret is gone reports FUNCTION_SECRET_MISSING", async () => {
    const s = await withSecretProblem(status(), storeOf(), NOW);
    expect(s.last_error).toMatchObject({ code: "FUNCTION_SECRET_MISSING", at: NOW });
    expect(s.status).toBe("Deploying");
  });

  it("so does a missing key, and it replaces a mere restart", async () => {
    const s = await withSecretProblem(
      status({
        last_error: { code: "FUNCTION_REPLICA_RESTARTED", message: "restarted", at: NOW },
        spec: { ...status().spec, secrets: [{ name: "stripe", mount: "files", keys: ["NOPE"] }] },
      }),
      storeOf(meta),
      NOW,
    );
    expect(s.last_error?.code).toBe("FUNCTION_SECRET_MISSING");
  });

  it.each<[string, Partial<FunctionStatus>]>([
    ["running", { status: "Running", ready_replicas: 1 }],
    ["scaled to zero", { status: "ScaledToZero", replicas: 0 }],
    [
      "a known cause already shown",
      {
        status: "Failed",
        last_error: { code: "FUNCTION_IMAGE_NOT_FOUND", message: "ErrImagePull", at: NOW },
      },
    ],
  ])("unchanged when %s", async (_title, patch) => {
    const before = status(patch);
    expect(await withSecretProblem(before, storeOf(), NOW)).toBe(before);
  });

  it("unchanged when every secret is there", async () => {
    const before = status();
    expect(await withSecretProblem(before, storeOf(meta), NOW)).toBe(before);
  });

  it("no index read for a function without secrets", async () => {
    const store = storeOf();
    const before = status({ spec: { ...status().spec, secrets: undefined } });
    expect(await withSecretProblem(before, store, NOW)).toBe(before);
    expect(store.calls).toBe(0);
  });

  it("an index that cannot be read does not fail the status read", async () => {
    const before = status();
    const broken = {
      get: () => Promise.reject(new EventFlowError("KUBERNETES_UNREACHABLE", "gone")),
    };
    expect(await withSecretProblem(before, broken, NOW)).toBe(before);
  });
});
