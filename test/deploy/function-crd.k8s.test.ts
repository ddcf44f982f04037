// The Function CRD (deploy/kustomize/base/crd-functions.yaml, the chart's crds/) on the real API
// server: it is accepted (server-side dry run, then applied and Established), the hello example
// is created with kubectl, and the API server refuses what the API refuses: every case of the
// spec agreement table judged by the API's own schema at the CRD's (default) limits, plus the
// limits themselves. What only the reconciler can refuse is marked in the table (crd:
// "reconciler"). kubectl get shows the printer columns, kubectl scale goes through the scale
// subresource, and status is written through /status only.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildFunctionSpecSchema,
  DEFAULT_FUNCTION_SPEC_LIMITS,
} from "../../packages/protocol/src/function-spec/index.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC_CASES, type SpecCase } from "../../packages/controller/test/api/spec-cases.ts";
import { applyCrds, CHART, DEPLOY, parseManifests, REPO, tool, SSA } from "./support.ts";

const CRD = join(DEPLOY, "kustomize/base/crd-functions.yaml");
const HELLO = join(REPO, "examples/hello/hello.function.yaml");
const ns = `ef-fn-${randomBytes(3).toString("hex")}`;
const image = "127.0.0.1:5000/hello:1.0.0";
const limits = DEFAULT_FUNCTION_SPEC_LIMITS;

const kubectl = (...args: string[]) => tool("kubectl", ["-n", ns, ...args]);

function functionYaml(name: string, spec: Record<string, unknown>): string {
  // JSON is YAML: the object holds exactly the case's values.
  return JSON.stringify({
    apiVersion: "eventflow.dev/v1alpha1",
    kind: "Function",
    metadata: { name },
    spec,
  });
}

/** `kubectl apply --dry-run=server` (kubectl's default strict field validation). */
const dryRun = (name: string, spec: Record<string, unknown>) =>
  tool("kubectl", ["-n", ns, "apply", "--dry-run=server", "-f", "-"], functionYaml(name, spec));

interface Hello {
  metadata: { generation: number };
  spec: Record<string, unknown> & { replicas: number };
  status?: Record<string, unknown>;
}

async function getHello(): Promise<Hello> {
  const r = await kubectl("get", "function", "hello", "-o", "json");
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Hello;
}

/** A merge patch of hello through its /status subresource. */
const patchStatus = (patch: object) =>
  kubectl(
    "patch",
    "function",
    "hello",
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify(patch),
  );

/** The cases at the CRD's limits, and the limits themselves. */
const CASES: readonly SpecCase[] = [
  ...SPEC_CASES,
  { name: "replicas at the default limit", spec: { replicas: 20 } },
  { name: "replicas 21", spec: { replicas: 21 }, refused: "replicas" },
  { name: "replicas -1", spec: { replicas: -1 }, refused: "replicas" },
  {
    name: "scaling maxReplicas 21",
    spec: { scaling: { minReplicas: 1, maxReplicas: 21 } },
    refused: "scaling.maxReplicas",
  },
  {
    name: "body limit above the default",
    spec: { maxBodyBytes: 6 * 1024 * 1024 + 1 },
    refused: "maxBodyBytes",
  },
  { name: "no image", spec: { image: undefined }, refused: "image" },
  { name: "env name with a dash", spec: { env: { "MY-VAR": "x" } }, refused: "env.MY-VAR" },
  { name: "unknown top-level field", spec: { gpu: 1 }, refused: "gpu" },
  { name: "env name of 256 characters", spec: { env: { [`A${"B".repeat(255)}`]: "x" } } },
  {
    name: "env name of 257 characters",
    spec: { env: { [`A${"B".repeat(256)}`]: "x" } },
    refused: "env",
  },
  {
    name: "129 environment variables",
    spec: { env: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`V${i}`, "x"])) },
    refused: "env",
  },
];

