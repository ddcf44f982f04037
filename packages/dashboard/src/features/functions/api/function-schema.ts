/**
 * The create/edit form's schema. It mirrors the API's rules (docs/api.md, the controller's
 * schemas/functions.ts): the name rule itself is shared from @eventflow/protocol, the rest is
 * mirrored because the controller's zod schemas are not yet exported from a browser-safe package.
 * The server still validates; its field errors land on the same fields (see toFieldPath).
 */
import {
  checkFunctionName,
  type FunctionCreateRequest,
  type FunctionStatus,
} from "@eventflow/protocol";
import { z } from "zod";

import { MAX_REPLICAS } from "./function-limits.ts";

export { MAX_REPLICAS };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CPU = /^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Millicores of a CPU quantity. */
export function cpuMillis(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Bytes of a memory quantity. */
export function memoryBytes(q: string): number {
  const m = /^([0-9]+)([A-Za-z]*)$/.exec(q);
  return m ? Number(m[1]) * (UNITS[m[2] ?? ""] ?? Number.NaN) : Number.NaN;
}

const optionalInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((v) => v === "" || (/^[0-9]+$/.test(v) && Number(v) >= min && Number(v) <= max), {
      error: `must be a whole number from ${min} to ${max}`,
    });

const cpu = z
  .string()
  .trim()
  .refine((v) => v === "" || (CPU.test(v) && cpuMillis(v) > 0 && cpuMillis(v) <= 64_000), {
    error: "must be a CPU quantity such as 250m or 1.5 (at most 64 cores)",
  });
const memory = z
  .string()
  .trim()
  .refine(
    (v) =>
      v === "" ||
      (MEMORY.test(v) && memoryBytes(v) >= 4 * 1024 ** 2 && memoryBytes(v) <= 256 * 1024 ** 3),
    {
      error: "must be a memory quantity such as 128Mi, between 4Mi and 256Gi",
    },
  );

/** The form's fields: text inputs hold strings, converted by toRequest. */
export const functionFormSchema = z
  .object({
    name: z.string().superRefine((v, ctx) => {
      const problem = checkFunctionName(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    image: z
      .string()
      .trim()
      .min(1, { error: "an image is required" })
      .max(1024)
      .regex(/^\S+$/, { error: "must not contain spaces" }),
    replicas: optionalInt(0, MAX_REPLICAS).refine((v) => v !== "", { error: "required" }),
    timeoutSeconds: optionalInt(1, 3600),
    env: z
      .array(
        z.object({
          key: z
            .string()
            .trim()
            .max(256)
            .regex(ENV_NAME, { error: "must match [A-Za-z_][A-Za-z0-9_]*" }),
          value: z.string().max(32 * 1024, { error: "at most 32 KiB" }),
        }),
      )
      .max(128, { error: "at most 128 variables" }),
    cpuRequest: cpu,
    cpuLimit: cpu,
    memoryRequest: memory,
    memoryLimit: memory,
    autoscale: z.boolean(),
    minReplicas: optionalInt(0, MAX_REPLICAS),
    maxReplicas: optionalInt(1, MAX_REPLICAS),
    targetCPUUtilization: optionalInt(1, 100),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.env.forEach((row, i) => {
      if (seen.has(row.key))
        ctx.addIssue({ code: "custom", path: ["env", i, "key"], message: "duplicate name" });
      seen.add(row.key);
    });
    if (
      f.cpuRequest &&
      f.cpuLimit &&
      CPU.test(f.cpuRequest) &&
      CPU.test(f.cpuLimit) &&
      cpuMillis(f.cpuRequest) > cpuMillis(f.cpuLimit)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["cpuRequest"],
        message: "must not exceed the CPU limit",
      });
    }
    if (
      f.memoryRequest &&
      f.memoryLimit &&
      memoryBytes(f.memoryRequest) > memoryBytes(f.memoryLimit)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["memoryRequest"],
        message: "must not exceed the memory limit",
      });
    }
    if (f.autoscale) {
      if (f.minReplicas === "")
        ctx.addIssue({ code: "custom", path: ["minReplicas"], message: "required" });
      if (f.maxReplicas === "")
        ctx.addIssue({ code: "custom", path: ["maxReplicas"], message: "required" });
      if (
        f.minReplicas !== "" &&
        f.maxReplicas !== "" &&
        Number(f.minReplicas) > Number(f.maxReplicas)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["minReplicas"],
          message: "must not exceed max replicas",
        });
      }
    }
  });

