/**
 * `eventflow traffic NAME`: which revisions take what share of a function's requests; with
 * assignments (`3=90 4=10`, `latest=10`, `hello-00004=10`) or `--tag canary=4`, sets it.
 * Assignments are checked here, before any request, against the rules the API applies.
 */
import {
  DEFAULT_TRAFFIC,
  EventFlowError,
  checkTraffic,
  parseRevisionName,
  type FieldIssue,
  type TrafficStatus,
  type TrafficTarget,
} from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import { parseOutputFormat, renderOutput, renderTable } from "./render.js";
import { trafficColumns } from "./traffic-format.js";
import type { CommandIo } from "../io.js";

/** Flags of `eventflow traffic`. */
export interface TrafficFlags extends ConnectionFlags {
  output?: string;
  /** `TAG=REVISION` (repeatable): the tag reaches that revision alone. */
  tag: string[];
}

/** A revision as an assignment names it: a number, or the newest one. */
type RevisionRef = { revision: number } | { latestRevision: true };

/** A traffic target and the argument it came from, to name it in a usage error. */
export interface TrafficArgument {
  readonly target: TrafficTarget;
  readonly source: string;
}

function usage(message: string): EventFlowError {
  return new EventFlowError("CLI_USAGE", message);
}

/** `4`, `hello-00004` or `latest`. */
function parseRevisionRef(text: string, fn: string, source: string): RevisionRef {
  if (text === "latest") return { latestRevision: true };
  if (/^[0-9]+$/.test(text)) {
    const revision = Number(text);
    if (Number.isSafeInteger(revision) && revision >= 1) return { revision };
  } else if (text.includes("-")) {
    try {
      return { revision: parseRevisionName(text, fn).number };
    } catch (error) {
      throw usage(`${source}: ${(error as Error).message}`);
    }
  }
  throw usage(
    `${source}: ${JSON.stringify(text)} is not a revision: give its number (4), its name (${fn}-00004) or latest`,
  );
}