describe("the Function CRD on the API server", () => {
  beforeAll(async () => {
    const crd = readFileSync(CRD, "utf8");
    const dry = await tool("kubectl", [...SSA, "--dry-run=server", "-f", "-"], crd);
    expect(dry.code, dry.stderr).toBe(0);
    await applyCrds(crd, ["functions.eventflow.dev"]);
    const created = await tool("kubectl", ["create", "namespace", ns]);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await tool("kubectl", ["delete", "namespace", ns, "--wait=false"]);
  });

  it("kubectl apply creates the hello example, with the spec's defaults filled in", async () => {
    const r = await kubectl("apply", "-f", HELLO);
    expect(r.code, r.stderr).toBe(0);
    const hello = await getHello();
    expect(hello.spec).toMatchObject({ image, replicas: 1, env: { GREETING: "hello" } });
    const defaulted = await tool(
      "kubectl",
      ["-n", ns, "apply", "--dry-run=server", "-o", "json", "-f", "-"],
      functionYaml("defaults", { image, secrets: [{ name: "stripe" }] }),
    );
    expect(defaulted.code, defaulted.stderr).toBe(0);
    expect(JSON.parse(defaulted.stdout).spec).toEqual({
      image,
      replicas: 1,
      secrets: [{ name: "stripe", mount: "files" }],
    });
  });

  it.each(CASES.map((c, i) => ({ ...c, fnName: `case-${i}` })))(
    "$name",
    async ({ fnName, spec: fields, refused, crd }) => {
      const spec = { image, ...fields };
      const api = buildFunctionSpecSchema(limits).safeParse(spec);
      const expected = api.success || crd === "reconciler";
      const r = await dryRun(fnName, spec);
      expect(r.code === 0, r.stderr || r.stdout).toBe(expected);
      // The refusal names the field the API names (the API server stops at a map or a list).
      if (!expected && refused !== undefined)
        expect(r.stderr).toContain(`spec.${refused.split(".")[0]}`);
    },
  );

  it("refuses a name the API would refuse although it is a valid object name", async () => {
    for (const name of ["a.b", `f${"x".repeat(40)}`]) {
      const r = await dryRun(name, { image });
      expect(r.code, name).not.toBe(0);
      expect(r.stderr).toContain("metadata.name must be a DNS-1123 label");
    }
    const ok = await dryRun(`f${"x".repeat(39)}`, { image });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("the Helm chart ships the same CRD in crds/ (installed before the templates)", async () => {
    const shown = await tool("helm", ["show", "crds", CHART]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(parseManifests(shown.stdout)).toEqual(parseManifests(readFileSync(CRD, "utf8")));
  });

  it("kubectl get fn shows IMAGE, READY, STATUS and AGE", async () => {
    const r = await kubectl("get", "fn");
    expect(r.code, r.stderr).toBe(0);
    const [header, row] = r.stdout.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "IMAGE", "READY", "STATUS", "AGE"]);
    expect(row?.split(/\s+/).slice(0, 2)).toEqual(["hello", image]);
  });

  it("kubectl scale changes spec.replicas through the scale subresource, within the limit", async () => {
    const r = await kubectl("scale", "function", "hello", "--replicas", "3");
    expect(r.code, r.stderr).toBe(0);
    expect((await getHello()).spec.replicas).toBe(3);
    const over = await kubectl("scale", "function", "hello", "--replicas", "21");
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain("spec.replicas");
    expect((await getHello()).spec.replicas).toBe(3);
  });

  it("status is written through /status only, and /status cannot change the spec", async () => {
    const before = await getHello();
    const status = { phase: "Ready", replicas: 3, readyReplicas: 3, selector: "app=hello" };
    const main = await kubectl(
      "patch",
      "function",
      "hello",
      "--type=merge",
      "-p",
      JSON.stringify({ status }),
    );
    expect(main.code, main.stderr).toBe(0);
    expect((await getHello()).status).toBeUndefined();

    const sub = await patchStatus({ status, spec: { replicas: 7 } });
    expect(sub.code, sub.stderr).toBe(0);
    const after = await getHello();
    expect(after.status).toMatchObject(status);
    expect(after.spec.replicas).toBe(3);
    // A status write is not a new generation (observedGeneration compares with it).
    expect(after.metadata.generation).toBe(before.metadata.generation);

    const table = await kubectl("get", "fn", "hello", "--no-headers");
    expect(table.stdout.trim().split(/\s+/).slice(0, 4)).toEqual(["hello", image, "3", "Ready"]);
    const scale = await kubectl(
      "get",
      "--raw",
      `/apis/eventflow.dev/v1alpha1/namespaces/${ns}/functions/hello/scale`,
    );
    expect(JSON.parse(scale.stdout)).toMatchObject({
      spec: { replicas: 3 },
      status: { replicas: 3, selector: "app=hello" },
    });

    const bad = await patchStatus({ status: { readyReplicas: -1 } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("status.readyReplicas");
  });
});
