/**
 * Pure parts of the Function reconciler: the Function object read into a FunctionSpec (the
 * API's schema, the tenant from the namespace or a label), "does the live object already hold
 * what we would apply", and the `status` a Function gets from its Deployment and pods.
 */
import type {
  KubernetesObject,
  V1Deployment,
  V1OwnerReference,
  V1Pod,
} from "@kubernetes/client-node";
import {
  EventFlowError,
  checkFunctionName,
  describeIssue,
  toFieldIssues,
} from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  buildFunctionSpecSchema,
  cpuMillis,
  memoryBytes,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import type { FunctionSpec } from "../../driver.js";
import { FUNCTION_RESOURCE } from "../build-crd.js";
import { tenantNamespace } from "../build-tenant.js";
import { LABEL, MANAGED_BY, selectorLabels, type ObjectRef } from "../labels.js";
import { buildKubernetesStatus } from "../status.js";

/** A Function custom object as the API server returns it. */
export interface FunctionObject extends KubernetesObject {
  spec?: unknown;
  status?: FunctionObjectStatus;
}

/** A metav1.Condition. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What the reconciler writes under `status` (the CRD's FUNCTION_STATUS_SCHEMA). */
export interface FunctionObjectStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  phase?: string;
  conditions?: Condition[];
  lastError?: { code: string; message: string; at: string } | null;
  url?: string;
  selector?: string;
}

/** Where the tenant of a Function comes from. */
export type TenantSource =
  { readonly kind: "label" } | { readonly kind: "namespace"; readonly prefix: string };

/** The tenant of a Function object, or undefined when its namespace or label names none (pure). */
export function tenantOf(fn: KubernetesObject, tenants: TenantSource): string | undefined {
  if (tenants.kind === "label") return fn.metadata?.labels?.[LABEL.tenant];
  const namespace = fn.metadata?.namespace ?? "";
  return namespace.startsWith(tenants.prefix) ? namespace.slice(tenants.prefix.length) : undefined;
}

/**
 * The Function object the API writes for a spec (the inverse of {@link functionSpecOf}; pure).
 * A revision's workload (`hello-00004`) is owned by its function's Function `owner`, so the
 * garbage collector deletes it with that one, however that one is deleted.
 */
export function buildFunctionObject(
  spec: FunctionSpec,
  ref: ObjectRef,
  owner?: FunctionObject,
): FunctionObject {
  const { tenant, name: _name, ...rest } = spec;
  return {
    apiVersion: `${FUNCTION_RESOURCE.group}/${FUNCTION_RESOURCE.version}`,
    kind: FUNCTION_RESOURCE.kind,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.tenant]: tenant },
      ...(owner === undefined
        ? {}
        : {
            ownerReferences: [
              { ...ownedByFunction(owner), controller: false, blockOwnerDeletion: false },
            ],
          }),
    },
    spec: JSON.parse(JSON.stringify(rest)) as unknown,
  };
}

/**
 * The FunctionSpec of a Function object, validated with the API's own schema; the tenant is
 * the `eventflow.dev/tenant` label in single-namespace mode, and the namespace (prefix + tenant,
 * as the driver names tenant namespaces) in namespace-per-tenant mode. Throws
 * REQUEST_VALIDATION_FAILED naming the first problem.
 */
export function functionSpecOf(
  fn: FunctionObject,
  tenants: TenantSource,
  limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS,
): FunctionSpec {
  const name = fn.metadata?.name ?? "";
  const namespace = fn.metadata?.namespace ?? "";
  const tenant = tenantOf(fn, tenants);
  const where =
    tenants.kind === "label"
      ? `label ${LABEL.tenant}`
      : `namespace ${namespace} (tenant namespaces are ${tenants.prefix}TENANT)`;
  const problem = tenant === undefined ? "is missing" : (checkFunctionName(tenant) ?? undefined);
  if (problem !== undefined || tenant === undefined)
    throw new EventFlowError("REQUEST_VALIDATION_FAILED", `tenant from ${where} ${problem}`);
  if (tenants.kind === "namespace" && tenantNamespace(tenants.prefix, tenant) !== namespace)
    throw new EventFlowError("REQUEST_VALIDATION_FAILED", `${where} is not a tenant namespace`);
  const result = buildFunctionSpecSchema(limits).safeParse(fn.spec, {
    error: describeIssue,
    reportInput: true,
  });
  if (!result.success) {
    // Values are never quoted back (env values may be secrets).
    const first = toFieldIssues(result.error.issues, { inputOf: () => undefined })[0];
    throw new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      `invalid spec${first === undefined ? "" : `: ${first.path || "(root)"} ${first.message}`}`,
    );
  }
  return Object.freeze({ ...result.data, tenant, name }) as FunctionSpec;
}