/** The form's values. */
export type FunctionFormValues = z.infer<typeof functionFormSchema>;

/** Empty form for a new function. */
export const EMPTY_FORM: FunctionFormValues = {
  name: "",
  image: "",
  replicas: "1",
  timeoutSeconds: "",
  env: [],
  cpuRequest: "",
  cpuLimit: "",
  memoryRequest: "",
  memoryLimit: "",
  autoscale: false,
  minReplicas: "1",
  maxReplicas: "5",
  targetCPUUtilization: "",
};

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** Form values of an existing function, for editing. */
export function fromFunction(fn: FunctionStatus): FunctionFormValues {
  const r = (fn.spec.resources ?? {}) as {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  const s = fn.spec.scaling as Record<string, number> | undefined;
  return {
    ...EMPTY_FORM,
    name: fn.name,
    image: fn.spec.image,
    replicas: String(fn.spec.replicas),
    timeoutSeconds: str(fn.spec.timeoutSeconds),
    env: Object.entries(fn.spec.env ?? {}).map(([key, value]) => ({ key, value })),
    cpuRequest: str(r.requests?.cpu),
    memoryRequest: str(r.requests?.memory),
    cpuLimit: str(r.limits?.cpu),
    memoryLimit: str(r.limits?.memory),
    autoscale: s !== undefined,
    minReplicas: s ? str(s.minReplicas) : EMPTY_FORM.minReplicas,
    maxReplicas: s ? str(s.maxReplicas) : EMPTY_FORM.maxReplicas,
    targetCPUUtilization: str(s?.targetCPUUtilization),
  };
}

/** The API body of validated form values; `keep` carries fields the form does not edit. */
export function toRequest(
  f: FunctionFormValues,
  keep: { command?: string[]; args?: string[] } = {},
): FunctionCreateRequest {
  const quantities = (c: string, m: string) =>
    c || m ? { ...(c ? { cpu: c } : {}), ...(m ? { memory: m } : {}) } : undefined;
  const requests = quantities(f.cpuRequest, f.memoryRequest);
  const limits = quantities(f.cpuLimit, f.memoryLimit);
  return {
    name: f.name,
    image: f.image.trim(),
    replicas: Number(f.replicas),
    ...(keep.command ? { command: [...keep.command] } : {}),
    ...(keep.args ? { args: [...keep.args] } : {}),
    ...(f.env.length ? { env: Object.fromEntries(f.env.map((e) => [e.key.trim(), e.value])) } : {}),
    ...(requests || limits
      ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }
      : {}),
    ...(f.autoscale
      ? {
          scaling: {
            minReplicas: Number(f.minReplicas),
            maxReplicas: Number(f.maxReplicas),
            ...(f.targetCPUUtilization
              ? { targetCPUUtilization: Number(f.targetCPUUtilization) }
              : {}),
          },
        }
      : {}),
    ...(f.timeoutSeconds ? { timeoutSeconds: Number(f.timeoutSeconds) } : {}),
  };
}

const PATHS: Record<string, keyof FunctionFormValues> = {
  name: "name",
  "params.name": "name",
  image: "image",
  replicas: "replicas",
  timeoutSeconds: "timeoutSeconds",
  "resources.requests.cpu": "cpuRequest",
  "resources.requests.memory": "memoryRequest",
  "resources.limits.cpu": "cpuLimit",
  "resources.limits.memory": "memoryLimit",
  "scaling.minReplicas": "minReplicas",
  "scaling.maxReplicas": "maxReplicas",
  "scaling.targetCPUUtilization": "targetCPUUtilization",
};

/** The form field an API error path (`resources.limits.cpu`, `env.FOO`) belongs to. */
export function toFieldPath(apiPath: string, env: FunctionFormValues["env"]): string {
  const direct = PATHS[apiPath];
  if (direct) return direct;
  if (apiPath.startsWith("env.")) {
    const i = env.findIndex((e) => e.key.trim() === apiPath.slice(4));
    return i >= 0 ? `env.${i}.key` : "root.env";
  }
  if (apiPath.startsWith("resources")) return "cpuRequest";
  if (apiPath.startsWith("scaling")) return "minReplicas";
  return "root.server";
}
