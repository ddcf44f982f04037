/**
 * Tier 4: a function's revisions on a real control plane, through the API: ControllerRevisions
 * named as the revision, labelled, owned by the Function, pruned at revisionHistoryLimit,
 * a rollback that sends the requests to an old revision's own workload, and the garbage
 * collector taking them with the Function.
 */
import { randomBytes } from "node:crypto";
import type { V1ControllerRevision } from "@kubernetes/client-node";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../src/drivers/kubernetes/index.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { startTestCluster, type TestCluster } from "./support/cluster.js";
import { apisFor, createRestrictedNamespace, eventually, type Apis } from "./support/k8s.js";

const IMAGE = "registry.invalid/eventflow/hello:1";
const IMAGE_2 = "registry.invalid/eventflow/hello:2";
const run = randomBytes(3).toString("hex");
const NS = `ef-rev-${run}`;

let cluster: TestCluster;
let api: Apis;
let driver: KubernetesDriver;
let app: TestApp;
let token: string;

const revisionsIn = async (fn: string): Promise<V1ControllerRevision[]> =>
  (
    await api.apps.listNamespacedControllerRevision({
      namespace: NS,
      labelSelector: `eventflow.dev/tenant=acme,eventflow.dev/function=${fn}`,
    })
  ).items.sort((a, b) => a.revision - b.revision);
const readFunction = (name: string) =>
  api.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: "eventflow.dev",
    version: "v1alpha1",
    plural: "functions",
    namespace: NS,
    name,
  }) as Promise<{ metadata: { uid: string }; spec: Record<string, unknown> }>;

beforeAll(async () => {
  cluster = await startTestCluster();
  api = apisFor(cluster.kubeconfig);
  await createRestrictedNamespace(api, NS);
  driver = createKubernetesDriver({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    leaderElection: { namespace: NS },
  });
  await driver.start();
  app = await startTestApp({ driver });
  token = await mintToken({ tenant: "acme", role: "developer", sub: "alice" });
}, 900_000);

afterAll(async () => {
  await app?.close();
  await driver?.close();
  if (api) await api.core.deleteNamespace({ name: NS }).catch(() => {});
  await cluster?.stop();
}, 120_000);

describe("revisions as ControllerRevisions", { timeout: 120_000 }, () => {
  const put = (body: object) => call(app.url, "PUT", "/v1/functions/hello", { token, body });

  it("records, owns, prunes and rolls back", async () => {
    const created = await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "hello", image: IMAGE, replicas: 0, revisionHistoryLimit: 2 },
    });
    expect(created.status).toBe(201);
    const fn = await readFunction("hello");
    const [first, ...none] = await revisionsIn("hello");
    expect(none).toEqual([]);
    expect(first).toMatchObject({
      metadata: {
        name: "hello-00001",
        labels: { "eventflow.dev/tenant": "acme", "eventflow.dev/function": "hello" },
        annotations: { "eventflow.dev/created-by": "alice" },
        ownerReferences: [
          { kind: "Function", name: "hello", uid: fn.metadata.uid, controller: true },
        ],
      },
      revision: 1,
      data: { image: IMAGE },
    });
    expect(first!.data).not.toHaveProperty("replicas");

    // A change of replicas only records nothing; two changes make revisions 2 and 3, and the
    // limit of 2 prunes revision 1.
    expect((await put({ image: IMAGE, replicas: 1, revisionHistoryLimit: 2 })).status).toBe(200);
    expect((await revisionsIn("hello")).map((r) => r.revision)).toEqual([1]);
    expect((await put({ image: IMAGE_2, replicas: 0, revisionHistoryLimit: 2 })).status).toBe(200);
    const env = { GREETING: "hi" };
    expect((await put({ image: IMAGE, replicas: 0, env, revisionHistoryLimit: 2 })).status).toBe(
      200,
    );
    expect((await revisionsIn("hello")).map((r) => r.metadata?.name)).toEqual([
      "hello-00002",
      "hello-00003",
    ]);
    const listed = await call(app.url, "GET", "/v1/functions/hello/revisions", { token });
    expect(
      listed.body.map((r: { number: number; current: boolean }) => [r.number, r.current]),
    ).toEqual([
      [3, true],
      [2, false],
    ]);

    // Rollback to the one before: every request goes to revision 2, which runs in a workload of
    // its own (a Function and Deployment named hello-00002, with IMAGE_2) ready before the switch;
    // no revision is made and hello's own spec stays as it was.
    const back = await call(app.url, "POST", "/v1/functions/hello:rollback", { token });
    expect(back.status).toBe(200);
    expect(back.body.traffic).toMatchObject([{ revision: 2, name: "hello-00002", percent: 100 }]);
    const rolled = await readFunction("hello");
    expect(rolled.spec).toMatchObject({
      image: IMAGE,
      env,
      traffic: [{ revision: 2, percent: 100 }],
    });
    expect((await revisionsIn("hello")).map((r) => r.revision)).toEqual([2, 3]);
    // Owned by hello's Function (not as its controller): it goes with hello however hello goes.
    const owned = (await readFunction("hello-00002")) as {
      metadata: { ownerReferences?: Array<{ kind: string; name: string; uid: string }> };
    };
    expect(owned.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Function", name: "hello", uid: rolled.metadata.uid }),
    ]);
    const workload = await api.apps.readNamespacedDeployment({
      name: "hello-00002",
      namespace: NS,
    });
    expect(workload.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_2);
    expect(workload.spec?.template.spec?.containers[0]?.env ?? []).not.toContainEqual(
      expect.objectContaining({ name: "GREETING" }),
    );
    // The API shows hello only; the workload's name is not a function's.
    const list = await call(app.url, "GET", "/v1/functions", { token });
    expect(list.body.map((f: { name: string }) => f.name)).toEqual(["hello"]);
  });

  it("goes with its Function (the garbage collector deletes what the Function owns)", async () => {
    // Deleted around the API (as kubectl does), with no controller loop to tidy up: the garbage
    // collector takes the revisions and the revision's workload.
    await api.kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: "eventflow.dev",
      version: "v1alpha1",
      plural: "functions",
      namespace: NS,
      name: "hello",
    });
    await eventually(
      () =>
        readFunction("hello-00002").then(
          () => undefined,
          () => true,
        ),
      90_000,
      "Function hello-00002 collected",
    );
    await eventually(
      async () => ((await revisionsIn("hello")).length === 0 ? true : undefined),
      90_000,
      "ControllerRevisions of hello collected",
    );
  });
});
