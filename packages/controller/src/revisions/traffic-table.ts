/**
 * A function's traffic as the invoke router uses it: which workload serves each revision that
 * takes requests or has a tag, and the weighted choice per request. Pure: built from the spec's
 * `traffic` and the numbers of the revisions that exist, no I/O.
 *
 * The newest revision runs in the function's own workload (its Deployment, its local replica
 * set), which always runs the function's spec. Every other revision the traffic names runs in a
 * workload of its own named as the revision (`hello-00004`), created and removed by the
 * controller (revision-workloads.ts).
 */
import {
  buildTrafficSplit,
  DEFAULT_TRAFFIC,
  resolveTraffic,
  revisionName,
  type ResolvedTrafficTarget,
  type TrafficSplit,
  type TrafficTarget,
} from "@eventflow/protocol";

/** Where one revision's requests go. */
export interface RevisionRoute {
  readonly number: number;
  /** `hello-00004`: the `x-eventflow-revision` of its answers. */
  readonly revision: string;
  /** The driver's name of the workload serving it: the function's own, or the revision's. */
  readonly workload: string;
}

/** One function's resolved traffic. */
export interface FunctionTraffic {
  readonly function: string;
  /** The newest revision (the function's own workload runs it). */
  readonly newest: number;
  readonly targets: readonly ResolvedTrafficTarget[];
  /** Revision numbers that need a workload of their own (named, not the newest), ascending. */
  readonly workloads: readonly number[];
  /** The route of a revision that takes requests or has a tag. */
  route(number: number): RevisionRoute | undefined;
  /** A weighted choice among the targets with a percent above 0. */
  pick(random: () => number): RevisionRoute;
  /** The tagged revision's route, or undefined for a tag the traffic does not have. */
  tagged(tag: string): RevisionRoute | undefined;
}

/**
 * The traffic of function `fn` whose spec says `traffic` (absent: all to the newest) and whose
 * revisions are `revisions`; undefined when it has none (a Function written around the API
 * before its first revision: its own workload takes everything). Throws TRAFFIC_INVALID or
 * REVISION_NOT_FOUND as {@link resolveTraffic}.
 */
export function buildFunctionTraffic(
  fn: string,
  traffic: readonly TrafficTarget[] | undefined,
  revisions: readonly number[],
): FunctionTraffic | undefined {
  if (revisions.length === 0) return undefined;
  const newest = Math.max(...revisions);
  const targets = resolveTraffic(traffic ?? DEFAULT_TRAFFIC, { function: fn, revisions });
  const routes = new Map<number, RevisionRoute>();
  for (const { revision } of targets)
    if (!routes.has(revision))
      routes.set(revision, {
        number: revision,
        revision: revisionName(fn, revision),
        workload: revision === newest ? fn : revisionName(fn, revision),
      });
  const split: TrafficSplit = buildTrafficSplit(targets);
  const byTag = new Map<string, RevisionRoute>();
  for (const t of targets) if (t.tag !== undefined) byTag.set(t.tag, routes.get(t.revision)!);
  return {
    function: fn,
    newest,
    targets,
    workloads: [...routes.keys()].filter((n) => n !== newest).sort((a, b) => a - b),
    route: (number) => routes.get(number),
    pick: (random) => routes.get(split.pick(random).revision)!,
    tagged: (tag) => byTag.get(tag),
  };
}

/** The revisions `traffic` sends requests to or tags (never pruned from the history). */
export function referencedRevisions(traffic: FunctionTraffic | undefined): number[] {
  return traffic === undefined ? [] : [...new Set(traffic.targets.map((t) => t.revision))];
}

/** Each revision's share of the requests (a revision named twice adds up), 0 for the rest. */
export function percentOf(traffic: FunctionTraffic | undefined, number: number): number {
  let sum = 0;
  for (const t of traffic?.targets ?? []) if (t.revision === number) sum += t.percent;
  return sum;
}
