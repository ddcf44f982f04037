// Secrets end to end on a real node: secrets created through the controller's /v1/secrets
// (kubernetes driver, out of cluster), a function built by `eventflow build --push` that reads
// one as a file under /var/eventflow/secrets and one as an environment variable, deployed to
// the test control plane whose only node is a real kubelet (containerd + runc). Rotating a
// secret rolls the function without a failed invoke; values never come back from the API, nor
// appear in the function's status, the index ConfigMap or the controller's log.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { startRegistry, type TestRegistry } from "../registry/index.ts";
import { livePods } from "./support/functions.ts";
import { eventually } from "./support/eventually.ts";
import { buildProject, pushFunctionBase } from "./support/images.ts";
import { startControllerProcess, type RunningController } from "./support/controller.ts";
import { startNodeCluster, type NodeCluster } from "./support/node-cluster.ts";

const NS = "default";
const FN = "secret-reader";
const VALUES = { one: "sk_e2e_first_9f3c", two: "sk_e2e_second_71ad", pw: "pw-e2e-5be1" };

let cluster: NodeCluster;
let registry: TestRegistry;
let controller: RunningController;
let client: EventFlowClient;
let token: string;
let image: string;

/** The controller's API with plain fetch: status and the body's text (to search for values). */
async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${controller.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : undefined };
}

function expectNoValue(text: string, what: string) {
  for (const v of Object.values(VALUES)) {
    expect(text, what).not.toContain(v);
    expect(text, what).not.toContain(Buffer.from(v).toString("base64"));
  }
}

interface Answer {
  file: string;
  env: string | null;
  dir: string;
  mode: string;
}

async function ask(): Promise<Answer> {
  const r = await client.invoke(FN, {});
  expect(r.status, r.text()).toBe(200);
  return r.json<Answer>();
}

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startNodeCluster(), startRegistry({ mode: "plain" })]);
  await cluster.trustRegistry(registry.host);
  const base = await pushFunctionBase(registry);
  const dir = await mkdtemp(`${tmpdir()}/ef-secret-reader-`);
  await mkdir(`${dir}/src`);
  await writeFile(`${dir}/package.json`, '{"name":"secret-reader"}');
  // Read on every invoke: what the file holds now, the variable, the file's permission bits.
  await writeFile(
    `${dir}/src/index.ts`,
    [
      'import { readFileSync, statSync } from "node:fs";',
      'const path = "/var/eventflow/secrets/stripe/API_KEY";',
      "export default () =>",
      "  JSON.stringify({",
      '    file: readFileSync(path, "utf8"),',
      "    env: process.env.DB_PASSWORD ?? null,",
      "    dir: process.env.EVENTFLOW_SECRETS_DIR,",
      "    mode: (statSync(path).mode & 0o777).toString(8),",
      "  });",
      "",
    ].join("\n"),
  );
  image = await buildProject(registry, dir, "secret-reader", base);
  controller = await startControllerProcess({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    logDir: `${cluster.dir}/logs`,
  });
  token = await controller.token();
  client = createClient({ url: controller.url, token });
}, 600_000);

afterAll(async () => {
  await controller?.stop();
  await registry?.stop();
  await cluster?.stop();
  console.log(`[e2e] component logs in ${cluster?.dir}/logs`);
});