/** The owner reference that makes a Deployment go away with its Function. */
export function ownedByFunction(fn: FunctionObject): V1OwnerReference {
  return {
    apiVersion: `${FUNCTION_RESOURCE.group}/${FUNCTION_RESOURCE.version}`,
    kind: FUNCTION_RESOURCE.kind,
    name: fn.metadata?.name ?? "",
    uid: fn.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Refuses (FUNCTION_ALREADY_EXISTS) to take over a Deployment of the Function's name that is
 * not this Function's: one EventFlow did not label, one of another tenant (a shared namespace),
 * or one another object controls (pure).
 */
export function checkTakeOver(existing: V1Deployment, spec: FunctionSpec, fn: FunctionObject) {
  const labels = existing.metadata?.labels ?? {};
  const owner = existing.metadata?.ownerReferences?.find((o) => o.controller);
  // Owned by this Function (its labels may have been edited: the apply puts them back), or
  // EventFlow's for this tenant and name with no owner yet.
  const ours =
    (owner !== undefined && owner.uid === fn.metadata?.uid) ||
    (owner === undefined &&
      labels[LABEL.managedBy] === MANAGED_BY &&
      labels[LABEL.tenant] === spec.tenant &&
      labels[LABEL.function] === spec.name);
  if (!ours)
    throw new EventFlowError(
      "FUNCTION_ALREADY_EXISTS",
      `Deployment ${existing.metadata?.namespace}/${existing.metadata?.name} exists and is not this function's`,
    );
}

/**
 * Resource quantities as the API server stores them may be written differently (`0.5` is kept
 * as `500m`, `1024Mi` as `1Gi`): equal when they are the same amount.
 */
function sameQuantity(resource: string, live: unknown, desired: unknown): boolean {
  if (live === desired) return true;
  if (typeof live !== "string" || typeof desired !== "string") return false;
  const amount = resource === "cpu" ? cpuMillis : memoryBytes;
  const a = amount(live);
  return Number.isFinite(a) && a === amount(desired);
}

/**
 * Whether `live` already holds every field of `desired` (objects: each key of desired, arrays:
 * same length and each element), so an apply would change nothing; fields the API server or
 * other managers added are ignored, and `requests`/`limits` compare as quantities (pure).
 */
export function holds(live: unknown, desired: unknown, quantities = false): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired))
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => holds(live[i], d))
    );
  if (desired !== null && typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired).every(([k, v]) =>
      quantities && typeof v === "string"
        ? sameQuantity(k, l[k], v)
        : holds(l[k], v, k === "requests" || k === "limits"),
    );
  }
  return live === desired;
}

/** `apiVersion` and `kind` are request fields: a read object has them, a cached one may not. */
export function holdsObject(
  live: KubernetesObject | undefined,
  desired: KubernetesObject,
): boolean {
  if (!live) return false;
  const { apiVersion: _a, kind: _k, ...rest } = desired;
  return holds(live, rest);
}

function condition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  now: string,
  previous: readonly Condition[] | undefined,
  generation: number | undefined,
): Condition {
  const status = ok ? "True" : "False";
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    // The transition time moves only when the status does.
    lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
}

/** The status of a Function whose spec or tenant is refused (pure). */
export function invalidStatus(
  fn: FunctionObject,
  error: { code: string; message: string },
  now: string,
): FunctionObjectStatus {
  const previous = fn.status;
  const generation = fn.metadata?.generation;
  const sameError =
    previous?.lastError?.code === error.code && previous.lastError.message === error.message;
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    phase: "Failed",
    conditions: [
      condition("Ready", false, error.code, error.message, now, previous?.conditions, generation),
      condition(
        "Progressing",
        false,
        error.code,
        error.message,
        now,
        previous?.conditions,
        generation,
      ),
    ],
    lastError: {
      code: error.code,
      message: error.message,
      at: sameError ? previous.lastError!.at : now,
    },
  };
}

/** The status of a valid Function from its Deployment and pods as the informers hold them (pure). */
export function functionStatus(
  fn: FunctionObject,
  spec: FunctionSpec,
  deployment: V1Deployment | undefined,
  pods: readonly V1Pod[],
  now: string,
): FunctionObjectStatus {
  const previous = fn.status;
  const generation = fn.metadata?.generation;
  const built = deployment ? buildKubernetesStatus(deployment, pods, now) : undefined;
  const phase = built?.status ?? "Pending";
  const ready = phase === "Running" || phase === "ScaledToZero";
  const progressing = phase === "Pending" || phase === "Deploying";
  const err = built?.last_error;
  const pulled = err?.code === "FUNCTION_IMAGE_NOT_FOUND" ? err : undefined;
  const sameError =
    err && previous?.lastError?.code === err.code && previous.lastError.message === err.message;
  const selector = Object.entries(selectorLabels(spec.tenant, spec.name))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const why = err
    ? err.message
    : `${built?.ready_replicas ?? 0}/${built?.replicas ?? spec.replicas} ready`;
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    replicas: deployment?.status?.replicas ?? 0,
    readyReplicas: built?.ready_replicas ?? 0,
    availableReplicas: built?.available_replicas ?? 0,
    updatedReplicas: built?.updated_replicas ?? 0,
    phase,
    conditions: [
      condition("Ready", ready, err?.code ?? phase, why, now, previous?.conditions, generation),
      condition("Progressing", progressing, phase, why, now, previous?.conditions, generation),
      // Reported once pods exist: the kubelet cannot pull (FUNCTION_IMAGE_NOT_FOUND) or could.
      ...(pods.length === 0
        ? []
        : [
            pulled === undefined
              ? condition(
                  "ImagePulled",
                  true,
                  "Pulled",
                  spec.image,
                  now,
                  previous?.conditions,
                  generation,
                )
              : condition(
                  "ImagePulled",
                  false,
                  pulled.code,
                  pulled.message,
                  now,
                  previous?.conditions,
                  generation,
                ),
          ]),
    ],
    lastError: err ? { ...err, at: sameError ? previous.lastError!.at : err.at } : null,
    url: `/fn/${spec.tenant}/${spec.name}`,
    selector,
  };
}

/** Whether writing `next` would change `current` (a null lastError equals an absent one). */
export function statusChanged(
  current: FunctionObjectStatus | undefined,
  next: FunctionObjectStatus,
): boolean {
  const norm = (s: FunctionObjectStatus | undefined) => {
    const { lastError, ...rest } = s ?? {};
    return { ...rest, lastError: lastError ?? null };
  };
  const a = norm(current);
  const b = norm(next);
  return !(holds(a, b) && holds(b, a));
}
