/**
 * The Function objects the API writes (`functions.eventflow.dev`): create (a taken name is
 * FUNCTION_ALREADY_EXISTS), read one live, replace the spec, merge-patch `spec.replicas`, delete. Every
 * failure becomes an EventFlowError naming the function and the step.
 */
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import { FUNCTION_RESOURCE } from "./build-crd.js";
import { apiStatus, toEventFlowError } from "./errors.js";
import { FIELD_MANAGER, type ObjectRef } from "./labels.js";
import type { FunctionObject } from "./reconcile/function-desired.js";

type Custom = Pick<
  CustomObjectsApi,
  | "createNamespacedCustomObject"
  | "replaceNamespacedCustomObject"
  | "getNamespacedCustomObject"
  | "patchNamespacedCustomObject"
  | "patchNamespacedCustomObjectScale"
  | "deleteNamespacedCustomObject"
>;

const { group, version, plural } = FUNCTION_RESOURCE;
const where = (namespace: string) => ({ group, version, plural, namespace });
/** Retries of a replace that met a newer resourceVersion. */
const CONFLICT_RETRIES = 5;

const keyOf = (fn: FunctionObject) => `${fn.metadata?.namespace}/${fn.metadata?.name}`;

async function step<T>(fn: string, action: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toEventFlowError(error, { function: fn, action });
  }
}

/** The Function object calls over one client. */
export function createFunctionResource(custom: Custom) {
  return {
    /** Creates the object (POST). */
    async create(ref: ObjectRef, body: FunctionObject): Promise<FunctionObject> {
      try {
        return (await custom.createNamespacedCustomObject({
          ...where(ref.namespace),
          body,
          fieldManager: FIELD_MANAGER,
        })) as FunctionObject;
      } catch (error) {
        if (apiStatus(error) === 409)
          throw new EventFlowError(
            "FUNCTION_ALREADY_EXISTS",
            `function ${ref.name} already exists`,
          );
        throw toEventFlowError(error, { function: keyOf(body), action: "create Function" });
      }
    },

    /**
     * Replaces the Function's spec with `next`'s whole (a field the new spec leaves out goes,
     * whoever set it: a create's fields are not an apply's, so an apply would keep them),
     * keeping its metadata. A conflict (the reconciler's status writes move the
     * resourceVersion too) is retried on the live object, a few times.
     */
    replaceSpec(current: FunctionObject, next: FunctionObject): Promise<FunctionObject> {
      const namespace = current.metadata?.namespace ?? "";
      const name = current.metadata?.name ?? "";
      return step(keyOf(current), "replace Function", async () => {
        let base: FunctionObject = current;
        for (let attempt = 0; ; attempt++) {
          const { managedFields: _m, ...metadata } = base.metadata ?? {};
          try {
            return (await custom.replaceNamespacedCustomObject({
              ...where(namespace),
              name,
              fieldManager: FIELD_MANAGER,
              body: {
                ...next,
                metadata: { ...metadata, labels: { ...metadata.labels, ...next.metadata?.labels } },
              },
            })) as FunctionObject;
          } catch (error) {
            if (apiStatus(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
            base = (await custom.getNamespacedCustomObject({
              ...where(namespace),
              name,
            })) as FunctionObject;
          }
        }
      });
    },

    /** Merge-patches `spec.replicas` (what `kubectl scale` does). */
    patchReplicas(fn: FunctionObject, replicas: number): Promise<FunctionObject> {
      return step(
        keyOf(fn),
        "scale Function",
        async () =>
          (await custom.patchNamespacedCustomObject(
            {
              ...where(fn.metadata?.namespace ?? ""),
              name: fn.metadata?.name ?? "",
              body: { spec: { replicas } },
              fieldManager: FIELD_MANAGER,
            },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          )) as FunctionObject,
      );
    },

    /**
     * Sets the replica count through the scale subresource, as the autoscaler does (as
     * `kubectl scale` does): it cannot touch any other field of the spec.
     */
    setScale(fn: FunctionObject, replicas: number): Promise<void> {
      return step(keyOf(fn), "autoscale Function", async () => {
        await custom.patchNamespacedCustomObjectScale(
          {
            ...where(fn.metadata?.namespace ?? ""),
            name: fn.metadata?.name ?? "",
            body: { spec: { replicas } },
            fieldManager: FIELD_MANAGER,
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
      });
    },

    /** Reads the object from the API server (not the cache); undefined when there is none. */
    read(ref: ObjectRef): Promise<FunctionObject | undefined> {
      return step(`${ref.namespace}/${ref.name}`, "read Function", async () => {
        try {
          return (await custom.getNamespacedCustomObject({
            ...where(ref.namespace),
            name: ref.name,
          })) as FunctionObject;
        } catch (error) {
          if (apiStatus(error) === 404) return undefined;
          throw error;
        }
      });
    },

    /** Deletes the object (background propagation); one already gone is no error. */
    remove(ref: ObjectRef): Promise<void> {
      return step(`${ref.namespace}/${ref.name}`, "delete Function", async () => {
        try {
          await custom.deleteNamespacedCustomObject({
            ...where(ref.namespace),
            name: ref.name,
            propagationPolicy: "Background",
          });
        } catch (error) {
          if (apiStatus(error) !== 404) throw error;
        }
      });
    },
  };
}
