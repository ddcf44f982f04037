/**
 * A function's revisions on Kubernetes: `apps/v1` ControllerRevisions (as a Deployment's
 * history is kept) named `<function>-<number>`, labelled with the function and tenant, owned by
 * the Function (so they go with it), `revision` the number and `data` the spec.
 */
import type { AppsV1Api, V1ControllerRevision } from "@kubernetes/client-node";
import { EventFlowError, revisionName } from "@eventflow/protocol";
import type { RevisionStore, StoredRevision } from "../driver.js";
import { apiStatus, toEventFlowError } from "./errors.js";
import { FIELD_MANAGER, LABEL, functionLabels } from "./labels.js";
import { ownedByFunction, type FunctionObject } from "./reconcile/function-desired.js";

/** Annotations of what a ControllerRevision has no field for. */
export const REVISION_ANNOTATION = {
  createdBy: "eventflow.dev/created-by",
  createdAt: "eventflow.dev/created-at",
  digest: "eventflow.dev/image-digest",
} as const;

/** The ControllerRevision of `revision`, owned by the Function `fn` (pure). */
export function buildControllerRevision(
  fn: FunctionObject,
  revision: StoredRevision,
): V1ControllerRevision {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(revision.function, revision.number),
      namespace: fn.metadata?.namespace ?? "",
      labels: functionLabels(revision.tenant, revision.function),
      annotations: {
        [REVISION_ANNOTATION.createdBy]: revision.createdBy,
        [REVISION_ANNOTATION.createdAt]: revision.createdAt,
        ...(revision.digest === undefined ? {} : { [REVISION_ANNOTATION.digest]: revision.digest }),
      },
      ownerReferences: [ownedByFunction(fn)],
    },
    revision: revision.number,
    data: revision.spec,
  };
}

/** The stored revision a ControllerRevision holds (pure). */
export function fromControllerRevision(
  cr: V1ControllerRevision,
  tenant: string,
  name: string,
): StoredRevision {
  const annotations = cr.metadata?.annotations ?? {};
  const digest = annotations[REVISION_ANNOTATION.digest];
  return {
    tenant,
    function: name,
    number: cr.revision,
    spec: (cr.data ?? {}) as StoredRevision["spec"],
    ...(digest === undefined ? {} : { digest }),
    createdBy: annotations[REVISION_ANNOTATION.createdBy] ?? "",
    createdAt:
      annotations[REVISION_ANNOTATION.createdAt] ??
      cr.metadata?.creationTimestamp?.toISOString() ??
      "",
  };
}

/** What {@link createKubernetesRevisionStore} works with. */
export interface KubernetesRevisionStoreOptions {
  readonly apps: Pick<
    AppsV1Api,
    | "listNamespacedControllerRevision"
    | "createNamespacedControllerRevision"
    | "deleteNamespacedControllerRevision"
    | "readNamespacedControllerRevision"
  >;
  /** The tenant's Function as it exists now (not one being deleted), read live if need be. */
  owner(tenant: string, name: string): Promise<FunctionObject | undefined>;
}

/** The revisions of the Functions of a cluster. */
export function createKubernetesRevisionStore(
  options: KubernetesRevisionStoreOptions,
): RevisionStore {
  const { apps } = options;
  const fail = (tenant: string, name: string, action: string) => (error: unknown) => {
    throw toEventFlowError(error, { function: `${tenant}/${name}`, action });
  };

  async function list(tenant: string, name: string): Promise<StoredRevision[]> {
    const fn = await options.owner(tenant, name);
    if (fn === undefined) return [];
    const uid = fn.metadata?.uid;
    const found = await apps
      .listNamespacedControllerRevision({
        namespace: fn.metadata?.namespace ?? "",
        labelSelector: `${LABEL.tenant}=${tenant},${LABEL.function}=${name}`,
      })
      .catch(fail(tenant, name, "list ControllerRevisions"));
    // Revisions of an earlier Function of the same name wait for the garbage collector: not these.
    return found.items
      .filter((cr) => cr.metadata?.ownerReferences?.some((o) => o.controller && o.uid === uid))
      .map((cr) => fromControllerRevision(cr, tenant, name))
      .sort((a, b) => b.number - a.number);
  }

  return {
    list,
    async add(revision) {
      const { tenant, function: name } = revision;
      const fn = await options.owner(tenant, name);
      if (fn === undefined)
        throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
      const body = buildControllerRevision(fn, revision);
      const namespace = body.metadata?.namespace ?? "";
      try {
        await apps.createNamespacedControllerRevision({
          namespace,
          body,
          fieldManager: FIELD_MANAGER,
        });
        return true;
      } catch (error) {
        if (apiStatus(error) !== 409) return fail(tenant, name, "create ControllerRevision")(error);
      }
      // The name is taken: by another writer of this Function (the caller takes the next
      // number), or by a revision of an earlier Function of this name that the garbage
      // collector has not deleted yet, which goes now.
      const taken = await apps
        .readNamespacedControllerRevision({ namespace, name: body.metadata?.name ?? "" })
        .catch(fail(tenant, name, "read ControllerRevision"));
      const ownerUid = taken.metadata?.ownerReferences?.find((o) => o.controller)?.uid;
      if (ownerUid !== fn.metadata?.uid)
        await apps
          .deleteNamespacedControllerRevision({
            namespace,
            name: body.metadata?.name ?? "",
            body: { preconditions: { uid: taken.metadata?.uid ?? "" } },
          })
          .catch((error: unknown) => {
            if (apiStatus(error) !== 404 && apiStatus(error) !== 409)
              fail(tenant, name, "delete ControllerRevision")(error);
          });
      return false;
    },
    async remove(tenant, name, numbers) {
      const fn = await options.owner(tenant, name);
      if (fn === undefined) return;
      for (const n of numbers)
        await apps
          .deleteNamespacedControllerRevision({
            namespace: fn.metadata?.namespace ?? "",
            name: revisionName(name, n),
          })
          .catch((error: unknown) => {
            if (apiStatus(error) !== 404) fail(tenant, name, "delete ControllerRevision")(error);
          });
    },
    digest: () => undefined,
  };
}
