import { describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import {
  buildDeployment,
  buildHpa,
  buildService,
  buildTenantNamespace,
  buildTenantPolicies,
  tenantNamespace,
} from "../../src/drivers/kubernetes/index.js";

const base: FunctionSpec = {
  tenant: "acme",
  name: "hello",
  image: "registry.invalid/eventflow/hello:1",
  replicas: 2,
};
const ref = { namespace: "ns1", name: "hello" };

describe("buildDeployment", () => {
  it.each<
    [string, Partial<FunctionSpec>, (d: ReturnType<typeof buildDeployment>) => unknown, unknown]
  >([
    ["replicas from the spec", {}, (d) => d.spec?.replicas, 2],
    [
      "no replicas when an HPA owns them",
      { scaling: { metric: "cpu", minReplicas: 1, maxReplicas: 3 } },
      (d) => "replicas" in (d.spec ?? {}),
      false,
    ],
    [
      "request-driven: the spec's replicas, which the autoscaler sets",
      { replicas: 4, scaling: { minReplicas: 0, maxReplicas: 6 } },
      (d) => d.spec?.replicas,
      4,
    ],
    [
      "default grace = 30 s timeout + 10 s",
      {},
      (d) => d.spec?.template.spec?.terminationGracePeriodSeconds,
      40,
    ],
    [
      "grace covers timeoutSeconds",
      { timeoutSeconds: 120 },
      (d) => d.spec?.template.spec?.terminationGracePeriodSeconds,
      130,
    ],
    [
      "default resources",
      {},
      (d) => d.spec?.template.spec?.containers[0]?.resources,
      {
        requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "0" },
        limits: { memory: "256Mi", "ephemeral-storage": "256Mi" },
      },
    ],
    [
      "spec resources override defaults",
      { resources: { requests: { cpu: "1" }, limits: { cpu: "2", memory: "1Gi" } } },
      (d) => d.spec?.template.spec?.containers[0]?.resources,
      {
        requests: { cpu: "1", memory: "128Mi", "ephemeral-storage": "0" },
        limits: { cpu: "2", memory: "1Gi", "ephemeral-storage": "256Mi" },
      },
    ],
    [
      "env sorted, contract variables last and not overridable",
      { env: { ZED: "z", ALPHA: "a", PORT: "1" }, timeoutSeconds: 5 },
      (d) => d.spec?.template.spec?.containers[0]?.env,
      [
        { name: "ALPHA", value: "a" },
        { name: "ZED", value: "z" },
        { name: "PORT", value: "8080" },
        { name: "EVENTFLOW_FUNCTION_NAME", value: "hello" },
        { name: "EVENTFLOW_SECRETS_DIR", value: "/var/eventflow/secrets" },
        { name: "EVENTFLOW_TIMEOUT_MS", value: "5000" },
      ],
    ],
    [
      "command and args",
      { command: ["node"], args: ["main.js"] },
      (d) => [
        d.spec?.template.spec?.containers[0]?.command,
        d.spec?.template.spec?.containers[0]?.args,
      ],
      [["node"], ["main.js"]],
    ],
    [
      "rolling update never below the desired count",
      {},
      (d) => d.spec?.strategy,
      { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    ],
  ])("%s", (_title, patch, pick, expected) => {
    expect(pick(buildDeployment({ ...base, ...patch }, { ref }))).toEqual(expected);
  });

  it("meets the restricted Pod Security profile", () => {
    const pod = buildDeployment(base, { ref }).spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("gives a pod without secrets no volume (the kubelet waits for mounts), its disk bounded", () => {
    const pod = buildDeployment(base, { ref }).spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.volumes).toBeUndefined();
    expect(c.volumeMounts).toBeUndefined();
    // the writable layer and logs: the kubelet evicts the pod past this
    expect(c.resources?.limits?.["ephemeral-storage"]).toBe("256Mi");
  });

  it("keeps the log's tail as the termination message when the function fails", () => {
    const c = buildDeployment(base, { ref }).spec!.template.spec!.containers[0]!;
    expect(c.terminationMessagePolicy).toBe("FallbackToLogsOnError");
  });

  it("probes the runtime's reserved paths on the http port", () => {
    const c = buildDeployment(base, { ref }).spec!.template.spec!.containers[0]!;
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/_eventflow/readyz", port: "http" });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/_eventflow/healthz", port: "http" });
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
  });

  it("labels, selector, spec annotation, pull secrets and the replicas override", () => {
    const d = buildDeployment(base, {
      ref,
      imagePullSecrets: ["regcred"],
      podAnnotations: { a: "b" },
      replicas: 1,
    });
    expect(d.metadata?.labels).toMatchObject({
      "app.kubernetes.io/name": "hello",
      "app.kubernetes.io/managed-by": "eventflow",
      "eventflow.dev/tenant": "acme",
      "eventflow.dev/function": "hello",
    });
    expect(d.spec?.selector.matchLabels).toEqual({
      "eventflow.dev/tenant": "acme",
      "eventflow.dev/function": "hello",
    });
    expect(JSON.parse(d.metadata!.annotations!["eventflow.dev/spec"]!)).toEqual(base);
    expect(d.spec?.template.spec?.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(d.spec?.template.metadata?.annotations).toEqual({ a: "b" });
    expect(d.spec?.replicas).toBe(1);
  });

  it("is deterministic (same spec, same body)", () => {
    expect(JSON.stringify(buildDeployment(base, { ref }))).toBe(
      JSON.stringify(buildDeployment({ ...base }, { ref })),
    );
  });
});

describe("buildService and buildHpa", () => {
  it("Service: ClusterIP on port 80 to the http port, owned by the Deployment", () => {
    const s = buildService(base, ref, "uid-1");
    expect(s.spec).toEqual({
      type: "ClusterIP",
      selector: { "eventflow.dev/tenant": "acme", "eventflow.dev/function": "hello" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    });
    expect(s.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "hello",
        uid: "uid-1",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it.each<[string, FunctionSpec["scaling"], unknown]>([
    ["no scaling, no HPA", undefined, undefined],
    [
      "CPU target",
      { minReplicas: 1, maxReplicas: 5, targetCPUUtilization: 60 },
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
        },
      ],
    ],
    [
      "CPU and memory targets",
      { minReplicas: 2, maxReplicas: 4, targetCPUUtilization: 50, targetMemoryUtilization: 70 },
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    ],
    ["bounds only: request-driven, no HPA", { minReplicas: 1, maxReplicas: 2 }, undefined],
    ["metric rps: no HPA", { metric: "rps", minReplicas: 1, maxReplicas: 2 }, undefined],
    [
      "metric memory with a target",
      { metric: "memory", target: 65, minReplicas: 1, maxReplicas: 2 },
      [
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "Utilization", averageUtilization: 65 } },
        },
      ],
    ],
    [
      "metric cpu without a target: CPU 80 %",
      { metric: "cpu", minReplicas: 1, maxReplicas: 2 },
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
    ],
  ])("HPA: %s", (_t, scaling, metrics) => {
    const hpa = buildHpa({ ...base, ...(scaling ? { scaling } : {}) }, ref, "uid-1");
    expect(hpa?.spec?.metrics).toEqual(metrics);
    if (metrics) {
      expect(hpa?.apiVersion).toBe("autoscaling/v2");
      expect(hpa?.spec?.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "hello",
      });
      expect(hpa?.spec?.minReplicas).toBe(Math.max(1, scaling!.minReplicas));
      expect(hpa?.metadata?.ownerReferences?.[0]?.uid).toBe("uid-1");
    }
  });

  it("HPA minimum is at least 1 (autoscaling/v2 rejects 0 without a feature gate)", () => {
    expect(
      buildHpa(
        { ...base, scaling: { minReplicas: 0, maxReplicas: 0, targetCPUUtilization: 50 } },
        ref,
        "u",
      )?.spec,
    ).toMatchObject({
      minReplicas: 1,
      maxReplicas: 1,
    });
  });
});

