/**
 * The spec's `traffic` and `rollout`: the rules of checkTraffic and checkRollout (one
 * implementation each, in revisions/) reported under the spec's own paths.
 */
import { z } from "zod";
import {
  checkRollout,
  MAX_ROLLOUT_INTERVAL_SECONDS,
  MAX_ROLLOUT_STEPS,
} from "../revisions/rollout-spec.js";
import { checkTraffic, MAX_TRAFFIC_TAG_LENGTH, MAX_TRAFFIC_TARGETS } from "../revisions/traffic.js";

/** A zod issue path from a {@link FieldIssue} path under `field` (`traffic.1.tag` -> [1, "tag"]). */
function pathUnder(field: string, path: string): (string | number)[] {
  return path
    .split(".")
    .slice(field.split(".").length)
    .map((part) => (/^[0-9]+$/.test(part) ? Number(part) : part));
}

/**
 * `traffic`: which revisions take what share of the requests, and tags that reach one revision
 * alone. The rules between targets are {@link checkTraffic}'s; whether a revision exists is
 * checked when the traffic is applied (REVISION_NOT_FOUND), as revisions are not part of a spec.
 */
export const trafficSchema = z
  .array(
    z.strictObject({
      revision: z.number().int().min(1).optional().meta({
        description: "a revision number (4 for hello-00004)",
      }),
      latestRevision: z.boolean().optional().meta({
        description: "follow the newest revision (instead of revision)",
      }),
      percent: z.number().int().min(0).max(100).meta({
        description: "whole percent of the requests; 0 only with a tag",
      }),
      tag: z.string().max(MAX_TRAFFIC_TAG_LENGTH).optional().meta({
        description:
          "a DNS label; requests with the header X-EventFlow-Tag: <tag> reach this revision alone",
      }),
    }),
  )
  .min(1)
  .max(MAX_TRAFFIC_TARGETS)
  .superRefine((targets, ctx) => {
    for (const issue of checkTraffic(targets, undefined))
      ctx.addIssue({
        code: "custom",
        path: pathUnder("traffic", issue.path),
        message: issue.message,
      });
  })
  .meta({
    description:
      "the share of requests each revision takes (default: all to the newest); percents add up to 100",
  });

/** `rollout`: how each new revision takes over, step by step, judged on its own requests. */
export const rolloutSchema = z
  .strictObject({
    steps: z.array(z.number().int().min(1).max(100)).min(1).max(MAX_ROLLOUT_STEPS),
    intervalSeconds: z.number().int().min(1).max(MAX_ROLLOUT_INTERVAL_SECONDS),
    maxErrorRate: z.number().min(0).max(1),
    maxP95Ms: z.number().int().min(1),
  })
  .superRefine((rollout, ctx) => {
    for (const issue of checkRollout(rollout))
      if (issue.path.startsWith("rollout.steps"))
        ctx.addIssue({
          code: "custom",
          path: pathUnder("rollout", issue.path),
          message: issue.message,
        });
  })
  .meta({
    description:
      "progressive delivery: a new revision takes steps[i] percent of the requests for intervalSeconds each, and is rolled back when a step's error rate or p95 is over the limits",
  });
