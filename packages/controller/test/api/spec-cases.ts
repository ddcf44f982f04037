// The function specs every client of the one spec schema must judge alike: the API, the CLI,
// the dashboard's form and the CRD's JSON Schema (spec-agreement.test.ts), and the Function
// CRD on the real API server (test/deploy/function-crd.k8s.test.ts).

/** The controller's limits the cases are judged with (not the defaults, so a copied limit fails). */
export const SPEC_CASE_LIMITS = { maxReplicas: 12, maxBodyBytes: 2 * 1024 * 1024 };

export interface SpecCase {
  readonly name: string;
  readonly spec: Record<string, unknown>;
  /** The field refused (API path), or undefined when the spec is accepted. */
  readonly refused?: string;
  /** Text the refusal's message must contain (the limit it broke). */
  readonly mentions?: string;
  /**
   * How the Function CRD refuses it when the plain JSON Schema cannot: `rule`, the API server
   * refuses it through what a JSON Schema validator does not run (a CEL rule of
   * x-kubernetes-validations, a list keyed by name, strict field validation of an unknown
   * field); `reconciler`, the API server accepts it and only the controller's validation of the
   * stored spec refuses it (test/deploy/function-crd.k8s.test.ts checks both on the API server).
   */
  readonly crd?: "rule" | "reconciler";
}

const cpu = (q: string) => ({ resources: { limits: { cpu: q } } });
const memory = (q: string) => ({ resources: { limits: { memory: q } } });
export const SPEC_CASES: readonly SpecCase[] = [
  { name: "image only", spec: {} },
  { name: "cpu 500m", spec: cpu("500m") },
  { name: "cpu 1.5", spec: cpu("1.5") },
  { name: "cpu 2Pi", spec: cpu("2Pi"), refused: "resources.limits.cpu" },
  { name: "cpu 65 cores", spec: cpu("65"), refused: "resources.limits.cpu", crd: "rule" },
  { name: "memory 128Mi", spec: memory("128Mi") },
  { name: "memory 1GB", spec: memory("1GB"), refused: "resources.limits.memory" },
  {
    name: "memory 1Mi",
    spec: memory("1Mi"),
    refused: "resources.limits.memory",
    mentions: "4Mi",
    crd: "rule",
  },
  {
    name: "cpu request above its limit",
    spec: { resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } } },
    refused: "resources.requests.cpu",
    crd: "rule",
  },
  { name: "replicas at the limit", spec: { replicas: 12 } },
  { name: "body limit at the controller's", spec: { maxBodyBytes: 2 * 1024 * 1024 } },
  {
    name: "body limit above the controller's",
    spec: { maxBodyBytes: 2 * 1024 * 1024 + 1 },
    refused: "maxBodyBytes",
  },
  { name: "public endpoint", spec: { auth: "public" } },
  { name: "auth anonymous", spec: { auth: "anonymous" }, refused: "auth" },
  { name: "secret mounted as files", spec: { secrets: [{ name: "stripe", mount: "files" }] } },
  {
    name: "secret key not a variable name as env",
    spec: { secrets: [{ name: "stripe", mount: "env", keys: ["api-key"] }] },
    refused: "secrets.0.keys.0",
    crd: "rule",
  },
  {
    name: "cors credentials with any origin",
    spec: { cors: { allowOrigins: ["*"], allowCredentials: true } },
    refused: "cors.allowCredentials",
    crd: "rule",
  },
  { name: "replicas over the limit", spec: { replicas: 13 }, refused: "replicas", mentions: "12" },
  {
    name: "scaling at the limit",
    spec: { scaling: { minReplicas: 1, maxReplicas: 12, targetCPUUtilization: 70 } },
  },
  {
    name: "maxReplicas over the limit",
    spec: { scaling: { minReplicas: 1, maxReplicas: 13 } },
    refused: "scaling.maxReplicas",
    mentions: "12",
  },
  {
    name: "minReplicas above maxReplicas",
    spec: { scaling: { minReplicas: 3, maxReplicas: 2 } },
    refused: "scaling.minReplicas",
    crd: "rule",
  },
  {
    name: "CPU target over 100",
    spec: { scaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilization: 150 } },
    refused: "scaling.targetCPUUtilization",
    mentions: "100",
  },
  { name: "timeout 3600", spec: { timeoutSeconds: 3600 } },
  { name: "timeout 7200", spec: { timeoutSeconds: 7200 }, refused: "timeoutSeconds" },
  { name: "env", spec: { env: { GREETING: "hi" } } },
  {
    name: "env name with a digit first",
    spec: { env: { "1BAD": "x" } },
    refused: "env.1BAD",
    crd: "rule",
  },
  { name: "env value not text", spec: { env: { A: 1 } }, refused: "env.A" },
  {
    name: "image with upper case",
    spec: { image: "Registry.io/Hello:1" },
    refused: "image",
    crd: "reconciler",
  },
  { name: "empty image", spec: { image: "" }, refused: "image" },
  {
    name: "unknown nested field",
    spec: { resources: { limits: { gpu: "1" } } },
    refused: "resources.limits.gpu",
    crd: "rule",
  },
  {
    name: "secret listed twice",
    spec: {
      secrets: [
        { name: "stripe", mount: "files" },
        { name: "stripe", mount: "files" },
      ],
    },
    refused: "secrets.1.name",
    crd: "rule",
  },
  {
    name: "secret key starting with ..",
    spec: { secrets: [{ name: "stripe", mount: "files", keys: ["..data"] }] },
    refused: "secrets.0.keys.0",
    crd: "rule",
  },
  {
    name: "secret name with upper case",
    spec: { secrets: [{ name: "Stripe", mount: "files" }] },
    refused: "secrets.0.name",
  },
  {
    name: "schedule of 6 fields with data",
    spec: { triggers: [{ type: "schedule", cron: "*/1 * * * * *", data: { job: "sweep" } }] },
  },
  {
    name: "cron of 4 fields",
    spec: { triggers: [{ type: "schedule", cron: "* * * *" }] },
    refused: "triggers.0.cron",
  },
  {
    name: "schedule trigger with a subject",
    spec: { triggers: [{ type: "schedule", cron: "* * * * *", subject: "a.b" }] },
    refused: "triggers.0.subject",
    crd: "rule",
  },
  {
    name: "11 triggers",
    spec: { triggers: Array.from({ length: 11 }, () => ({ type: "schedule", cron: "* * * * *" })) },
    refused: "triggers",
  },
  {
    name: "retry of 2 attempts",
    spec: { retry: { maxAttempts: 2, backoff: { initialMs: 100, maxMs: 1000, multiplier: 2 } } },
  },
  {
    name: "retry of 101 attempts",
    spec: { retry: { maxAttempts: 101, backoff: { initialMs: 1, maxMs: 2, multiplier: 2 } } },
    refused: "retry.maxAttempts",
  },
  {
    name: "retry initialMs above maxMs",
    spec: { retry: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 2, multiplier: 2 } } },
    refused: "retry.backoff.initialMs",
    crd: "rule",
  },
];
