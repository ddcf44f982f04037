/**
 * What a revision records of a function's spec: its code and configuration, without what
 * changes without making a revision (the replica count, which the autoscaler and `:scale`
 * set, how many revisions are kept, and how requests are split between revisions).
 */

/** Spec fields a revision leaves out: changing only them makes no revision. */
export const FIELDS_OUTSIDE_REVISIONS = [
  "tenant",
  "name",
  "replicas",
  "revisionHistoryLimit",
  "traffic",
  "rollout",
] as const;

type Outside = (typeof FIELDS_OUTSIDE_REVISIONS)[number];

/** `spec` without {@link FIELDS_OUTSIDE_REVISIONS}. */
export function toRevisionSpec<T extends object>(spec: T): Omit<T, Outside> {
  const out = { ...spec } as Record<string, unknown>;
  for (const field of FIELDS_OUTSIDE_REVISIONS) delete out[field];
  return out as Omit<T, Outside>;
}

/** JSON with object keys sorted, so two specs compare equal whatever order they were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Whether two specs are the same revision: equal once {@link FIELDS_OUTSIDE_REVISIONS} are left
 * out, whatever the order of their keys (a field set to undefined counts as absent).
 */
export function sameRevisionSpec(a: object, b: object): boolean {
  return canonical(toRevisionSpec(a)) === canonical(toRevisionSpec(b));
}

/**
 * What changed from revision spec `older` to `newer`: the names of the top-level fields that
 * differ, and `env.NAME` for each environment variable added, changed or removed, sorted (the
 * fields outside revisions are not compared). Empty when they are the same revision.
 */
export function revisionChanges(older: object, newer: object): string[] {
  const a = toRevisionSpec(older) as Record<string, unknown>;
  const b = toRevisionSpec(newer) as Record<string, unknown>;
  const changed: string[] = [];
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (canonical(a[field]) === canonical(b[field])) continue;
    if (field !== "env") {
      changed.push(field);
      continue;
    }
    const envA = (a.env ?? {}) as Record<string, unknown>;
    const envB = (b.env ?? {}) as Record<string, unknown>;
    for (const name of new Set([...Object.keys(envA), ...Object.keys(envB)]))
      if (envA[name] !== envB[name]) changed.push(`env.${name}`);
  }
  return changed.sort();
}
