/**
 * A function's traffic: which revisions receive what share of its requests, and the tags that
 * reach one revision directly. {@link checkTraffic} states the rules a spec must follow;
 * {@link resolveTraffic} also turns `latestRevision` and names into revision numbers that exist.
 */
import { EventFlowError, type FieldIssue } from "../errors.js";
import { FUNCTION_NAME_PATTERN } from "../names.js";
import { checkRevisionNumber, parseRevisionName, revisionName } from "./revision-names.js";

/** One entry of a function's `traffic`. */
export interface TrafficTarget {
  /** A revision number (`4`) or this function's revision name (`hello-00004`). */
  readonly revision?: string | number | undefined;
  /** Follow the newest revision (instead of `revision`). */
  readonly latestRevision?: boolean | undefined;
  /** Whole percent of the requests, 0 to 100; 0 only with a tag. */
  readonly percent: number;
  /** A DNS label that reaches this revision alone, whatever its percent. */
  readonly tag?: string | undefined;
}

/** A target with its revision resolved to a number that exists. */
export interface ResolvedTrafficTarget {
  readonly revision: number;
  /** The revision's name, `hello-00004`. */
  readonly name: string;
  readonly percent: number;
  readonly tag?: string;
  /** Whether the target follows the newest revision. */
  readonly latestRevision: boolean;
}

/** The traffic of a function that sets none: everything to its newest revision. */
export const DEFAULT_TRAFFIC: readonly TrafficTarget[] = Object.freeze([
  Object.freeze({ latestRevision: true, percent: 100 }),
]);

/** Most targets one function's traffic may have. */
export const MAX_TRAFFIC_TARGETS = 20;

/** Longest tag, so that `<tag>-<function>` (a per-tag host or Service) stays a 63-character label. */
export const MAX_TRAFFIC_TAG_LENGTH = 22;

function checkTag(tag: unknown): string | undefined {
  if (typeof tag !== "string" || !FUNCTION_NAME_PATTERN.test(tag))
    return "must be a DNS label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
  if (tag.length > MAX_TRAFFIC_TAG_LENGTH)
    return `must be at most ${MAX_TRAFFIC_TAG_LENGTH} characters (got ${tag.length})`;
  return undefined;
}

function checkRevisionRef(revision: unknown, fn: string | undefined): string | undefined {
  if (typeof revision === "number") return checkRevisionNumber(revision);
  if (typeof revision !== "string")
    return `must be a revision number (4) or a revision name (${revisionName(fn ?? "hello", 4)})`;
  try {
    parseRevisionName(revision, fn);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : "is not a revision name";
  }
}

function checkTarget(target: TrafficTarget, path: string, fn: string | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const latest = target.latestRevision === true;
  if (latest && target.revision !== undefined)
    issues.push({ path, message: "names both revision and latestRevision: give one of them" });
  else if (!latest && target.revision === undefined)
    issues.push({ path, message: "must name a revision or set latestRevision: true" });
  else if (!latest) {
    const problem = checkRevisionRef(target.revision, fn);
    if (problem !== undefined) issues.push({ path: `${path}.revision`, message: problem });
  }
  const { percent } = target;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100)
    issues.push({ path: `${path}.percent`, message: "must be a whole number between 0 and 100" });
  else if (percent === 0 && target.tag === undefined)
    issues.push({
      path: `${path}.percent`,
      message: "may be 0 only on a target with a tag (to reach a revision before it takes traffic)",
    });
  const tagProblem = target.tag === undefined ? undefined : checkTag(target.tag);
  if (tagProblem !== undefined) issues.push({ path: `${path}.tag`, message: tagProblem });
  return issues;
}

/**
 * Every way `targets` breaks the traffic rules, with paths under `traffic` (empty when none):
 * each target names exactly one of `revision` or `latestRevision: true`, percents are whole
 * numbers summing to 100 (0 only with a tag), and tags are DNS labels used once. Without `fn`
 * (a spec schema, which does not know the function's name) a revision name may be any function's.
 */
export function checkTraffic(
  targets: readonly TrafficTarget[],
  fn: string | undefined,
): FieldIssue[] {
  if (targets.length === 0) return [{ path: "traffic", message: "must not be empty" }];
  if (targets.length > MAX_TRAFFIC_TARGETS)
    return [{ path: "traffic", message: `must have at most ${MAX_TRAFFIC_TARGETS} items` }];
  const issues = targets.flatMap((target, i) => checkTarget(target, `traffic.${i}`, fn));
  const seen = new Map<string, number>();
  targets.forEach(({ tag }, i) => {
    if (tag === undefined) return;
    const first = seen.get(tag);
    if (first === undefined) seen.set(tag, i);
    else
      issues.push({ path: `traffic.${i}.tag`, message: `${tag} is used by traffic.${first} too` });
  });
  const percents = targets.map((t) => t.percent);
  const sum = percents.reduce((a, b) => a + b, 0);
  if (percents.every((p) => Number.isInteger(p) && p >= 0 && p <= 100) && sum !== 100)
    issues.push({ path: "traffic", message: `percents must add up to 100 (got ${sum})` });
  return issues;
}

/** What {@link resolveTraffic} resolves against. */
export interface TrafficContext {
  /** The function's name; string revisions must be its revisions. */
  readonly function: string;
  /** The numbers of the revisions that exist. */
  readonly revisions: readonly number[];
}

function firstOf(issues: readonly FieldIssue[]): string {
  const [first] = issues;
  return first === undefined ? "" : `: ${first.path} ${first.message}`;
}

/**
 * The targets with every revision a number that exists (`latestRevision` is the newest one).
 * Throws TRAFFIC_INVALID listing every broken rule in `details`, or REVISION_NOT_FOUND listing
 * the targets whose revision does not exist (never made, or pruned).
 */
export function resolveTraffic(
  targets: readonly TrafficTarget[],
  context: TrafficContext,
): ResolvedTrafficTarget[] {
  const fn = context.function;
  const problems = checkTraffic(targets, fn);
  if (problems.length > 0)
    throw new EventFlowError("TRAFFIC_INVALID", `invalid traffic${firstOf(problems)}`, {
      details: problems,
    });
  const existing = new Set(context.revisions);
  const latest = existing.size === 0 ? undefined : Math.max(...existing);
  const missing: FieldIssue[] = [];
  const resolved: ResolvedTrafficTarget[] = [];
  targets.forEach((target, i) => {
    const latestRevision = target.latestRevision === true;
    const { revision, percent, tag } = target;
    const number = latestRevision
      ? latest
      : typeof revision === "string"
        ? parseRevisionName(revision, fn).number
        : revision;
    if (number !== undefined && existing.has(number)) {
      const name = revisionName(fn, number);
      resolved.push({
        revision: number,
        name,
        percent,
        ...(tag === undefined ? {} : { tag }),
        latestRevision,
      });
    } else if (latestRevision) {
      missing.push({ path: `traffic.${i}`, message: "the function has no revision yet" });
    } else {
      missing.push({
        path: `traffic.${i}.revision`,
        message: `revision ${String(number)} does not exist (never made, or pruned by revisionHistoryLimit)`,
      });
    }
  });
  if (missing.length > 0)
    throw new EventFlowError("REVISION_NOT_FOUND", `invalid traffic${firstOf(missing)}`, {
      details: missing,
    });
  return resolved;
}
