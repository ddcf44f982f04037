// Shared helpers of the deploy tier: the testenv's kubectl and helm, rendering, applying, and a
// kubeconfig that authenticates as the controller's ServiceAccount with a real token.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { testenvBinary } from "../testenv-binaries.ts";

const exec = promisify(execFile);

/** The repository root. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const DEPLOY = join(REPO, "deploy");
export const CHART = join(DEPLOY, "helm", "eventflow");

/** What hack/testenv/build.sh put in its cache: kubectl, helm, the Gateway API's CRDs (YAML). */
export { testenvBinary };

/** What a command printed and how it ended (never throws on a non-zero exit). */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl/helm against the test cluster (KUBECONFIG from the globalSetup). */
export async function tool(
  name: "kubectl" | "helm",
  args: readonly string[],
  input?: string,
): Promise<Run> {
  const child = exec(testenvBinary(name), [...args], {
    env: {
      ...process.env,
      HELM_CACHE_HOME: "/tmp/eventflow-helm/cache",
      HELM_CONFIG_HOME: "/tmp/eventflow-helm/config",
      HELM_DATA_HOME: "/tmp/eventflow-helm/data",
    },
    maxBuffer: 32 * 1024 * 1024,
    timeout: 120_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

/** A Kubernetes object as rendered by kustomize or helm. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Parses a multi-document YAML stream (empty documents dropped). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === "object");
}

/** `kubectl kustomize DIR`. */
export async function kustomize(dir: string): Promise<string> {
  const r = await tool("kubectl", ["kustomize", dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr}`);
  return r.stdout;
}

/**
 * `kubectl apply --server-side`, taking over fields another manager set: the tier shares its
 * cluster with the k8s tier, whose tests apply the same CRDs under their own field manager.
 */
export const SSA = ["apply", "--server-side", "--force-conflicts"] as const;

/**
 * Server-side dry run of the whole stream, then the real server-side apply. Namespaces are
 * applied first: the API server cannot dry-run objects into a namespace that does not exist.
 */
export async function dryRunThenApply(yaml: string): Promise<{ dryRun: Run; apply: Run }> {
  const namespaces = parseManifests(yaml).filter((m) => m.kind === "Namespace");
  if (namespaces.length > 0) {
    const nsYaml = namespaces.map((n) => JSON.stringify(n)).join("\n---\n");
    const ns = await tool("kubectl", [...SSA, "-f", "-"], nsYaml);
    if (ns.code !== 0) throw new Error(`applying namespaces: ${ns.stderr}`);
  }
  const dryRun = await tool("kubectl", [...SSA, "--dry-run=server", "-f", "-"], yaml);
  const apply =
    dryRun.code === 0
      ? await tool("kubectl", [...SSA, "-f", "-"], yaml)
      : { code: -1, stdout: "", stderr: "not applied: dry run failed" };
  return { dryRun, apply };
}

/** Server-side applies CRDs (`yaml`) and waits until each of `names` is Established. */
export async function applyCrds(yaml: string, names: readonly string[]): Promise<void> {
  const applied = await tool("kubectl", [...SSA, "-f", "-"], yaml);
  if (applied.code !== 0) throw new Error(`applying CRDs: ${applied.stderr}`);
  const established = await tool("kubectl", [
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...names.map((name) => `crd/${name}`),
  ]);
  if (established.code !== 0) throw new Error(`CRDs not Established: ${established.stderr}`);
}

export function clusterKubeconfig(): string {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error("KUBECONFIG is not set (the globalSetup sets it)");
  return path;
}

/**
 * A kubeconfig that is the ServiceAccount: a token from the TokenRequest API (what the kubelet
 * mounts into the controller's pod), same server and CA, no client certificate.
 */
export async function serviceAccountKubeConfig(
  namespace: string,
  name: string,
): Promise<KubeConfig> {
  const admin = new KubeConfig();
  admin.loadFromFile(clusterKubeconfig());
  const core = admin.makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error("TokenRequest returned no token");
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: `${namespace}:${name}`, token }],
    contexts: [{ name: "sa", cluster: cluster.name, user: `${namespace}:${name}` }],
    currentContext: "sa",
  });
  return kc;
}
