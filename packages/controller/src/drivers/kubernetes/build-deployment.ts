import type { V1Container, V1Deployment, V1EnvVar, V1Probe } from "@kubernetes/client-node";
import { resolveScaling } from "@eventflow/protocol";
import type { FunctionSpec, SecretMeta } from "../driver.js";
import {
  SECRETS_ANNOTATION,
  SECRETS_DIR,
  buildSecretPodParts,
  secretsDigest,
  type SecretPodParts,
} from "./build-secret.js";
import {
  CONTAINER_NAME,
  CONTAINER_PORT,
  SPEC_ANNOTATION,
  functionLabels,
  selectorLabels,
  type ObjectRef,
} from "./labels.js";

/** Resource requests and limits used where a spec names none. */
export const DEFAULT_RESOURCES = {
  // ephemeral-storage: the limit bounds the container's writable layer and logs (see
  // buildContainer): the kubelet evicts a pod past it, so a function filling its disk cannot
  // fill the node's. The request is 0, as without one it would default to the limit and the
  // scheduler would then refuse nodes that report no ephemeral-storage (kwok's, some virtual
  // nodes) and reserve disk a function rarely uses.
  requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "0" },
  limits: { memory: "256Mi", "ephemeral-storage": "256Mi" },
} as const;

/** Grace after SIGTERM when a spec sets no timeout (the runtime's default timeout is 30 s). */
const DEFAULT_TIMEOUT_SECONDS = 30;
/** Room for the runtime's own shutdown delay on top of the longest invocation. */
const SHUTDOWN_MARGIN_SECONDS = 10;
/** The non-root user of EventFlow's base images (distroless "nonroot"). */
export const RUNTIME_UID = 65532;

/** Cluster-wide settings the Deployment builder needs besides the spec. */
export interface DeploymentOptions {
  readonly ref: ObjectRef;
  /** Secrets in the function's namespace used to pull its image. */
  readonly imagePullSecrets?: readonly string[];
  /** Extra pod annotations (e.g. kwok usage annotations in tests, or a mesh's). */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** `imagePullPolicy`; IfNotPresent unless the tag is mutable and the caller wants Always. */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Replicas to run instead of `spec.replicas` (one replica woken for an invoke at zero). */
  readonly replicas?: number;
  /**
   * The index entries of the secrets `spec.secrets` names, by name (key names for `env` mounts,
   * versions for the rolling annotation); the driver has checked every reference against them.
   */
  readonly secrets?: ReadonlyMap<string, SecretMeta>;
}

function probe(path: string, periodSeconds: number, failureThreshold: number): V1Probe {
  return {
    httpGet: { path, port: "http" },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  };
}

/**
 * The spec's variables, then secret variables (secretKeyRef), then the runtime contract's, which
 * come last so neither a spec nor a secret key can override them.
 */
