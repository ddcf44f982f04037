// deploy/ applied to the test cluster: kustomize output and the rendered Helm chart pass a
// server-side dry run, are applied for real, and the controller Deployment becomes Available
// under kwok. helm lint/template with non-default values (OIDC, tenancy, ingress) are checked.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { functionLabels } from "../../packages/controller/src/drivers/kubernetes/labels.ts";
import { apisFor, eventually } from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  CHART,
  clusterKubeconfig,
  DEPLOY,
  dryRunThenApply,
  kustomize,
  parseManifests,
  tool,
  type Manifest,
} from "./support.ts";

const run = randomBytes(3).toString("hex");
const SECRET = "0123456789abcdef0123456789abcdef-test-only";
const cleanup: string[][] = [];

afterAll(async () => {
  for (const args of cleanup) await tool("kubectl", args);
});

/** The controller's NATS credentials come only from the Secret `eventflow-nats`, each key optional. */
function expectNatsCredentialsByReference(c: Container) {
  for (const [name, key] of [
    ["EVENTFLOW_NATS_USER", "user"],
    ["EVENTFLOW_NATS_PASSWORD", "password"],
    ["EVENTFLOW_NATS_TOKEN", "token"],
  ])
    expect(c.env?.find((e) => e.name === name)).toEqual({
      name,
      valueFrom: { secretKeyRef: { name: "eventflow-nats", key, optional: true } },
    });
}

/**
 * The controller Deployment once `replicas` of it are available and its rollout is done. The
 * chart leaves `replicas` to its HorizontalPodAutoscaler, so the Deployment starts at the API's
 * default of 1 until the HPA raises it to minReplicas (within its sync period): waiting for the
 * count asked for, not for whatever the Deployment says at the moment.
 */
function available(namespace: string, replicas = 2) {
  const api = apisFor(clusterKubeconfig());
  return eventually(
    async () => {
      const d = await api.apps.readNamespacedDeployment({
        name: "eventflow-controller",
        namespace,
      });
      const s = d.status;
      // Available and the rollout finished (an earlier apply may have changed the template).
      const done =
        d.spec?.replicas === replicas &&
        s?.conditions?.find((c) => c.type === "Available")?.status === "True" &&
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
        s.updatedReplicas === d.spec?.replicas &&
        s.replicas === d.spec?.replicas &&
        s.readyReplicas === d.spec?.replicas &&
        // Available counts a replica ready for minReadySeconds: it may lag readyReplicas.
        s.availableReplicas === d.spec?.replicas;
      return done && d;
    },
    60_000,
    `eventflow-controller Available in ${namespace}`,
  );
}

const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
type Container = {
  env?: { name: string; value?: string }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  image?: string;
};
const containerOf = (ms: Manifest[]) =>
  (
    byKind(ms, "Deployment")[0] as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    }
  ).spec.template.spec.containers[0]!;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

/** The JWT secret reaches the controller as a file from the Secret, never as an env var. */
function expectSecretAsFile(ms: Manifest[], secretName: string) {
  const pod = (
    byKind(ms, "Deployment")[0] as unknown as {
      spec: {
        template: {
          spec: {
            containers: (Container & { volumeMounts?: { name: string; mountPath: string }[] })[];
            volumes?: { name: string; secret?: unknown }[];
          };
        };
      };
    }
  ).spec.template.spec;
  const c = pod.containers[0]!;
  const env = envOf(c);
  expect(env.JWT_SECRET_FILE).toBe("/var/run/secrets/eventflow/jwt-secret");
  expect(Object.keys(env)).not.toContain("JWT_SECRET");
  expect(c.volumeMounts).toContainEqual({
    name: "jwt-secret",
    mountPath: "/var/run/secrets/eventflow",
    readOnly: true,
  });
  expect(pod.volumes?.find((v) => v.name === "jwt-secret")?.secret).toEqual({
    secretName,
    items: [{ key: "jwt-secret", path: "jwt-secret" }],
    defaultMode: 0o440,
  });
}

