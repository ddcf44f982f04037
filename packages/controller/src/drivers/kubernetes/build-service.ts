import { resolveScaling } from "@eventflow/protocol";
import type {
  V1OwnerReference,
  V1Service,
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
} from "@kubernetes/client-node";
import type { FunctionSpec } from "../driver.js";
import { functionLabels, selectorLabels, type ObjectRef } from "./labels.js";

/** The Service port; it forwards to the runtime's `http` container port. */
export const SERVICE_PORT = 80;

/** The owner reference that makes an object go away with its function's Deployment. */
export function ownedByDeployment(name: string, uid: string): V1OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Name, labels and owner of an object that goes with a function's Deployment. */
function ownedMetadata(spec: FunctionSpec, ref: ObjectRef, ownerUid: string) {
  return {
    name: ref.name,
    namespace: ref.namespace,
    labels: functionLabels(spec.tenant, spec.name),
    ownerReferences: [ownedByDeployment(ref.name, ownerUid)],
  };
}

/** The ClusterIP Service of one function, owned by its Deployment (pure). */
export function buildService(spec: FunctionSpec, ref: ObjectRef, ownerUid: string): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: ownedMetadata(spec, ref, ownerUid),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(spec.tenant, spec.name),
      ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * The autoscaling/v2 HPA of a function that scales on cpu or memory, or undefined for any other
 * (the driver then deletes any HPA left from an earlier spec).
 */
export function buildHpa(
  spec: FunctionSpec,
  ref: ObjectRef,
  ownerUid: string,
): V2HorizontalPodAutoscaler | undefined {
  const s = resolveScaling(spec);
  if (s.mode !== "resource") return undefined;
  const metrics: V2MetricSpec[] = [];
  const target = (name: "cpu" | "memory", utilization: number): V2MetricSpec => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization: utilization } },
  });
  if (s.cpu !== undefined) metrics.push(target("cpu", s.cpu));
  if (s.memory !== undefined) metrics.push(target("memory", s.memory));
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: ownedMetadata(spec, ref, ownerUid),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: ref.name },
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      metrics,
    },
  };
}
