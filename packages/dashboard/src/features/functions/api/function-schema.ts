/**
 * The create/edit form's schema. Text fields are checked for what only a form has (required
 * fields, duplicate variable names); then the body they make (toRequest) is checked with the
 * API's own function spec, for the controller's limits, and each problem lands on the field
 * it concerns (toFieldPath), as the server's field errors do.
 */
import {
  describeIssue,
  toFieldIssues,
  type FunctionCors,
  type FunctionCreateRequest,
  type FunctionStatus,
} from "@eventflow/protocol";
import {
  SCALING_METRICS,
  buildFunctionSpecSchema,
  functionNameSchema,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { z } from "zod";

const text = z.string();
const required = z.string().trim().min(1, { error: "required" });
const formFields = z.object({
  name: text,
  image: text,
  replicas: required,
  timeoutSeconds: text,
  env: z.array(z.object({ key: text, value: text })),
  cpuRequest: text,
  cpuLimit: text,
  memoryRequest: text,
  memoryLimit: text,
  autoscale: z.boolean(),
  metric: z.enum(SCALING_METRICS),
  target: text,
  minReplicas: text,
  maxReplicas: text,
  scaleToZeroAfterSeconds: text,
  scaleDownDelaySeconds: text,
  containerConcurrency: text,
  auth: z.enum(["token", "public"]),
  maxBodyBytes: text,
  // keys: comma-separated key names; empty for every key of the secret
  secrets: z.array(z.object({ name: text, mount: z.enum(["files", "env"]), keys: text })),
});

/** The form's schema for a controller's limits (`GET /v1/limits`). */
export function buildFunctionFormSchema(limits: FunctionSpecLimits) {
  const body = buildFunctionSpecSchema(limits).extend({ name: functionNameSchema });
  return formFields.superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.env.forEach((row, i) => {
      if (seen.has(row.key.trim()))
        ctx.addIssue({ code: "custom", path: ["env", i, "key"], message: "duplicate name" });
      seen.add(row.key.trim());
    });
    for (const bound of ["minReplicas", "maxReplicas"] as const)
      if (f.autoscale && f[bound].trim() === "")
        ctx.addIssue({ code: "custom", path: [bound], message: "required" });
    const result = body.safeParse(toRequest(f), { error: describeIssue });
    if (result.success) return;
    for (const issue of toFieldIssues(result.error.issues))
      ctx.addIssue({
        code: "custom",
        path: toFieldPath(issue.path, f.env).split("."),
        message: issue.message,
      });
  });
}

/** The form's values. */
export type FunctionFormValues = z.infer<typeof formFields>;

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
  metric: "concurrency",
  target: "",
  minReplicas: "1",
  maxReplicas: "5",
  scaleToZeroAfterSeconds: "",
  scaleDownDelaySeconds: "",
  containerConcurrency: "",
  auth: "token",
  maxBodyBytes: "",
  secrets: [],
};

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** Form values of an existing function, for editing. */
export function fromFunction(fn: FunctionStatus): FunctionFormValues {
  const r = (fn.spec.resources ?? {}) as {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  const s = fn.spec.scaling as
    (Record<string, number | undefined> & { metric?: FunctionFormValues["metric"] }) | undefined;
  // The earlier utilisation fields read as the metric they ask for.
  const legacyMetric =
    s?.targetCPUUtilization !== undefined
      ? "cpu"
      : s?.targetMemoryUtilization !== undefined
        ? "memory"
        : undefined;
  const metric = s?.metric ?? legacyMetric ?? EMPTY_FORM.metric;
  const target =
    s?.target ?? (metric === "cpu" ? s?.targetCPUUtilization : s?.targetMemoryUtilization);
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
    metric,
    target: str(target),
    minReplicas: s ? str(s.minReplicas) : EMPTY_FORM.minReplicas,
    maxReplicas: s ? str(s.maxReplicas) : EMPTY_FORM.maxReplicas,
    scaleToZeroAfterSeconds: str(s?.scaleToZeroAfterSeconds),
    scaleDownDelaySeconds: str(s?.scaleDownDelaySeconds),
    containerConcurrency: str(fn.spec.containerConcurrency),
    auth: fn.spec.auth ?? "token",
    maxBodyBytes: str(fn.spec.maxBodyBytes),
    secrets: (fn.spec.secrets ?? []).map((ref) => ({
      name: ref.name,
      mount: ref.mount ?? "files",
      keys: (ref.keys ?? []).join(", "),
    })),
  };
}