type Selector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
};
type Policy = {
  spec: {
    podSelector: Selector;
    policyTypes: string[];
    ingress: { from: { namespaceSelector?: Selector; podSelector?: Selector }[] }[];
    egress: { to: { namespaceSelector?: Selector; ipBlock?: { cidr: string } }[] }[];
  };
};
const matches = (s: Selector | undefined, labels: Record<string, string>) =>
  Object.entries(s?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * The function pods' policy: it selects the pods the driver labels, admits only the controller's
 * pods (by their template labels, in the controller's namespace), and its egress leaves out the
 * controller's namespace and the functions' own.
 */
function expectFunctionsIsolated(ms: Manifest[], controllerNs: string, functionsNs: string) {
  const np = byKind(ms, "NetworkPolicy").find((m) => m.metadata.name === "eventflow-functions");
  expect(np?.metadata.namespace).toBe(functionsNs);
  const { spec } = np as unknown as Policy;
  expect(matches(spec.podSelector, functionLabels("acme", "hello"))).toBe(true);
  expect(spec.policyTypes.sort()).toEqual(["Egress", "Ingress"]);
  const controllerPod = (
    byKind(ms, "Deployment")[0] as unknown as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    }
  ).spec.template.metadata.labels;
  expect(spec.ingress).toHaveLength(1);
  expect(spec.ingress[0]!.from).toHaveLength(1);
  const from = spec.ingress[0]!.from[0]!;
  expect(from.namespaceSelector?.matchLabels).toEqual({
    "kubernetes.io/metadata.name": controllerNs,
  });
  expect(matches(from.podSelector, controllerPod)).toBe(true);
  expect(matches(from.podSelector, functionLabels("acme", "hello"))).toBe(false);
  const to = spec.egress.flatMap((e) => e.to);
  expect(to.find((t) => t.namespaceSelector)?.namespaceSelector?.matchExpressions).toEqual([
    {
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: [controllerNs, functionsNs],
    },
  ]);
}

describe("kustomize (deploy/kustomize)", () => {
  it("base: every kind the issue lists, restricted security context, probes", async () => {
    const ms = parseManifests(await kustomize(`${DEPLOY}/kustomize/base`));
    expect(new Set(ms.map((m) => m.kind))).toEqual(
      new Set([
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "Role",
        "RoleBinding",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "CustomResourceDefinition",
      ]),
    );
    // Two replicas (one reconciles under the Lease), kept one available through drains, spread
    // over nodes when there are several.
    const deployment = byKind(ms, "Deployment")[0] as unknown as {
      spec: { replicas: number; template: { spec: { affinity?: unknown } } };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.affinity).toMatchObject({
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100 }] },
    });
    expect(byKind(ms, "PodDisruptionBudget")[0]).toMatchObject({ spec: { minAvailable: 1 } });
    expect(byKind(ms, "HorizontalPodAutoscaler")[0]).toMatchObject({ spec: { minReplicas: 2 } });
    const c = containerOf(ms);
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/readyz" } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: "/healthz" } });
    expect(envOf(c).EVENTFLOW_NAMESPACE_PER_TENANT).toBe("false");
    expectSecretAsFile(ms, "eventflow-secrets");
  });

  it("tenancy overlay: no shared functions namespace, cluster-wide bindings, tenancy on", async () => {
    const ms = parseManifests(await kustomize(`${DEPLOY}/kustomize/overlays/tenancy`));
    expect(byKind(ms, "Namespace").map((m) => m.metadata.name)).toEqual(["eventflow-system"]);
    // Only leader election's, in the controller's own namespace.
    expect(byKind(ms, "RoleBinding").map((m) => m.metadata.name)).toEqual([
      "eventflow-controller-leader-election",
    ]);
    expect(
      byKind(ms, "ClusterRoleBinding")
        .map((m) => m.metadata.name)
        .sort(),
    ).toEqual(["eventflow-controller-functions", "eventflow-controller-tenants"]);
    const env = envOf(containerOf(ms));
    expect(env.EVENTFLOW_NAMESPACE_PER_TENANT).toBe("true");
    expect(env.NAMESPACE).toBe("eventflow-functions");
  });

  it("components tracing and nats: an overlay that includes them gets the controller's env, NATS credentials only from a Secret", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ef-kustomize-"));
    try {
      const rel = (p: string) => relative(dir, `${DEPLOY}/kustomize/${p}`);
      await writeFile(
        join(dir, "kustomization.yaml"),
        [
          "apiVersion: kustomize.config.k8s.io/v1beta1",
          "kind: Kustomization",
          `resources: [${rel("base")}]`,
          `components: [${rel("components/tracing")}, ${rel("components/nats")}]`,
          "",
        ].join("\n"),
      );
      const c = containerOf(parseManifests(await kustomize(dir)));
      expect(envOf(c)).toMatchObject({
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger-collector.observability:4318",
        OTEL_SERVICE_NAME: "eventflow-controller",
        EVENTFLOW_NATS_URL: "nats://nats.nats:4222",
      });
      expectNatsCredentialsByReference(c);
      // The base is unchanged without them.
      const base = envOf(containerOf(parseManifests(await kustomize(`${DEPLOY}/kustomize/base`))));
      expect(Object.keys(base).filter((k) => /^(OTEL_|EVENTFLOW_NATS_)/.test(k))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("isolate-functions overlay: function pods admit the controller only and cannot reach its namespace", async () => {
    const yaml = await kustomize(`${DEPLOY}/kustomize/overlays/isolate-functions`);
    expectFunctionsIsolated(parseManifests(yaml), "eventflow-system", "eventflow-functions");
    const base = parseManifests(await kustomize(`${DEPLOY}/kustomize/base`));
    expect(byKind(base, "NetworkPolicy").map((m) => m.metadata.name)).toEqual([
      "eventflow-controller",
    ]);
    const { dryRun } = await dryRunThenApply(yaml);
    expect(dryRun.code, dryRun.stderr).toBe(0);
  });

  it("base: server-side dry run, real apply, the controller Deployment becomes Available", async () => {
    const { dryRun, apply } = await dryRunThenApply(await kustomize(`${DEPLOY}/kustomize/base`));
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain("(server dry run)");
    expect(apply.code, apply.stderr).toBe(0);
    const d = await available("eventflow-system");
    expect(d.status?.readyReplicas).toBe(2);
  });
});

describe("Helm chart (deploy/helm/eventflow)", () => {
  const full = `${CHART}/ci/full-values.yaml`;

  it("helm lint --strict passes with the defaults and with OIDC, tenancy and ingress on", async () => {
    const base = await tool("helm", [
      "lint",
      "--strict",
      CHART,
      "--set",
      `auth.jwtSecret=${SECRET}`,
    ]);
    expect(base.code, base.stdout + base.stderr).toBe(0);
    const fullLint = await tool("helm", ["lint", "--strict", CHART, "-f", full]);
    expect(fullLint.code, fullLint.stdout + fullLint.stderr).toBe(0);
  });

  it("helm template with non-default values renders OIDC env, tenancy RBAC and the Ingress", async () => {
    const r = await tool("helm", ["template", "ef", CHART, "-n", "ef-full", "-f", full]);
    expect(r.code, r.stderr).toBe(0);
    const ms = parseManifests(r.stdout);
    const c = containerOf(ms);
    expect(c.image).toBe(
      "registry.example.com/eventflow/controller@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    );
    expect(envOf(c)).toMatchObject({
      EVENTFLOW_OIDC_ISSUER: "https://id.example.com/realms/eventflow",
      EVENTFLOW_OIDC_AUDIENCE: "eventflow",
      EVENTFLOW_OIDC_CLIENT_ID: "eventflow-dashboard",
      EVENTFLOW_OIDC_ALGORITHMS: "RS256,ES256",
      EVENTFLOW_NAMESPACE_PER_TENANT: "true",
      EVENTFLOW_NAMESPACE_PREFIX: "ef-",
      EVENTFLOW_DEV_AUTH: "false",
      EVENTFLOW_NATS_URL: "nats://nats.nats:4222",
      EVENTFLOW_NATS_STREAM: "EVENTFLOW_TEST",
      EVENTFLOW_NATS_REPLICAS: "3",
    });
    // NATS credentials only by reference to the Secret, each key optional.
    expectNatsCredentialsByReference(c);
    expect(byKind(ms, "Ingress")).toHaveLength(1);
    expect(byKind(ms, "Secret")).toEqual([]); // existingSecret
    expectSecretAsFile(ms, "eventflow-jwt");
    expect(byKind(ms, "HorizontalPodAutoscaler")).toEqual([]);
    expect(byKind(ms, "ClusterRoleBinding")).toHaveLength(2);
    expect(byKind(ms, "Namespace")).toEqual([]);
  });

  it("refuses values that cannot work (short or predictable secret, OIDC without audience, unknown auth mode)", async () => {
    for (const set of [
      ["auth.jwtSecret=short"],
      [`auth.jwtSecret=${"x".repeat(40)}`],
      [`auth.jwtSecret=${"password".repeat(4)}`],
      [`auth.jwtSecret=${SECRET}`, "auth.oidc.issuer=https://id.example.com"],
      [`auth.jwtSecret=${SECRET}`, "auth.mode=open"],
    ]) {
      const r = await tool("helm", ["template", "ef", CHART, ...set.flatMap((s) => ["--set", s])]);
      expect(r.code, set.join(" ")).not.toBe(0);
    }
  });

  it("networkPolicy.isolateFunctions: the function pods' policy (single-tenant mode only)", async () => {
    const render = async (...set: string[]) => {
      const r = await tool("helm", [
        "template",
        "ef",
        CHART,
        "-n",
        "ef-system",
        "--set",
        `auth.jwtSecret=${SECRET}`,
        ...set.flatMap((v) => ["--set", v]),
      ]);
      expect(r.code, r.stderr).toBe(0);
      return parseManifests(r.stdout);
    };
    const names = (ms: Manifest[]) => byKind(ms, "NetworkPolicy").map((m) => m.metadata.name);
    expect(names(await render())).toEqual(["eventflow-controller"]);
    const on = await render("networkPolicy.isolateFunctions=true");
    expectFunctionsIsolated(on, "ef-system", "eventflow-functions");
    const blocks = async (cidrs: string) =>
      (
        byKind(
          await render(
            "networkPolicy.isolateFunctions=true",
            `networkPolicy.clusterCIDRs=${cidrs}`,
          ),
          "NetworkPolicy",
        ).find((m) => m.metadata.name === "eventflow-functions") as unknown as {
          spec: { egress: { to: { ipBlock?: unknown }[] }[] };
        }
      ).spec.egress
        .flatMap((e) => e.to)
        .filter((t) => t.ipBlock)
        .map((t) => t.ipBlock);
    expect(await blocks("{10.244.0.0/16,fd00:10::/56}")).toEqual([
      { cidr: "0.0.0.0/0", except: ["10.244.0.0/16"] },
      { cidr: "::/0", except: ["fd00:10::/56"] },
    ]);
    expect(await blocks("{10.244.0.0/16}")).toEqual([
      { cidr: "0.0.0.0/0", except: ["10.244.0.0/16"] },
      { cidr: "::/0" },
    ]);
    const tenancy = await render(
      "networkPolicy.isolateFunctions=true",
      "tenancy.namespacePerTenant=true",
    );
    expect(names(tenancy)).toEqual(["eventflow-controller"]);
  });

  it("has the same RBAC rules as the kustomize manifests", async () => {
    const chart = parseManifests(
      (await tool("helm", ["template", "ef", CHART, "-f", full])).stdout,
    );
    const kust = parseManifests(await kustomize(`${DEPLOY}/kustomize/overlays/tenancy`));
    const rules = (ms: Manifest[], suffix: string) =>
      (
        byKind(ms, "ClusterRole").find((m) => m.metadata.name.endsWith(suffix)) as {
          rules?: unknown;
        }
      )?.rules;
    expect(rules(chart, "-controller-functions")).toEqual(rules(kust, "-controller-functions"));
    expect(rules(chart, "-controller-tenants")).toEqual(rules(kust, "-controller-tenants"));
    expect(rules(chart, "-controller-functions")).toBeDefined();
    const roleRules = (ms: Manifest[]) =>
      (byKind(ms, "Role")[0] as { rules?: unknown } | undefined)?.rules;
    expect(roleRules(chart)).toEqual(roleRules(kust));
    expect(roleRules(chart)).toBeDefined();
    // The secrets admission policy: the same checks, for the release's own ServiceAccount.
    const policy = (ms: Manifest[]) =>
      byKind(ms, "ValidatingAdmissionPolicy")[0] as unknown as {
        spec: { matchConditions: { expression: string }[] };
      };
    const fromChart = policy(chart).spec;
    const fromKust = policy(kust).spec;
    expect(fromChart.matchConditions[0]?.expression).toContain(
      "system:serviceaccount:default:eventflow-controller",
    );
    expect({ ...fromChart, matchConditions: [] }).toEqual({ ...fromKust, matchConditions: [] });
    expect(fromKust.matchConditions[0]?.expression).toContain(
      "system:serviceaccount:eventflow-system:eventflow-controller",
    );
    expect(byKind(chart, "ValidatingAdmissionPolicyBinding")).toHaveLength(1);
  });

  it("rendered chart (tenancy on): server-side dry run, real apply, Available under kwok", async () => {
    const ns = `ef-helm-${run}`;
    const created = await tool("kubectl", ["create", "namespace", ns]);
    expect(created.code, created.stderr).toBe(0);
    cleanup.push(["delete", "namespace", ns, "--wait=false"]);
    const label = await tool("kubectl", [
      "label",
      "namespace",
      ns,
      "pod-security.kubernetes.io/enforce=restricted",
    ]);
    expect(label.code).toBe(0);
    const r = await tool("helm", [
      "template",
      `h${run}`,
      CHART,
      "-n",
      ns,
      "--set",
      `auth.jwtSecret=${SECRET}`,
      "--set",
      "tenancy.namespacePerTenant=true",
      "--set",
      "ingress.enabled=true",
      "--set",
      "auth.oidc.issuer=https://id.example.com",
      "--set",
      "auth.oidc.audience=eventflow",
    ]);
    expect(r.code, r.stderr).toBe(0);
    cleanup.push([
      "delete",
      "clusterrole,clusterrolebinding",
      "-l",
      `app.kubernetes.io/instance=h${run}`,
    ]);
    const { dryRun, apply } = await dryRunThenApply(r.stdout);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(apply.code, apply.stderr).toBe(0);
    const d = await available(ns);
    expect(d.status?.availableReplicas).toBe(2);
  });
});