function buildEnv(spec: FunctionSpec, secretEnv: readonly V1EnvVar[]): V1EnvVar[] {
  const user = Object.entries(spec.env ?? {})
    .filter(([k]) => !RESERVED_ENV.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  const contract: V1EnvVar[] = [
    { name: "PORT", value: String(CONTAINER_PORT) },
    { name: "EVENTFLOW_FUNCTION_NAME", value: spec.name },
    { name: "EVENTFLOW_SECRETS_DIR", value: SECRETS_DIR },
  ];
  if (spec.timeoutSeconds !== undefined)
    contract.push({ name: "EVENTFLOW_TIMEOUT_MS", value: String(spec.timeoutSeconds * 1000) });
  return [...user, ...secretEnv.filter((e) => !RESERVED_ENV.has(e.name)), ...contract];
}

const RESERVED_ENV = new Set([
  "PORT",
  "EVENTFLOW_FUNCTION_NAME",
  "EVENTFLOW_TIMEOUT_MS",
  "EVENTFLOW_SECRETS_DIR",
]);

const NO_SECRETS: SecretPodParts = { volumes: [], volumeMounts: [], env: [] };

/** The function container: restricted-profile security context, probes, resources. */
export function buildContainer(
  spec: FunctionSpec,
  pullPolicy: string,
  secrets: SecretPodParts = NO_SECRETS,
): V1Container {
  return {
    name: CONTAINER_NAME,
    image: spec.image,
    imagePullPolicy: pullPolicy,
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.args ? { args: [...spec.args] } : {}),
    ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
    env: buildEnv(spec, secrets.env),
    resources: {
      requests: { ...DEFAULT_RESOURCES.requests, ...spec.resources?.requests },
      limits: { ...DEFAULT_RESOURCES.limits, ...spec.resources?.limits },
    },
    // A crash's reason is in the function's stderr, not in /dev/termination-log: the kubelet
    // keeps the log's tail as the termination message, which the status reads.
    terminationMessagePolicy: "FallbackToLogsOnError",
    readinessProbe: probe("/_eventflow/readyz", 2, 2),
    livenessProbe: probe("/_eventflow/healthz", 10, 3),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUNTIME_UID,
      runAsGroup: RUNTIME_UID,
      allowPrivilegeEscalation: false,
      privileged: false,
      // Writable, and no /tmp volume: any volume makes the kubelet wait for its mount, and it
      // checks every 300 ms, which was about 0.3 s of every cold start (bench:coldstart,
      // scheduled -> sandbox 0.306 s with an emptyDir /tmp, 0.010 s without). The writable
      // layer is the container's own, new at every container start, bounded by the
      // ephemeral-storage limit. (Secrets mounted as files are volumes, and pay that wait.)
      readOnlyRootFilesystem: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...(secrets.volumeMounts.length > 0 ? { volumeMounts: secrets.volumeMounts } : {}),
  };
}

/**
 * `imagePullSecrets` is a list map keyed by name: a name twice would fail the server-side
 * apply, and an empty list is left out so applies do not own a field they never set.
 */
function pullSecrets(names: readonly string[] | undefined) {
  const unique = [...new Set(names ?? [])];
  return unique.length === 0 ? {} : { imagePullSecrets: unique.map((name) => ({ name })) };
}

/**
 * The Deployment of one function, as a server-side apply body (pure). With cpu or memory
 * scaling, `spec.replicas` is left out so the HPA owns it and applies never fight it; a
 * request-driven function's count is `spec.replicas`, which the controller's autoscaler sets.
 */
export function buildDeployment(spec: FunctionSpec, options: DeploymentOptions): V1Deployment {
  const labels = functionLabels(spec.tenant, spec.name);
  const timeout = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const metas = options.secrets ?? new Map<string, SecretMeta>();
  const secrets = buildSecretPodParts(spec, metas);
  const used = (spec.secrets ?? []).flatMap((s) => metas.get(s.name) ?? []);
  // Only functions with secrets carry the digest, so adding it changed no other pod template.
  const annotations = {
    ...options.podAnnotations,
    ...(used.length > 0 ? { [SECRETS_ANNOTATION]: secretsDigest(used) } : {}),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: options.ref.name,
      namespace: options.ref.namespace,
      labels,
      annotations: { [SPEC_ANNOTATION]: JSON.stringify(spec) },
    },
    spec: {
      ...(resolveScaling(spec).mode === "resource"
        ? {}
        : { replicas: options.replicas ?? spec.replicas }),
      selector: { matchLabels: selectorLabels(spec.tenant, spec.name) },
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 300,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: timeout + SHUTDOWN_MARGIN_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNTIME_UID,
            runAsGroup: RUNTIME_UID,
            fsGroup: RUNTIME_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...pullSecrets(options.imagePullSecrets),
          containers: [buildContainer(spec, options.imagePullPolicy ?? "IfNotPresent", secrets)],
          ...(secrets.volumes.length > 0 ? { volumes: secrets.volumes } : {}),
        },
      },
    },
  };
}