describe("secrets on a real node", () => {
  it("a spec naming a missing secret is refused before any Deployment exists", async () => {
    const r = await api("POST", "/v1/functions", {
      name: FN,
      image,
      replicas: 1,
      secrets: [{ name: "stripe" }],
    });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({
      error: { code: "FUNCTION_SECRET_MISSING", details: { secret: "stripe" } },
    });
    const apps = cluster.kc.makeApiClient(AppsV1Api);
    await expect(apps.readNamespacedDeployment({ name: FN, namespace: NS })).rejects.toMatchObject({
      code: 404,
    });
  });

  it("secrets are created through the API; answers carry key names, never values", async () => {
    const stripe = await api("POST", "/v1/secrets", {
      name: "stripe",
      stringData: { API_KEY: VALUES.one },
    });
    expect(stripe.status, stripe.text).toBe(201);
    expect(stripe.json).toMatchObject({ name: "stripe", keys: ["API_KEY"], used_by: [] });
    expectNoValue(stripe.text, "POST answer");
    const db = await api("POST", "/v1/secrets", {
      name: "db",
      data: { DB_PASSWORD: Buffer.from(VALUES.pw).toString("base64") },
    });
    expect(db.status, db.text).toBe(201);
    const again = await api("POST", "/v1/secrets", { name: "stripe", stringData: { A: "b" } });
    expect(again.json).toMatchObject({ error: { code: "SECRET_ALREADY_EXISTS" } });
    // On the cluster: the value is in the Secret only, not in its index.
    const secrets = await cluster.core.listNamespacedSecret({
      namespace: NS,
      labelSelector: "eventflow.dev/secret=stripe",
    });
    expect(secrets.items).toHaveLength(1);
    expect(Buffer.from(secrets.items[0]!.data!.API_KEY!, "base64").toString()).toBe(VALUES.one);
    const index = await cluster.core.listNamespacedConfigMap({
      namespace: NS,
      labelSelector: "eventflow.dev/secret=stripe",
    });
    expect(index.items).toHaveLength(1);
    expectNoValue(JSON.stringify(index.items), "index ConfigMap");
  });

  it("the function reads one as a 0440 file and one as a variable, on the real node", async () => {
    const created = await api("POST", "/v1/functions", {
      name: FN,
      image,
      replicas: 1,
      secrets: [{ name: "stripe" }, { name: "db", mount: "env" }],
    });
    expect(created.status, created.text).toBe(201);
    await client.functions.waitUntilReady(FN, { timeout: 180_000 });
    expect(await ask()).toEqual({
      file: VALUES.one,
      env: VALUES.pw,
      dir: "/var/eventflow/secrets",
      mode: "440",
    });
    const [pod] = await livePods(cluster.core, NS, FN);
    expect(pod?.spec?.nodeName).toBe(cluster.nodeName);
    expect(pod?.spec?.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: "/var/eventflow/secrets/stripe", readOnly: true }),
    );
    const fn = await api("GET", `/v1/functions/${FN}`);
    expectNoValue(fn.text, "function status");
    const list = await api("GET", "/v1/secrets");
    expect(list.json).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "stripe", used_by: [FN] })]),
    );
    expectNoValue(list.text, "secret list");
  });

  it("rotating a secret rolls the function, with no failed invoke, to the new value", async () => {
    const before = (await livePods(cluster.core, NS, FN)).map((p) => p.metadata?.name);
    let stop = false;
    const failures: string[] = [];
    let invokes = 0;
    const load = (async () => {
      while (!stop) {
        const r = await client
          .invoke(FN, {})
          .catch((e: unknown) => ({ status: 0, text: () => String(e) }));
        invokes += 1;
        if (r.status !== 200) failures.push(`${r.status} ${r.text()}`);
      }
    })();
    const put = await api("PUT", "/v1/secrets/stripe", { stringData: { API_KEY: VALUES.two } });
    expect(put.status, put.text).toBe(200);
    expectNoValue(put.text, "PUT answer");
    await eventually(
      "the new value served",
      async () => (await ask()).file === VALUES.two,
      180_000,
    );
    // The kubelet refreshes a mounted file in running pods by itself; the reconciler rolls the
    // pods (new template digest) when it sees the secret's index change.
    await eventually(
      "the rollout finished: only new pods, Running",
      async () => {
        const live = (await livePods(cluster.core, NS, FN)).map((p) => p.metadata?.name);
        return (
          live.length > 0 &&
          !live.some((p) => before.includes(p)) &&
          (await client.functions.get(FN)).status === "Running"
        );
      },
      180_000,
    );
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(invokes).toBeGreaterThan(0);
    const after = (await livePods(cluster.core, NS, FN)).map((p) => p.metadata?.name);
    expect(after.some((p) => before.includes(p))).toBe(false);
    expect((await ask()).env).toBe(VALUES.pw);
  });

  it("a force-deleted env secret: a new replica reports FUNCTION_SECRET_MISSING until it is back", async () => {
    const forced = await api("DELETE", "/v1/secrets/db?force=true");
    expect(forced.status, forced.text).toBe(204);
    // A scale would start a replica that cannot get the value: refused before anything changes.
    const scaled = await api("POST", `/v1/functions/${FN}:scale`, { replicas: 2 });
    expect(scaled.json).toMatchObject({
      error: { code: "FUNCTION_SECRET_MISSING", details: { secret: "db" } },
    });
    // A replica replaced by Kubernetes itself (here: its pod deleted) cannot start.
    const [pod] = await livePods(cluster.core, NS, FN);
    await cluster.core.deleteNamespacedPod({ name: pod!.metadata!.name!, namespace: NS });
    // The driver names the missing secret as soon as the new pod is not up (from the index);
    // then the kubelet's CreateContainerConfigError makes the function Failed with its message.
    const failed = await eventually(
      "the missing secret reported",
      async () => {
        const s = await client.functions.get(FN);
        return s.last_error?.code === "FUNCTION_SECRET_MISSING" && s.status === "Failed"
          ? s
          : undefined;
      },
      120_000,
    );
    expect(failed.status).toBe("Failed");
    expect(failed.last_error?.message).toContain("eventflow-secret.");
    expectNoValue(JSON.stringify(failed), "status of the failed function");
    const back = await api("POST", "/v1/secrets", {
      name: "db",
      stringData: { DB_PASSWORD: VALUES.pw },
    });
    expect(back.status, back.text).toBe(201);
    await eventually("running again", async () => (await ask()).env === VALUES.pw, 180_000);
  });

  it("delete: refused while used, then the function and the secrets go; no value in the log", async () => {
    const used = await api("DELETE", "/v1/secrets/stripe");
    expect(used.json).toMatchObject({ error: { code: "SECRET_IN_USE" } });
    await client.functions.delete(FN);
    for (const name of ["stripe", "db"])
      expect((await api("DELETE", `/v1/secrets/${name}`)).status).toBe(204);
    const left = await cluster.core.listNamespacedSecret({
      namespace: NS,
      labelSelector: "eventflow.dev/secret",
    });
    expect(left.items).toEqual([]);
    expectNoValue(await readFile(`${cluster.dir}/logs/controller.log`, "utf8"), "controller log");
  });
});