describe("tenant objects", () => {
  it.each([
    ["eventflow-", "acme", "eventflow-acme"],
    ["", "acme", "acme"],
    ["eventflow-", "a".repeat(63), `eventflow-${"a".repeat(44)}-`],
  ])("namespace of prefix %j and tenant %s", (prefix, tenant, expected) => {
    const ns = tenantNamespace(prefix, tenant);
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(ns.startsWith(expected)).toBe(true);
    expect(tenantNamespace(prefix, tenant)).toBe(ns);
  });

  it("namespace enforces the restricted profile", () => {
    expect(buildTenantNamespace("eventflow-acme", "acme").metadata?.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "eventflow.dev/tenant": "acme",
    });
  });

  it("quota, limit range and a network policy admitting only the controller namespace", () => {
    const [quota, limits, netpol] = buildTenantPolicies("eventflow-acme", "acme", {
      quota: { pods: "3" },
      defaultRequests: { cpu: "50m" },
      defaultLimits: { memory: "64Mi" },
      controllerNamespace: "eventflow-system",
    });
    expect(quota.spec?.hard).toEqual({ pods: "3" });
    expect(limits.spec?.limits[0]).toMatchObject({
      type: "Container",
      defaultRequest: { cpu: "50m" },
    });
    expect(netpol.spec?.policyTypes).toEqual(["Ingress"]);
    expect(netpol.spec?.ingress?.[0]?._from?.[0]?.namespaceSelector?.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "eventflow-system",
    });
  });
});
