/** The one way the driver and its reconciler write objects: server-side apply. */
import {
  PatchStrategy,
  type KubernetesObject,
  type KubernetesObjectApi,
} from "@kubernetes/client-node";
import { FIELD_MANAGER } from "./labels.js";

/** Applies `body` under EventFlow's field manager, taking over fields another manager set. */
export type Apply = <T extends KubernetesObject>(
  body: T,
  options?: { dryRun?: boolean },
) => Promise<T>;

/** An {@link Apply} over one client. */
export function serverSideApply(objects: Pick<KubernetesObjectApi, "patch">): Apply {
  return <T extends KubernetesObject>(body: T, options?: { dryRun?: boolean }) =>
    objects.patch(
      body,
      undefined,
      options?.dryRun ? "All" : undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    ) as Promise<T>;
}
