import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import { buildDeployment } from "../../src/drivers/kubernetes/index.js";
import { TEST_SECRET } from "../support/harness.js";

const spec: FunctionSpec = {
  tenant: "acme",
  name: "hello",
  image: "registry.invalid/private/hello:1",
  replicas: 1,
};
const ref = { namespace: "ns1", name: "hello" };
const podSpec = (secrets: readonly string[] | undefined) =>
  buildDeployment(spec, { ref, ...(secrets === undefined ? {} : { imagePullSecrets: secrets }) })
    .spec!.template.spec!;

describe("image pull secrets of function pods", () => {
  it.each<[string, readonly string[] | undefined, unknown]>([
    ["none configured", undefined, undefined],
    ["an empty list (field left out)", [], undefined],
    ["one Secret", ["regcred"], [{ name: "regcred" }]],
    ["several, in order", ["b-cred", "a.cred"], [{ name: "b-cred" }, { name: "a.cred" }]],
    [
      "a repeated name once (list map keyed by name)",
      ["x", "y", "x"],
      [{ name: "x" }, { name: "y" }],
    ],
  ])("%s", (_what, secrets, expected) => {
    const pod = podSpec(secrets);
    expect(pod.imagePullSecrets).toEqual(expected);
    expect("imagePullSecrets" in pod).toBe(expected !== undefined);
  });

  it("EVENTFLOW_IMAGE_PULL_SECRETS reaches the pod spec through the config", () => {
    const config = parseConfig({
      JWT_SECRET: TEST_SECRET,
      HOME: "/nonexistent",
      EVENTFLOW_IMAGE_PULL_SECRETS: "regcred, mirror-cred",
    });
    expect(podSpec(config.kubernetes.imagePullSecrets).imagePullSecrets).toEqual([
      { name: "regcred" },
      { name: "mirror-cred" },
    ]);
  });
});
