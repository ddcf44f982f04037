import { createHash } from "node:crypto";
import type {
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ResourceQuota,
} from "@kubernetes/client-node";
import { LABEL, MANAGED_BY } from "./labels.js";

/** Per-tenant limits written into each tenant namespace. */
export interface TenantPolicy {
  /** ResourceQuota `hard` (e.g. `{ pods: "50", "requests.cpu": "4" }`). */
  readonly quota: Readonly<Record<string, string>>;
  /** LimitRange defaults for containers that name no resources. */
  readonly defaultRequests: Readonly<Record<string, string>>;
  readonly defaultLimits: Readonly<Record<string, string>>;
  /** The controller's namespace: the only one whose pods may reach function pods. */
  readonly controllerNamespace: string;
}

/** Defaults of {@link TenantPolicy} (the controller namespace has to be given). */
export const DEFAULT_TENANT_QUOTA = {
  pods: "50",
  "requests.cpu": "4",
  "requests.memory": "8Gi",
  "limits.memory": "16Gi",
} as const;

const MAX_NAMESPACE = 63;

/**
 * The namespace of a tenant: `prefix + tenant`, shortened with a hash suffix when the result
 * would pass the 63-character limit (pure; the same tenant always maps to the same name).
 */
export function tenantNamespace(prefix: string, tenant: string): string {
  const full = `${prefix}${tenant}`;
  if (full.length <= MAX_NAMESPACE) return full;
  const hash = createHash("sha256").update(tenant).digest("hex").slice(0, 8);
  const head = full.slice(0, MAX_NAMESPACE - hash.length - 1).replace(/-+$/, "");
  return `${head}-${hash}`;
}

function meta(namespace: string, tenant: string, name?: string) {
  return {
    ...(name ? { name, namespace } : { name: namespace }),
    labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.partOf]: "eventflow", [LABEL.tenant]: tenant },
  };
}

/** The tenant's Namespace, enforcing the Pod Security "restricted" profile (pure). */
export function buildTenantNamespace(namespace: string, tenant: string): V1Namespace {
  const m = meta(namespace, tenant);
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      ...m,
      labels: {
        ...m.labels,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  };
}

/** The objects that go into a tenant namespace besides functions (pure). */
export function buildTenantPolicies(
  namespace: string,
  tenant: string,
  policy: TenantPolicy,
): [V1ResourceQuota, V1LimitRange, V1NetworkPolicy] {
  return [
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta(namespace, tenant, "eventflow-quota"),
      spec: { hard: { ...policy.quota } },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta(namespace, tenant, "eventflow-defaults"),
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: { ...policy.defaultRequests },
            _default: { ...policy.defaultLimits },
          },
        ],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(namespace, tenant, "eventflow-ingress-from-controller"),
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            _from: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": policy.controllerNamespace },
                },
              },
            ],
          },
        ],
      },
    },
  ];
}
