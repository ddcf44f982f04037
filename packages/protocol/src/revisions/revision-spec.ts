/**
 * What a revision records of a function's spec: its code and configuration, without what
 * changes without making a revision (the replica count, which the autoscaler and `:scale`
 * set, and how many revisions are kept).
 */

/** Spec fields a revision leaves out: changing only them makes no revision. */
export const FIELDS_OUTSIDE_REVISIONS = [
  "tenant",
  "name",
  "replicas",
  "revisionHistoryLimit",
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
