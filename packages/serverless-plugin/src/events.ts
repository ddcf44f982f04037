/**
 * serverless.yml `events` as EventFlow features: `http` is the function's endpoint (its
 * auth and CORS), `schedule` and `nats` are triggers. Pure.
 */
import type { FunctionSpecInput } from "@eventflow/protocol";
import type { FunctionSpecLimits, FunctionTrigger } from "@eventflow/protocol/function-spec";
import { buildHttpEventSchema, natsEventSchema, scheduleEventSchema } from "./config-schema.js";
import { parseWith, toEnv, type Issues } from "./issues.js";
import { ScheduleError, toCronSchedule } from "./schedule.js";

const EVENT_KEYS = new Set(["http", "schedule", "nats"]);
/** `path` values that mean "every path", which is what an endpoint serves. */
const PASS_THROUGH_PATHS = new Set(["", "/", "*", "{proxy+}", "/{proxy+}"]);

/** What the events of one function add to its spec. */
export interface EventResult {
  triggers: FunctionTrigger[];
  http: Pick<FunctionSpecInput, "auth" | "cors">;
}

function mapHttp(value: unknown, path: string, issues: Issues, limits: FunctionSpecLimits) {
  const http = parseWith(buildHttpEventSchema(limits), value, path, issues);
  if (http === undefined) return {};
  const [method, route] =
    typeof http === "string"
      ? (http.trim().split(/\s+/, 2) as [string, string | undefined])
      : [http.method, http.path];
  if (method !== undefined && !["any", "*"].includes(method.toLowerCase()))
    issues.push({
      path: `${path}.method`,
      message:
        "EventFlow sends every method to the function's endpoint: remove it (or use any) and check the method in the handler",
    });
  if (route !== undefined && !PASS_THROUGH_PATHS.has(route))
    issues.push({
      path: `${path}.path`,
      message:
        "EventFlow sends every path below /fn/TENANT/NAME/ to the function: remove it (or use /{proxy+}) and route in the handler",
    });
  if (typeof http === "string") return {};
  const cors =
    http.cors === true ? { allowOrigins: ["*"] } : http.cors === false ? undefined : http.cors;
  return {
    ...(http.auth === undefined ? {} : { auth: http.auth }),
    ...(cors === undefined ? {} : { cors }),
  };
}

function mapSchedule(value: unknown, path: string, issues: Issues, warnings: string[]) {
  const schedule = parseWith(scheduleEventSchema, value, path, issues);
  if (schedule === undefined) return [];
  const form = typeof schedule === "string" ? { rate: schedule } : schedule;
  if (form.enabled === false) return [];
  for (const key of Object.keys(form))
    if (!["rate", "enabled", "input", "timezone", "name", "description"].includes(key))
      warnings.push(`${path}.${key}: not supported by EventFlow schedules; ignored`);
  const data = form.input === undefined ? undefined : toEnv(form.input);
  const rates = Array.isArray(form.rate) ? form.rate : [form.rate];
  const out: FunctionTrigger[] = [];
  rates.forEach((rate, i) => {
    const at =
      typeof schedule === "string" ? path : `${path}.rate${rates.length > 1 ? `.${i}` : ""}`;
    try {
      const converted = toCronSchedule(rate);
      for (const w of converted.warnings) warnings.push(`${at}: ${w}`);
      out.push({
        type: "schedule",
        cron: converted.cron,
        ...(form.timezone === undefined ? {} : { timezone: form.timezone }),
        ...(data === undefined ? {} : { data }),
      });
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      issues.push({ path: at, message: error.message });
    }
  });
  return out;
}

/** Maps `events`; unknown event kinds are warnings naming the key. */
export function mapEvents(
  events: readonly Record<string, unknown>[],
  path: string,
  ctx: { issues: Issues; warnings: string[]; limits: FunctionSpecLimits },
): EventResult {
  const result: EventResult = { triggers: [], http: {} };
  events.forEach((event, i) => {
    for (const [kind, value] of Object.entries(event)) {
      const at = `${path}.events.${i}.${kind}`;
      if (!EVENT_KEYS.has(kind)) {
        ctx.warnings.push(`${at}: not an EventFlow event (http, schedule, nats); ignored`);
        continue;
      }
      if (kind === "http") Object.assign(result.http, mapHttp(value, at, ctx.issues, ctx.limits));
      else if (kind === "schedule")
        result.triggers.push(...mapSchedule(value, at, ctx.issues, ctx.warnings));
      else {
        const nats = parseWith(natsEventSchema, value, at, ctx.issues);
        if (nats !== undefined) result.triggers.push({ type: "nats", ...nats });
      }
    }
  });
  return result;
}
