/** A function's traffic and rollout as the control commands print them (pure). */
import {
  revisionName,
  type FunctionRevision,
  type FunctionStatus,
  type TrafficStatus,
} from "@eventflow/protocol";
import type { Column } from "./render.js";

/** Columns of `eventflow traffic NAME`: REVISION PERCENT TAG READY LATEST (`-o wide`: NAME). */
export function trafficColumns(): Column<TrafficStatus>[] {
  return [
    { header: "REVISION", value: (t) => String(t.revision) },
    { header: "PERCENT", value: (t) => `${t.percent}%` },
    { header: "TAG", value: (t) => t.tag ?? "" },
    { header: "READY", value: (t) => String(t.ready_replicas) },
    { header: "LATEST", value: (t) => (t.latest_revision ? "*" : "") },
    { header: "NAME", value: (t) => t.name, wide: true },
  ];
}

/** A revision's share for `eventflow revisions`' TRAFFIC column: `90%`, `0% canary`, or `-`. */
export function revisionTrafficText(revision: Pick<FunctionRevision, "percent" | "tags">): string {
  const tags = revision.tags ?? [];
  if (revision.percent === 0 && tags.length === 0) return "-";
  return [`${revision.percent}%`, ...tags].join(" ");
}

/** One line per entry of `traffic`: `90%  hello-00003  2 ready  latest  tag canary`. */
export function describeTraffic(traffic: readonly TrafficStatus[]): string {
  const width = Math.max(...traffic.map((t) => `${t.percent}%`.length));
  return traffic
    .map((t) =>
      [
        `${t.percent}%`.padStart(width),
        t.name,
        `${t.ready_replicas} ready`,
        ...(t.latest_revision ? ["latest"] : []),
        ...(t.tag === undefined ? [] : [`tag ${t.tag}`]),
      ].join("  "),
    )
    .join("\n");
}

const PHASE_TEXT = {
  progressing: "progressing",
  promoted: "promoted",
  rolledBack: "rolled back",
} as const;

/**
 * A rollout in one line: `hello-00005 from hello-00004: progressing, step 2 of 3, 50% of the
 * requests since 2026-12-06T11:00:00Z (waiting for requests)`.
 */
export function describeRollout(fn: Pick<FunctionStatus, "name" | "rollout" | "spec">): string {
  const { rollout } = fn;
  if (rollout === undefined) return "";
  const steps = fn.spec.rollout?.steps.length;
  const step =
    steps === undefined ? `step ${rollout.step + 1}` : `step ${rollout.step + 1} of ${steps}`;
  const reason = rollout.reason === undefined ? "" : ` (${rollout.reason})`;
  return `${revisionName(fn.name, rollout.revision)} from ${revisionName(fn.name, rollout.from)}: ${PHASE_TEXT[rollout.phase]}, ${step}, ${rollout.percent}% of the requests since ${rollout.since}${reason}`;
}

/** A function's traffic in a table cell: `90% 3, 10% 4, 0% 5 canary` (`-` when unknown). */
export function trafficSummary(traffic: readonly TrafficStatus[] | undefined): string {
  if (traffic === undefined || traffic.length === 0) return "-";
  return traffic
    .map((t) => `${t.percent}% ${t.revision}${t.tag === undefined ? "" : ` ${t.tag}`}`)
    .join(", ");
}

/** A rollout in a table cell: `progressing 2/3 50%` (`-` when none). */
export function rolloutSummary(fn: Pick<FunctionStatus, "rollout" | "spec">): string {
  const { rollout } = fn;
  if (rollout === undefined) return "-";
  const steps = fn.spec.rollout?.steps.length;
  const step = steps === undefined ? `${rollout.step + 1}` : `${rollout.step + 1}/${steps}`;
  return `${PHASE_TEXT[rollout.phase]} ${step} ${rollout.percent}%`;
}

/** Where all the traffic went after a rollback: the entry that takes 100 %, if one does. */
export function soleTarget(
  traffic: readonly TrafficStatus[] | undefined,
): TrafficStatus | undefined {
  return traffic?.find((t) => t.percent === 100);
}
