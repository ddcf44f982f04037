/**
 * Which change of a function makes a revision, and which revisions it keeps: the one rule both
 * drivers follow, over their {@link RevisionStore}. Called by the API after a create or update.
 */
import {
  EventFlowError,
  parseReference,
  planRevisionHistory,
  sameRevisionSpec,
  toRevisionSpec,
} from "@eventflow/protocol";
import type { FunctionSpec, RevisionStore, StoredRevision } from "../drivers/driver.js";

/**
 * The digest an image reference is pinned to (`repo@sha256:...`), which needs no registry to
 * know; undefined for a tag (the driver may know what it resolved to) or an `oci:` layout.
 */
export function pinnedDigest(image: string): string | undefined {
  if (image.startsWith("oci:")) return undefined;
  try {
    return parseReference(image).digest;
  } catch {
    return undefined;
  }
}

/** Tries of a revision number another writer took first before giving up. */
const ADD_ATTEMPTS = 5;

/** What {@link recordRevision} records. */
export interface RecordRevisionInput {
  /** The spec as the driver applied it. */
  readonly spec: FunctionSpec;
  /** The subject of the caller's token. */
  readonly createdBy: string;
  readonly now: Date;
  /** Revisions the function's traffic names: never pruned while it does. */
  readonly referenced?: readonly number[];
}

/**
 * Records `spec` as the function's next revision, unless the newest revision already has its
 * code and configuration (a no-op update, a change of `replicas` or `revisionHistoryLimit`
 * only), then deletes the revisions past `revisionHistoryLimit`. Returns the revision made.
 */
export async function recordRevision(
  store: RevisionStore,
  input: RecordRevisionInput,
): Promise<StoredRevision | undefined> {
  const { spec } = input;
  for (let attempt = 1; ; attempt++) {
    const revisions = await store.list(spec.tenant, spec.name);
    const newest = revisions[0];
    if (newest !== undefined && sameRevisionSpec(newest.spec, spec)) {
      await prune(store, input, revisions);
      return undefined;
    }
    const digest = store.digest(spec.tenant, spec.name) ?? pinnedDigest(spec.image);
    const revision: StoredRevision = {
      tenant: spec.tenant,
      function: spec.name,
      number: (newest?.number ?? 0) + 1,
      spec: toRevisionSpec(spec),
      ...(digest === undefined ? {} : { digest }),
      createdBy: input.createdBy,
      createdAt: input.now.toISOString(),
    };
    if (await store.add(revision)) {
      await prune(store, input, [revision, ...revisions]);
      return revision;
    }
    if (attempt >= ADD_ATTEMPTS)
      throw new EventFlowError(
        "INTERNAL",
        `revision ${revision.number} of ${spec.tenant}/${spec.name} was taken ${ADD_ATTEMPTS} times by other writers`,
      );
  }
}

async function prune(
  store: RevisionStore,
  input: RecordRevisionInput,
  revisions: readonly StoredRevision[],
): Promise<void> {
  const { spec } = input;
  const { prune: numbers } = planRevisionHistory({
    revisions: revisions.map((r) => r.number),
    ...(input.referenced === undefined ? {} : { referenced: input.referenced }),
    ...(spec.revisionHistoryLimit === undefined ? {} : { limit: spec.revisionHistoryLimit }),
  });
  if (numbers.length > 0) await store.remove(spec.tenant, spec.name, numbers);
}