/** Fields of a spec the form does not edit, carried over unchanged on save. */
export interface KeptFields {
  command?: string[];
  args?: string[];
  cors?: FunctionCors;
  triggers?: FunctionCreateRequest["triggers"];
  retry?: FunctionCreateRequest["retry"];
}

const keyList = (keys: string) =>
  keys
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);

/** The `secrets` of the body: `keys` only when the row names some. */
function toSecretRefs(rows: FunctionFormValues["secrets"]): FunctionCreateRequest["secrets"] {
  return rows.map((row) => {
    const keys = keyList(row.keys);
    return { name: row.name.trim(), mount: row.mount, ...(keys.length ? { keys } : {}) };
  });
}

/** What of a function's spec the form does not edit, to send back as it is on a save. */
export function keptFields(spec: KeptFields): KeptFields {
  return {
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    ...(spec.cors ? { cors: spec.cors } : {}),
    ...(spec.triggers ? { triggers: spec.triggers } : {}),
    ...(spec.retry ? { retry: spec.retry } : {}),
  };
}

/** The `scaling` of the body: the metric always (what the user chose), the rest when set. */
function toScaling(f: FunctionFormValues): NonNullable<FunctionCreateRequest["scaling"]> {
  const optional = (key: "target" | "scaleToZeroAfterSeconds" | "scaleDownDelaySeconds") =>
    f[key].trim() ? { [key]: Number(f[key]) } : {};
  return {
    metric: f.metric,
    minReplicas: Number(f.minReplicas),
    maxReplicas: Number(f.maxReplicas),
    ...optional("target"),
    ...(f.metric === "concurrency" || f.metric === "rps"
      ? { ...optional("scaleToZeroAfterSeconds"), ...optional("scaleDownDelaySeconds") }
      : {}),
  };
}

/** The API body of validated form values; `keep` carries fields the form does not edit. */
export function toRequest(f: FunctionFormValues, keep: KeptFields = {}): FunctionCreateRequest {
  const quantities = (c: string, m: string) =>
    c || m ? { ...(c ? { cpu: c } : {}), ...(m ? { memory: m } : {}) } : undefined;
  const requests = quantities(f.cpuRequest, f.memoryRequest);
  const limits = quantities(f.cpuLimit, f.memoryLimit);
  return {
    name: f.name,
    image: f.image.trim(),
    replicas: Number(f.replicas),
    ...keptFields(keep),
    ...(f.env.length ? { env: Object.fromEntries(f.env.map((e) => [e.key.trim(), e.value])) } : {}),
    ...(requests || limits
      ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }
      : {}),
    ...(f.autoscale ? { scaling: toScaling(f) } : {}),
    ...(f.containerConcurrency.trim()
      ? { containerConcurrency: Number(f.containerConcurrency) }
      : {}),
    ...(f.timeoutSeconds ? { timeoutSeconds: Number(f.timeoutSeconds) } : {}),
    ...(f.auth === "public" ? { auth: "public" as const } : {}),
    ...(f.maxBodyBytes.trim() ? { maxBodyBytes: Number(f.maxBodyBytes) } : {}),
    ...(f.secrets.length ? { secrets: toSecretRefs(f.secrets) } : {}),
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
  "scaling.metric": "metric",
  "scaling.target": "target",
  "scaling.scaleToZeroAfterSeconds": "scaleToZeroAfterSeconds",
  "scaling.scaleDownDelaySeconds": "scaleDownDelaySeconds",
  containerConcurrency: "containerConcurrency",
  auth: "auth",
  maxBodyBytes: "maxBodyBytes",
  secrets: "secrets",
};

/** `secrets.2.keys.0` -> `secrets.2.keys`: the row's field an issue of a secret reference is on. */
function secretFieldPath(apiPath: string): string | undefined {
  const match = /^secrets\.(\d+)\.(name|mount|keys)(?:\.|$)/.exec(apiPath);
  return match ? `secrets.${match[1]}.${match[2]}` : undefined;
}

/** The form field an API error path (`resources.limits.cpu`, `env.FOO`) belongs to. */
export function toFieldPath(apiPath: string, env: FunctionFormValues["env"]): string {
  const direct = PATHS[apiPath];
  if (direct) return direct;
  if (apiPath.startsWith("env.")) {
    const i = env.findIndex((e) => e.key.trim() === apiPath.slice(4));
    return i >= 0 ? `env.${i}.key` : "root.env";
  }
  if (apiPath === "env") return "env";
  const secret = secretFieldPath(apiPath);
  if (secret) return secret;
  if (apiPath.startsWith("resources")) return "cpuRequest";
  if (apiPath.startsWith("scaling")) return "minReplicas";
  return "root.server";
}