function splitPair(text: string, source: string, shape: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0 || at === text.length - 1) throw usage(`${source}: needs ${shape}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** `REVISION=PERCENT`: `3=90`, `hello-00004=10`, `latest=10` (a trailing % is allowed). */
export function parseAssignment(text: string, fn: string): TrafficArgument {
  const [revision, percent] = splitPair(text, text, "REVISION=PERCENT (3=90, latest=10)");
  const digits = /^([0-9]{1,3})%?$/.exec(percent)?.[1];
  if (digits === undefined || Number(digits) > 100)
    throw usage(`${text}: the percent must be a whole number from 0 to 100`);
  return {
    target: { ...parseRevisionRef(revision, fn, text), percent: Number(digits) },
    source: text,
  };
}

/** `--tag TAG=REVISION`: `canary=4`, `canary=hello-00004`, `next=latest`. */
export function parseTagAssignment(text: string, fn: string): TrafficArgument {
  const source = `--tag ${text}`;
  const [tag, revision] = splitPair(text, source, "TAG=REVISION (canary=4)");
  return { target: { ...parseRevisionRef(revision, fn, source), percent: 0, tag }, source };
}

const sameRevision = (a: TrafficTarget, b: TrafficTarget) =>
  a.latestRevision === true ? b.latestRevision === true : a.revision === b.revision;

/** What a function's traffic status says, as targets that would set it again. */
export function toTrafficTargets(traffic: readonly TrafficStatus[] | undefined): TrafficTarget[] {
  if (traffic === undefined || traffic.length === 0) return [...DEFAULT_TRAFFIC];
  return traffic.map((t) => ({
    ...(t.latest_revision ? { latestRevision: true } : { revision: t.revision }),
    percent: t.percent,
    ...(t.tag === undefined ? {} : { tag: t.tag }),
  }));
}

/** Puts each tag on the untagged target of its revision, or on a new 0 % target. */
function withTags(
  base: readonly TrafficArgument[],
  tags: readonly TrafficArgument[],
): TrafficArgument[] {
  const out = [...base];
  for (const tag of tags) {
    const at = out.findIndex(
      (g) => g.target.tag === undefined && sameRevision(g.target, tag.target),
    );
    const found = out[at];
    if (found === undefined) out.push(tag);
    else
      out[at] = {
        target: { ...found.target, tag: tag.target.tag },
        source: `${found.source} ${tag.source}`,
      };
  }
  return out;
}

/**
 * The traffic to send: the assignments with the tags put on them; without assignments, the
 * `current` traffic with the tags moved to (or added for) the revisions they name.
 */
export function buildTrafficTargets(options: {
  assignments: readonly TrafficArgument[];
  tags: readonly TrafficArgument[];
  current?: readonly TrafficTarget[] | undefined;
}): TrafficArgument[] {
  const { assignments, tags } = options;
  if (assignments.length > 0) return withTags(assignments, tags);
  const moved = new Set(tags.map((t) => t.target.tag));
  const base = (options.current ?? DEFAULT_TRAFFIC).flatMap((target): TrafficArgument[] => {
    const ref = target.latestRevision === true ? "latest" : String(target.revision);
    const source = `${ref}=${target.percent} (now)`;
    if (target.tag === undefined || !moved.has(target.tag)) return [{ target, source }];
    const { tag: _moved, ...rest } = target;
    return rest.percent === 0 ? [] : [{ target: rest, source }];
  });
  return withTags(base, tags);
}

/** Throws CLI_USAGE naming every broken rule and the arguments it is about. */
export function checkTrafficArguments(
  given: readonly TrafficArgument[],
  fn: string,
): TrafficTarget[] {
  const targets = given.map((g) => g.target);
  const issues = checkTraffic(targets, fn);
  if (issues.length === 0) return targets;
  const where = (issue: FieldIssue) => {
    const index = /^traffic\.([0-9]+)/.exec(issue.path)?.[1];
    const source = index === undefined ? undefined : given[Number(index)]?.source;
    const field = issue.path.replace(/^traffic\.[0-9]+\.?/, "");
    return source ? `${source}${field ? ` (${field})` : ""}` : issue.path;
  };
  throw usage(`invalid traffic: ${issues.map((i) => `${where(i)} ${i.message}`).join("; ")}`);
}

/** Refuses a revision given two percents (`3=50 3=50`): a typo more often than a wish. */
function refuseRepeats(assignments: readonly TrafficArgument[]): void {
  assignments.forEach((a, i) => {
    const first = assignments.findIndex((b) => sameRevision(a.target, b.target));
    if (first !== i)
      throw usage(`${a.source}: names the revision of ${assignments[first]?.source} again`);
  });
}

async function printTraffic(io: CommandIo, format: string | undefined, traffic: TrafficStatus[]) {
  io.stdout.write(
    await renderOutput(parseOutputFormat(format), {
      data: traffic,
      names: traffic.map((t) => t.name),
      text: (wide) => renderTable(traffic, trafficColumns(), io.env.columns, { wide }),
    }),
  );
}

/** `eventflow traffic NAME [REVISION=PERCENT...] [--tag TAG=REVISION...]`. */
export async function trafficCommand(
  name: string,
  assignmentTexts: readonly string[],
  flags: TrafficFlags,
  io: CommandIo,
): Promise<void> {
  parseOutputFormat(flags.output);
  const assignments = assignmentTexts.map((a) => parseAssignment(a, name));
  refuseRepeats(assignments);
  const tags = flags.tag.map((t) => parseTagAssignment(t, name));
  // Whatever can be checked without the function is, before any request.
  if (assignments.length > 0)
    checkTrafficArguments(buildTrafficTargets({ assignments, tags }), name);
  const { client, context } = await connect(flags, io.env);
  const opts = { signal: io.signal, tenant: context.tenant };
  if (assignments.length === 0 && tags.length === 0) {
    const fn = await client.functions.get(name, opts);
    if (fn.traffic === undefined && !flags.output)
      io.stderr.write(`${name} has no revision yet: every request goes to what it runs\n`);
    return printTraffic(io, flags.output, fn.traffic ?? []);
  }
  const current =
    assignments.length > 0
      ? undefined
      : toTrafficTargets((await client.functions.get(name, opts)).traffic);
  const targets = checkTrafficArguments(buildTrafficTargets({ assignments, tags, current }), name);
  const fn = await client.functions.traffic(name, targets, opts);
  await printTraffic(io, flags.output, fn.traffic ?? []);
}
