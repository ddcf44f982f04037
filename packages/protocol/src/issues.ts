/**
 * Validation problems in words a person reads: `must be a whole number between 0 and 65535
 * (got "abc")` instead of a validator's `Invalid input: expected number, received NaN`. The one
 * place the controller's configuration, the API's field errors (and so the dashboard, which
 * shows them on its fields) and the CLI's eventflow.yaml errors get their text from.
 */
import type { FieldIssue } from "./errors.js";

/**
 * One problem as zod 4 reports it to an error map, typed by its shape: protocol depends on no
 * validator. Fields beyond `code` are present when that kind of issue has them.
 */
export interface ValidationIssue {
  readonly code: string;
  readonly path?: readonly PropertyKey[] | undefined;
  readonly message?: string | undefined;
  readonly input?: unknown;
  readonly expected?: string | undefined;
  readonly format?: string | undefined;
  readonly origin?: string | undefined;
  readonly minimum?: number | bigint | undefined;
  readonly maximum?: number | bigint | undefined;
  readonly inclusive?: boolean | undefined;
  readonly values?: readonly unknown[] | undefined;
  readonly keys?: readonly string[] | undefined;
  readonly divisor?: number | bigint | undefined;
  /** The schema that failed; a number schema's bounds are read from it (`minValue`, `maxValue`, `isInt`). */
  readonly schema?: unknown;
}

/** Bounds past these are the validator's "safe integer" defaults, not a rule anyone wrote. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function bound(value: unknown): number | undefined {
  if (typeof value === "bigint") return Number(value);
  return typeof value === "number" && Number.isFinite(value) && Math.abs(value) < UNBOUNDED
    ? value
    : undefined;
}

/** `a number`, `a whole number between 1 and 65535`, `a number of at least 0`. */
function describeNumber(issue: ValidationIssue): string {
  const schema = (issue.schema ?? {}) as {
    minValue?: unknown;
    maxValue?: unknown;
    isInt?: unknown;
  };
  const whole =
    schema.isInt === true || issue.expected === "int" || issue.format?.endsWith("int") === true;
  const min = bound(schema.minValue) ?? bound(issue.minimum);
  const max = bound(schema.maxValue) ?? bound(issue.maximum);
  const what = whole ? "a whole number" : "a number";
  if (min !== undefined && max !== undefined) return `must be ${what} between ${min} and ${max}`;
  if (min !== undefined) return `must be ${what} of at least ${min}`;
  if (max !== undefined) return `must be ${what} of at most ${max}`;
  return `must be ${what}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  bigint: "a whole number",
  date: "a date",
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describeSize(issue: ValidationIssue, small: boolean): string {
  const limit = Number(small ? issue.minimum : issue.maximum);
  const word = small ? "at least" : "at most";
  if (issue.origin === "string")
    return small && limit === 1
      ? "must not be empty"
      : `must be ${word} ${plural(limit, "character")}`;
  if (issue.origin === "array" || issue.origin === "set")
    return small && limit === 1
      ? "must not be empty"
      : `must have ${word} ${plural(limit, "item")}`;
  return describeNumber(issue);
}

const FORMATS: Readonly<Record<string, string>> = {
  url: "a URL",
  email: "an email address",
  uuid: "a UUID",
  datetime: "an RFC 3339 time (2026-01-31T12:00:00Z)",
  date: "a date (2026-01-31)",
  duration: "an ISO 8601 duration",
  base64: "base64",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
};

function describeValues(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
  return shown.length === 1 ? `must be ${shown[0]}` : `must be one of ${shown.join(", ")}`;
}

/**
 * The sentence for one issue, without the field's name (`must be one of local, kubernetes`).
 * Pass it to zod as the parse's error map: messages a schema sets itself still win.
 */
export function describeIssue(issue: ValidationIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      if (issue.expected === "number" || issue.expected === "int") return describeNumber(issue);
      const name = TYPE_NAMES[issue.expected ?? ""];
      return name === undefined
        ? `must be ${issue.expected ?? "something else"}`
        : `must be ${name}`;
    }
    case "too_small":
      return describeSize(issue, true);
    case "too_big":
      return describeSize(issue, false);
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "invalid_value":
      return describeValues(issue.values ?? []);
    case "invalid_format": {
      if (issue.format === "regex") return "has the wrong format";
      if (
        issue.format === "starts_with" ||
        issue.format === "ends_with" ||
        issue.format === "includes"
      )
        return "has the wrong format";
      return `must be ${FORMATS[issue.format ?? ""] ?? `a valid ${issue.format ?? "value"}`}`;
    }
    case "unrecognized_keys":
      return issue.keys !== undefined && issue.keys.length > 1 ? "unknown fields" : "unknown field";
    case "invalid_union":
      return "does not match any of the allowed forms";
    case "invalid_key":
      return "has an invalid key";
    default:
      return issue.message ?? "is invalid";
  }
}

const MAX_SHOWN = 40;

/** ` (got "abc")` for a short primitive input; nothing for objects, NaN or absent values. */
function describeInput(input: unknown): string {
  if (typeof input === "string") {
    const cut = input.length > MAX_SHOWN ? `${input.slice(0, MAX_SHOWN - 1)}…` : input;
    return ` (got ${JSON.stringify(cut)})`;
  }
  if ((typeof input === "number" && !Number.isNaN(input)) || typeof input === "boolean")
    return ` (got ${String(input)})`;
  return "";
}

/** Options of {@link toFieldIssues}. */
export interface FieldIssueOptions {
  /** Put before every path, e.g. `["query"]`. */
  readonly prefix?: readonly string[];
  /**
   * The value to show after the message for a path; defaults to the issue's input. Return
   * `undefined` to show none (secrets), or the raw text where the validator coerced it.
   */
  readonly inputOf?: (path: string, issue: ValidationIssue) => unknown;
}

/**
 * Field issues (`{ path, message }`) of a validator's issues: unknown keys become one
 * `unknown field` each, and the offending value is quoted after the message when it is short
 * and a value that `inputOf` lets through.
 */
export function toFieldIssues(
  issues: readonly ValidationIssue[],
  options: FieldIssueOptions = {},
): FieldIssue[] {
  const prefix = options.prefix ?? [];
  return issues.flatMap((issue) => {
    const parts = [...prefix, ...(issue.path ?? []).map(String)];
    if (issue.code === "unrecognized_keys" && issue.keys !== undefined)
      return issue.keys.map((key) => ({
        path: [...parts, key].join("."),
        message: "unknown field",
      }));
    const path = parts.join(".");
    const input = options.inputOf === undefined ? issue.input : options.inputOf(path, issue);
    const message = issue.message ?? describeIssue(issue);
    return [{ path, message: `${message}${describeInput(input)}` }];
  });
}
