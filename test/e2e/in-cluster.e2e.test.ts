// The controller itself on the real node: its image built by deploy/docker/build-image.sh
// (EventFlow's own builder, Node 24 base made locally), the Helm chart of deploy/ rendered by
// the pinned helm and applied with kubectl, the pod pulled and run by the kubelet. It then
// deploys, invokes and deletes a function on the same node.
//
// Test-only changes to the rendered Deployment, because this cluster's API server listens on
// loopback only and loopback must stay the only address that receives traffic: the pod uses
// the host network, binds 127.0.0.1 on free ports, reaches the API server at 127.0.0.1 (whose
// certificate names it), and has no HTTP probes (the kubelet would probe the node address).
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { REPO_ROOT } from "../cli/index.ts";
import { freePort, startRegistry, type TestRegistry } from "../registry/index.ts";
import { eventually, Fatal } from "./support/eventually.ts";
import { buildExample, pushFunctionBase } from "./support/images.ts";
import { ensureRuntimeBase } from "./support/runtime-base.ts";
import { startNodeCluster, type NodeCluster } from "./support/node-cluster.ts";

const run = promisify(execFile);
const SYSTEM_NS = "eventflow-system";
const FUNCTIONS_NS = "eventflow-functions";

let cluster: NodeCluster;
let registry: TestRegistry;
let client: EventFlowClient;
let url: string;
let helloImage: string;

function kubectlApply(yaml: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      cluster.bin("kubectl"),
      ["--kubeconfig", cluster.kubeconfig, "apply", "--server-side", "-f", "-"],
      { stdio: ["pipe", "inherit", "inherit"] },
    );
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`kubectl: ${code}`))));
    child.stdin.end(yaml);
  });
}

interface Obj {
  kind: string;
  spec?: { template?: { spec?: Record<string, unknown> } };
}
interface Container {
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
}

/** The controller's image by deploy/docker/build-image.sh on a Node 24 base, pushed. */
async function buildControllerImage(
  registry: TestRegistry,
): Promise<{ repository: string; digest: string }> {
  const repository = `${registry.host}/eventflow/controller`;
  const { stdout } = await run(
    "bash",
    [
      join(REPO_ROOT, "deploy", "docker", "build-image.sh"),
      "--base",
      await ensureRuntimeBase(),
      "-t",
      `${repository}:e2e`,
      "--push",
      "--json",
      "-q",
    ],
    { timeout: 180_000, maxBuffer: 16 << 20 },
  );
  const last = stdout.trim().split("\n").at(-1)!;
  return { repository, digest: (JSON.parse(last) as { digest: string }).digest };
}

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startNodeCluster(), startRegistry({ mode: "plain" })]);
  await cluster.trustRegistry(registry.host);
  const base = await pushFunctionBase(registry);
  const [image, hello] = await Promise.all([
    buildControllerImage(registry),
    buildExample(registry, "hello", base),
  ]);
  helloImage = hello;
  const port = await freePort();
  const metricsPort = await freePort();
  const rendered = (
    await run(
      cluster.bin("helm"),
      [
        "template",
        "eventflow",
        join(REPO_ROOT, "deploy", "helm", "eventflow"),
        "--namespace",
        SYSTEM_NS,
        "--set",
        `image.repository=${image.repository}`,
        "--set",
        `image.digest=${image.digest}`,
        "--set",
        "auth.mode=dev",
        "--set",
        "auth.jwtSecret=e2e-in-cluster-secret-with-32-characters-at-least",
        "--set",
        `tenancy.functionsNamespace=${FUNCTIONS_NS}`,
        "--set",
        "networkPolicy.enabled=false",
        "--set",
        "autoscaling.enabled=false",
      ],
      { maxBuffer: 16 << 20 },
    )
  ).stdout;
  const docs = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
  const deployment = docs.find((d) => d.kind === "Deployment");
  const pod = deployment?.spec?.template?.spec;
  expect(pod).toBeDefined();
  pod!.hostNetwork = true;
  pod!.dnsPolicy = "ClusterFirstWithHostNet";
  const container = (pod!.containers as Container[])[0]!;
  const overrides: Record<string, string> = {
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    EVENTFLOW_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: String(cluster.apiserverPort),
  };
  container.env = [
    ...(container.env ?? []).filter((e) => !(e.name in overrides)),
    ...Object.entries(overrides).map(([name, value]) => ({ name, value })),
  ];
  container.ports = [
    { name: "http", containerPort: port },
    { name: "metrics", containerPort: metricsPort },
  ];
  delete container.readinessProbe;
  delete container.livenessProbe;
  delete container.startupProbe;
  await kubectlApply(
    stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: SYSTEM_NS } }),
  );
  await kubectlApply(docs.map((d) => stringify(d)).join("---\n"));
  url = `http://127.0.0.1:${port}`;
  await eventually(
    "the controller pod answering /readyz",
    async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: SYSTEM_NS });
      const state = pods.items[0]?.status?.containerStatuses?.[0];
      if ((state?.restartCount ?? 0) > 0 || state?.state?.waiting?.reason?.startsWith("Err"))
        throw new Fatal(`controller pod failing: ${JSON.stringify(state)}`);
      return (await fetch(`${url}/readyz`)).status === 200;
    },
    180_000,
  ).catch((error: unknown) => {
    const reason = error instanceof Fatal ? error.message : String((error as Error).cause);
    throw new Error(`${reason}; pod logs in ${cluster.dir}/logs/pods`, {
      cause: error,
    });
  });
  const { token } = (await (await fetch(`${url}/auth/token`, { method: "POST" })).json()) as {
    token: string;
  };
  client = createClient({ url, token });
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  await cluster?.stop();
  console.log(`[e2e] component logs in ${cluster?.dir}/logs`);
});

describe("the controller as a Pod from deploy/'s Helm chart", () => {
  it("runs on the real node from the image pushed to the registry", async () => {
    const pods = await cluster.core.listNamespacedPod({ namespace: SYSTEM_NS });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.spec?.nodeName).toBe(cluster.nodeName);
    expect(pod.status?.phase).toBe("Running");
    expect(pod.spec?.containers[0]?.image).toContain("@sha256:");
    expect(pod.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\//);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { driver?: string };
    expect(ready.driver).toBe("kubernetes");
  });

  it("deploys, invokes and deletes a function with its service account's permissions", async () => {
    await client.functions.create({ name: "hello", image: helloImage, replicas: 1 });
    const status = await client.functions.waitUntilReady("hello", { timeout: 180_000 });
    expect(status.status).toBe("Running");
    const pods = await cluster.core.listNamespacedPod({ namespace: FUNCTIONS_NS });
    expect(pods.items.map((p) => p.spec?.nodeName)).toEqual([cluster.nodeName]);
    await eventually("hello answering through the in-cluster controller", async () => {
      const r = await client.invoke("hello", { query: { name: "pod" } });
      return r.status === 200 && r.text() === "Hello, pod!";
    });
    await client.functions.delete("hello");
    await eventually(
      "hello's pod gone",
      async () =>
        (await cluster.core.listNamespacedPod({ namespace: FUNCTIONS_NS })).items.length === 0,
    );
  });
});
