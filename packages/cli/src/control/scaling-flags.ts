/**
 * `eventflow deploy`'s scaling flags (`--min`, `--max`, `--metric`, `--target`, `--concurrency`,
 * `--concurrency-limit`, `--scale-to-zero-after`, `--scale-down-delay`): laid over what
 * eventflow.yaml says and checked by the one function-spec schema, each problem naming its flag.
 */
import {
  EventFlowError,
  describeIssue,
  toFieldIssues,
  type FieldIssue,
  type FunctionSpecInput,
} from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  buildFunctionSpecSchema,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { parseDuration } from "./duration.js";

/** The flags as commander hands them over (text). */
export interface ScalingFlags {
  min?: string;
  max?: string;
  metric?: string;
  target?: string;
  concurrency?: string;
  concurrencyLimit?: string;
  scaleToZeroAfter?: string;
  scaleDownDelay?: string;
}

/** The part of a function's settings the flags change. */
export interface ScalingSettings {
  readonly scaling?: FunctionSpecInput["scaling"];
  readonly containerConcurrency?: number | undefined;
}

/** The flag that sets each field, for messages. */
const FLAG_OF: Record<string, string> = {
  "scaling.minReplicas": "--min",
  "scaling.maxReplicas": "--max",
  "scaling.metric": "--metric",
  "scaling.target": "--target",
  "scaling.scaleToZeroAfterSeconds": "--scale-to-zero-after",
  "scaling.scaleDownDelaySeconds": "--scale-down-delay",
  containerConcurrency: "--concurrency-limit",
};

function usage(message: string, details?: FieldIssue[]): EventFlowError {
  return new EventFlowError("CLI_USAGE", message, details === undefined ? {} : { details });
}

/** A number flag: digits with an optional fraction; range and whole-ness are the schema's. */
function numberOf(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()))
    throw usage(`${flag} takes a number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A duration flag in whole seconds (`60`, `90s`, `5m`). */
function secondsOf(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(flag, text);
  if (ms % 1000 !== 0) throw usage(`${flag} takes whole seconds, got ${JSON.stringify(text)}`);
  return ms / 1000;
}

const FLAG_FIELDS: Record<keyof ScalingFlags, true> = {
  min: true,
  max: true,
  metric: true,
  target: true,
  concurrency: true,
  concurrencyLimit: true,
  scaleToZeroAfter: true,
  scaleDownDelay: true,
};

/** Whether any scaling flag was given. */
export function hasScalingFlags(flags: ScalingFlags): boolean {
  return Object.keys(FLAG_FIELDS).some((k) => flags[k as keyof ScalingFlags] !== undefined);
}

/**
 * The scaling and container concurrency of one function: eventflow.yaml's `current` with the
 * flags laid over it. `--concurrency N` is metric concurrency with target N. A `--metric` that
 * differs from the file's drops the file's target (its unit was the other metric's). Bad values
 * are CLI_USAGE with the flag named, every problem at once.
 */
export function applyScalingFlags(
  current: ScalingSettings,
  flags: ScalingFlags,
  limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS,
): ScalingSettings {
  if (!hasScalingFlags(flags)) return current;
  const shorthand = numberOf("--concurrency", flags.concurrency);
  if (shorthand !== undefined && flags.target !== undefined)
    throw usage("--concurrency N is --metric concurrency --target N: give one of them");
  if (shorthand !== undefined && flags.metric !== undefined && flags.metric !== "concurrency")
    throw usage(`--concurrency sets metric concurrency, not ${flags.metric}`);
  const metric = shorthand !== undefined ? "concurrency" : flags.metric;
  const base: Record<string, unknown> = { ...current.scaling };
  if (metric !== undefined && metric !== (base.metric ?? "concurrency")) delete base.target;
  const overrides: Record<string, unknown> = {
    minReplicas: numberOf("--min", flags.min),
    maxReplicas: numberOf("--max", flags.max),
    metric,
    target: shorthand ?? numberOf("--target", flags.target),
    scaleToZeroAfterSeconds: secondsOf("--scale-to-zero-after", flags.scaleToZeroAfter),
    scaleDownDelaySeconds: secondsOf("--scale-down-delay", flags.scaleDownDelay),
  };
  const scalingSet = Object.values(overrides).some((v) => v !== undefined);
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) base[k] = v;
  const containerConcurrency =
    numberOf("--concurrency-limit", flags.concurrencyLimit) ?? current.containerConcurrency;
  const candidate = {
    ...(scalingSet || current.scaling !== undefined ? { scaling: base } : {}),
    ...(containerConcurrency === undefined ? {} : { containerConcurrency }),
  };
  const schema = buildFunctionSpecSchema(limits).pick({
    scaling: true,
    containerConcurrency: true,
  });
  const result = schema.safeParse(candidate, { error: describeIssue, reportInput: true });
  if (result.success) return result.data;
  const details = toFieldIssues(result.error.issues).map((d) => ({
    ...d,
    path: FLAG_OF[d.path] ?? d.path,
  }));
  throw usage(details.map((d) => `${d.path}: ${d.message}`).join("; "), details);
}
