/**
 * A function's resources and scaling as the overview reads them out: one row per resource
 * ("CPU": "100m requested, 1 limit"), scaling as a sentence, never the raw JSON.
 */

import { describeScaling, scalingOf, type FunctionStatus } from "@eventflow/protocol";

type Quantities = { cpu?: unknown; memory?: unknown };

function quantities(value: unknown): Quantities {
  return typeof value === "object" && value !== null ? (value as Quantities) : {};
}

/** `[label, text]` rows of `spec.resources` (none when it sets nothing). */
export function resourceRows(resources: unknown): [string, string][] {
  const { requests, limits } = quantities(resources) as { requests?: unknown; limits?: unknown };
  const rows: [string, string][] = [];
  for (const [key, label] of [
    ["cpu", "CPU"],
    ["memory", "Memory"],
  ] as const) {
    const parts = [
      [quantities(requests)[key], "requested"],
      [quantities(limits)[key], "limit"],
    ]
      .filter(([amount]) => typeof amount === "string" || typeof amount === "number")
      .map(([amount, what]) => `${String(amount)} ${String(what)}`);
    if (parts.length > 0) rows.push([label, parts.join(", ")]);
  }
  return rows;
}

/**
 * How the function scales, in the words the CLI uses too ("Concurrency 10 per replica, 0-10
 * replicas, to zero after 60 s"); undefined for a fixed replica count.
 */
export function scalingText(spec: FunctionStatus["spec"]): string | undefined {
  const scaling = scalingOf(spec);
  return scaling.mode === "manual" ? undefined : describeScaling(scaling);
}
