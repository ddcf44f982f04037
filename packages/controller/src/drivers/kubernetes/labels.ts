/**
 * Names, labels and annotations the Kubernetes driver puts on its objects. Selectors use only
 * the two eventflow.dev labels because a Deployment's selector can never change.
 */

/** The field manager of every server-side apply the driver makes. */
export const FIELD_MANAGER = "eventflow-controller";

/** Label and annotation keys. */
export const LABEL = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
  tenant: "eventflow.dev/tenant",
  function: "eventflow.dev/function",
  /** On a secret's Secret and its index ConfigMap: the secret's name (its tenant in `tenant`). */
  secret: "eventflow.dev/secret",
} as const;

/** Annotation holding the FunctionSpec as JSON, so reads need no store besides the cluster. */
export const SPEC_ANNOTATION = "eventflow.dev/spec";

/** The value of app.kubernetes.io/managed-by on every object the driver writes. */
export const MANAGED_BY = "eventflow";

/** Label selector matching everything the driver manages. */
export const MANAGED_SELECTOR = `${LABEL.managedBy}=${MANAGED_BY}`;

/** The container name of a function's pods. */
export const CONTAINER_NAME = "function";

/** The port the runtime listens on inside the pod (`PORT`). */
export const CONTAINER_PORT = 8080;

/** Where a function's objects live and what they are called. */
export interface ObjectRef {
  readonly namespace: string;
  /** Name of the Deployment, Service and HPA. */
  readonly name: string;
}

/** Labels of every object of one function (selector labels plus app.kubernetes.io/*). */
export function functionLabels(tenant: string, name: string): Record<string, string> {
  return {
    [LABEL.name]: name,
    [LABEL.instance]: `${tenant}.${name}`,
    [LABEL.component]: "function",
    [LABEL.partOf]: "eventflow",
    [LABEL.managedBy]: MANAGED_BY,
    ...selectorLabels(tenant, name),
  };
}

/** The labels a function's Deployment selects its pods (and Service its endpoints) by. */
export function selectorLabels(tenant: string, name: string): Record<string, string> {
  return { [LABEL.tenant]: tenant, [LABEL.function]: name };
}

/** `tenant/name`, the key of a function in the driver's maps. */
export function functionKey(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

/** Reads the function key of a labelled object, or undefined for objects not ours. */
export function keyOfLabels(
  labels: Readonly<Record<string, string>> | undefined,
): string | undefined {
  const tenant = labels?.[LABEL.tenant];
  const name = labels?.[LABEL.function];
  return tenant && name ? functionKey(tenant, name) : undefined;
}
