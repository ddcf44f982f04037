/**
 * The Kubernetes driver's SecretStore. A secret is two objects in its tenant's namespace, both
 * named eventflow-secret.TENANT.NAME and labelled as EventFlow's: a Secret with the values,
 * which the controller writes but may never read (it has no get/list/watch on Secrets), and an
 * index ConfigMap with what the API shows (key names, version, times), which is all it reads.
 */
import { randomBytes } from "node:crypto";
import type { CoreV1Api, V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpec, SecretData, SecretMeta, SecretStore } from "../driver.js";
import { checkSecretRefs } from "../secret-refs.js";
import {
  buildSecret,
  buildSecretIndex,
  secretIndexSelector,
  secretMetaOf,
  secretObjectName,
} from "./build-secret.js";
import { apiStatus, toEventFlowError } from "./errors.js";

/** What the store needs from the driver. */
export interface KubernetesSecretStoreDeps {
  readonly core: CoreV1Api;
  /** Server-side apply under the driver's field manager. */
  readonly apply: (body: V1Secret) => Promise<unknown>;
  /** The tenant's namespace. */
  readonly namespaceOf: (tenant: string) => string;
  /** Whether every tenant shares one namespace (lists then stay in it). */
  readonly sharedNamespace: boolean;
  /** Creates the tenant's namespace when it has none yet. */
  readonly ensureTenant: (tenant: string) => Promise<void>;
  readonly clock: () => Date;
}

const notFound = (name: string) =>
  new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);

const byTenantThenName = (a: SecretMeta, b: SecretMeta) =>
  a.tenant === b.tenant ? a.name.localeCompare(b.name) : a.tenant.localeCompare(b.tenant);

