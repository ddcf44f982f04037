import { describe, expect, it } from "vitest";
import type { StoredRevision } from "../../src/drivers/driver.js";
import {
  buildControllerRevision,
  fromControllerRevision,
} from "../../src/drivers/kubernetes/revision-store.js";
import type { FunctionObject } from "../../src/drivers/kubernetes/reconcile/function-desired.js";

const fn = {
  apiVersion: "eventflow.dev/v1alpha1",
  kind: "Function",
  metadata: { name: "hello", namespace: "team-a", uid: "uid-1" },
  spec: { image: "r/hello:1", replicas: 1 },
} as FunctionObject;

const revision = (patch: Partial<StoredRevision> = {}): StoredRevision => ({
  tenant: "acme",
  function: "hello",
  number: 4,
  spec: { image: "r/hello:1", env: { A: "1" } },
  createdBy: "alice",
  createdAt: "2026-12-06T05:00:00.000Z",
  ...patch,
});

describe("buildControllerRevision", () => {
  it("names, labels and owns it after the Function, with the number and the spec", () => {
    const cr = buildControllerRevision(fn, revision({ digest: "sha256:abc" }));
    expect(cr).toMatchObject({
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        name: "hello-00004",
        namespace: "team-a",
        labels: { "eventflow.dev/tenant": "acme", "eventflow.dev/function": "hello" },
        annotations: {
          "eventflow.dev/created-by": "alice",
          "eventflow.dev/created-at": "2026-12-06T05:00:00.000Z",
          "eventflow.dev/image-digest": "sha256:abc",
        },
        ownerReferences: [{ kind: "Function", name: "hello", uid: "uid-1", controller: true }],
      },
      revision: 4,
      data: { image: "r/hello:1", env: { A: "1" } },
    });
  });

  it.each([
    ["with a digest", revision({ digest: "sha256:abc" })],
    ["without a digest", revision()],
  ])("reads back as it was written, %s", (_what, stored) => {
    expect(fromControllerRevision(buildControllerRevision(fn, stored), "acme", "hello")).toEqual(
      stored,
    );
  });
});
