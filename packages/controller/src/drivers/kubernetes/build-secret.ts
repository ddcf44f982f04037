/**
 * A secret on Kubernetes, as pure builders: the Secret holding its values, the ConfigMap index
 * holding what the API shows (key names, version, times; never values), and the parts of a
 * function's pod that deliver it. The controller writes Secrets but never reads them (it has no
 * RBAC to), so everything it needs to know about a secret comes from the index.
 */
import { createHash } from "node:crypto";
import type {
  V1ConfigMap,
  V1EnvVar,
  V1Secret,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { FunctionSpec, SecretData, SecretMeta } from "../driver.js";
import { LABEL, MANAGED_BY } from "./labels.js";

/** Where a function finds its `files` secrets: one directory per secret, one file per key. */
export const SECRETS_DIR = "/var/eventflow/secrets";

/** The pod-template annotation whose change rolls a function when a secret it uses changes. */
export const SECRETS_ANNOTATION = "eventflow.dev/secrets-version";

/** Owner and group read only; the pod's fsGroup makes the non-root function user the group. */
export const SECRET_FILE_MODE = 0o440;

/** Data keys of the index ConfigMap. */
const INDEX = { keys: "keys", version: "version", createdAt: "createdAt", updatedAt: "updatedAt" };

/**
 * The name of a secret's Secret and of its index ConfigMap. Tenant and name are DNS labels
 * (no dots), so the dotted form is unambiguous: two tenants sharing one namespace (single
 * namespace mode) never collide, and a name cannot be forged to reach another tenant's secret.
 */
export function secretObjectName(tenant: string, name: string): string {
  return `eventflow-secret.${tenant}.${name}`;
}

/** The labels of both objects of one secret; the admission policy requires the managed-by one. */
export function secretLabels(tenant: string, name: string): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.partOf]: "eventflow",
    [LABEL.component]: "secret",
    [LABEL.tenant]: tenant,
    [LABEL.secret]: name,
  };
}

/** The label selector of secret index ConfigMaps (of one tenant, or of all). */
export function secretIndexSelector(tenant?: string): string {
  const base = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.secret}`;
  return tenant === undefined ? base : `${base},${LABEL.tenant}=${tenant}`;
}

/**
 * The Secret of one secret, type Opaque, values base64 in `data` (a server-side apply body),
 * owned by its index ConfigMap (`indexUid`), so deleting the index alone, by hand or a failed
 * create's undo, lets the garbage collector take the values too.
 */
export function buildSecret(
  meta: Pick<SecretMeta, "tenant" | "name">,
  namespace: string,
  data: SecretData,
  indexUid: string,
): V1Secret {
  const encoded: Record<string, string> = {};
  for (const key of Object.keys(data).sort())
    encoded[key] = Buffer.from(data[key]!).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: secretObjectName(meta.tenant, meta.name),
      namespace,
      labels: secretLabels(meta.tenant, meta.name),
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          name: secretObjectName(meta.tenant, meta.name),
          uid: indexUid,
        },
      ],
    },
    type: "Opaque",
    data: encoded,
  };
}

/** The index ConfigMap of one secret: its metadata only. */
export function buildSecretIndex(meta: SecretMeta, namespace: string): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: secretObjectName(meta.tenant, meta.name),
      namespace,
      labels: secretLabels(meta.tenant, meta.name),
    },
    data: {
      [INDEX.keys]: JSON.stringify([...meta.keys].sort()),
      [INDEX.version]: meta.version,
      [INDEX.createdAt]: meta.createdAt,
      [INDEX.updatedAt]: meta.updatedAt,
    },
  };
}

/**
 * Reads a secret's metadata from its index ConfigMap, or undefined when the object is not a
 * well-formed index of an EventFlow secret (it is then ignored, never trusted).
 */
export function secretMetaOf(cm: V1ConfigMap): SecretMeta | undefined {
  const labels = cm.metadata?.labels ?? {};
  const tenant = labels[LABEL.tenant];
  const name = labels[LABEL.secret];
  if (labels[LABEL.managedBy] !== MANAGED_BY || !tenant || !name) return undefined;
  if (cm.metadata?.name !== secretObjectName(tenant, name)) return undefined;
  const data = cm.data ?? {};
  let keys: unknown;
  try {
    keys = JSON.parse(data[INDEX.keys] ?? "");
  } catch {
    return undefined;
  }
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === "string"))
    return undefined;
  const version = data[INDEX.version];
  const createdAt = data[INDEX.createdAt];
  if (!version || !createdAt) return undefined;
  return {
    tenant,
    name,
    keys: [...keys].sort(),
    version,
    createdAt,
    updatedAt: data[INDEX.updatedAt] ?? createdAt,
  };
}

/**
 * A digest of the versions of the secrets a function uses, for {@link SECRETS_ANNOTATION}:
 * it changes, and the Deployment rolls, exactly when one of them is rewritten.
 */
export function secretsDigest(metas: readonly SecretMeta[]): string {
  const lines = metas.map((m) => `${m.name}=${m.version}`).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 32);
}

/** What a function's pod gets for its secrets. */
export interface SecretPodParts {
  readonly volumes: V1Volume[];
  readonly volumeMounts: V1VolumeMount[];
  readonly env: V1EnvVar[];
}

/**
 * Volumes, mounts and variables delivering a spec's secrets (pure). `files`: a read-only secret
 * volume at SECRETS_DIR/NAME (only the named keys when `keys` narrows it); `env`: one
 * secretKeyRef per key, the keys taken from the index when the spec names none. A secret
 * missing from `metas` is left out (the driver checks references before building).
 */
export function buildSecretPodParts(
  spec: FunctionSpec,
  metas: ReadonlyMap<string, SecretMeta>,
): SecretPodParts {
  const parts: SecretPodParts = { volumes: [], volumeMounts: [], env: [] };
  for (const [i, ref] of (spec.secrets ?? []).entries()) {
    const meta = metas.get(ref.name);
    if (!meta) continue;
    const secretName = secretObjectName(spec.tenant, ref.name);
    if (ref.mount === "env") {
      for (const key of ref.keys ?? meta.keys)
        parts.env.push({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } });
      continue;
    }
    const volume = `secret-${i}`;
    parts.volumes.push({
      name: volume,
      secret: {
        secretName,
        defaultMode: SECRET_FILE_MODE,
        ...(ref.keys ? { items: ref.keys.map((key) => ({ key, path: key })) } : {}),
      },
    });
    parts.volumeMounts.push({
      name: volume,
      mountPath: `${SECRETS_DIR}/${ref.name}`,
      readOnly: true,
    });
  }
  return parts;
}