/** Creates the store (no I/O until called). */
export function createKubernetesSecretStore(deps: KubernetesSecretStoreDeps): SecretStore {
  const { core } = deps;
  // Writes of one secret run one after another in this controller, so its index and its
  // Secret are never left describing two different writes.
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(key: string, op: () => Promise<T>): Promise<T> {
    const run = (queues.get(key) ?? Promise.resolve()).then(op, op);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => queues.get(key) === tail && queues.delete(key));
    return run;
  }

  async function call<T>(action: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw toEventFlowError(error, { action });
    }
  }

  /** The live index ConfigMap and its meta, checked against tenant and name. */
  async function readIndex(
    tenant: string,
    name: string,
  ): Promise<{ cm: V1ConfigMap; meta: SecretMeta }> {
    const objectName = secretObjectName(tenant, name);
    let cm: V1ConfigMap;
    try {
      cm = await core.readNamespacedConfigMap({
        name: objectName,
        namespace: deps.namespaceOf(tenant),
      });
    } catch (error) {
      if (apiStatus(error) === 404) throw notFound(name);
      throw toEventFlowError(error, { action: `read the index of secret ${tenant}/${name}` });
    }
    const meta = secretMetaOf(cm);
    if (!meta || meta.tenant !== tenant || meta.name !== name) throw notFound(name);
    return { cm, meta };
  }

  const newMeta = (
    tenant: string,
    name: string,
    data: SecretData,
    createdAt?: string,
  ): SecretMeta => {
    const now = deps.clock().toISOString();
    return {
      tenant,
      name,
      keys: Object.keys(data).sort(),
      version: randomBytes(8).toString("hex"),
      createdAt: createdAt ?? now,
      updatedAt: now,
    };
  };

  async function create(tenant: string, name: string, data: SecretData): Promise<SecretMeta> {
    await deps.ensureTenant(tenant);
    const namespace = deps.namespaceOf(tenant);
    const meta = newMeta(tenant, name, data);
    // The index is created first, with create semantics: a taken name is the server's 409.
    let index: V1ConfigMap;
    try {
      index = await core.createNamespacedConfigMap({
        namespace,
        body: buildSecretIndex(meta, namespace),
      });
    } catch (error) {
      if (apiStatus(error) === 409)
        throw new EventFlowError("SECRET_ALREADY_EXISTS", `secret ${name} already exists`);
      throw toEventFlowError(error, { action: `create secret ${tenant}/${name}` });
    }
    try {
      await deps.apply(buildSecret(meta, namespace, data, index.metadata?.uid ?? ""));
    } catch (error) {
      // Without its values the index would describe a secret that is not there.
      await core
        .deleteNamespacedConfigMap({ name: secretObjectName(tenant, name), namespace })
        .catch(() => undefined);
      throw toEventFlowError(error, { action: `write secret ${tenant}/${name}` });
    }
    return meta;
  }

  async function replace(tenant: string, name: string, data: SecretData): Promise<SecretMeta> {
    const { cm, meta: old } = await readIndex(tenant, name);
    const namespace = deps.namespaceOf(tenant);
    const meta = newMeta(tenant, name, data, old.createdAt);
    const body = buildSecretIndex(meta, namespace);
    // The read's resourceVersion makes a concurrent writer (another controller) a conflict.
    body.metadata = { ...body.metadata, resourceVersion: cm.metadata?.resourceVersion };
    const written = await call(`update secret ${tenant}/${name}`, () =>
      core.replaceNamespacedConfigMap({ name: body.metadata!.name!, namespace, body }),
    );
    try {
      await deps.apply(buildSecret(meta, namespace, data, cm.metadata?.uid ?? ""));
    } catch (error) {
      const back = buildSecretIndex(old, namespace);
      back.metadata = { ...back.metadata, resourceVersion: written.metadata?.resourceVersion };
      await core
        .replaceNamespacedConfigMap({ name: body.metadata!.name!, namespace, body: back })
        .catch(() => undefined);
      throw toEventFlowError(error, { action: `write secret ${tenant}/${name}` });
    }
    // The functions that use it roll when the reconciler sees the index change.
    return meta;
  }

  return {
    put(tenant, name, data, mode) {
      return serial(`${tenant}/${name}`, () =>
        mode === "create" ? create(tenant, name, data) : replace(tenant, name, data),
      );
    },
    async get(tenant, name) {
      return (await readIndex(tenant, name)).meta;
    },
    async list(tenant) {
      const labelSelector = secretIndexSelector(tenant);
      const items = await call("list secrets", async () =>
        deps.sharedNamespace || tenant !== undefined
          ? (
              await core.listNamespacedConfigMap({
                namespace: deps.namespaceOf(tenant ?? ""),
                labelSelector,
              })
            ).items
          : (await core.listConfigMapForAllNamespaces({ labelSelector })).items,
      );
      const out: SecretMeta[] = [];
      for (const cm of items) {
        const meta = secretMetaOf(cm);
        if (!meta || (tenant !== undefined && meta.tenant !== tenant)) continue;
        // Only an index in the tenant's own namespace counts.
        if (cm.metadata?.namespace !== deps.namespaceOf(meta.tenant)) continue;
        out.push(meta);
      }
      return out.sort(byTenantThenName);
    },
    delete(tenant, name) {
      return serial(`${tenant}/${name}`, async () => {
        await readIndex(tenant, name);
        const namespace = deps.namespaceOf(tenant);
        const objectName = secretObjectName(tenant, name);
        await call(`delete secret ${tenant}/${name}`, async () => {
          try {
            await core.deleteNamespacedSecret({ name: objectName, namespace });
          } catch (error) {
            if (apiStatus(error) !== 404) throw error;
          }
          await core.deleteNamespacedConfigMap({ name: objectName, namespace });
        });
      });
    },
  };
}

/**
 * The index entries of the secrets a spec names, after checking every reference
 * (FUNCTION_SECRET_MISSING): read before anything is applied, from the index only.
 */
export async function resolveSecretRefs(
  store: Pick<SecretStore, "get">,
  spec: FunctionSpec,
): Promise<Map<string, SecretMeta>> {
  const metas = new Map<string, SecretMeta>();
  const remember = async (tenant: string, name: string) => {
    const meta = await store.get(tenant, name);
    metas.set(name, meta);
    return meta;
  };
  await checkSecretRefs({ get: remember }, spec);
  return metas;
}
